// Scheduler state and optimizer checkpoints through JS, both builds: every scheduler's
// stateDict() against torch 1.13's state_dict (tests/fixtures/optim/optim_golden.json, made by
// tests/fixtures/optim/generate_optim.py) and resuming from it; a run checkpointed to
// safetensors (model + optimizer + scheduler) and resumed in fresh objects equals the unbroken
// run bit for bit; a checkpoint that does not fit changes nothing.
// Run: node --test tests/node/checkpoint.test.mjs
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';

import { kindling } from '../../bindings/npm/dist/node.mjs';
import { fixtureScheduler } from './scheduler_fixture.mjs';

const golden = JSON.parse(readFileSync(new URL('../fixtures/optim/optim_golden.json', import.meta.url), 'utf8'));

// Same structure; numbers equal to 1e-12 relative.
function assertSameState(got, want, where) {
  if (typeof want === 'number') {
    assert.equal(typeof got, 'number', where);
    assert.ok(Math.abs(got - want) <= 1e-12 * Math.abs(want) + 1e-15, `${where}: ${got} != ${want}`);
  } else if (Array.isArray(want)) {
    assert.ok(Array.isArray(got) && got.length === want.length, `${where}: ${JSON.stringify(got)}`);
    want.forEach((w, i) => assertSameState(got[i], w, `${where}[${i}]`));
  } else if (want !== null && typeof want === 'object') {
    assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort(), where);
    for (const k of Object.keys(want)) assertSameState(got[k], want[k], `${where}.${k}`);
  } else {
    assert.equal(got, want, where);
  }
}

