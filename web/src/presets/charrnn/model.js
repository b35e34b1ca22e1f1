// The char-RNN preset's model, its truncated-BPTT training and its sampler, built from kd.nn /
// kd.optim. Plain JS that takes `kd`: the worker and the node tests run the same step.
//
//   chars [B, T] → Embedding → RNN/GRU/LSTM(num_layers, dropout) → Dropout → Linear → logits [B, T, V]
//
// Truncated backpropagation through time: the training text is cut into `batchSize` streams
// read side by side, `seqLen` characters per step. The hidden state carries on from one step
// to the next, detached, so gradients reach back at most seqLen characters.
import { buildOptimizer, buildScheduler } from '../../lib/optim.js';
import { evaluating, nonFiniteReport } from '../../lib/run.js';

export const LN2 = Math.LN2;
const VALIDATION_CHARS = 2048;     // the held-out loss is measured on at most this many characters
const VALIDATION_ROWS = 8;

const classes = new WeakMap();

/** CharRNN, defined once per Kindling instance (it extends its kd.nn.Module). */
export function modelClasses(kd) {
  if (classes.has(kd)) return classes.get(kd);
  const { nn } = kd;
  const CELL = { rnn: nn.RNN, gru: nn.GRU, lstm: nn.LSTM };

  class CharRNN extends nn.Module {
    constructor(vocab, { cell, embedDim, hidden, numLayers, dropout }) {
      super();
      this.embedding = nn.Embedding(vocab, embedDim);
      // PyTorch's RNN dropout acts between layers only; the Dropout after it also covers one layer
      this.rnn = CELL[cell](embedDim, hidden, { numLayers, dropout: numLayers > 1 ? dropout : 0, batchFirst: true });
      this.drop = nn.Dropout(dropout);
      this.head = nn.Linear(hidden, vocab);
    }

    /** chars int64 [B, T], state (h, or [h, c] for an LSTM, or null) → [logits [B, T, V], outputs [B, T, H], state]. */
    run(chars, state = null) {
      const [outputs, next] = this.rnn.call(this.embedding.call(chars), state);
      return [this.head.call(this.drop.call(outputs)), outputs, next];
    }

    forward(chars, state = null) {
      const [logits, , next] = this.run(chars, state);
      return [logits, next];
    }
  }

  const made = { CharRNN };
  classes.set(kd, made);
  return made;
}

const stateTensors = (state) => (state === null ? [] : Array.isArray(state) ? state : [state]);

/** One training run: model, optimizer, the streams and their carried hidden state. */
export class CharRnnRun {
  constructor(kd, config, corpus) {
    this.kd = kd;
    this.config = config;
    this.corpus = corpus;
    this.viewMode = 'eval';
    kd.manualSeed(config.seed);
    const { CharRNN } = modelClasses(kd);
    this.vocab = corpus.alphabet.length;
    this.model = new CharRNN(this.vocab, config);
    this.optimizer = buildOptimizer(kd, config, this.model.parameters());
    this.scheduler = buildScheduler(kd, config, this.optimizer);
    this.lossFn = kd.nn.CrossEntropyLoss();
    this.state = null;              // kept tensors: the hidden state carried between steps
    this.position = 0;              // where in each stream the next step reads
    this.batch = Math.max(1, Math.min(config.batchSize, Math.floor((corpus.numTrain - 1) / (config.seqLen + 1))));
    this.streamLength = Math.floor((corpus.numTrain - 1) / this.batch);
    this.lastGradNorm = NaN;
    this.validation = this.#validationTensors();
  }

