// (f) Freezing a backbone for the first steps of training, then unfreezing it.
//
// requiresGrad_(false) on a module turns off the gradients of all its parameters: backward
// leaves their .grad empty and the optimizer skips them, so their values do not change at all
// (bit for bit). requiresGrad_(true) brings them back into training.
//
// Run: node examples/js/f_freeze_backbone.mjs
import assert from 'node:assert/strict';
import { kindling } from '../../bindings/npm/dist/node.mjs';

const kd = await kindling({ threads: false });
kd.manualSeed(0);
const { nn } = kd;

const backbone = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh());
const head = nn.Linear(16, 1);
const model = nn.Sequential({ backbone, head });

// A regression problem: y = sum of x.
const x = kd.randn(64, 4);
const y = x.sum(1, { keepdim: true });

// One optimizer over everything: frozen parameters simply have no gradient.
const opt = new kd.optim.Adam(model.parameters(), { lr: 0.01 });
const snapshot = () => backbone.parameters().map((p) => Array.from(p.dataSync()));
const FROZEN_STEPS = 20;

backbone.requiresGrad_(false);
const before = snapshot();
const headBefore = Array.from(head.weight.dataSync());
let loss;
let frozenLoss;
for (let step = 0; step < 200; step++) {
  if (step === FROZEN_STEPS) {
    // While frozen: the backbone is bit-identical, the head has moved.
    assert.deepEqual(snapshot(), before, 'frozen weights are bit-identical');
    assert.notDeepEqual(Array.from(head.weight.dataSync()), headBefore, 'the head trained');
    assert.equal(backbone.at(0).weight.grad, null, 'no gradient reached the frozen weights');
    console.log(`step ${step}: loss ${loss.toFixed(4)} with a frozen backbone; unfreezing`);
    frozenLoss = loss;
    backbone.requiresGrad_(true);
  }
  loss = kd.tidy(() => {
    opt.zeroGrad();
    const l = nn.functional.mseLoss(model.call(x), y);
    l.backward();
    opt.step();
    return l.item();
  });
}
console.log(`step 200: loss ${loss.toFixed(4)} after fine-tuning everything`);
assert.notDeepEqual(snapshot(), before, 'unfrozen weights trained');
assert.ok(loss < frozenLoss / 2, `loss ${loss} vs ${frozenLoss} when frozen`);
console.log('ok');
