// (a) What makes a tensor a parameter: assigning a kd.nn.Parameter to a module registers it;
// assigning a plain Tensor does not (it is an ordinary attribute: not listed by parameters(),
// not in the state dict, not trained by an optimizer).
//
// Run: node examples/js/a_parameter_vs_plain_tensor.mjs
import assert from 'node:assert/strict';
import { kindling } from '../../bindings/npm/dist/node.mjs';

const kd = await kindling({ threads: false });
kd.manualSeed(0);

class WithParameter extends kd.nn.Module {
  constructor() {
    super();
    this.weight = new kd.nn.Parameter(kd.randn(3, 3));  // registered: a learnable parameter
  }
  forward(x) { return x.matmul(this.weight); }
}

class WithPlainTensor extends kd.nn.Module {
  constructor() {
    super();
    this.weight = kd.randn(3, 3);  // just an attribute: nothing registers it
  }
  forward(x) { return x.matmul(this.weight); }
}

const a = new WithParameter();
const b = new WithPlainTensor();
console.log('WithParameter parameters:', a.namedParameters().map(([name, p]) => `${name} ${JSON.stringify(p.shape)}`));
console.log('WithPlainTensor parameters:', b.namedParameters().map(([name]) => name));

assert.deepEqual(a.namedParameters().map(([name]) => name), ['weight']);
assert.ok(a.weight.requiresGrad, 'a Parameter requires grad');
assert.deepEqual(b.parameters(), [], 'a plain tensor is not a parameter');
assert.ok(!b.weight.requiresGrad);
assert.deepEqual(Object.keys(b.stateDict()), [], 'and not in the state dict');

// Both modules compute the same kind of thing; only one of them can learn.
const x = kd.ones(2, 3);
assert.deepEqual(a.call(x).shape, [2, 3]);
assert.deepEqual(b.call(x).shape, [2, 3]);
console.log('ok');
