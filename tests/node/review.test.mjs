// Defects found by a second reading of the JS/Embind layer: each test pins one fixed bug
// (error paths that leaked or changed state, API shapes that contradicted PyTorch or the d.ts).
// Both builds. Run: node --test tests/node/review.test.mjs
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { kindling } from '../../bindings/npm/dist/node.mjs';

for (const build of ['st', 'mt']) {
  describe(`review fixes (${build})`, () => {
    let kd;
    before(async () => { kd = await kindling({ threads: build === 'mt' }); });
    after(() => kd.shutdown());

    const live = () => kd.memory().liveTensors;

    test('a failed input conversion in nn frees the inputs already converted', () => {
      const loss = kd.nn.MSELoss();
      const before = live();
      assert.throws(() => kd.nn.functional.mseLoss([1, 2], 'x'), kd.errors.TypeError);
      assert.throws(() => loss.forward([1, 2], 'x'), kd.errors.TypeError);
      assert.throws(() => kd.nn.functional.crossEntropy([[1, 2]], [0.5]), kd.errors.TypeError);
      assert.equal(live(), before);
      loss.dispose();
    });

    test('loadSafetensors keeps a tensor named "__proto__" as an own entry', () => {
      const a = kd.tensor([1, 2]);
      const b = kd.tensor([3]);
      const before = live();
      const sd = kd.loadSafetensors(kd.saveSafetensors([['__proto__', a], ['b', b]]));
      assert.equal(Object.getPrototypeOf(sd), Object.prototype);
      assert.deepEqual(Object.keys(sd), ['__proto__', 'b']);
      assert.deepEqual(sd.__proto__.toArray(), [1, 2]);  // eslint-disable-line no-proto
      kd.dispose(Object.values(sd));
      assert.equal(live(), before);  // both loaded tensors reachable and freed
      kd.dispose([a, b]);
    });

    test('LambdaLR.step changes no lr when one group gets a non-finite lr or a lambda throws', () => {
      const [w, v] = [new kd.nn.Parameter(kd.ones(2)), new kd.nn.Parameter(kd.ones(2))];
      const opt = new kd.optim.SGD([{ params: [w] }, { params: [v], lr: 0.5 }], { lr: 0.1 });
      const sched = new kd.optim.lrScheduler.LambdaLR(opt, [(e) => (e === 0 ? 1 : 2), (e) => (e === 0 ? 1 : Infinity)]);
      assert.throws(() => sched.step(), { name: 'ValueError', message: 'LambdaLR: the new lr of param group 1 is not finite (inf)' });
      assert.deepEqual(opt.paramGroups.map((g) => g.lr), [0.1, 0.5]);
      assert.equal(sched.lastEpoch, 0);
      const sched2 = new kd.optim.lrScheduler.LambdaLR(opt, [() => 1, (e) => { if (e > 0) throw new Error('boom'); return 1; }]);
      assert.throws(() => sched2.step(), /boom/);
      assert.deepEqual(opt.paramGroups.map((g) => g.lr), [0.1, 0.5]);
      assert.equal(sched2.lastEpoch, 0);
      // A negative lr is written, as torch writes it (a linear OneCycleLR's tail goes below 0).
      const sched3 = new kd.optim.lrScheduler.LambdaLR(opt, (e) => (e === 0 ? 1 : -1));
      sched3.step();
      assert.deepEqual(opt.paramGroups.map((g) => g.lr), [-0.1, -0.5]);
      opt.dispose();
      kd.dispose([w, v]);
    });

    test('Linear/Bilinear without bias have bias === null (PyTorch None, nn.d.ts)', () => {
      const lin = kd.nn.Linear(2, 3, { bias: false });
      const bil = kd.nn.Bilinear(2, 2, 3, { bias: false });
      assert.equal(lin.bias, null);
      assert.equal(bil.bias, null);
      assert.deepEqual(lin.namedParameters().map(([n]) => n), ['weight']);
      assert.deepEqual(Object.keys(kd.tidy(() => { const sd = lin.stateDict(); kd.dispose(sd); return sd; })), ['weight']);
      assert.equal(lin.toString(), 'Linear(in_features=2, out_features=3, bias=False)');
      const ln = kd.nn.LayerNorm(3, { elementwiseAffine: false });
      assert.equal(ln.weight, null);
      assert.equal(ln.bias, null);
      const bn = kd.nn.BatchNorm1d(3, { affine: false, trackRunningStats: false });
      assert.equal(bn.weight, null);
      assert.equal(bn.running_mean, null);
      assert.deepEqual(Object.keys(kd.tidy(() => { const sd = bn.stateDict(); kd.dispose(sd); return sd; })), []);
      assert.deepEqual(bn.forward([[1, 2, 3], [3, 2, 1]]).toArray().map((r) => r.map((v) => Math.round(v))), [[-1, 0, 1], [1, 0, -1]]);
      const bn2 = kd.nn.BatchNorm1d(3);
      assert.deepEqual(Object.keys(kd.tidy(() => { const sd = bn2.stateDict(); kd.dispose(sd); return sd; })),
        ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']);
      [ln, bn, bn2].forEach((m) => m.dispose());
      const withBias = kd.nn.Linear(2, 3);
      assert.ok(withBias.bias instanceof kd.nn.Parameter);
      [lin, bil, withBias].forEach((m) => m.dispose());
    });

    test('a Parameter wrapper made inside kd.tidy and registered in a module survives the tidy', () => {
      const lin = kd.nn.Linear(2, 2);
      class M extends kd.nn.Module {
        forward(x) { return x.matmul(this.w); }
      }
      const m = new M();
      kd.tidy(() => {
        m.w = lin.weight.contiguous();  // the same parameter (PyTorch returns self), a new wrapper
        m.registerParameter('v', lin.bias.to('float32'));
      });
      assert.equal(m.w.isDisposed, false);
      assert.equal(m.v.isDisposed, false);
      assert.deepEqual(m.namedParameters().map(([n]) => n), ['w', 'v']);
      m.dispose();
      lin.dispose();
    });

    test('rsub(number, {alpha}) frees its temporary', () => {
      const x = kd.tensor([1, 2]);
      const before = live();
      const r = x.rsub(10, { alpha: 2 });
      assert.deepEqual(r.toArray(), [8, 6]);
      assert.equal(live(), before + 1);
      kd.dispose([x, r]);
    });

    test('out of memory is a MemoryError; sizes of 4 GiB or more never reach the 32-bit allocator', () => {
      const before = kd.memory();
      assert.throws(() => kd.zeros(1e9), (e) => e instanceof kd.errors.MemoryError && /out of memory: could not allocate 4000000000 bytes/.test(e.message));
      // (2^30 + 1) * 4 bytes wraps to 4 in a 32-bit size_t: it used to "succeed" with a 4-byte storage.
      for (const make of [
        () => kd.zeros(2 ** 30 + 1), () => kd.ones([65537, 65537]), () => kd.full([2 ** 29 + 1], 1, { dtype: 'int64' }),
        () => kd.tidy(() => kd.zerosLike(kd.ones(1).expand(2 ** 30 + 1))),
        () => kd.randint(0, 5, [2 ** 29 + 1]), () => kd.eye(65537), () => kd.linspace(0, 1, 2 ** 30 + 1), () => kd.arange(2 ** 29 + 1),
      ]) {
        assert.throws(make, kd.errors.MemoryError);
      }
      assert.equal(kd.memory().liveTensors, before.liveTensors);
      assert.equal(kd.memory().liveStorages, before.liveStorages);
      assert.equal(kd.ones(3).sum().item(), 3);  // still usable
    });

    test('train()/eval() on a tree with a disposed built-in child sets every flag and does not throw', () => {
      const [a, b, c] = [kd.nn.Linear(2, 2), kd.nn.Dropout(0.5), kd.nn.Linear(2, 2)];
      const seq = kd.nn.Sequential(a, b, c);
      b.dispose();
      seq.eval();
      assert.deepEqual([seq, a, c].map((m) => m.training), [false, false, false]);
      seq.train();
      assert.deepEqual([seq, a, c].map((m) => m.training), [true, true, true]);
      // The disposed wrapper reads nothing (its C++ module lives on inside seq's tree).
      assert.throws(() => b.training, kd.errors.StateError);
      seq.dispose();
    });

    test('a paramGroups view kept past optimizer.dispose() throws a StateError', () => {
      const w = new kd.nn.Parameter(kd.ones(2));
      const opt = new kd.optim.Adam([w], { lr: 0.1 });
      const [g] = opt.paramGroups;
      opt.dispose();
      assert.throws(() => g.lr, kd.errors.StateError);
      assert.throws(() => { g.lr = 0.2; }, kd.errors.StateError);
      assert.throws(() => opt.paramGroups, kd.errors.StateError);
      w.dispose();
    });

    test('readEmbeddingsText: large limits are not wrapped to 0, negative ones are refused', () => {
      const text = 'a 1 2\nb 3 4\n';
      const r = kd.readEmbeddingsText(text, { maxLineLength: 2 ** 40, maxVocab: 2 ** 40, maxDim: 2 ** 40 });
      assert.deepEqual(r.vectors.shape, [2, 2]);
      r.vectors.dispose();
      for (const k of ['maxLineLength', 'maxVocab', 'maxDim']) {
        assert.throws(() => kd.readEmbeddingsText(text, { [k]: -1 }), kd.errors.ValueError);
      }
    });
  });
}
