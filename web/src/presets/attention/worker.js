// The attention preset, worker side: the sentences and the run, the trainer's calls and the
// page's commands. The probed sentence (typed or chosen) is a view setting: snapshot(views)
// reads views.probe, so changing it never restarts training.
import { makeRng } from '../../lib/prng.js';
import { DATA_KEYS, normalize } from './config.js';
import { MAX_LEN, VOCAB, makeSentences, tokenize } from './data.js';
import { attentionExport } from './export.js';
import { AttentionRun } from './model.js';

export function createPresetWorker(kd) {
  let config = null;
  let data = null;
  let run = null;

  return {
    configure(raw) {
      const next = normalize(raw);
      if (!data || DATA_KEYS.some((k) => next[k] !== config[k])) data = makeSentences(next);
      config = next;
      return config;
    },

    reset() {
      run?.dispose();
      run = null;
      run = new AttentionRun(kd, config, data, { rng: makeRng(config.seed) });
    },

    step: () => run.step(),
    model: () => run.model,
    optimizer: () => run.optimizer,
    setViewMode(mode) { run.viewMode = mode; },

    /** Metrics, and for views.probe ({text} or {index} of a held-out sentence) its attention and prediction. */
    snapshot(views) {
      const out = { metrics: run.evaluate(), lr: run.currentLr() };
      const transfer = [];
      if (views.lexicon !== false) {
        out.lexicon = run.lexicon();
        transfer.push(out.lexicon.scores.buffer, out.lexicon.positive.buffer);
      }
      const probe = views.probe ?? { index: 0 };
      let words, ids;
      if (typeof probe.text === 'string') {
        ({ words, ids } = tokenize(probe.text));
      } else {
        const i = data.numTrain + Math.max(0, Math.min(probe.index ?? 0, data.labels.length - data.numTrain - 1));
        ids = Array.from(data.ids.subarray(i * MAX_LEN, (i + 1) * MAX_LEN)).filter((t) => t !== 0);
        words = ids.map((t) => VOCAB[t]);
      }
      if (ids.length > 0) {
        const p = run.probe(ids);
        out.probe = { words: words.slice(0, MAX_LEN), tokens: Array.from(p.ids, (t) => VOCAB[t]), unknown: Array.from(p.ids, (t) => t === 1), weights: p.weights, probs: p.probs, cut: Math.max(0, words.length - MAX_LEN) };
        transfer.push(p.weights.buffer);
      }
      return { payload: out, transfer };
    },

    /** The held-out sentences, for the chooser; sent when the data changes. */
    data() {
      const held = data.sentences.slice(data.numTrain);
      return { payload: { heldOut: held, labels: Array.from(data.labels.subarray(data.numTrain)), maxLen: MAX_LEN }, transfer: [] };
    },

    config: () => config,

    command(name) {
      switch (name) {
        case 'export': {
          const files = attentionExport(kd, run);
          // an own buffer: a view of the wasm heap would clone the whole heap into the reply
          return { reset: false, result: { ...files, 'model.safetensors': files['model.safetensors'].slice() } };
        }
        default:
          throw new Error(`unknown command '${name}'`);
      }
    },

    explainNonFinite(loss, step) {
      const where = run.nonFiniteReport();
      const what = where.length ? where.slice(0, 3).join('; ') : 'the loss itself overflowed';
      return `Training paused at step ${step}: the loss became ${loss} (${what}). ` +
        `With a learning rate of ${run.currentLr()}, each update overshoots until float32 overflows. Lower the learning rate, then press Reset.`;
    },
  };
}
