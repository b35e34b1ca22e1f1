// A parameter's one gradient slot from JS, both builds: sparse gradients set by hand
// (`p.grad = {indices, values}`, torch's `p.grad = sparse_coo_tensor(...)`) drive the sparse
// optimizers through PyTorch 1.13's trajectories (tests/fixtures/optim/optim_golden.json, the
// "sparse_*" cases); zeroGrad() empties a sparse gradient in place as torch's zero_() does;
// torch's messages for a bad one; and a view's gradFn once its base changed in place.
// Run: node --test tests/node/grad_slot.test.mjs
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';

import { kindling } from '../../bindings/npm/dist/node.mjs';

const golden = JSON.parse(readFileSync(new URL('../fixtures/optim/optim_golden.json', import.meta.url), 'utf8'));
const camel = (k) => k.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
const camelKeys = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [camel(k), v]));

for (const build of ['st', 'mt']) {
  describe(`gradient slot (${build})`, () => {
    let kd;
    before(async () => { kd = await kindling({ threads: build === 'mt' }); });
    after(() => kd.shutdown());

    for (const c of golden.optimizers.filter((o) => o.name.startsWith('sparse'))) {
      test(`${c.name}: sparse gradients set from JS follow PyTorch's trajectory`, () => {
        const w = new kd.nn.Parameter(kd.tensor(golden.problem.embedding));
        const opt = new kd.optim[c.optimizer]([w], camelKeys(c.options));
        golden.problem.sparse_steps.forEach((step, s) => {
          kd.tidy(() => {
            w.grad = { indices: kd.tensor(step.indices, { dtype: 'int64' }), values: kd.tensor(step.values) };
            assert.equal(w.grad, null);  // the slot holds a sparse gradient now
            opt.step();
          });
          const want = c.trajectory[s][0];
          Array.from(w.dataSync()).forEach((v, i) => assert.ok(Math.abs(v - want[i]) <= 1e-5 * Math.abs(want[i]) + 1e-6, `${c.name} step ${s + 1}[${i}]: ${v} != ${want[i]}`));
        });
        opt.dispose();
        w.dispose();
      });
    }

    test('zeroGrad() empties a sparse gradient in place; setToNone drops it', () => kd.tidy(() => {
      const emb = kd.nn.Embedding(6, 2, { sparse: true });
      const opt = new kd.optim.SGD(emb.parameters(), { lr: 0.1 });
      emb.call(kd.tensor([1, 4, 1], { dtype: 'int64' })).sum().backward();
      opt.zeroGrad();
      const g = emb.weight.sparseGrad;
      assert.deepEqual(g.indices.toArray(), []);
      assert.deepEqual(g.values.shape, [0, 2]);
      assert.deepEqual(g.shape, [6, 2]);
      // Accumulating after the zeroing starts from no rows.
      emb.call(kd.tensor([3], { dtype: 'int64' })).sum().backward();
      assert.deepEqual(emb.weight.sparseGrad.indices.toArray(), [3]);
      emb.zeroGrad();
      assert.deepEqual(emb.weight.sparseGrad.indices.toArray(), []);
      opt.zeroGrad({ setToNone: true });
      assert.equal(emb.weight.sparseGrad, null);
      // A dense gradient replaces a sparse one and the other way round.
      emb.weight.sparseGrad = { indices: kd.tensor([0], { dtype: 'int64' }), values: kd.ones(1, 2), shape: [6, 2] };
      emb.weight.grad = kd.ones(6, 2);
      assert.equal(emb.weight.sparseGrad, null);
      emb.weight.sparseGrad = { indices: kd.tensor([0], { dtype: 'int64' }), values: kd.ones(1, 2) };
      assert.equal(emb.weight.grad, null);
      emb.weight.grad = null;
      assert.equal(emb.weight.sparseGrad, null);
      opt.dispose();
      emb.dispose();
    }));

    test('a bad sparse gradient raises torch\'s message and changes nothing', () => kd.tidy(() => {
      const w = new kd.nn.Parameter(kd.zeros(5, 3));
      w.grad = kd.ones(5, 3);
      const i64 = (v) => kd.tensor(v, { dtype: 'int64' });
      const rows = [
        [{ indices: i64([7]), values: kd.ones(1, 3) }, 'IndexError', 'size is inconsistent with indices: for dim 0, size is 5 but found index 7'],
        [{ indices: i64([-1]), values: kd.ones(1, 3) }, 'IndexError', 'found negative index -1 for dim 0'],
        [{ indices: i64([1, 2]), values: kd.ones(1, 3) }, 'ShapeError', 'indices and values must have same nnz, but got nnz from indices: 2, nnz from values: 1'],
        [{ indices: i64([1]), values: kd.ones(1, 4) }, 'ShapeError', 'values has incorrect size, expected [1, 3], got [1, 4]'],
        [{ indices: i64([1]), values: kd.ones(1, 3), shape: [6, 3] }, 'ShapeError', 'assigned grad has data of a different size'],
        [{ indices: kd.tensor([1]), values: kd.ones(1, 3) }, 'TypeError', 'sparse gradient indices must be int64, got float32'],
        [{ indices: [1], values: kd.ones(1, 3) }, 'TypeError', 'sparseGrad: indices must be a Tensor, got [1]'],
        [{ indices: i64([1]), values: kd.ones(1, 3), rows: 1 }, 'TypeError', "sparseGrad: unknown key 'rows' (expected indices, values, shape)"],
      ];
      for (const [g, name, message] of rows) {
        assert.throws(() => { w.grad = g; }, { name, message });
        assert.deepEqual(w.grad.toArray()[0], [1, 1, 1]);
        assert.equal(w.sparseGrad, null);
      }
      w.dispose();
    }));

    test('narrow and oneHot raise torch\'s kinds; a view\'s gradFn after its base changes in place is torch\'s', () => kd.tidy(() => {
      const a = kd.zeros(3, 4);
      assert.throws(() => a.narrow(1, 3, 2), { name: 'ShapeError', message: 'start (3) + length (2) exceeds dimension size (4).' });
      assert.throws(() => a.narrow(1, -5, 1), { name: 'IndexError', message: 'Dimension out of range (expected to be in range of [-4, 3], but got -5)' });
      assert.throws(() => kd.oneHot(kd.tensor([0, 3], { dtype: 'int64' }), 3), { name: 'RuntimeError', message: 'Class values must be smaller than num_classes.' });
      assert.throws(() => kd.oneHot(kd.tensor([-1], { dtype: 'int64' }), 3), { name: 'RuntimeError', message: 'Class values must be non-negative.' });
      const x = kd.ones(3, 4, { requiresGrad: true });
      const b = x.mul(1);
      const row = b.select(0, 0);
      assert.equal(row.gradFn, 'SelectBackward0');
      b.mul_(2);
      assert.equal(row.gradFn, 'AsStridedBackward0');
      assert.equal(b.gradFn, 'MulBackward0');
      const c = x.mul(1);
      const first = c.select(0, 0);
      first.add_(1);
      assert.equal(first.gradFn, 'AsStridedBackward0');
      assert.equal(c.gradFn, 'CopySlices');
    }));
  });
}
