// (c) Sharing parameters: the same Linear used twice in one model. It is listed once by
// parameters() (so an optimizer updates it once), and its gradient is the sum of the
// gradients from both uses.
//
// Run: node examples/js/c_parameter_sharing.mjs
import assert from 'node:assert/strict';
import { kindling } from '../../bindings/npm/dist/node.mjs';

const kd = await kindling({ threads: false });
kd.manualSeed(0);
const { nn } = kd;

const shared = nn.Linear(4, 4);
const net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), shared, nn.ReLU(), shared, nn.ReLU(), nn.Linear(4, 1));
console.log(String(net));

// Listed once, under its first name.
const names = net.namedParameters().map(([name]) => name);
console.log(names);
assert.deepEqual(names, ['0.weight', '0.bias', '2.weight', '2.bias', '6.weight', '6.bias']);
assert.equal(net.at(2), net.at(4), 'the same module object');

// The gradient of a shared weight is the sum of the gradients of its two uses. Check it
// against the same computation written with two separate copies of the weight.
const x = kd.randn(2, 3);
net.call(x).sum().backward();
const sharedGrad = shared.weight.grad.dataSync();

const w1 = shared.weight.detach().clone().requiresGrad_();
const w2 = shared.weight.detach().clone().requiresGrad_();
const f = nn.functional;
let h = f.relu(net.at(0).call(x));
h = f.relu(f.linear(h, w1, shared.bias));
h = f.relu(f.linear(h, w2, shared.bias));
net.at(6).call(h).sum().backward();
const summed = w1.grad.add(w2.grad).dataSync();
sharedGrad.forEach((g, i) => assert.ok(Math.abs(g - summed[i]) < 1e-5, `grad[${i}]: ${g} vs ${summed[i]}`));
console.log('shared weight grad == grad(first use) + grad(second use)');
console.log('ok');