for (const build of ['st', 'mt']) {
  describe(`scheduler state and checkpoints (${build})`, () => {
    let kd;
    before(async () => { kd = await kindling({ threads: build === 'mt' }); });
    after(() => kd.shutdown());

    for (const c of golden.schedulers) {
      test(`${c.name}: stateDict() is torch's; resuming from ours or torch's continues the sequence`, () => {
        const run = fixtureScheduler(kd, c);
        for (let s = 0; s < c.resume_at; s++) {
          run.opt.step();
          run.sched.step();
        }
        assertSameState(run.sched.stateDict(), c.state_dict, c.name);
        const optState = kd.optim.saveState(run.opt);
        const ours = fixtureScheduler(kd, c);
        const torchs = fixtureScheduler(kd, c);
        kd.optim.loadState(optState, ours.opt);
        ours.sched.loadStateDict(run.sched.stateDict());
        kd.optim.loadState(optState, torchs.opt);
        torchs.sched.loadStateDict(c.state_dict);
        assert.equal(ours.sched.lastEpoch, c.resume_at);
        for (let s = c.resume_at; s < c.steps; s++) {
          for (const r of [run, ours, torchs]) {
            r.opt.step();
            r.sched.step();
          }
          assert.deepEqual(ours.sched.getLastLr(), run.sched.getLastLr(), `${c.name} epoch ${s + 1}`);
          assert.deepEqual(ours.opt.paramGroups.map((g) => g.lr), run.opt.paramGroups.map((g) => g.lr));
          torchs.sched.getLastLr().forEach((lr, g) => assertSameState(lr, c.lrs[s + 1][g], `${c.name} torch epoch ${s + 1}`));
        }
        [run, ours, torchs].forEach((r) => r.dispose());
      });
    }

    // name, sparse (an Embedding({sparse: true}) instead of the MLP), optimizer, scheduler
    const sgdMomentum = (p) => new kd.optim.SGD(p, { lr: 0.05, momentum: 0.9, nesterov: true });
    const S = () => kd.optim.lrScheduler;
    const setups = [
      ['Adam + StepLR', false, (p) => new kd.optim.Adam(p, { lr: 0.02, amsgrad: true }), (o) => new (S().StepLR)(o, 3, { gamma: 0.5 })],
      ['AdamW + CosineAnnealingLR', false, (p) => new kd.optim.AdamW(p, { lr: 0.02 }), (o) => new (S().CosineAnnealingLR)(o, 5, { etaMin: 0.001 })],
      ['SGD momentum + MultiStepLR', false, sgdMomentum, (o) => new (S().MultiStepLR)(o, [2, 6, 6], { gamma: 0.5 })],
      ['SGD momentum + ExponentialLR', false, sgdMomentum, (o) => new (S().ExponentialLR)(o, 0.9)],
      ['SGD momentum + LinearLR', false, sgdMomentum, (o) => new (S().LinearLR)(o, { startFactor: 0.2, totalIters: 6 })],
      ['SGD momentum + LambdaLR', false, sgdMomentum, (o) => new (S().LambdaLR)(o, (e) => 1 / (1 + e))],
      ['SGD momentum + OneCycleLR', false, sgdMomentum, (o) => new (S().OneCycleLR)(o, 0.1, { totalSteps: 10 })],
      ['RMSprop + OneCycleLR (three phases, linear)', false, (p) => new kd.optim.RMSprop(p, { lr: 0.01, momentum: 0.5, centered: true }),
        (o) => new (S().OneCycleLR)(o, 0.02, { totalSteps: 10, threePhase: true, annealStrategy: 'linear' })],
      ['Adagrad + ExponentialLR', false, (p) => new kd.optim.Adagrad(p, { lr: 0.1, lrDecay: 0.01 }), (o) => new (S().ExponentialLR)(o, 0.95)],
      ['SparseAdam + CosineAnnealingLR', true, (p) => new kd.optim.SparseAdam(p, { lr: 0.05 }), (o) => new (S().CosineAnnealingLR)(o, 4)],
      ['SGD momentum on sparse gradients, no scheduler', true, sgdMomentum, null],
    ];
    const STEPS = 10;

    function makeRun([, sparse, makeOptimizer, makeScheduler], seed) {
      kd.manualSeed(seed);
      const model = sparse ? kd.nn.Embedding(7, 3, { sparse: true }) : kd.nn.Sequential(kd.nn.Linear(3, 5), kd.nn.Tanh(), kd.nn.Linear(5, 2));
      const optimizer = makeOptimizer(model.parameters());
      const scheduler = makeScheduler ? makeScheduler(optimizer) : null;
      // Each step's batch depends only on the step number (the C++ test's problem).
      const train = (from, to) => {
        for (let step = from; step < to; step++) {
          kd.tidy(() => {
            optimizer.zeroGrad();
            let loss;
            if (sparse) {
              const ids = kd.tensor([step % 7, (step * 3 + 1) % 7, (step * 5 + 2) % 7, step % 7], { dtype: 'int64' });
              loss = model.call(ids).pow(2).sum().mul(0.5);
            } else {
              const x = kd.arange(12, { dtype: 'float32' }).view(4, 3).mul(0.1 + 0.01 * step).tanh();
              const y = kd.arange(8, { dtype: 'float32' }).view(4, 2).mul(0.3).sub(1).tanh();
              loss = kd.nn.functional.mseLoss(model.call(x), y);
            }
            loss.backward();
            optimizer.step();
            scheduler?.step();
          });
        }
      };
      const weights = () => model.parameters().map((p) => p.dataSync());
      return { model, optimizer, scheduler, train, weights, dispose: () => { scheduler?.dispose(); optimizer.dispose(); model.dispose(); } };
    }

    for (const setup of setups) {
      test(`${setup[0]}: ${STEPS / 2} steps, checkpoint, fresh objects, ${STEPS / 2} more = ${STEPS} straight, bit for bit`, () => {
        const straight = makeRun(setup, 1);
        straight.train(0, STEPS);

        const first = makeRun(setup, 1);
        first.train(0, STEPS / 2);
        const modelBytes = kd.tidy(() => kd.saveSafetensors(first.model.stateDict()));
        const optimizerBytes = kd.optim.saveState(first.optimizer, first.scheduler);

        const resumed = makeRun(setup, 99);  // other initial weights: everything comes from the files
        kd.tidy(() => resumed.model.loadStateDict(kd.loadSafetensors(modelBytes)));
        kd.optim.loadState(optimizerBytes, resumed.optimizer, resumed.scheduler);
        resumed.train(STEPS / 2, STEPS);

        const got = resumed.weights();
        const want = straight.weights();
        got.forEach((w, i) => assert.deepEqual(new Uint32Array(w.buffer), new Uint32Array(want[i].buffer), `${setup[0]} parameter ${i}`));
        assert.deepEqual(resumed.optimizer.paramGroups.map((g) => g.lr), straight.optimizer.paramGroups.map((g) => g.lr));
        // The same bytes from JS as C++ writes: saving the resumed state again at the same point
        // of a third run gives identical files.
        const again = makeRun(setup, 1);
        again.train(0, STEPS / 2);
        assert.deepEqual(kd.optim.saveState(again.optimizer, again.scheduler), optimizerBytes);
        [straight, first, resumed, again].forEach((r) => r.dispose());
      });
    }

    test('loadState: a file that does not fit is refused and changes nothing', () => {
      const w = new kd.nn.Parameter(kd.ones(2, 3));
      const adam = new kd.optim.Adam([w], { lr: 0.1 });
      const step = new kd.optim.lrScheduler.StepLR(adam, 2);
      kd.tidy(() => w.sum().backward());
      adam.step();
      step.step();
      const withScheduler = kd.optim.saveState(adam, step);
      const alone = kd.optim.saveState(adam);

      const v = new kd.nn.Parameter(kd.ones(2, 3));
      const fresh = new kd.optim.Adam([v], { lr: 0.5 });
      const exponential = new kd.optim.lrScheduler.ExponentialLR(fresh, 0.5);
      const before = JSON.stringify([fresh.paramGroups.map((g) => g.lr), exponential.stateDict()]);
      const unchanged = () => {
        assert.equal(JSON.stringify([fresh.paramGroups.map((g) => g.lr), exponential.stateDict()]), before);
        assert.deepEqual(kd.tidy(() => Object.keys(fresh.stateDict().state)), []);
      };
      assert.throws(() => kd.optim.loadState(withScheduler, fresh, exponential),
        { name: 'ValueError', message: 'ExponentialLR.load_state_dict: unexpected key "step_size"' });
      unchanged();
      assert.throws(() => kd.optim.loadState(alone, fresh, exponential),
        { name: 'ValueError', message: 'optimizer state: the file holds no ExponentialLR state (it was saved without a scheduler)' });
      unchanged();
      const sgd = new kd.optim.SGD([v], { lr: 0.1 });
      assert.throws(() => kd.optim.loadState(alone, sgd), { name: 'ValueError', message: 'optimizer state: the file holds the state of Adam, not SGD' });
      assert.throws(() => kd.optim.loadState(withScheduler.slice(0, 40), fresh), (e) => e.name === 'ValueError' && e.message.startsWith('safetensors:'));
      assert.throws(() => kd.optim.loadState('bytes', fresh), { name: 'TypeError', message: /^loadState\(\): expected a Uint8Array or ArrayBuffer, got / });
      assert.throws(() => kd.optim.saveState(fresh, {}), { name: 'TypeError' });
      assert.throws(() => exponential.loadStateDict({ gamma: 'x' }),
        { name: 'ValueError', message: 'ExponentialLR.load_state_dict: "gamma" must be a number, got "x"' });
      unchanged();
      // The right file loads.
      kd.optim.loadState(withScheduler.buffer, adam, step);
      [step, exponential, adam, fresh, sgd].forEach((o) => o.dispose());
      kd.dispose([w, v]);
    });
  });
}
