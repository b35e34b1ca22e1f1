// The attention preset's model, loss and optimizer, built from kd.nn / kd.optim, and what the
// views ask of it. Plain JS that takes `kd`: the worker and the node tests run the same step.
//
//   tokens [B, L] → Embedding(padding_idx=0) → x [B, L, d]
//   scores = tanh(x W + b) · q                     [B, L]
//   scores.masked_fill(tokens == 0, -inf)          padding can get no weight
//   α = softmax(scores, dim=1); pooled = bmm(α[:, None, :], x)[:, 0]   [B, d]
//   logits = Linear(pooled)                        [B, 2]
import { buildOptimizer } from '../../lib/optim.js';
import { CLASSES, MAX_LEN, PAD, VOCAB } from './data.js';
import { evaluating, nonFiniteReport } from '../../lib/run.js';

const classes = new WeakMap();

/** The two module classes, defined once per Kindling instance (they extend its kd.nn.Module). */
export function modelClasses(kd) {
  if (classes.has(kd)) return classes.get(kd);
  const { nn } = kd;

  class AdditiveAttention extends nn.Module {
    constructor(dim, hidden) {
      super();
      // Parameters: assigned as nn.Parameter, so named_parameters() finds them and they train.
      this.W = new nn.Parameter(kd.randn(dim, hidden).mul(1 / Math.sqrt(dim)));
      this.b = new nn.Parameter(kd.zeros(hidden));
      this.q = new nn.Parameter(kd.randn(hidden).mul(1 / Math.sqrt(hidden)));
      // A plain tensor attribute: the last batch's padding mask. Not trained, not in the
      // state_dict; it is recomputed from the tokens on every forward.
      this.mask = null;
    }

    extraRepr() {
      return `dim=${this.W.shape[0]}, hidden=${this.W.shape[1]}`;
    }

    /** x [B, L, d], mask [B, L] (true at padding) → [pooled [B, d], weights [B, L]]. */
    forward(x, mask) {
      const previous = this.mask;
      this.mask = kd.keep(mask.clone());
      previous?.dispose();
      const scores = x.matmul(this.W).add(this.b).tanh().matmul(this.q);
      const weights = scores.maskedFill(mask, -Infinity).softmax(1);
      const pooled = weights.unsqueeze(1).bmm(x).squeeze(1);
      return [pooled, weights];
    }

    dispose() {
      this.mask?.dispose();
      this.mask = null;
      super.dispose();
    }
  }

  class AttentionClassifier extends nn.Module {
    constructor(vocab, dim, hidden, numClasses) {
      super();
      this.embedding = nn.Embedding(vocab, dim, { paddingIdx: PAD });
      this.attention = new AdditiveAttention(dim, hidden);
      this.out = nn.Linear(dim, numClasses);
    }

    /** tokens int64 [B, L] → {logits [B, classes], weights [B, L]}. */
    attend(tokens) {
      const [pooled, weights] = this.attention.call(this.embedding.call(tokens), tokens.eq(PAD));
      return { logits: this.out.call(pooled), weights };
    }

    forward(tokens) {
      return this.attend(tokens).logits;
    }
  }

  const made = { AdditiveAttention, AttentionClassifier };
  classes.set(kd, made);
  return made;
}

/** One training run: model, optimizer, the sentences as tensors, the batch order. */
export class AttentionRun {
  constructor(kd, config, data, { rng }) {
    this.kd = kd;
    this.config = config;
    this.data = data;
    this.rng = rng;
    this.viewMode = 'eval';
    kd.manualSeed(config.seed);
    const { AttentionClassifier } = modelClasses(kd);
    this.model = new AttentionClassifier(VOCAB.length, config.embedDim, config.attnDim, CLASSES.length);
    this.optimizer = buildOptimizer(kd, config, this.model.parameters());
    this.lossFn = kd.nn.CrossEntropyLoss();
    const n = data.labels.length;
    const part = (from, to) => ({
      x: kd.keep(kd.tensor(data.ids.subarray(from * MAX_LEN, to * MAX_LEN), [to - from, MAX_LEN], { dtype: 'int64' })),
      y: kd.keep(kd.tensor(data.labels.subarray(from, to), [to - from], { dtype: 'int64' })),
      n: to - from, from,
    });
    this.train = part(0, data.numTrain);
    this.test = part(data.numTrain, n);
    this.order = [];
  }

