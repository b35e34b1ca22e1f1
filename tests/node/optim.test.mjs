// kd.optim against PyTorch 1.13's numbers (tests/fixtures/optim/optim_golden.json, made by
// tests/fixtures/optim/generate_optim.py): every dense optimizer case, every scheduler, plus
// param groups, state dicts, clipping and errors. Both builds.
// Run: node --test tests/node/optim.test.mjs
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';

import { kindling } from '../../bindings/npm/dist/node.mjs';
import { fixtureScheduler } from './scheduler_fixture.mjs';

const golden = JSON.parse(readFileSync(new URL('../fixtures/optim/optim_golden.json', import.meta.url), 'utf8'));
const camel = (k) => (k === 'T_max' ? 'TMax' : k.replace(/_([a-z])/g, (_, c) => c.toUpperCase()));
const camelKeys = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [camel(k), v]));

function assertClose(actual, expected, tol, what) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const ok = Math.abs(actual[i] - expected[i]) <= tol * Math.max(1, Math.abs(expected[i]));
    assert.ok(ok, `${what}[${i}]: ${actual[i]} != ${expected[i]}`);
  }
}

for (const build of ['st', 'mt']) {
  describe(`kd.optim (${build})`, () => {
    let kd;
    before(async () => { kd = await kindling({ threads: build === 'mt' }); });
    after(() => kd.shutdown());

    // The fixture's problem: loss = sum((p0*x0 - y0)^2) + sum((p1*x1 - y1)^2); `frozen` never gets a grad.
    function problem() {
      const P = golden.problem;
      const p0 = new kd.nn.Parameter(kd.tensor(P.p0));
      const p1 = new kd.nn.Parameter(kd.tensor(P.p1));
      const frozen = new kd.nn.Parameter(kd.tensor(P.frozen));
      const [x0, y0, x1, y1] = [P.x0, P.y0, P.x1, P.y1].map((v) => kd.tensor(v));
      const loss = () => p0.mul(x0).sub(y0).pow(2).sum().add(p1.mul(x1).sub(y1).pow(2).sum());
      return { params: [p0, p1, frozen], loss, dispose: () => [p0, p1, frozen, x0, y0, x1, y1].forEach((t) => t.dispose()) };
    }

    for (const c of golden.optimizers.filter((o) => !o.name.startsWith('sparse'))) {
      test(`${c.name}: ${c.steps} steps match PyTorch`, () => {
        const pb = problem();
        const opts = camelKeys(c.options);
        const params = c.groups
          ? c.groups.map((g) => ({ params: g.params.map((i) => pb.params[i]), ...camelKeys(g.overrides) }))
          : pb.params;
        const opt = new kd.optim[c.optimizer](params, opts);
        for (let s = 0; s < c.steps; s++) {
          kd.tidy(() => {
            opt.zeroGrad();
            pb.loss().backward();
            opt.step();
          });
          c.trajectory[s].forEach((expected, i) => assertClose(pb.params[i].dataSync(), expected, 2e-5, `${c.name} step ${s} param ${i}`));
        }
        opt.dispose();
        pb.dispose();
      });
    }

    for (const c of golden.schedulers) {
      test(`scheduler ${c.name} matches PyTorch's lrs and momentum`, () => {
        const { opt, sched, dispose } = fixtureScheduler(kd, c);
        const momentum = () => opt.paramGroups.map((g) => (c.optimizer === 'sgd' ? g.momentum : g.betas[0]));
        assertClose(sched.getLastLr(), c.lrs[0], 1e-12, `${c.name} lr 0`);
        assertClose(momentum(), c.momentum[0], 1e-12, `${c.name} momentum 0`);
        for (let s = 1; s <= c.steps; s++) {
          opt.step();
          sched.step();
          assertClose(sched.getLastLr(), c.lrs[s], 1e-12, `${c.name} lr ${s}`);
          assertClose(opt.paramGroups.map((g) => g.lr), c.lrs[s], 1e-12, `${c.name} group lr ${s}`);
          assertClose(momentum(), c.momentum[s], 1e-12, `${c.name} momentum ${s}`);
        }
        dispose();
      });
    }

    test('paramGroups: live lr, options readable, invalid values rejected without change', () => {
      const p = new kd.nn.Parameter(kd.zeros(2));
      const opt = new kd.optim.Adam([p], { lr: 0.01, betas: [0.8, 0.9] });
      const [g] = opt.paramGroups;
      assert.equal(g.lr, 0.01);
      assert.deepEqual(g.betas, [0.8, 0.9]);
      assert.equal(g.params[0], p);
      g.lr = 0.5;
      assert.equal(opt.paramGroups[0].lr, 0.5);
      assert.throws(() => { g.lr = -1; }, (e) => e instanceof kd.errors.ValueError && /Invalid learning rate: -1/.test(e.message));
      assert.equal(opt.paramGroups[0].lr, 0.5);
      assert.throws(() => { g.lr = 'x'; }, kd.errors.TypeError);
      opt.dispose();
      p.dispose();
    });

    test('constructor errors: PyTorch messages, TypeErrors for bad JS values', () => {
      const p = new kd.nn.Parameter(kd.zeros(2));
      assert.throws(() => new kd.optim.SGD([p], { lr: -0.1 }), /Invalid learning rate: -0.1/);
      assert.throws(() => new kd.optim.SGD([p], { lr: 0.1, momentum: -1 }), /Invalid momentum value: -1/);
      assert.throws(() => new kd.optim.SGD([p], {}), kd.errors.TypeError);
      assert.throws(() => new kd.optim.Adam([p], { learningRate: 0.1 }), /unknown option 'learningRate'/);
      assert.throws(() => new kd.optim.Adam([], {}), /empty parameter list/);
      assert.throws(() => new kd.optim.Adam([p, 3]), kd.errors.TypeError);
      // The base class with a kind that is not an optimizer's (found by the property tests: it
      // reached Embind, which threw its own BindingError).
      assert.throws(() => new kd.optim.Optimizer(NaN, [p]), {
        name: 'TypeError', message: 'Optimizer(): kind must be one of SGD, Adam, AdamW, Adagrad, RMSprop, SparseAdam, got NaN',
      });
      p.dispose();
    });

    test('stateDict / loadStateDict round trip continues the same trajectory', () => {
      const run = (steps, opt, pb) => {
        for (let s = 0; s < steps; s++) kd.tidy(() => { opt.zeroGrad(); pb.loss().backward(); opt.step(); });
      };
      const a = problem();
      const optA = new kd.optim.Adam(a.params, { lr: 0.1 });
      run(3, optA, a);
      const sd = optA.stateDict();
      assert.deepEqual(Object.keys(sd.state), ['0', '1']);
      assert.equal(sd.state[0].step, 3);
      assert.deepEqual(sd.state[0].expAvg.shape, [2, 3]);
      assert.deepEqual(sd.paramGroups[0].params, [0, 1, 2]);
      assert.equal(sd.paramGroups[0].lr, 0.1);

      const b = problem();
      b.params.forEach((p, i) => kd.noGrad(() => p.copy_(a.params[i])));
      const optB = new kd.optim.Adam(b.params, { lr: 0.5 });
      optB.loadStateDict(sd);
      assert.equal(optB.paramGroups[0].lr, 0.1);
      run(3, optA, a);
      run(3, optB, b);
      a.params.forEach((p, i) => assert.deepEqual(Array.from(b.params[i].dataSync()), Array.from(p.dataSync())));

      // A bad state dict changes nothing.
      const before = optB.stateDict();
      const bad = { ...sd, state: { 0: { ...sd.state[0], expAvg: kd.zeros(7) } } };
      assert.throws(() => optB.loadStateDict(bad), kd.errors.KindlingError ?? Error);
      const afterSd = optB.stateDict();
      assert.deepEqual(Array.from(afterSd.state[0].expAvg.dataSync()), Array.from(before.state[0].expAvg.dataSync()));
      for (const o of [sd, before, afterSd]) for (const e of Object.values(o.state)) for (const v of Object.values(e)) v?.dispose?.();
      optA.dispose();
      optB.dispose();
      a.dispose();
      b.dispose();
    });

    test('clipGradNorm_ / clipGradValue_ (kd.nn.utils and kd.optim)', () => {
      const p = new kd.nn.Parameter(kd.tensor([3, 4]));
      p.mul(1).sum().backward();  // grad [1, 1]
      kd.noGrad(() => p.grad);    // (reading grad is a new tensor each time)
      const q = new kd.nn.Parameter(kd.zeros(2));
      q.mul(kd.tensor([3, 4])).sum().backward();  // grad [3, 4], norm 5 with p's sqrt(2)
      const total = kd.nn.utils.clipGradNorm_([p, q], 1);
      assert.ok(Math.abs(total.item() - Math.sqrt(27)) < 1e-5);
      const norm = Math.hypot(...p.grad.dataSync(), ...q.grad.dataSync());
      assert.ok(Math.abs(norm - 1) < 1e-4, `clipped norm ${norm}`);
      kd.optim.clipGradValue_([q], 0.1);
      assert.ok(q.grad.dataSync().every((v) => Math.abs(v) <= 0.1 + 1e-7));
      assert.throws(() => kd.nn.utils.clipGradNorm_([p], 1, { normType: 'x' }), kd.errors.TypeError);
      p.dispose();
      q.dispose();
    });

    test('step() skips parameters without grad; zeroGrad({setToNone})', () => {
      const pb = problem();
      const opt = new kd.optim.SGD(pb.params, { lr: 0.1 });
      pb.loss().backward();
      opt.step();
      assert.deepEqual(Array.from(pb.params[2].dataSync()), golden.problem.frozen);
      opt.zeroGrad();
      assert.deepEqual(Array.from(pb.params[0].grad.dataSync()), [0, 0, 0, 0, 0, 0]);
      opt.zeroGrad({ setToNone: true });
      assert.equal(pb.params[0].grad, null);
      opt.dispose();
      pb.dispose();
    });
  });
}
