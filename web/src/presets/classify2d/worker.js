// The 2-D preset, worker side: holds the data and the run, answers the trainer's calls and
// the page's commands. The generic loop (worker/trainer.worker.js) decides when to step.
import { makeRng } from '../../lib/prng.js';
import { DATA_KEYS, normalize } from './config.js';
import { makeDataset, parseCsv, split } from './data.js';
import { Classify2dRun } from './model.js';
import { exportFiles } from './export.js';

const SURFACE_RES = 64;
const UNIT_RES = 24;

export function createPresetWorker(kd) {
  let config = null;
  let data = null;
  let run = null;
  let dataVersion = 0;

  const rebuildData = () => {
    data = makeDataset(config);
    dataVersion++;
  };
  const customTask = () => (config?.dataset === 'custom' && data ? data.task : undefined);

  /** Each data change keeps the model and the step count only when the shapes still fit. */
  const replaceData = (next) => {
    data = next;
    dataVersion++;
    config = normalize({ ...config, dataset: 'custom' }, data.task);
  };

  return {
    /** A new configuration; returns it normalised. The caller resets the run. */
    configure(raw) {
      const next = normalize(raw, raw.dataset === 'custom' && data ? data.task : undefined);
      const dataChanged = !config || DATA_KEYS.some((k) => next[k] !== config[k]);
      const keepCustom = next.dataset === 'custom' && data;
      config = next;
      if (dataChanged && !keepCustom) rebuildData();
      if (!data) rebuildData();
      config = normalize(config, customTask());
      return config;
    },

    reset() {
      run?.dispose();
      run = null;
      run = new Classify2dRun(kd, config, data, { rng: makeRng(config.seed) });
    },

    step: () => run.step(),

    /** The model and optimizer the inspector shows, and the mode the views evaluate in. */
    model: () => run.model,
    optimizer: () => run.optimizer,
    setViewMode(mode) { run.viewMode = mode; },

    /** What the views draw; `views` says which are visible (hidden ones cost nothing). */
    snapshot(views) {
      const transfer = [];
      const metrics = run.evaluate();
      if (metrics.confusion) transfer.push(metrics.confusion.buffer);
      const out = { metrics, lr: run.currentLr(), dataVersion };
      if (views.surface !== false) {
        out.surface = run.surface(SURFACE_RES);
        transfer.push(out.surface.values.buffer);
      }
      if (views.network !== false) {
        out.units = run.unitMaps(UNIT_RES);
        const { buffer, layers } = run.weights();
        out.weights = layers;
        transfer.push(out.units.values.buffer, buffer.buffer);
      }
      return { payload: out, transfer };
    },

    /** The points, sent when they change. */
    data() {
      const copy = { points: data.points.slice(), labels: data.labels.slice(), isTest: data.isTest.slice(), task: data.task, numClasses: data.numClasses, version: dataVersion, note: data.note ?? null };
      return { payload: copy, transfer: [copy.points.buffer, copy.labels.buffer, copy.isTest.buffer] };
    },

    config: () => config,

    /** Commands from the page: each returns {reset, data?, note?} or throws a message for the user. */
    command(name, args) {
      switch (name) {
        case 'addPoint': {
          const { x, y, label } = args;
          if (![x, y, label].every(Number.isFinite)) throw new RangeError('A point needs finite x, y and label.');
          const n = data.points.length / 2;
          const xs = [...Array(n).keys()].map((i) => [data.points[2 * i], data.points[2 * i + 1]]);
          const labels = Array.from(data.labels);
          const isTest = Array.from(data.isTest);
          xs.push([x, y]); labels.push(label); isTest.push(0);
          const task = data.task === 'regression' ? 'regression' : label >= 2 || data.task === 'multiclass' ? 'multiclass' : 'binary';
          const numClasses = task === 'regression' ? 1 : Math.max(data.numClasses, label + 1);
          const next = { points: new Float32Array(xs.flat()), labels: new Float32Array(labels), isTest: new Uint8Array(isTest), task, numClasses, note: `${xs.length} points (yours)` };
          const shapeChanged = numClasses !== data.numClasses || task !== data.task;
          replaceData(next);
          // A new point joins the training set of the run in progress, unless the number of
          // outputs changes (a new class): then the model is rebuilt.
          if (shapeChanged || !run) return { reset: true };
          run.setData(data);
          return { reset: false, data: true };
        }
        case 'loadCsv': {
          const parsed = parseCsv(args.text, config.trainPct);  // throws CsvError naming the line
          replaceData(parsed);
          return { reset: true, note: parsed.note };
        }
        case 'clearPoints': {
          replaceData({ ...split([], [], data.task, data.numClasses, config.trainPct), note: 'no points yet: click on the plane' });
          return { reset: true };
        }
        case 'setParameter':
          run.setParameter(args);
          return { reset: false };
        case 'export': {
          // model.safetensors and a train.py that rebuilds, loads and evaluates the same model in PyTorch
          const files = exportFiles(kd, run);
          files['model.safetensors'] = files['model.safetensors'].slice();  // an own buffer, not a heap view
          return { reset: false, result: files };
        }
        default:
          throw new Error(`unknown command '${name}'`);
      }
    },

    /** One sentence on what blew up, for a non-finite loss at `step`. */
    explainNonFinite(loss, step) {
      const where = run.nonFiniteReport();
      const what = where.length ? `${where.slice(0, 3).join('; ')}${where.length > 3 ? ` (and ${where.length - 3} more)` : ''}` : 'the loss itself overflowed';
      const lr = run.currentLr();
      return `Training paused at step ${step}: the loss became ${loss} (${what}). ` +
        `With a learning rate of ${lr}, each update overshoots and the weights grow until float32 overflows. ` +
        `Lower the learning rate (try ${suggestLr(lr)}), then press Reset.`;
    },
  };
}

const suggestLr = (lr) => {
  const s = lr / 30;
  return s >= 0.01 ? Number(s.toPrecision(1)) : 0.01;
};
