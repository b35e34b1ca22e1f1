// The 2-D classification preset's configuration: every field, its range and default. The URL,
// the controls and the worker all read these definitions.
import { readConfig } from '../../lib/schema.js';

export const DATASETS = {
  circle: { label: 'Circle', task: 'binary' },
  xor: { label: 'Exclusive or', task: 'binary' },
  gauss: { label: 'Two Gaussians', task: 'binary' },
  spiral: { label: 'Spiral', task: 'binary' },
  spirals: { label: 'Spiral arms (3–5 classes)', task: 'multiclass' },
  blobs: { label: 'Blobs (3–5 classes)', task: 'multiclass' },
  plane: { label: 'Plane (regression)', task: 'regression' },
  bumps: { label: 'Gaussian bumps (regression)', task: 'regression' },
  custom: { label: 'Your data (CSV or clicks)', task: 'custom' },
};

// name → [label, the feature as a function of the point]
export const FEATURES = {
  x1: ['X₁', (x1) => x1],
  x2: ['X₂', (x1, x2) => x2],
  x1sq: ['X₁²', (x1) => x1 * x1],
  x2sq: ['X₂²', (x1, x2) => x2 * x2],
  x1x2: ['X₁·X₂', (x1, x2) => x1 * x2],
  sinx1: ['sin X₁', (x1) => Math.sin(x1)],
  sinx2: ['sin X₂', (x1, x2) => Math.sin(x2)],
};

export const ACTIVATIONS = ['relu', 'tanh', 'sigmoid', 'gelu', 'silu', 'linear'];
export const OPTIMIZERS = ['sgd', 'adam', 'adamw', 'adagrad', 'rmsprop'];
export const LOSSES = { bce: 'BCEWithLogitsLoss', ce: 'CrossEntropyLoss', mse: 'MSELoss' };
export const SCHEDULES = ['constant', 'step', 'exponential', 'cosine'];
export const MAX_LAYERS = 8;
export const MAX_UNITS = 64;
export const MAX_POINTS = 5000;

export const FIELDS = [
  { key: 'dataset', kind: 'enum', options: Object.keys(DATASETS), default: 'circle' },
  { key: 'classes', kind: 'int', min: 3, max: 5, default: 3 },
  { key: 'noise', kind: 'int', min: 0, max: 50, default: 0 },
  { key: 'points', kind: 'int', min: 20, max: 2000, default: 500 },
  { key: 'trainPct', kind: 'int', min: 10, max: 90, default: 50 },
  { key: 'dataSeed', kind: 'int', min: 0, max: 2 ** 31 - 1, default: 1 },
  { key: 'features', kind: 'set', options: Object.keys(FEATURES), default: ['x1', 'x2'] },
  { key: 'layers', kind: 'ints', min: 1, max: MAX_UNITS, maxLength: MAX_LAYERS, default: [4, 2] },
  { key: 'activations', kind: 'enums', options: ACTIVATIONS, maxLength: MAX_LAYERS, default: ['tanh', 'tanh'] },
  { key: 'dropout', kind: 'float', min: 0, max: 0.9, default: 0 },
  { key: 'batchNorm', kind: 'bool', default: false },
  { key: 'loss', kind: 'enum', options: Object.keys(LOSSES), default: 'bce' },
  { key: 'optimizer', kind: 'enum', options: OPTIMIZERS, default: 'sgd' },
  { key: 'lr', kind: 'float', min: 1e-6, max: 1000, default: 0.03 },
  { key: 'momentum', kind: 'float', min: 0, max: 0.999, default: 0 },
  { key: 'nesterov', kind: 'bool', default: false },
  { key: 'weightDecay', kind: 'float', min: 0, max: 10, default: 0 },
  { key: 'l1', kind: 'float', min: 0, max: 10, default: 0 },
  { key: 'schedule', kind: 'enum', options: SCHEDULES, default: 'constant' },
  { key: 'schedulePeriod', kind: 'int', min: 1, max: 100000, default: 1000 },
  { key: 'scheduleGamma', kind: 'float', min: 0.01, max: 1, default: 0.5 },
  { key: 'batchSize', kind: 'int', min: 1, max: 512, default: 10 },
  { key: 'seed', kind: 'int', min: 0, max: 2 ** 31 - 1, default: 0 },
];

export const taskOf = (config, customTask) => {
  const task = DATASETS[config.dataset].task;
  return task === 'custom' ? customTask ?? 'binary' : task;
};

/** The losses that fit a task; the first is the one picked when the task changes. */
export const lossesFor = (task) => (task === 'regression' ? ['mse'] : task === 'multiclass' ? ['ce'] : ['bce', 'ce']);

/** A complete, consistent configuration from anything (a URL, a control, a stale object). */
export function normalize(raw, customTask) {
  const config = readConfig(FIELDS, raw);
  if (config.features.length === 0) config.features = ['x1', 'x2'];
  if (config.layers.length === 0) config.activations = [];
  // one activation per layer: missing ones repeat the last (or tanh)
  config.activations = config.layers.map((_, i) => config.activations[i] ?? config.activations.at(-1) ?? 'tanh');
  const allowed = lossesFor(taskOf(config, customTask));
  if (!allowed.includes(config.loss)) config.loss = allowed[0];
  return config;
}

/** Which fields change the data, and which only the model (a change to either resets the run). */
export const DATA_KEYS = ['dataset', 'classes', 'noise', 'points', 'trainPct', 'dataSeed'];
