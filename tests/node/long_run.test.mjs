// Long runs: 10,000 training steps of every playground preset (tests/node/presets.mjs) in the
// threaded build, with kd.memory() and the wasm heap flat after warm-up, the loss finite, and
// nothing left alive once the preset is disposed. Prints the figures per preset.
// Run: node --test tests/node/long_run.test.mjs   (KD_LONG_RUN_STEPS overrides the 10,000)
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import kindling from '../../bindings/npm/dist/node.mjs';
import { PRESETS } from './presets.mjs';

const STEPS = Number(process.env.KD_LONG_RUN_STEPS ?? 10000);
const WARMUP = 200;

describe(`long runs: ${STEPS} steps of each preset (mt)`, () => {
  let kd;
  before(async () => {
    kd = await kindling({ threads: true });
  });
  after(() => kd.shutdown());

  for (const name of Object.keys(PRESETS)) {
    test(name, () => {
      const base = kd.memory();
      const preset = PRESETS[name](kd);
      let loss = preset.step();
      const firstLoss = loss;
      for (let i = 1; i < WARMUP; i++) loss = preset.step();
      preset.dropGrads();  // measured without gradients: a sparse one's size varies by batch
      const warm = kd.memory();
      const t0 = performance.now();
      for (let i = WARMUP; i < STEPS; i++) loss = preset.step();
      const seconds = (performance.now() - t0) / 1000;
      preset.dropGrads();
      const end = kd.memory();
      preset.dispose();
      const done = kd.memory();
      // malloc'd bytes outside the allocator's cache: a sparse gradient's size varies by batch, so
      // now and then a buffer of a new size class joins the (bounded) cache; that is no leak.
      const grown = (end.heapUsed - end.cachedBytes) - (warm.heapUsed - warm.cachedBytes);
      console.log(`# ${name}: loss ${firstLoss.toFixed(4)} -> ${loss.toFixed(4)}; live tensors ${warm.liveTensors} -> ${end.liveTensors}, ` +
        `storages ${warm.liveStorages} -> ${end.liveStorages}, bytes ${warm.bytes} -> ${end.bytes}, malloc'd ${warm.heapUsed} -> ` +
        `${end.heapUsed} (${grown >= 0 ? '+' : ''}${grown} outside the cache), wasm memory ${warm.wasmHeapBytes} -> ${end.wasmHeapBytes}; ${seconds.toFixed(1)} s`);
      assert.ok(Number.isFinite(loss), `${name}: the loss is ${loss}`);
      assert.equal(end.liveTensors, warm.liveTensors);
      assert.equal(end.liveStorages, warm.liveStorages);
      assert.equal(end.bytes, warm.bytes);
      // A leak of one byte per step would show as ~10 kB; one-time runtime state is a few bytes.
      assert.ok(grown < 1024, `${name}: the wasm heap (malloc) grew by ${grown} bytes`);
      assert.equal(end.wasmHeapBytes, warm.wasmHeapBytes, `${name}: the wasm memory grew`);
      assert.equal(done.liveTensors, base.liveTensors, `${name}: tensors left alive after dispose()`);
      assert.equal(done.liveStorages, base.liveStorages, `${name}: storages left alive after dispose()`);
      assert.equal(done.bytes, base.bytes);
    });
  }
});
