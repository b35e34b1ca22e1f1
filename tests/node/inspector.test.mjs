// The playground's inspector (web/src/worker/inspector.js) on real kd.nn modules: what it lists
// (parameters, shared ones once, buffers persistent or not, plain tensor attributes), freezing
// that keeps a parameter bit-identical under momentum and weight decay, and state_dict
// loading that changes nothing when it fails.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { kindling } from '../../bindings/npm/dist/node.mjs';
import { Inspector } from '../../web/src/worker/inspector.js';

describe('the inspector', () => {
  let kd;
  before(async () => { kd = await kindling({ threads: false }); });
  after(() => kd.shutdown());

  /** A JS module with a shared Linear, a plain tensor, a persistent and a non-persistent buffer. */
  function makeModel() {
    class Tied extends kd.nn.Module {
      constructor() {
        super();
        this.encoder = kd.nn.Linear(3, 3);
        this.decoder = this.encoder;                 // the same module twice: shared parameters
        this.scale = new kd.nn.Parameter(kd.ones(3));
        this.mask = kd.tensor([1, 0, 1]);            // a plain attribute: not trained, not saved
        this.registerBuffer('steps', kd.zeros(1));
        this.registerBuffer('cache', kd.zeros(2), { persistent: false });
      }
      forward(x) { return this.decoder.call(this.encoder.call(x)).mul(this.scale).mul(this.mask); }
    }
    kd.manualSeed(0);
    return new Tied();
  }

  test('lists parameters once under their first name, buffers with persistence, and plain attributes', () => {
    const model = makeModel();
    const inspector = new Inspector(kd);
    inspector.attach(model, new kd.optim.SGD(model.parameters(), { lr: 0.1 }));
    const { payload } = inspector.snapshot(0, 'encoder.weight');
    const byName = Object.fromEntries(payload.rows.map((r) => [r.name, r]));
    assert.deepEqual(payload.rows.filter((r) => r.kind === 'parameter').map((r) => r.name), ['scale', 'encoder.weight', 'encoder.bias']);
    assert.deepEqual(byName['encoder.weight'].aliases, ['decoder.weight']);
    assert.equal(byName.steps.persistent, true);
    assert.equal(byName.cache.persistent, false);
    assert.equal(byName.mask.kind, 'plain');
    // state_dict() names a shared tensor under every name, as PyTorch does
    assert.deepEqual(payload.stateDict.map((k) => k.key), ['scale', 'steps', 'encoder.weight', 'encoder.bias', 'decoder.weight', 'decoder.bias']);
    assert.deepEqual(payload.groups, [{ lr: 0.1, params: ['scale', 'encoder.weight', 'encoder.bias'] }]);
    assert.deepEqual(payload.detail.shape, [3, 3]);
    assert.equal(payload.detail.grad, null);
  });

  test('a frozen parameter stays bit-identical under SGD with momentum and weight decay; the others move', () => {
    const model = makeModel();
    const optimizer = new kd.optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9, weightDecay: 0.01 });
    const inspector = new Inspector(kd);
    inspector.attach(model, optimizer);
    const x = kd.randn(8, 3);
    const train = () => kd.tidy(() => { optimizer.zeroGrad(); model.call(x).pow(2).sum().backward(); optimizer.step(); });
    train(); train();                                // momentum buffers exist for every parameter
    inspector.setRequiresGrad(['encoder.weight'], false, 2);
    const before_ = Object.fromEntries(model.namedParameters().map(([n, p]) => [n, p.dataSync()]));
    for (let i = 0; i < 5; i++) train();
    const rows = Object.fromEntries(inspector.snapshot(7, null).payload.rows.map((r) => [r.name, r]));
    assert.deepEqual(model.namedParameters()[1][1].dataSync(), before_['encoder.weight']);
    assert.equal(rows['encoder.weight'].unchanged, true);
    assert.equal(rows['encoder.weight'].frozenAt, 2);
    assert.equal(rows['encoder.weight'].gradNorm, null);
    assert.notDeepEqual(model.namedParameters()[0][1].dataSync(), before_.scale);
    inspector.setRequiresGrad(['encoder.weight'], true, 7);
    train();
    assert.notDeepEqual(model.namedParameters()[1][1].dataSync(), before_['encoder.weight']);
  });

  test('state_dict bytes load back exactly; a bad file or a wrong key changes nothing', () => {
    const model = makeModel();
    const inspector = new Inspector(kd);
    inspector.attach(model, new kd.optim.SGD(model.parameters(), { lr: 0.1 }));
    const bytes = inspector.saveStateDict().slice();
    const values = () => model.namedParameters().map(([, p]) => Array.from(p.dataSync()));
    const saved = values();
    kd.noGrad(() => model.parameters().forEach((p) => p.fill_(3)));
    assert.deepEqual(inspector.loadStateDict(bytes, true), { missingKeys: [], unexpectedKeys: [] });
    assert.deepEqual(values(), saved);

    kd.noGrad(() => model.parameters().forEach((p) => p.fill_(3)));
    const changed = values();
    assert.throws(() => inspector.loadStateDict(new Uint8Array([1, 2, 3]), true));
    const other = kd.nn.Linear(3, 3);
    const wrong = kd.saveSafetensors(other.stateDict()).slice();
    assert.throws(() => inspector.loadStateDict(wrong, true), /Missing key\(s\) in state_dict: "scale", "steps"/);
    assert.deepEqual(values(), changed, 'a failed strict load changed the model');
    const result = inspector.loadStateDict(wrong, false);
    assert.deepEqual(result.missingKeys, ['scale', 'steps', 'encoder.weight', 'encoder.bias', 'decoder.weight', 'decoder.bias']);
    assert.deepEqual(result.unexpectedKeys.sort(), ['bias', 'weight']);
  });
});

