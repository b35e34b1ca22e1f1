// The word-embeddings preset's configuration: corpus, model, training and projection.
import { readConfig } from '../../lib/schema.js';

export const FIELDS = [
  { key: 'corpus', kind: 'enum', options: ['topics', 'custom'], default: 'topics' },
  { key: 'sentences', kind: 'int', min: 200, max: 20000, default: 4000 },
  { key: 'corpusSeed', kind: 'int', min: 0, max: 2 ** 31 - 1, default: 1 },
  { key: 'model', kind: 'enum', options: ['skipgram', 'cbow'], default: 'skipgram' },
  { key: 'dim', kind: 'int', min: 2, max: 256, default: 16 },
  { key: 'window', kind: 'int', min: 1, max: 8, default: 2 },
  { key: 'negatives', kind: 'int', min: 1, max: 20, default: 5 },
  { key: 'minCount', kind: 'int', min: 1, max: 100, default: 2 },
  { key: 'subsample', kind: 'float', min: 0, max: 0.1, default: 0.001 },
  { key: 'sparse', kind: 'bool', default: false },
  { key: 'maxNorm', kind: 'float', min: 0, max: 100, default: 0 },
  { key: 'padding', kind: 'bool', default: true },
  { key: 'lr', kind: 'float', min: 1e-5, max: 10, default: 0.01 },
  { key: 'batchSize', kind: 'int', min: 1, max: 4096, default: 256 },
  { key: 'seed', kind: 'int', min: 0, max: 2 ** 31 - 1, default: 0 },
  { key: 'freeze', kind: 'bool', default: true },
];

export const normalize = (raw) => readConfig(FIELDS, raw);
export const DATA_KEYS = ['corpus', 'sentences', 'corpusSeed', 'minCount'];
