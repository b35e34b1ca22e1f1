// A bare module Web Worker for bench/playground.mjs: the playground's training loop
// (playground_loop.mjs) in the page's browser, with no page drawing and no messages while it
// trains, so the page's figures can be compared with the same JS engine.
// Message in: {threads, numThreads, config, snapshots, warmupMs, measureMs}; out: {mark} at the
// start and the end of the measured part, then the result of measureTraining, or {error}.
import { kindling } from '../web/public/wasm/web.mjs';
import { measureTraining } from './playground_loop.mjs';

self.onmessage = async ({ data: { threads, numThreads, config, ...options } }) => {
  try {
    const kd = await kindling({ threads, numThreads });
    const mark = (phase) => self.postMessage({ mark: phase });
    self.postMessage({ build: kd.backend().build, ...measureTraining(kd, config, { ...options, mark }) });
  } catch (e) {
    self.postMessage({ error: `${e?.name ?? 'Error'}: ${e?.message ?? e}` });
  }
};