describe('the inspector on an nn.Embedding', () => {
  let kd;
  before(async () => { kd = await kindling({ threads: false }); });
  after(() => kd.shutdown());

  for (const sparse of [true, false]) {
    test(`sparse=${sparse}: the rows the last step touched, the padding row, the rows at max_norm`, () => {
      kd.manualSeed(0);
      const model = kd.nn.Sequential(kd.nn.Embedding(8, 4, { paddingIdx: 0, maxNorm: 1.0, sparse }));
      const inspector = new Inspector(kd);
      inspector.attach(model, new kd.optim.SGD(model.parameters(), { lr: 0.1 }));
      kd.tidy(() => model.call(kd.tensor([[0, 2, 5, 2]], { dtype: 'int64' })).pow(2).sum().backward());
      const { detail } = inspector.snapshot(1, '0.weight').payload;
      // rows 2 and 5 were looked up; the padding row 0 too, but it never gets a gradient
      assert.deepEqual(detail.embedding.touched, [2, 5]);
      assert.equal(detail.embedding.paddingIdx, 0);
      assert.equal(detail.embedding.sparse, sparse);
      // max_norm renormalised the looked-up rows whose norm exceeded it (randn rows of 4 mostly do)
      const norms = [0, 2, 5].map((r) => Math.hypot(...detail.values.subarray(4 * r, 4 * r + 4)));
      const expected = [0, 2, 5].filter((r, i) => norms[i] >= 1 - 1e-4);
      assert.ok(expected.length > 0, `norms ${norms}`);
      assert.deepEqual(detail.embedding.atMaxNorm.filter((r) => [0, 2, 5].includes(r)), expected);
      assert.equal(detail.grad.length, 32);
      assert.ok(detail.grad.subarray(0, 4).every((v) => v === 0), 'the padding row has a gradient');
    });
  }
});

describe('the inspector records activations and their gradients with hooks', () => {
  let kd;
  before(async () => { kd = await kindling({ threads: false }); });
  after(() => kd.shutdown());

  const build = () => {
    kd.manualSeed(3);
    return kd.nn.Sequential(kd.nn.Linear(2, 8), kd.nn.ReLU(), kd.nn.Linear(8, 8), kd.nn.Tanh(), kd.nn.Linear(8, 1));
  };
  const x = () => kd.tensor([[0.5, -1], [2, 0.3], [-0.7, 0.9], [1.5, 1.5]]);

  test('each layer\'s output statistics and RMS gradient equal what a plain computation gives', () => kd.tidy(() => {
    const model = build();
    const inspector = new Inspector(kd);
    inspector.attach(model, new kd.optim.SGD(model.parameters(), { lr: 0.1 }));
    const release = inspector.captureActivations(1);
    model.call(x()).pow(2).sum().backward();
    release();
    const { activations } = inspector.snapshot(1, null).payload;
    assert.equal(activations.step, 1);
    assert.deepEqual(activations.rows.map((r) => `${r.name}:${r.type}`), ['0:Linear', '1:ReLU', '2:Linear', '3:Tanh', '4:Linear']);
    // The same quantities by hand: outputs with retained gradients.
    const [l0, relu, l2, tanh, l4] = model.children();
    const outs = [];
    let h = x();
    for (const m of [l0, relu, l2, tanh, l4]) { h = m.call(h); h.retainGrad(); outs.push(h); }
    h.pow(2).sum().backward();
    activations.rows.forEach((row, i) => {
      const v = outs[i].dataSync();
      const mean = v.reduce((a, b) => a + b, 0) / v.length;
      const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
      const g = outs[i].grad.dataSync();
      const rms = Math.sqrt(g.reduce((a, b) => a + b * b, 0) / g.length);
      assert.ok(Math.abs(row.mean - mean) < 1e-6, `${row.name} mean`);
      assert.ok(Math.abs(row.std - std) < 1e-5, `${row.name} std`);
      assert.ok(Math.abs(row.gradRms - rms) <= 1e-6 * (1 + rms), `${row.name} gradient RMS ${row.gradRms} vs ${rms}`);
    });
    const reluRow = activations.rows[1];
    const relu2d = outs[1].dataSync();
    const dead = [...Array(8).keys()].filter((u) => [0, 1, 2, 3].every((b) => relu2d[b * 8 + u] === 0)).length;
    assert.equal(reluRow.deadUnits, dead);
    assert.equal(reluRow.units, 8);
    assert.equal(activations.rows[3].saturatedFraction, outs[3].dataSync().filter((v) => 1 - Math.abs(v) < 0.03).length / 32);
  }));

  test('training with the hooks riding along is bit-identical to training without them; removed hooks record nothing', () => {
    const train = (captureEvery) => kd.tidy(() => {
      const model = build();
      const opt = new kd.optim.Adam(model.parameters(), { lr: 0.05 });
      const inspector = new Inspector(kd);
      inspector.attach(model, opt);
      const y = kd.tensor([[1], [0], [0], [1]]);
      for (let step = 0; step < 20; step++) {
        const release = captureEvery && step % captureEvery === 0 ? inspector.captureActivations(step + 1) : null;
        opt.zeroGrad();
        kd.nn.functional.mseLoss(model.call(x()), y).backward();
        opt.step();
        release?.();
      }
      return { values: model.parameters().map((p) => [...p.dataSync()]), activations: inspector.activations };
    });
    const plain = train(0), hooked = train(3);
    assert.deepEqual(hooked.values, plain.values);
    assert.equal(plain.activations, null);
    assert.equal(hooked.activations.step, 19);
  });
});
