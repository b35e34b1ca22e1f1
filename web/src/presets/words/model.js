// Word embeddings trained by skip-gram (or CBOW) with negative sampling, as word2vec does:
// each (center, context) pair pulls the center's input vector towards the context's output
// vector and pushes it from K words drawn from the unigram distribution to the power 3/4.
// Plain JS over `kd`: the worker and node run the same code.
import { makeRng } from '../../lib/prng.js';

export const PAD = '<pad>';

/** Word counts → the vocabulary (index 0 is the padding token), as word2vec builds it. */
export function buildVocab(sentences, minCount) {
  const counts = new Map();
  for (const s of sentences) for (const w of s) counts.set(w, (counts.get(w) ?? 0) + 1);
  const words = [...counts].filter(([, c]) => c >= minCount).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  if (words.length < 2) throw new Error(`Only ${words.length} word${words.length === 1 ? '' : 's'} occur at least ${minCount} times: lower the minimum count or use a longer text.`);
  const index = new Map([[PAD, 0], ...words.map(([w], i) => [w, i + 1])]);
  return { words: [PAD, ...words.map(([w]) => w)], counts: [0, ...words.map(([, c]) => c)], index };
}

/** A pretrained file's words as the vocabulary (index 0: padding), counted in the corpus. */
function vocabFromWords(words, sentences) {
  const index = new Map([[PAD, 0], ...words.map((w, i) => [w, i + 1])]);
  const counts = new Array(words.length + 1).fill(0);
  for (const s of sentences) for (const w of s) { const i = index.get(w); if (i !== undefined) counts[i]++; }
  // a word the corpus never uses still gets drawn as a negative, rarely
  return { words: [PAD, ...words], counts: counts.map((c, i) => (i === 0 ? 0 : Math.max(c, 0.1))), index };
}

/** Samples from a discrete distribution in O(1) (Vose's alias method). */
function aliasTable(weights) {
  const n = weights.length;
  const total = weights.reduce((a, b) => a + b, 0);
  const prob = new Float64Array(n), alias = new Int32Array(n);
  const scaled = weights.map((w) => (w * n) / total);
  const small = [], large = [];
  scaled.forEach((p, i) => (p < 1 ? small : large).push(i));
  while (small.length && large.length) {
    const s = small.pop(), l = large.pop();
    prob[s] = scaled[s];
    alias[s] = l;
    scaled[l] += scaled[s] - 1;
    (scaled[l] < 1 ? small : large).push(l);
  }
  for (const i of [...small, ...large]) prob[i] = 1;
  return (rng) => {
    const i = rng.int(n);
    return rng.next() < prob[i] ? i : alias[i];
  };
}

/**
 * The model: the input vectors (an Embedding, or an EmbeddingBag for CBOW) and the output
 * vectors. `pretrained` (a Float32Array [vocabSize, dim], row 0 the padding row) goes in through
 * Embedding.fromPretrained, frozen or not.
 */
export function buildModel(kd, config, vocabSize, pretrained = null) {
  const { nn } = kd;
  const common = { sparse: config.sparse, ...(config.maxNorm > 0 ? { maxNorm: config.maxNorm } : {}) };
  const paddingIdx = config.padding ? { paddingIdx: 0 } : {};
  if (pretrained && config.model === 'cbow') throw new Error('Pretrained vectors go into an nn.Embedding: choose skip-gram to use them.');
  class Word2Vec extends nn.Module {
    constructor() {
      super();
      if (pretrained) {
        this.inVectors = nn.Embedding.fromPretrained(kd.tensor(pretrained.vectors, [vocabSize, config.dim]), { freeze: pretrained.freeze, ...common, ...paddingIdx });
      } else {
        this.inVectors = config.model === 'cbow'
          ? nn.EmbeddingBag(vocabSize, config.dim, { mode: 'mean', ...common, ...paddingIdx })
          : nn.Embedding(vocabSize, config.dim, { ...common, ...paddingIdx });
      }
      this.outVectors = nn.Embedding(vocabSize, config.dim, { sparse: config.sparse });
      // word2vec's start: small random input vectors, zero output vectors
      kd.noGrad(() => kd.tidy(() => {
        if (!pretrained) nn.init.uniform_(this.inVectors.weight, -0.5 / config.dim, 0.5 / config.dim);
        if (config.padding) this.inVectors.weight.select(0, 0).zero_();
        this.outVectors.weight.zero_();
      }));
    }

    /** inputs: center ids [B] (skip-gram) or context ids [B, 2·window] (CBOW); targets [B]; negatives [B, K] */
    forward(inputs, targets, negatives) {
      const h = this.inVectors.call(inputs);
      return nn.functional.negativeSamplingLoss(h, this.outVectors.call(targets), this.outVectors.call(negatives));
    }
  }
  return new Word2Vec();
}

