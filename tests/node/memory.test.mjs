// Memory: a 10,000-step training loop written with raw tensor ops, one kd.tidy per step, keeps
// every counter flat after warm-up; plus the tidy/keep/dispose/backstop rules.
// Run: node --test tests/node/memory.test.mjs   (prints the before/after numbers)
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';

import kindling from '../../bindings/npm/dist/node.mjs';

const STEPS = 10000;
const WARMUP = 200;

for (const build of ['mt', 'st']) {
  describe(`memory (${build})`, () => {
    let kd;
    before(async () => {
      kd = await kindling({ threads: build === 'mt' });
    });
    after(() => kd.shutdown());

    test(`a ${STEPS}-step MLP training loop in kd.tidy stays flat`, () => {
      kd.manualSeed(0);
      const base = kd.memory();
      // y = sin(x0) + x1 * x2 - x3 on 64 random points; a 4-32-1 tanh MLP.
      const X = kd.keep(kd.randn(64, 4));
      const y = kd.tidy(() => {
        const [x0, x1, x2, x3] = [0, 1, 2, 3].map((j) => X.select(1, j));
        // sin(a) ~ tanh(a) is enough for a target: the test is about memory, not accuracy.
        return x0.tanh().add(x1.mul(x2)).sub(x3).unsqueeze(1);
      });
      const W1 = kd.randn(4, 32).mul_(0.5).requiresGrad_();
      const b1 = kd.zeros(32, { requiresGrad: true });
      const W2 = kd.randn(32, 1).mul_(0.2).requiresGrad_();
      const b2 = kd.zeros(1, { requiresGrad: true });
      const params = [W1, b1, W2, b2];
      const lr = 0.05;

      const step = () => kd.tidy(() => {
        const h = X.matmul(W1).add(b1).tanh();
        const pred = h.matmul(W2).add(b2);
        const loss = pred.sub(y).pow(2).mean();
        loss.backward();
        kd.noGrad(() => {
          for (const p of params) {
            p.sub_(p.grad, { alpha: lr });
            p.grad = null;  // zero grads (set_to_none)
          }
        });
        return loss.item();
      });

      const firstLoss = step();
      for (let i = 1; i < WARMUP; i++) step();
      const warm = kd.memory();
      let lastLoss = 0;
      const t0 = performance.now();
      for (let i = WARMUP; i < STEPS; i++) lastLoss = step();
      const ms = performance.now() - t0;
      const end = kd.memory();

      console.log(`# [${build}] memory after warm-up (step ${WARMUP}): ${JSON.stringify(warm)}`);
      console.log(`# [${build}] memory after step ${STEPS}:          ${JSON.stringify(end)}`);
      console.log(`# [${build}] loss ${firstLoss.toFixed(4)} -> ${lastLoss.toFixed(4)}; ${((ms * 1000) / (STEPS - WARMUP)).toFixed(1)} us/step`);

      assert.ok(lastLoss < firstLoss / 4, `the loop did not train: ${firstLoss} -> ${lastLoss}`);
      assert.equal(end.liveTensors, warm.liveTensors);
      assert.equal(end.liveStorages, warm.liveStorages);
      assert.equal(end.bytes, warm.bytes);
      // malloc'd bytes: flat up to a few bytes of one-time runtime state (the threaded build's
      // pool has been seen to allocate 8 bytes once, late); a leak of even one byte per step
      // would add ~10 kB here.
      const grown = end.heapUsed - warm.heapUsed;
      console.log(`# [${build}] wasm heap in use: ${warm.heapUsed} -> ${end.heapUsed} bytes (${grown >= 0 ? '+' : ''}${grown} over ${STEPS - WARMUP} steps)`);
      assert.ok(grown < 1024, `the wasm heap (malloc) grew by ${grown} bytes`);
      assert.equal(end.wasmHeapBytes, warm.wasmHeapBytes, 'the wasm memory grew');
      // After warm-up every buffer of a step comes from the allocator's cache: a step frees
      // what the next one allocates, size class by size class.
      assert.equal(end.freshBlocks, warm.freshBlocks, 'a buffer went to malloc after warm-up');
      assert.ok(end.reusedBlocks - warm.reusedBlocks >= 10 * (STEPS - WARMUP), `${end.reusedBlocks - warm.reusedBlocks} buffers reused`);
      assert.equal(end.cachedBytes, warm.cachedBytes);
      assert.ok(warm.cachedBlocks > 0 && warm.cachedBytes >= 64 * warm.cachedBlocks);
      // What is alive is exactly: X, y, the four parameters.
      assert.equal(end.liveTensors - base.liveTensors, 6);
      assert.equal(end.liveStorages - base.liveStorages, 6);

      kd.dispose([X, y, ...params]);
      const done = kd.memory();
      assert.equal(done.liveTensors, base.liveTensors);
      assert.equal(done.liveStorages, base.liveStorages);
      assert.equal(done.bytes, base.bytes);
    });
  });
}

test('the FinalizationRegistry backstop frees handles of unreachable wrappers', () => {
  // Needs --expose-gc: run in a child process.
  const entry = new URL('../../bindings/npm/dist/node.mjs', import.meta.url).href;
  const script = `
    import kindling from ${JSON.stringify(entry)};
    const kd = await kindling({ threads: false });
    const base = kd.memory();
    (() => { for (let i = 0; i < 1000; i++) kd.randn(100); })();  // never disposed
    const leaked = kd.memory();
    for (let i = 0; i < 10; i++) {
      globalThis.gc();
      await new Promise((r) => setTimeout(r, 10));
    }
    const collected = kd.memory();
    console.log(JSON.stringify({ base, leaked, collected }));
  `;
  const child = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30000 });
  assert.equal(child.status, 0, child.stderr);
  const { base, leaked, collected } = JSON.parse(child.stdout);
  console.log(`# backstop: live tensors ${base.liveTensors} -> ${leaked.liveTensors} (1000 unreachable) -> ${collected.liveTensors} after gc; storages ${leaked.liveStorages} -> ${collected.liveStorages}`);
  assert.equal(leaked.liveTensors - base.liveTensors, 1000);
  assert.ok(collected.liveTensors - base.liveTensors < 50, `only ${leaked.liveTensors - collected.liveTensors} collected`);
  assert.ok(collected.liveStorages - base.liveStorages < 50);
});
