// CommonJS consumers: require('kindling') gives the same async factory.
const assert = require('node:assert/strict');
const kindling = require('kindling');

kindling({ threads: false }).then((kd) => {
  const x = kd.tensor([[1, 2], [3, 4]], { requiresGrad: true });
  const y = x.matmul(x).sum();
  y.backward();
  assert.deepEqual(x.grad.toArray(), [[7, 11], [9, 13]]);
  assert.throws(() => x.view(3), kd.errors.ShapeError);
  console.log(JSON.stringify({ build: kd.backend().build, value: y.item() }));
  kd.shutdown();
});