// What the playground lets one model take of the wasm heap (the threaded build's is shared with
// every other allocation): refused before anything is allocated, with the estimate.
export const MAX_MODEL_BYTES = 256 * 2 ** 20;

/** Bytes of the two float32 tables with their gradients and Adam's two moment buffers. */
export const estimateBytes = (config, vocabSize) => 2 * vocabSize * config.dim * 4 * (1 + 1 + 2);

/** Throws, with the estimate, when a model of this size is more than the playground allows. */
export function checkSize(config, vocabSize) {
  const bytes = estimateBytes(config, vocabSize);
  if (bytes > MAX_MODEL_BYTES) {
    throw new RangeError(`This model would need about ${(bytes / 2 ** 20).toFixed(0)} MB (${vocabSize.toLocaleString('en-US')} words × ${config.dim} dimensions × 2 tables, with gradients and the optimizer's state): more than the ${MAX_MODEL_BYTES / 2 ** 20} MB the playground allows. Raise the minimum count or lower the dimension.`);
  }
}

export class WordsRun {
  constructor(kd, config, corpus, pretrained = null) {
    this.kd = kd;
    this.config = config;
    this.rng = makeRng(config.seed);
    this.viewMode = 'eval';
    // with pretrained vectors the file's words are the vocabulary, in the file's order
    const vocab = pretrained ? vocabFromWords(pretrained.words, corpus.sentences) : buildVocab(corpus.sentences, config.minCount);
    this.vocab = vocab;
    this.topicOf = corpus.topicOf;
    // sentences as ids, dropping words under the minimum count
    this.sentences = corpus.sentences.map((s) => s.map((w) => vocab.index.get(w)).filter((i) => i !== undefined)).filter((s) => s.length >= 2);
    const total = vocab.counts.reduce((a, b) => a + b, 0);
    // word2vec's subsampling: keep a word with probability (sqrt(f/t) + 1)·t/f
    this.keep = vocab.counts.map((c) => {
      if (c === 0 || config.subsample === 0) return 1;
      const f = c / total, t = config.subsample;
      return Math.min(1, (Math.sqrt(f / t) + 1) * (t / f));
    });
    this.negative = aliasTable(vocab.counts.map((c, i) => (i === 0 ? 0 : c ** 0.75)));
    checkSize(config, vocab.words.length);
    kd.manualSeed(config.seed);
    let table = null;
    if (pretrained) {
      table = new Float32Array(vocab.words.length * config.dim);  // row 0 (padding) stays zero
      table.set(pretrained.vectors, config.dim);
    }
    this.model = buildModel(kd, config, vocab.words.length, table && { vectors: table, freeze: pretrained.freeze });
    if (this.sentences.length === 0) throw new Error('No sentence of the corpus has two words of the vocabulary.');
    const params = this.model.parameters();
    this.optimizer = config.sparse ? new kd.optim.SparseAdam(params, { lr: config.lr }) : new kd.optim.Adam(params, { lr: config.lr });
  }

