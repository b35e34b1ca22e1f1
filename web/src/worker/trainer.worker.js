// The trainer: owns Kindling, the preset's data, model and optimizer. It trains in slices of a
// few milliseconds, reads the page's messages between slices, and posts snapshots (typed
// arrays, transferred) at a pace bounded by their cost (cadence.js). The page never calls the
// wasm module.
//
// Page → worker: init {preset, config}, configure {config}, play, pause, step, reset,
//   command {id, name, args}, threads {n}, views {views}
// Worker → page: ready {backend}, config {config}, data {...}, snapshot {...}, reply {id, ok,
//   error?, note?, result?}, fatal {message}
// Commands the inspector answers for every preset: requiresGrad, viewMode, saveStateDict,
// loadStateDict; any other goes to the preset.
import { SLICE_MS, SNAPSHOT_MIN_MS, snapshotInterval } from './cadence.js';
import { Inspector } from './inspector.js';

const RATE_WINDOW_MS = 1000;

let kd = null;
let preset = null;
let inspector = null;
let viewMode = 'eval';
let running = false;
let halted = null;           // {step, message} when training stopped by itself
let step = 0;
let views = {};
let lastSnapshot = 0;                 // when the last snapshot started
let snapshotEvery = SNAPSHOT_MIN_MS;  // from its start to the next one's, while the loop runs
let rate = { t0: 0, steps: 0, perSecond: 0 };
let captureNext = false;     // record activations and their gradients during the next step
const queue = [];            // messages that arrived before the module loaded

const post = (type, body = {}, transfer = []) => self.postMessage({ type, ...body }, transfer);

// A zero-delay yield: setTimeout(0) is clamped to 4 ms once nested, a message port is not.
const channel = new MessageChannel();
let scheduled = false;
let background = false;      // the preset has work besides training (e.g. a t-SNE layout)
channel.port1.onmessage = () => { scheduled = false; loop(); };
const schedule = () => {
  if (!scheduled) { scheduled = true; channel.port2.postMessage(null); }
};

function loop() {
  if (!running && !background) return;
  const wasRunning = running;
  const t0 = performance.now();
  while (running && performance.now() - t0 < SLICE_MS) trainOne();
  if (preset.background) background = preset.background();
  const now = performance.now();
  // The rate is measured while training runs and kept when it stops (the status bar shows the
  // last run's speed while paused).
  if (wasRunning && now - rate.t0 >= RATE_WINDOW_MS) {
    rate = { t0: now, steps: 0, perSecond: (rate.steps * 1000) / (now - rate.t0) };
  }
  if ((wasRunning && !running) || now - lastSnapshot >= snapshotEvery) sendSnapshot();
  if (running || background) schedule();
}

/** One optimizer step; a non-finite loss or an error stops training with a message. */
function trainOne() {
  let loss;
  // The inspector's hooks ride along one step after each snapshot: they read values and
  // change none, so training stays bit-identical whichever steps they ride.
  const release = captureNext && views.inspector ? inspector.captureActivations(step + 1) : null;
  captureNext = false;
  try {
    loss = preset.step();
  } catch (e) {
    release?.();
    // A Kindling error leaves the module working; a wasm trap (out of memory, a crash) does not.
    if (e instanceof WebAssembly.RuntimeError || e instanceof RangeError && /memory/i.test(e.message)) {
      running = false;
      post('fatal', { message: `Kindling crashed at step ${step} (${e.message}).` });
      throw e;
    }
    stop({ step, message: `Training stopped at step ${step}: ${e.message}` });
    return false;
  }
  release?.();
  step++;
  rate.steps++;
  if (!Number.isFinite(loss)) {
    stop({ step, message: preset.explainNonFinite(loss, step), nonFinite: true });
    return false;
  }
  return true;
}

function stop(why) {
  endRun();
  halted = why;
}

// Training stops. A run shorter than the rate window still leaves its rate (what it measured).
function endRun() {
  if (running && rate.perSecond === 0 && rate.steps > 0) rate.perSecond = (rate.steps * 1000) / (performance.now() - rate.t0);
  running = false;
}

function sendSnapshot() {
  lastSnapshot = performance.now();
  let body;
  try {
    body = preset.snapshot(views);
  } catch (e) {
    stop({ step, message: `Could not evaluate the model: ${e.message}` });
    body = { payload: null, transfer: [] };
  }
  let inspected = null;
  if (views.inspector && body.payload) {
    const { payload, transfer } = inspector.snapshot(step, views.selected ?? null);
    inspected = payload;
    body.transfer.push(...transfer);
  }
  post('snapshot', {
    step, running, halted, stepsPerSecond: rate.perSecond,
    memory: kd.memory(), preset: body.payload, inspector: inspected,
  }, body.transfer);
  captureNext = true;
  snapshotEvery = snapshotInterval(performance.now() - lastSnapshot);
}