  /** Exactly one optimizer step on the next minibatch; returns the batch loss. */
  step() {
    const { kd, config, train } = this;
    if (train.n === 0) throw new Error('There are no training sentences: raise the training share.');
    const b = Math.min(config.batchSize, train.n);
    if (this.order.length < b) this.order.push(...this.rng.shuffle([...Array(train.n).keys()]));
    const batch = this.order.splice(0, b);
    return kd.tidy(() => {
      const index = kd.tensor(batch, [b], { dtype: 'int64' });
      this.optimizer.zeroGrad();
      const loss = this.lossFn.call(this.model.call(train.x.indexSelect(0, index)), train.y.indexSelect(0, index));
      loss.backward();
      this.optimizer.step();
      return loss.item();
    });
  }

  /** fn without grad, in the views' mode (lib/run.js). */
  evaluating(fn) {
    return evaluating(this.kd, this.model, this.viewMode, fn);
  }

  /** Loss and accuracy on the training and held-out sentences; held-out accuracy with a negation. */
  evaluate() {
    const { data } = this;
    return this.evaluating(() => {
      const one = (part) => {
        if (part.n === 0) return { loss: NaN, accuracy: NaN, right: new Uint8Array(0) };
        const logits = this.model.call(part.x);
        const right = logits.argmax(1).eq(part.y).dataSync();
        return { loss: this.lossFn.call(logits, part.y).item(), accuracy: right.reduce((a, v) => a + Number(v), 0) / part.n, right };
      };
      const train = one(this.train), test = one(this.test);
      let negatedRight = 0, negated = 0;
      test.right.forEach((r, i) => { if (data.negated[this.test.from + i]) { negated++; negatedRight += Number(r); } });
      return {
        trainLoss: train.loss, testLoss: test.loss, trainAccuracy: train.accuracy, testAccuracy: test.accuracy,
        negatedAccuracy: negated ? negatedRight / negated : NaN, negatedCount: negated,
      };
    });
  }

  /** For one sentence (token ids, at most MAX_LEN): each position's attention weight and the class probabilities. */
  probe(ids) {
    const { kd } = this;
    return this.evaluating(() => {
      const padded = Array.from({ length: MAX_LEN }, (_, i) => ids[i] ?? PAD);
      const { logits, weights } = this.model.attend(kd.tensor([padded], { dtype: 'int64' }));
      return { ids: Int32Array.from(padded), weights: weights.dataSync(), probs: logits.softmax(1).dataSync() };
    });
  }

  /**
   * Every word on its own (ids 2.., after padding and <unk>): its attention score
   * tanh(e W + b)·q, and P(positive) if the model looked at that word only (pooled = e).
   */
  lexicon() {
    const { kd, model } = this;
    return this.evaluating(() => {
      const x = model.embedding.call(kd.tensor([...VOCAB.keys()].slice(2), { dtype: 'int64' }));
      const scores = x.matmul(model.attention.W).add(model.attention.b).tanh().matmul(model.attention.q);
      return { scores: scores.dataSync(), positive: model.out.call(x).softmax(1).select(1, 1).contiguous().dataSync() };
    });
  }

  currentLr() {
    return this.optimizer.paramGroups[0].lr;
  }

  /** After a non-finite loss: which parameters or gradients hold NaN or ±Infinity. */
  nonFiniteReport() {
    return nonFiniteReport(this.model);
  }

  dispose() {
    this.kd.dispose([this.train.x, this.train.y, this.test.x, this.test.y]);
    this.model.dispose();
  }
}