  /** A position in the corpus that survives subsampling: [sentence, index]. */
  #position(rng) {
    for (let attempt = 0; ; attempt++) {
      const s = this.sentences[rng.int(this.sentences.length)];
      const i = rng.int(s.length);
      if (attempt > 20 || rng.next() < this.keep[s[i]]) return [s, i];
    }
  }

  /** One minibatch of ids, as arrays; drawn from `rng` (the run's own unless one is given). */
  batch(rng = this.rng) {
    const { batchSize: b, window: w, negatives: k, model } = this.config;
    const targets = new Array(b);
    const negatives = new Array(b * k);
    let inputs;
    if (model === 'cbow') {
      inputs = new Array(b * 2 * w).fill(0);  // 0: the padding id, where the window leaves the sentence
      for (let n = 0; n < b; n++) {
        const [s, i] = this.#position(rng);
        targets[n] = s[i];
        let slot = 0;
        for (let j = i - w; j <= i + w; j++) if (j !== i) { if (j >= 0 && j < s.length) inputs[n * 2 * w + slot] = s[j]; slot++; }
      }
    } else {
      inputs = new Array(b);
      for (let n = 0; n < b; n++) {
        const [s, i] = this.#position(rng);
        // word2vec's dynamic window: a random reach in 1..w, so near words count more often
        const reach = 1 + rng.int(w);
        const lo = Math.max(0, i - reach), hi = Math.min(s.length - 1, i + reach);
        let j = lo + rng.int(hi - lo);  // one of the hi − lo positions in [lo, hi] other than i
        if (j >= i) j++;
        inputs[n] = s[i];
        targets[n] = s[j];
      }
    }
    for (let n = 0; n < b * k; n++) negatives[n] = this.negative(rng);
    return { inputs, targets, negatives };
  }

  step() {
    const { kd, config } = this;
    const { inputs, targets, negatives } = this.batch();
    const b = targets.length;
    return kd.tidy(() => {
      const x = config.model === 'cbow'
        ? kd.tensor(inputs, [b, 2 * config.window], { dtype: 'int64' })
        : kd.tensor(inputs, [b], { dtype: 'int64' });
      const loss = this.model.call(x, kd.tensor(targets, [b], { dtype: 'int64' }), kd.tensor(negatives, [b, config.negatives], { dtype: 'int64' }));
      this.optimizer.zeroGrad();
      loss.backward();
      this.optimizer.step();
      return loss.item();
    });
  }

  /** The input vectors [V, D] (what the projector shows). */
  table() {
    return this.model.inVectors.weight.dataSync();
  }

  /** Rows of the input table the last step gave a gradient to. */
  touchedRows() {
    return this.kd.tidy(() => {
      const w = this.model.inVectors.weight;
      const sparse = w.sparseGrad;
      if (sparse) return Int32Array.from(sparse.indices.dataSync(), Number);
      const g = w.grad?.dataSync();
      if (!g) return new Int32Array(0);
      const d = this.config.dim, rows = [];
      for (let r = 0; r < g.length / d; r++) for (let c = 0; c < d; c++) if (g[r * d + c] !== 0) { rows.push(r); break; }
      return Int32Array.from(rows);
    });
  }

  /** The k nearest words to row `query` in the original space, by cosine or euclidean distance. */
  neighbors(query, k, metric) {
    const table = this.table(), d = this.config.dim, v = table.length / d;
    const q = table.subarray(query * d, query * d + d);
    const qn = Math.hypot(...q) || 1;
    const out = [];
    for (let r = 1; r < v; r++) {
      if (r === query) continue;
      const row = table.subarray(r * d, r * d + d);
      let dist;
      if (metric === 'cosine') {
        let dot = 0;
        for (let c = 0; c < d; c++) dot += q[c] * row[c];
        dist = 1 - dot / (qn * (Math.hypot(...row) || 1));
      } else {
        let s = 0;
        for (let c = 0; c < d; c++) s += (q[c] - row[c]) ** 2;
        dist = Math.sqrt(s);
      }
      out.push([r, dist]);
    }
    return out.sort((a, b) => a[1] - b[1]).slice(0, k);
  }

  dispose() {
    this.model.dispose();
  }
}
