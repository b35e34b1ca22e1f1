// The char-RNN preset's configuration: every field, its range and default. The URL, the
// controls and the worker all read these definitions.
import { readConfig } from '../../lib/schema.js';
import { OPTIMIZER_NAMES, SCHEDULE_NAMES } from '../../lib/optim.js';
import { BUNDLED } from './text.js';

export const CELLS = { rnn: 'RNN', gru: 'GRU', lstm: 'LSTM' };
export const TEXTS = [...Object.keys(BUNDLED), 'custom'];

export const FIELDS = [
  { key: 'text', kind: 'enum', options: TEXTS, default: 'constitution' },
  { key: 'cell', kind: 'enum', options: Object.keys(CELLS), default: 'gru' },
  { key: 'numLayers', kind: 'int', min: 1, max: 3, default: 1 },
  { key: 'hidden', kind: 'int', min: 4, max: 256, default: 96 },
  { key: 'embedDim', kind: 'int', min: 2, max: 64, default: 16 },
  { key: 'dropout', kind: 'float', min: 0, max: 0.8, default: 0 },
  { key: 'seqLen', kind: 'int', min: 4, max: 200, default: 32 },
  { key: 'batchSize', kind: 'int', min: 1, max: 64, default: 16 },
  { key: 'clip', kind: 'float', min: 0, max: 100, default: 0.5 },
  { key: 'optimizer', kind: 'enum', options: Object.keys(OPTIMIZER_NAMES), default: 'adam' },
  { key: 'lr', kind: 'float', min: 1e-6, max: 1000, default: 0.005 },
  { key: 'momentum', kind: 'float', min: 0, max: 0.999, default: 0 },
  { key: 'weightDecay', kind: 'float', min: 0, max: 10, default: 0 },
  { key: 'schedule', kind: 'enum', options: Object.keys(SCHEDULE_NAMES), default: 'constant' },
  { key: 'schedulePeriod', kind: 'int', min: 1, max: 100000, default: 1000 },
  { key: 'scheduleGamma', kind: 'float', min: 0.01, max: 1, default: 0.5 },
  { key: 'seed', kind: 'int', min: 0, max: 2 ** 31 - 1, default: 0 },
];

/**
 * A complete, consistent configuration from anything. 'custom' (a dropped file) stays only
 * while the worker holds such a text: a link cannot carry the file.
 */
export function normalize(raw, hasCustomText = false) {
  const config = readConfig(FIELDS, raw);
  if (config.text === 'custom' && !hasCustomText) config.text = FIELDS[0].default;
  return config;
}
