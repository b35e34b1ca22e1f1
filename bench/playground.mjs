// The playground's training speed: steps/s of the default 2-D model in the page's worker (as a
// user drives it: Play, then the step counter) against the same training loop in node, and the
// page's frames per second and longest main-thread task while it trains. Issue 7's target:
// drawing costs training less than 10%, i.e. page ÷ node ≥ 0.9.
// A benchmark, not a test: it prints figures and never fails on time.
// Run (after `make build`): node bench/playground.mjs [--rounds N]   (or: make bench-playground)
//
// The loop outside the page (playground_loop.mjs) runs "steps only" and "+ snapshots" (the
// snapshot work of the page's views at the worker's cadence: evaluate, surface, unit maps,
// weights, the inspector), in node and in a bare Web Worker of the page's Chromium, so the
// figures separate three costs: the snapshot work itself; the page (messages, drawing, a main
// thread competing for the cores); and the JS engine (node's V8 is older than Chromium's, and
// every op is a JS call). CPU time per step (from /proc and process.cpuUsage) compares them
// where steps/s cannot: on a loaded machine steps/s measures mostly the share of the cores a
// process got.
import os from 'node:os';
import { parseArgs } from 'node:util';

import { kindling } from '../bindings/npm/dist/node.mjs';
import { FIELDS, normalize } from '../web/src/presets/classify2d/config.js';
import { SLICE_MS, SNAPSHOT_MAX_MS, SNAPSHOT_MIN_MS, SNAPSHOT_SHARE } from '../web/src/worker/cadence.js';
import { readConfig } from '../web/src/lib/schema.js';
import { CROSS_ORIGIN_ISOLATION, buildWeb, chromiumCpuMs, chromiumVersion, distDir, launchChromium, repoDir, startPreview, startStaticServer } from './browser_harness.mjs';
import { measureTraining } from './playground_loop.mjs';

const WARMUP_MS = 2000;
const MEASURE_MS = 5000;
const VIEWPORT = { width: 1366, height: 768 };  // the smallest layout the page supports