function sendData() {
  const { payload, transfer } = preset.data();
  post('data', { data: payload }, transfer);
}

function reset() {
  running = false;
  halted = null;
  step = 0;
  try {
    preset.reset();
    preset.setViewMode(viewMode);
    inspector.attach(preset.model(), preset.optimizer());
  } catch (e) {
    halted = { step: 0, message: `The model could not be built: ${e.message}` };
  }
  rate = { t0: performance.now(), steps: 0, perSecond: 0 };
}

function configure(config) {
  post('config', { config: preset.configure(config) });
  reset();
  sendData();
  if (!halted) sendSnapshot();
  else post('snapshot', { step, running, halted, stepsPerSecond: 0, memory: kd.memory(), preset: null });
}

async function init({ preset: id, config, threads }) {
  const { kindling } = await import(/* @vite-ignore */ new URL('wasm/web.mjs', new URL(import.meta.env.BASE_URL, self.location.origin)).href);
  // One core is left to the page (drawing, input): on a 2-core laptop the page stays smooth,
  // and the small models of the presets gain little from a second thread anyway.
  const cores = navigator.hardwareConcurrency ?? 2;
  kd = await kindling({ numThreads: threads ?? Math.max(1, Math.min(4, cores - 1)) });
  const backend = { ...kd.backend(), crossOriginIsolated: self.crossOriginIsolated === true, cores: navigator.hardwareConcurrency ?? 1 };
  if (!/^[a-z0-9]+$/.test(id)) throw new Error(`unknown preset '${id}'`);
  const { createPresetWorker } = await import(`../presets/${id}/worker.js`);
  preset = createPresetWorker(kd);
  inspector = new Inspector(kd);
  post('ready', { backend });
  configure(config);
}

const INSPECTOR_COMMANDS = {
  requiresGrad: ({ names, flag }) => ({ result: inspector.setRequiresGrad(names, flag, step) }),
  viewMode: ({ mode }) => {
    if (mode !== 'eval' && mode !== 'train') throw new RangeError(`mode must be 'eval' or 'train', not '${mode}'`);
    viewMode = mode;
    preset.setViewMode(mode);
    return { result: mode };
  },
  saveStateDict: () => {
    const bytes = inspector.saveStateDict().slice();  // an own buffer: never transfer a view of the wasm heap
    return { result: bytes, transfer: [bytes.buffer] };
  },
  loadStateDict: ({ bytes, strict }) => ({ result: inspector.loadStateDict(bytes, strict !== false) }),
};

function handle(msg) {
  switch (msg.type) {
    case 'configure': configure(msg.config); break;
    case 'play':
      if (halted?.nonFinite) { sendSnapshot(); break; }  // stays paused until a reset
      halted = null;
      if (!running) { running = true; rate = { t0: performance.now(), steps: 0, perSecond: rate.perSecond }; schedule(); }
      break;
    case 'pause':
      endRun();
      sendSnapshot();
      break;
    case 'step':
      endRun();
      if (!halted?.nonFinite) { halted = null; trainOne(); }
      sendSnapshot();
      break;
    case 'reset':
      reset();
      sendSnapshot();
      break;
    case 'views':
      views = msg.views;
      if (!running) sendSnapshot();
      break;
    case 'threads':
      kd.setNumThreads(msg.n);
      post('ready', { backend: { ...kd.backend(), crossOriginIsolated: self.crossOriginIsolated === true, cores: navigator.hardwareConcurrency ?? 1 } });
      break;
    case 'command': {
      if (msg.name in INSPECTOR_COMMANDS) {
        try {
          const { result, transfer = [] } = INSPECTOR_COMMANDS[msg.name](msg.args ?? {});
          post('reply', { id: msg.id, ok: true, result }, transfer);
        } catch (e) {
          post('reply', { id: msg.id, ok: false, error: e.message });
        }
        if (!running) sendSnapshot();
        break;
      }
      try {
        const result = preset.command(msg.name, msg.args);
        post('reply', { id: msg.id, ok: true, note: result.note ?? null, result: result.result });
        if (result.background) { background = true; schedule(); }
        if (result.reset || result.data) {
          post('config', { config: preset.config() });
          if (result.reset) reset();
          sendData();
        }
        if (!running) sendSnapshot();
      } catch (e) {
        post('reply', { id: msg.id, ok: false, error: e.message });
      }
      break;
    }
    default:
      post('reply', { id: msg.id, ok: false, error: `unknown message '${msg.type}'` });
  }
}

self.onmessage = async ({ data: msg }) => {
  if (msg.type === 'init') {
    try {
      await init(msg);
      for (const m of queue.splice(0)) handle(m);
    } catch (e) {
      post('fatal', { message: `${e?.name ?? 'Error'}: ${e?.message ?? e}` });
    }
  } else if (!preset) {
    queue.push(msg);
  } else {
    handle(msg);
  }
};
