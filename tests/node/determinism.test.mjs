// Determinism in wasm: the same seed and configuration give bit-identical weights after N
// training steps of every playground preset (tests/node/presets.mjs) across runs and across
// thread counts (1, 2, 4 in the threaded build), and the single-threaded build agrees with the
// threaded one bit for bit (same kernels, same order of operations). Also the ops that split
// work across threads or accumulate: matmul, long element-wise ops, reductions, embedding
// backward. The native build is checked the same way in tests/native/test_determinism.cpp.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import kindling from '../../bindings/npm/dist/node.mjs';
import { PRESETS } from './presets.mjs';

const STEPS = 20;

function weightsAfter(kd, preset, steps = STEPS) {
  const p = PRESETS[preset](kd);
  try {
    for (let i = 0; i < steps; i++) p.step();
    return p.weights();
  } finally {
    p.dispose();
  }
}

function opsResult(kd) {
  return kd.tidy(() => {
    kd.manualSeed(5);
    const a = kd.randn(300, 200);
    const b = kd.randn(200, 150);
    const batched = kd.randn(6, 40, 50);
    const w = kd.randn(50, 30);
    const longA = kd.randn(1 << 17);
    const longB = kd.randn(1 << 17);
    const weight = kd.randn(100, 16, { requiresGrad: true });
    const index = kd.randint(0, 100, [4096]);  // many repeated rows: accumulation order matters
    kd.nn.functional.embedding(index, weight).mul(kd.randn(4096, 16)).sum().backward();
    const outs = [a.matmul(b), a.t().matmul(a), batched.matmul(w), longA.mul(longB).add(longA.exp()), longA.sum(),
      longA.reshape(512, 256).sum(0), longA.reshape(512, 256).mean(1), longA.reshape(256, 512).softmax(1), weight.grad];
    return outs.map((t) => Array.from(new Uint8Array(t.dataSync().buffer)).join(','));
  });
}

const results = {};  // build -> preset -> bytes of the weights (from the first thread count)

for (const build of ['mt', 'st']) {
  describe(`determinism (${build})`, () => {
    let kd;
    before(async () => {
      kd = await kindling({ threads: build === 'mt' });
      results[build] = {};
    });
    after(() => kd.shutdown());

    const threadCounts = build === 'mt' ? [1, 2, 4] : [1];
    for (const preset of Object.keys(PRESETS)) {
      test(`${preset}: ${STEPS} steps, bit-identical across runs${build === 'mt' ? ' and 1, 2, 4 threads' : ''}`, () => {
        const first = weightsAfter(kd, preset);
        assert.ok(first.length > 0);
        for (const n of threadCounts) {
          if (build === 'mt') kd.setNumThreads(n);
          assert.deepEqual(weightsAfter(kd, preset), first, `${preset} with ${n} thread(s) differs`);
        }
        if (build === 'mt') kd.setNumThreads(2);
        // The check compares real values: one step fewer gives other weights.
        assert.notDeepEqual(weightsAfter(kd, preset, STEPS - 1), first);
        results[build][preset] = first;
      });
    }

    test(`matmul, element-wise, reductions, embedding backward: bit-identical${build === 'mt' ? ' across 1, 2, 4 threads' : ''}`, () => {
      const first = opsResult(kd);
      for (const n of threadCounts) {
        if (build === 'mt') kd.setNumThreads(n);
        assert.deepEqual(opsResult(kd), first, `with ${n} thread(s)`);
      }
      if (build === 'mt') kd.setNumThreads(2);
      results[build].ops = first;
    });
  });
}

test('the single-threaded and the threaded wasm builds give the same bits', () => {
  assert.deepEqual(Object.keys(results.st).sort(), Object.keys(results.mt).sort());
  for (const key of Object.keys(results.mt)) assert.deepEqual(results.st[key], results.mt[key], key);
});