const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '3' } } });
const rounds = Number(args.rounds);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a positive integer, not ${args.rounds}`);

const config = normalize(readConfig(FIELDS, {}));  // what the page trains when its URL says nothing
const timing = { warmupMs: WARMUP_MS, measureMs: MEASURE_MS };

// ---------------------------------------------------------------------------------------------
// the page, driven as a user drives it

// Installed before the page's scripts: every main-thread long task, with its start time.
function recordLongTasks() {
  window.benchLongTasks = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.benchLongTasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: 'longtask', buffered: true });
}

// In the page: the step count, time and Chromium's CPU time when a snapshot is drawn, at the
// start and after `ms`; animation frames and drawn snapshots counted in between; the longest
// long task in that window.
async function measureInPage(ms) {
  const counter = document.querySelector('output[aria-label="Step count"]');
  // The counter changes only when a snapshot is drawn: reading it right at a change puts both
  // readings at the same phase of the snapshot cycle.
  const nextCount = () => new Promise((resolve) => {
    const observer = new MutationObserver(() => {
      observer.disconnect();
      resolve({ step: Number(counter.dataset.step), t: performance.now() });
    });
    observer.observe(counter, { attributes: true, attributeFilter: ['data-step'] });
  }).then(async (reading) => ({ ...reading, cpu: await window.benchCpuMs() }));
  const start = await nextCount();
  const frames = [];
  let counting = true;
  const onFrame = (t) => { frames.push(t); if (counting) requestAnimationFrame(onFrame); };
  requestAnimationFrame(onFrame);
  let drawn = 0;
  const snapshots = new MutationObserver(() => { drawn++; });
  snapshots.observe(counter, { attributes: true, attributeFilter: ['data-step'] });
  await new Promise((r) => setTimeout(r, ms));
  counting = false;
  const end = await nextCount();
  snapshots.disconnect();
  const during = window.benchLongTasks.filter((e) => e.start >= start.t && e.start <= end.t);
  return {
    steps: end.step - start.step,
    stepsPerSecond: ((end.step - start.step) * 1000) / (end.t - start.t),
    workerCpuMs: end.cpu.workers - start.cpu.workers,
    workerCores: (end.cpu.workers - start.cpu.workers) / (end.t - start.t),
    restCores: (end.cpu.rest - start.cpu.rest) / (end.t - start.t),
    fps: ((frames.length - 1) * 1000) / (frames.at(-1) - frames[0]),
    snapshotsPerSecond: (drawn * 1000) / (end.t - start.t),
    longestTaskMs: Math.max(0, ...during.map((e) => e.duration)),
  };
}

/** The playground at `url`: waits for `build`, picks `threads` (threaded build only), Play. */
async function inPage(url, { build, threads }) {
  const page = await chromium.context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  try {
    await page.addInitScript(recordLongTasks);
    await page.goto(url);
    const status = page.getByRole('contentinfo', { name: 'Status' });
    await status.getByText(build === 'mt' ? 'threaded' : 'single-threaded', { exact: true }).waitFor({ timeout: 30000 });
    const threadsControl = page.getByLabel('Threads');
    const pageDefaultThreads = build === 'mt' ? Number(await threadsControl.inputValue()) : 1;
    if (build === 'mt') await threadsControl.selectOption(String(threads));
    await page.getByRole('button', { name: /Play/ }).click();
    await page.waitForTimeout(WARMUP_MS);
    const result = await page.evaluate(measureInPage, MEASURE_MS);
    await page.getByRole('button', { name: /Pause/ }).click();
    if (errors.length) throw new Error(`the page reported errors:\n${errors.join('\n')}`);
    return { ...result, pageDefaultThreads };
  } finally {
    await page.close();
  }
}

// ---------------------------------------------------------------------------------------------
// the loop in a bare Web Worker of the same Chromium (an empty, cross-origin isolated page)

async function inChromiumWorker({ build, threads, snapshots }) {
  const page = await chromium.context.newPage();
  try {
    await page.goto(repoServer.url);
    const message = { threads: build === 'mt', numThreads: threads, config, snapshots, ...timing };
    const result = await page.evaluate(({ workerUrl, message }) => new Promise((resolve) => {
      const worker = new Worker(workerUrl, { type: 'module' });
      const cpu = {};
      let marks = Promise.resolve();  // Chromium's CPU time, read when the worker says
      worker.onmessage = ({ data }) => {
        if (data.mark) {
          marks = marks.then(async () => { cpu[data.mark] = await window.benchCpuMs(); });
        } else {
          // ended only after the last reading: an ended worker's threads leave the CPU count
          marks.then(() => { worker.terminate(); resolve({ ...data, workerCpuMs: cpu.end?.workers - cpu.start?.workers }); });
        }
      };
      worker.onerror = (e) => { worker.terminate(); resolve({ error: e.message ?? 'the worker failed to load' }); };
      worker.postMessage(message);
    }), { workerUrl: new URL('bench/playground_worker.mjs', repoServer.url).href, message });
    if (result.error) throw new Error(`bench worker: ${result.error}`);
    if (result.build !== build) throw new Error(`bench worker: ran the ${result.build} build, not ${build}`);
    return result;
  } finally {
    await page.close();
  }
}

// ---------------------------------------------------------------------------------------------
// the rounds

const loadAtStart = os.loadavg()[0];
buildWeb();
const preview = await startPreview();
const plainServer = await startStaticServer(distDir);
const repoServer = await startStaticServer(repoDir, CROSS_ORIGIN_ISOLATION);
const chromium = await launchChromium(VIEWPORT);
await chromium.context.exposeFunction('benchCpuMs', chromiumCpuMs);
const nodeModules = { mt: await kindling({ threads: true }), st: await kindling({ threads: false }) };
const defaultThreads = nodeModules.mt.backend().numThreads;

function inNode({ build, threads, snapshots }) {
  const kd = nodeModules[build];
  if (build === 'mt') kd.setNumThreads(threads);
  let start, used;  // CPU time of the whole process: its main thread, pthreads and V8's helpers
  const mark = (phase) => { if (phase === 'start') start = process.cpuUsage(); else used = process.cpuUsage(start); };
  const result = measureTraining(kd, config, { snapshots, ...timing, mark });
  return { ...result, workerCpuMs: (used.user + used.system) / 1000 };
}

const VARIANTS = [
  { label: `mt, ${defaultThreads} threads`, build: 'mt', threads: defaultThreads, url: preview.url },
  { label: 'st', build: 'st', threads: 1, url: plainServer.url },
  { label: 'mt, 1 thread', build: 'mt', threads: 1, url: preview.url },
];
const PLACES = [
  { key: 'page', run: (v) => inPage(v.url, v) },
  { key: 'chromiumSteps', run: (v) => inChromiumWorker({ ...v, snapshots: false }) },
  { key: 'chromiumSnap', run: (v) => inChromiumWorker({ ...v, snapshots: true }) },
  { key: 'nodeSteps', run: (v) => inNode({ ...v, snapshots: false }) },
  { key: 'nodeSnap', run: (v) => inNode({ ...v, snapshots: true }) },
];

// Every measurement once per round, in the same order, so the shared machine's slow spells
// spread over all of them; ratios are taken within a round.
const results = VARIANTS.map(() => Object.fromEntries(PLACES.map((p) => [p.key, []])));
try {
  for (let r = 0; r < rounds; r++) {
    for (const [i, v] of VARIANTS.entries()) {
      for (const p of PLACES) {
        const result = await p.run(v);
        results[i][p.key].push(result);
        process.stderr.write(`round ${r + 1}/${rounds}, ${v.label}, ${p.key}: ${result.stepsPerSecond.toFixed(0)} steps/s\n`);
      }
    }
  }
} finally {
  await chromium.close();
  preview.close();
  await plainServer.close();
  await repoServer.close();
  nodeModules.mt.shutdown();
  nodeModules.st.shutdown();
}

// ---------------------------------------------------------------------------------------------
// the tables

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const spread = (xs, digits = 0) => {
  const f = (x) => x.toFixed(digits);
  return `${f(median(xs))} [${f(Math.min(...xs))}–${f(Math.max(...xs))}]`;
};
const field = (runs, name) => runs.map((r) => r[name]);
const cpuPerKStep = (runs) => runs.map((r) => (1000 * r.workerCpuMs) / r.steps);
// a ÷ b per round, of steps/s (wall clock) or of steps per CPU second
const wallRatio = (a, b) => a.map((r, i) => r.stepsPerSecond / b[i].stepsPerSecond);
const cpuRatio = (a, b) => cpuPerKStep(b).map((x, i) => x / cpuPerKStep(a)[i]);
const row = (cells, widths) => cells.map((c, i) => String(c).padEnd(widths[i])).join('').trimEnd();

const layers = [config.features.length, ...config.layers, 1].join('-');
console.log(`Playground training speed, default model: ${config.dataset}, ${config.points} points (${config.trainPct}% train), ` +
  `${layers} ${config.activations.join('/')}, ${config.loss.toUpperCase()}, ${config.optimizer.toUpperCase()} lr ${config.lr}, batch ${config.batchSize}`);
console.log(`Machine: ${os.cpus().length} cores shared with other engineers' builds (1-min load average ${loadAtStart.toFixed(1)} at start, ` +
  `${os.loadavg()[0].toFixed(1)} at end); node ${process.version}; headless ${chromiumVersion()} at ${VIEWPORT.width}×${VIEWPORT.height}`);
