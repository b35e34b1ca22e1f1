// The attention preset's configuration: every field, its range and default. The URL, the
// controls and the worker all read these definitions.
import { readConfig } from '../../lib/schema.js';

export const OPTIMIZERS = { sgd: 'SGD', adam: 'Adam', adamw: 'AdamW', adagrad: 'Adagrad', rmsprop: 'RMSprop' };

export const FIELDS = [
  { key: 'sentences', kind: 'int', min: 100, max: 5000, default: 1200 },
  { key: 'trainPct', kind: 'int', min: 10, max: 90, default: 75 },
  { key: 'dataSeed', kind: 'int', min: 0, max: 2 ** 31 - 1, default: 1 },
  { key: 'embedDim', kind: 'int', min: 2, max: 64, default: 16 },
  { key: 'attnDim', kind: 'int', min: 2, max: 64, default: 16 },
  { key: 'optimizer', kind: 'enum', options: Object.keys(OPTIMIZERS), default: 'adam' },
  { key: 'lr', kind: 'float', min: 1e-6, max: 1000, default: 0.01 },
  { key: 'weightDecay', kind: 'float', min: 0, max: 10, default: 0 },
  { key: 'batchSize', kind: 'int', min: 1, max: 512, default: 32 },
  { key: 'seed', kind: 'int', min: 0, max: 2 ** 31 - 1, default: 0 },
];

/** A complete, consistent configuration from anything (a URL, a control, a stale object). */
export const normalize = (raw) => readConfig(FIELDS, raw);

/** The fields that change the data (the others change only the model). */
export const DATA_KEYS = ['sentences', 'trainPct', 'dataSeed'];
