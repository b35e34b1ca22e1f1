// The threaded build's memory grows to 4 GB: with 2.4 GB of tensors alive, new tensors land
// past 2 GB, and ops, autograd, reading values and errors work there as below it. One buffer
// above 2 GB is refused with a MemoryError that changes nothing. Own file: it runs in its own
// process, whose 2.7 GB of wasm memory is returned when it ends.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import kindling from '../../bindings/npm/dist/node.mjs';

let kd;
before(async () => {
  kd = await kindling({ threads: true });
});
after(() => kd.shutdown());

test('mt: tensors past 2 GB of wasm memory', () => {
  const before = kd.memory();
  assert.throws(() => kd.zeros(600, 1000, 1000), { name: 'MemoryError', message: /out of memory: could not allocate 2400000000 bytes/ });
  assert.equal(kd.memory().liveStorages, before.liveStorages);
  const big = [kd.zeros(300, 1000, 1000), kd.ones(300, 1000, 1000)];  // 2 x 1.2 GB
  const small = [];
  for (let i = 0; i < 1000; i++) small.push(kd.tensor([i, i + 1, i + 2]));
  const grown = kd.memory();
  assert.ok(grown.wasmHeapBytes > 2 ** 31, `wasm memory ${grown.wasmHeapBytes}`);
  assert.ok(grown.heapUsed > 2.4e9, `heapUsed ${grown.heapUsed}`);
  assert.deepEqual(Array.from(small[999].dataSync()), [999, 1000, 1001]);
  const w = kd.tensor([[1, 2], [3, 4]], { requiresGrad: true });
  kd.tidy(() => {
    const loss = w.matmul(kd.tensor([[1, -1], [2, 0.5]])).tanh().sum();
    loss.backward();
    assert.ok(Math.abs(loss.item() - (Math.tanh(5) + Math.tanh(0) + Math.tanh(11) + Math.tanh(-1))) < 1e-6);
  });
  // d/dW Σ tanh(W M) = (1 − tanh²(W M)) Mᵀ, with W M = [[5, 0], [11, −1]].
  const d = (z) => 1 - Math.tanh(z) ** 2;
  const expected = [d(5) - d(0), 2 * d(5) + 0.5 * d(0), d(11) - d(-1), 2 * d(11) + 0.5 * d(-1)];
  const grad = w.grad;
  Array.from(grad.dataSync()).forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-6, `grad ${i}: ${v} vs ${expected[i]}`));
  assert.throws(() => small[0].view(2), { name: 'ShapeError' });
  assert.equal(kd.tidy(() => big[1].select(0, 299).sum().item()), 1e6);
  kd.dispose([...big, ...small, w, grad]);
  assert.equal(kd.memory().liveStorages, before.liveStorages);
});