  /** The held-out characters as VALIDATION_ROWS rows of inputs and targets, read from a zero state. */
  #validationTensors() {
    const { kd, corpus } = this;
    const held = corpus.ids.subarray(corpus.numTrain, corpus.numTrain + VALIDATION_CHARS + 1);
    const length = Math.floor((held.length - 1) / VALIDATION_ROWS);
    if (length < 2) return null;
    const rows = (shift) => Array.from({ length: VALIDATION_ROWS }, (_, r) => Array.from(held.subarray(r * length + shift, r * length + shift + length)));
    return { x: kd.keep(kd.tensor(rows(0), { dtype: 'int64' })), y: kd.keep(kd.tensor(rows(1), { dtype: 'int64' })) };
  }

  /** The next seqLen characters of every stream: inputs and the characters that follow them. */
  #nextBatch() {
    const { config, corpus, batch, streamLength } = this;
    const T = config.seqLen;
    if (this.position + T + 1 > streamLength) {
      this.position = 0;  // every stream starts over, from a zero state
      this.#setState(null);
    }
    const x = new Int32Array(batch * T), y = new Int32Array(batch * T);
    for (let b = 0; b < batch; b++) {
      const start = b * streamLength + this.position;
      x.set(corpus.ids.subarray(start, start + T), b * T);
      y.set(corpus.ids.subarray(start + 1, start + T + 1), b * T);
    }
    this.position += T;
    return { x, y, T };
  }

  #setState(next) {
    const old = this.state;
    this.state = next === null ? null : Array.isArray(next) ? next.map((t) => this.kd.keep(t.detach())) : this.kd.keep(next.detach());
    this.kd.dispose(stateTensors(old));
  }

  /** Exactly one optimizer step on the next seqLen characters of every stream; returns the loss in nats. */
  step() {
    const { kd, config, batch } = this;
    const { x, y, T } = this.#nextBatch();
    return kd.tidy(() => {
      this.optimizer.zeroGrad();
      const [logits, next] = this.model.call(kd.tensor(x, [batch, T], { dtype: 'int64' }), this.state);
      const loss = this.lossFn.call(logits.reshape([batch * T, this.vocab]), kd.tensor(y, [batch * T], { dtype: 'int64' }));
      loss.backward();
      // the norm before clipping is returned (and charted); with clip 0 nothing is scaled
      const params = this.model.parameters().filter((p) => p.grad);
      this.lastGradNorm = params.length ? kd.nn.utils.clipGradNorm_(params, config.clip > 0 ? config.clip : Infinity).item() : 0;
      this.optimizer.step();
      this.scheduler?.step();
      this.#setState(next);
      return loss.item();
    });
  }

  /** fn without grad, in the views' mode (lib/run.js). */
  evaluating(fn) {
    return evaluating(this.kd, this.model, this.viewMode, fn);
  }

  /** The held-out loss in nats per character (NaN when the text is too short to hold any out). */
  validationLoss() {
    const { validation } = this;
    if (!validation) return NaN;
    return this.evaluating(() => {
      const [logits] = this.model.call(validation.x);
      const [rows, length] = validation.y.shape;
      return this.lossFn.call(logits.reshape([rows * length, this.vocab]), validation.y.reshape([rows * length])).item();
    });
  }

  /**
   * `length` characters continuing `prime` (characters outside the alphabet are skipped),
   * drawn with `rng` from softmax(logits / temperature). Returns {prime, text, states:
   * Float32Array [last K characters, hidden]} where states are the top layer's outputs h.
   */
  sample({ prime, temperature, length, keep, rng }) {
    const { kd, corpus } = this;
    const index = new Map(corpus.alphabet.map((c, i) => [c, i]));
    let primeIds = [...prime].map((c) => index.get(c)).filter((i) => i !== undefined);
    const usedPrime = primeIds.map((i) => corpus.alphabet[i]).join('');
    if (primeIds.length === 0) primeIds = [index.get('\n') ?? index.get(' ') ?? 0];
    const hidden = this.config.hidden;
    const states = new Float32Array(Math.min(keep, length) * hidden);
    let text = '';
    this.evaluating(() => {
      let [logits, , state] = this.model.run(kd.tensor([primeIds], { dtype: 'int64' }), null);
      let last = logits.select(1, primeIds.length - 1).squeeze(0);  // [V]
      for (let i = 0; i < length; i++) {
        const probs = last.div(temperature).softmax(0).dataSync();
        const id = drawIndex(probs, rng.next());
        text += corpus.alphabet[id];
        kd.tidy(() => {
          const [stepLogits, outputs, next] = this.model.run(kd.tensor([[id]], { dtype: 'int64' }), state);
          const slot = i - (length - states.length / hidden);
          if (slot >= 0) states.set(outputs.reshape([hidden]).dataSync(), slot * hidden);
          kd.dispose([last, ...stateTensors(state)]);
          last = kd.keep(stepLogits.reshape([this.vocab]));
          state = Array.isArray(next) ? next.map((t) => kd.keep(t)) : kd.keep(next);
        });
      }
      kd.dispose([last, ...stateTensors(state)]);
    });
    return { prime: usedPrime, text, states };
  }

  currentLr() {
    return this.optimizer.paramGroups[0].lr;
  }

  nonFiniteReport() {
    return nonFiniteReport(this.model);
  }

  dispose() {
    this.kd.dispose([...stateTensors(this.state), ...(this.validation ? [this.validation.x, this.validation.y] : [])]);
    this.state = null;
    this.model.dispose();
  }
}

/** The index whose cumulative probability first exceeds u (u uniform in [0, 1)). */
export function drawIndex(probs, u) {
  let total = 0;
  for (const p of probs) total += p;
  let acc = 0;
  const target = u * total;
  for (let i = 0; i < probs.length; i++) {
    acc += probs[i];
    if (acc > target) return i;
  }
  return probs.length - 1;
}
