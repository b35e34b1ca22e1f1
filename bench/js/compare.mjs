// `make bench`: Kindling (single-threaded build; threaded build on 1 and on all threads) against
// TensorFlow.js's wasm backend (SIMD; single-threaded, as it runs in node) on the workloads of
// bench/js/workloads.mjs, in one node process. Configurations are interleaved inside each
// repetition (st, mt 1, mt all, TF.js, then again, each repetition starting one further on),
// and the table shows medians. Every run
// starts from the same weights and data; the bench fails (exit 1) when a loss does not
// decrease or when a configuration's loss differs from TF.js's (from Kindling st's where TF.js
// cannot run it), so a broken step is never timed as a fast one.
//
//   node --expose-gc bench/js/compare.mjs [--reps N] [--only SUBSTRING] [--dist DIR]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { createRequire, register } from 'node:module';

import { workloads } from './workloads.mjs';

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const REPS = Number(arg('--reps', 3));
const ONLY = arg('--only', '');
const here = path.dirname(fileURLToPath(import.meta.url));
// --dist DIR: another build of the package (e.g. a copy of bindings/npm/dist made before a change).
const dist = path.resolve(arg('--dist', path.resolve(here, '../../bindings/npm/dist')));
const { kindling } = await import(pathToFileURL(path.join(dist, 'node.mjs')).href);
// TF.js: the CommonJS builds (as `require('@tensorflow/tfjs-core')` gives them), plus the
// gradients, which tfjs-core registers only from an ES module file (see tfjs_esm_hooks.mjs);
// they land in the same global registry and engine.
const require = createRequire(import.meta.url);
const tf = require('@tensorflow/tfjs-core');
const { setWasmPaths } = require('@tensorflow/tfjs-backend-wasm');
register('./tfjs_esm_hooks.mjs', import.meta.url);
globalThis.require ??= require;  // tfjs-core's ES build calls require('util') in node
await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const close = (a, b, rtol) => Math.abs(a - b) <= rtol * Math.max(Math.abs(a), Math.abs(b)) + 1e-6;

// ---- the systems ----
const kdSt = await kindling({ threads: false });
const kdMt = await kindling({ threads: true });
const allThreads = kdMt.backend().numThreads;
setWasmPaths(`${path.resolve(here, '../node_modules/@tensorflow/tfjs-backend-wasm/dist')}/`);
await tf.setBackend('wasm');
await tf.ready();

const configs = [
  { key: 'st', label: 'Kindling st', kd: kdSt },
  { key: 'mt1', label: 'mt 1 thr', kd: kdMt, threads: 1 },
  { key: 'mtN', label: `mt ${allThreads} thr`, kd: kdMt, threads: allThreads },
  { key: 'tfjs', label: 'TF.js wasm' },
];

function makeRunner(workload, config) {
  if (config.key === 'tfjs') return workload.tfjs ? workload.tfjs(tf) : null;
  if (config.threads) config.kd.setNumThreads(config.threads);
  return workload.kindling(config.kd);
}

// One timed run: the first step's loss, `warmup` steps, then `steps` timed steps (the last one
// reads the loss). Returns {rate, first, last} or {error}.
function runOnce(workload, config) {
  let runner;
  globalThis.gc?.();  // with --expose-gc (make bench): the previous run's garbage is not collected in this one
  try {
    runner = makeRunner(workload, config);
    if (!runner) return null;
    const first = runner.step(true);
    for (let i = 1; i < workload.warmup; i++) runner.step(false);
    const pooledBefore = config.kd?.backend().pooledJobs;
    const t0 = performance.now();
    for (let i = 1; i < workload.steps; i++) runner.step(false);
    const last = runner.step(true);
    const seconds = (performance.now() - t0) / 1000;
    const rate = workload.unit === 'GFLOPS' ? (workload.flopsPerStep * workload.steps) / seconds / 1e9 : workload.steps / seconds;
    // Ops per step that the pool shared out over its workers (0: every op ran on the caller).
    const pooledPerStep = config.kd ? (config.kd.backend().pooledJobs - pooledBefore) / workload.steps : undefined;
    return { rate, first, last, pooledPerStep };
  } catch (e) {
    return { error: e.name === 'MemoryError' ? 'out of memory' : `${e.name}: ${e.message}` };
  } finally {
    try { runner?.dispose(); } catch { /* a module that ran out of memory may refuse; reported above */ }
  }
}

// A JS a.add(b) on [16] (the per-op cost of the API), microseconds per op.
function addMicro(config) {
  const N = 100000;
  const timeIt = (fn) => {
    fn(N / 10);
    const t0 = performance.now();
    fn(N);
    return (1000 * (performance.now() - t0)) / N;
  };
  if (config.key === 'tfjs') {
    const a = tf.randomNormal([16]);
    const b = tf.randomNormal([16]);
    const us = timeIt((n) => { for (let i = 0; i < n; i++) tf.add(a, b).dispose(); });
    a.dispose(); b.dispose();
    return us;
  }
  const { kd } = config;
  if (config.threads) kd.setNumThreads(config.threads);
  const a = kd.randn(16);
  const b = kd.randn(16);
  const us = timeIt((n) => { for (let i = 0; i < n; i++) a.add(b).dispose(); });
  a.dispose(); b.dispose();
  return us;
}