console.log(`${rounds} interleaved rounds of ${WARMUP_MS / 1000} s warm-up + ${MEASURE_MS / 1000} s measured; each figure: median [min–max] over rounds.`);
console.log(`The page's threaded build starts with ${results[0].page[0].pageDefaultThreads} thread(s) here; node's with ${defaultThreads}.`);
console.log(`The worker trains in ${SLICE_MS} ms slices; a snapshot takes at most ${100 * SNAPSHOT_SHARE}% of its time, every ${SNAPSHOT_MIN_MS}–${SNAPSHOT_MAX_MS} ms.`);

const W = [16, 22, 22, 22, 22, 22];
const HEAD = ['', '(Play, step counter)', 'steps only', '+ snapshots', 'steps only', '+ snapshots'];
console.log(`\n${row(['steps/s', "page's worker", 'Chromium worker', 'Chromium worker', 'node', 'node'], W)}`);
console.log(row(HEAD, W));
for (const [i, v] of VARIANTS.entries()) {
  console.log(row([v.label, ...PLACES.map((p) => spread(field(results[i][p.key], 'stepsPerSecond')))], W));
}
// CPU time does not grow when other processes take the cores, so it compares places fairly
// on a loaded machine; it leaves out what waiting for a core costs.
console.log(`\n${row(['CPU ms per 1000 steps (the worker and its pthreads; node: the whole process)'], W)}`);
console.log(row(HEAD, W));
for (const [i, v] of VARIANTS.entries()) {
  console.log(row([v.label, ...PLACES.map((p) => spread(cpuPerKStep(results[i][p.key])))], W));
}

const P = [16, 20, 20, 20, 20, 20];
console.log(`\n${row(['the page', 'frames/s', 'snapshots drawn/s', 'longest main-', 'CPU of its', 'CPU of the rest'], P)}`);
console.log(row(['while training', '', '', 'thread task (ms)', 'worker (cores)', 'of Chromium (cores)'], P));
for (const [i, v] of VARIANTS.entries()) {
  const page = results[i].page;
  console.log(row([v.label, spread(field(page, 'fps'), 1), spread(field(page, 'snapshotsPerSecond'), 1), spread(field(page, 'longestTaskMs')),
    spread(field(page, 'workerCores'), 2), spread(field(page, 'restCores'), 2)], P));
}

console.log(`\n${row(['one snapshot', 'Chromium worker: ms (share of time)', 'node: ms (share of time)'], [16, 40, 40])}`);
for (const [i, v] of VARIANTS.entries()) {
  const cell = (runs) => `${spread(field(runs, 'snapshotMs'), 1)} (${(100 * median(field(runs, 'snapshotShare'))).toFixed(0)}%)`;
  console.log(row([v.label, cell(results[i].chromiumSnap), cell(results[i].nodeSnap)], [16, 40, 40]));
}

const R = [24, 20, 20, 20, 20];
console.log(`\n${row(['ratios, per round', 'page ÷ node', 'page ÷ Chromium', 'page ÷ Chromium', 'Chromium ÷ node'], R)}`);
console.log(row(['', '(target ≥ 0.9)', 'steps only', '+ snapshots', 'steps only'], R));
for (const [i, v] of VARIANTS.entries()) {
  const r = results[i];
  for (const [how, of] of [['steps/s', wallRatio], ['CPU/step', cpuRatio]]) {
    console.log(row([`${v.label}`.padEnd(14) + how, spread(of(r.page, r.nodeSteps), 2), spread(of(r.page, r.chromiumSteps), 2),
      spread(of(r.page, r.chromiumSnap), 2), spread(of(r.chromiumSteps, r.nodeSteps), 2)], R));
  }
}
