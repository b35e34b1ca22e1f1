// (b) Initialising a model with apply(): apply(fn) calls fn on every submodule (children
// first), so one function can set every Linear's weights and biases.
//
// Run: node examples/js/b_init_by_apply.mjs
import assert from 'node:assert/strict';
import { kindling } from '../../bindings/npm/dist/node.mjs';

const kd = await kindling({ threads: false });
kd.manualSeed(0);
const { nn } = kd;

const net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1));

// 1. Normal weights (std 0.01), zero biases, for every Linear.
function initNormal(m) {
  if (m instanceof nn.Linear) {
    nn.init.normal_(m.weight, { mean: 0, std: 0.01 });
    nn.init.zeros_(m.bias);
  }
}
net.apply(initNormal);
for (const [name, p] of net.namedParameters()) {
  const values = p.dataSync();
  if (name.endsWith('bias')) assert.ok(values.every((v) => v === 0), `${name} is zero`);
  else assert.ok(values.every((v) => Math.abs(v) < 0.06), `${name} is small`);
}
console.log('first layer weight after initNormal:\n' + net.at(0).weight);

// 2. A custom init: uniform in [-10, 10], then keep only the entries with |w| >= 5 (a mask).
function myInit(m) {
  if (m instanceof nn.Linear) {
    kd.noGrad(() => {
      nn.init.uniform_(m.weight, -10, 10);
      const mask = m.weight.abs().ge(5).float();
      m.weight.mul_(mask);  // in place: the parameter stays the same tensor
    });
  }
}
net.apply(myInit);
const w = net.at(0).weight.dataSync();
assert.ok(w.every((v) => v === 0 || (Math.abs(v) >= 5 && Math.abs(v) <= 10)), 'every weight is 0 or 5 <= |w| <= 10');
assert.ok(w.some((v) => v !== 0) && w.some((v) => v === 0));
console.log('first layer weight after myInit:\n' + net.at(0).weight);
console.log('ok');