const fmt = (x) => (x === undefined ? '–' : typeof x === 'string' ? x : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

const rows = [];
let failed = false;
for (const workload of workloads().filter((w) => w.name.includes(ONLY))) {
  const runs = Object.fromEntries(configs.map((c) => [c.key, []]));
  for (let rep = 0; rep < REPS; rep++) {
    // Each repetition starts one configuration further on, so none always runs right after
    // the same neighbour (whose garbage, or warm caches, it would inherit).
    for (let c = 0; c < configs.length; c++) {
      const config = configs[(c + rep) % configs.length];
      const r = runOnce(workload, config);
      if (r) runs[config.key].push(r);
    }
  }
  const cell = {};
  const notes = [];
  const reference = runs.tfjs.length ? 'tfjs' : 'st';
  const refRun = runs[reference].find((r) => !r.error);
  for (const config of configs) {
    const rs = runs[config.key];
    if (!rs.length) { cell[config.key] = config.key === 'tfjs' ? 'n/a' : '–'; continue; }
    const errorRun = rs.find((r) => r.error);
    if (errorRun) { cell[config.key] = errorRun.error; if (errorRun.error !== 'out of memory') { failed = true; notes.push(`${config.label}: ${errorRun.error}`); } continue; }
    cell[config.key] = median(rs.map((r) => r.rate));
    if (config.key === 'mtN') cell.pooled = median(rs.map((r) => r.pooledPerStep));
    for (const r of rs) {
      if (!workload.checksum && !(r.last < r.first)) { failed = true; notes.push(`${config.label}: loss did not decrease (${r.first} -> ${r.last})`); }
      if (refRun && !(close(r.first, refRun.first, 1e-4) && close(r.last, refRun.last, 2e-3))) {
        failed = true;
        notes.push(`${config.label} disagrees with ${reference}: ${r.first} -> ${r.last} vs ${refRun.first} -> ${refRun.last}`);
      }
    }
  }
  const loss = refRun ? (workload.checksum ? `checksum ${refRun.last.toFixed(5)}` : `${refRun.first.toFixed(4)} → ${refRun.last.toFixed(4)}`) : '';
  rows.push({ name: workload.name, unit: workload.unit, cell, loss, ok: notes.length === 0 });
  for (const n of [...new Set(notes)]) console.error(`  ${workload.name}: ${n}`);
  console.error(`done: ${workload.name}`);
}

if (!ONLY || 'add'.includes(ONLY)) {
  const cell = {};
  for (const config of configs) cell[config.key] = median(Array.from({ length: REPS }, () => addMicro(config)));
  rows.push({ name: 'JS a.add(b) on [16]', unit: 'µs/op', cell, loss: '', ok: true, lowerIsBetter: true });
}

const ratio = (k, t) => (typeof k === 'number' && typeof t === 'number' ? `${(k / t).toFixed(2)}×` : '–');
// Speed on all threads over speed on one (for µs/op, the inverse ratio of the times).
const threadGain = (r) => (r.lowerIsBetter ? ratio(r.cell.mt1, r.cell.mtN) : ratio(r.cell.mtN, r.cell.mt1));
const pooled = (x) => (x === undefined ? '–' : x === 0 ? '0' : x.toFixed(1));
const header = ['workload', 'unit', ...configs.map((c) => c.label), 'st / TF.js', `mt ${allThreads} / TF.js`, `mt ${allThreads} / mt 1`, 'pooled ops/step', 'loss (reference)', 'checks'];
const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
for (const r of rows) {
  const c = r.cell;
  const cells = [r.name, r.unit, ...configs.map((cf) => fmt(c[cf.key])), ratio(c.st, c.tfjs), ratio(c.mtN, c.tfjs), threadGain(r), pooled(c.pooled), r.loss, r.ok ? 'ok' : 'FAILED'];
  lines.push(`| ${cells.join(' | ')} |`);
}
console.log(`\nKindling vs TF.js ${tf.version_core} wasm backend (SIMD, ${tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT') ? 'threads' : 'single-threaded'}); node ${process.version}; medians of ${REPS} interleaved runs`);
console.log('(ratios are Kindling / TF.js: above 1× is Kindling faster, except for µs/op where below 1× is;');
console.log(` mt ${allThreads} / mt 1 is the speed-up from threads; pooled ops/step counts the ops of one step that mt ${allThreads}`);
console.log(' shared out over its worker threads: at 0 every op ran on the calling thread, as in mt 1)\n');
console.log(lines.join('\n'));

const sizes = fs.readdirSync(dist).filter((f) => f.endsWith('.wasm')).sort()
  .map((f) => `${f} ${(fs.statSync(path.join(dist, f)).size / 1e6).toFixed(2)} MB`);
const tfWasm = path.resolve(here, '../node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm');
sizes.push(`(TF.js tfjs-backend-wasm-simd.wasm ${(fs.statSync(tfWasm).size / 1e6).toFixed(2)} MB)`);
console.log(`\n.wasm sizes: ${sizes.join(', ')}`);

kdSt.shutdown();
kdMt.shutdown();
if (failed) {
  console.error('\nmake bench: FAILED (a loss did not decrease or the systems disagree; see above)');
  process.exit(1);
}
