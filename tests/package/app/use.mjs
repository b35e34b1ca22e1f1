// Runs in a fresh project where the packed tarball was installed: `import kindling from 'kindling'`.
import assert from 'node:assert/strict';

import kindling, { errors, KindlingError } from 'kindling';

const kd = await kindling();
assert.equal(kd.backend().build, 'mt');
assert.equal(kd.backend().simd, true);
kd.manualSeed(0);

// y = 2x - 1 by gradient descent on raw tensors.
const x = kd.keep(kd.linspace(-1, 1, 16).unsqueeze(1));
const y = kd.keep(x.mul(2).sub(1));
const w = kd.zeros(1, 1, { requiresGrad: true });
const b = kd.zeros(1, { requiresGrad: true });
let loss = 0;
for (let step = 0; step < 200; step++) {
  loss = kd.tidy(() => {
    const l = x.matmul(w).add(b).sub(y).pow(2).mean();
    l.backward();
    kd.noGrad(() => {
      w.sub_(w.grad, { alpha: 0.5 });
      b.sub_(b.grad, { alpha: 0.5 });
    });
    w.grad = null;
    b.grad = null;
    return l.item();
  });
}
assert.ok(loss < 1e-6, `loss ${loss}`);
assert.ok(Math.abs(w.item() - 2) < 1e-3 && Math.abs(b.item() + 1) < 1e-3);
assert.throws(() => w.matmul(kd.ones(3, 3)), (e) => e instanceof errors.ShapeError && e instanceof KindlingError);
// nn + optim from the package too
const model = kd.nn.Sequential(kd.nn.Linear(1, 8), kd.nn.Tanh(), kd.nn.Linear(8, 1));
const opt = new kd.optim.Adam(model.parameters(), { lr: 0.05 });
let mse = Infinity;
for (let step = 0; step < 300; step++) {
  mse = kd.tidy(() => {
    opt.zeroGrad();
    const l = kd.nn.functional.mseLoss(model.call(x), y);
    l.backward();
    opt.step();
    return l.item();
  });
}
assert.ok(mse < 1e-3, `nn loss ${mse}`);
const st = await kindling({ threads: false });
assert.equal(st.backend().build, 'st');
console.log(JSON.stringify({ w: w.item(), b: b.item(), loss, repr: String(w), memory: kd.memory(), nn: typeof kd.nn, optim: typeof kd.optim }));
st.shutdown();
kd.shutdown();
