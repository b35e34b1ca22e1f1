// The 2-D preset's model, loss and optimizer, built from kd.nn / kd.optim, and everything the
// views ask of it. Takes `kd` as an argument and touches no browser API, so the worker and the
// node benchmark run the very same training step.
import { buildOptimizer, buildScheduler } from '../../lib/optim.js';
import { featurize, gridPoints } from './data.js';
import { evaluating, nonFiniteReport } from '../../lib/run.js';

const ACTIVATION_MODULES = {
  relu: (kd) => kd.nn.ReLU(),
  tanh: (kd) => kd.nn.Tanh(),
  sigmoid: (kd) => kd.nn.Sigmoid(),
  gelu: (kd) => kd.nn.GELU(),
  silu: (kd) => kd.nn.SiLU(),
  linear: (kd) => kd.nn.Identity(),
};

/** The outputs of the network for a task: one logit (BCE), one per class (CE) or one value. */
export const outputsFor = (loss, numClasses) => (loss === 'ce' ? numClasses : 1);

/**
 * nn.Sequential(Linear, [BatchNorm1d], activation, [Dropout], ..., Linear) and where each
 * hidden layer's Linear and its unit outputs (after the activation) sit in it.
 */
export function buildModel(kd, config, numClasses) {
  const modules = [];
  const hidden = [];
  let inFeatures = config.features.length;
  config.layers.forEach((units, i) => {
    const linear = modules.push(kd.nn.Linear(inFeatures, units)) - 1;
    if (config.batchNorm) modules.push(kd.nn.BatchNorm1d(units));
    const activation = modules.push(ACTIVATION_MODULES[config.activations[i]](kd)) - 1;
    if (config.dropout > 0) modules.push(kd.nn.Dropout(config.dropout));
    hidden.push({ linear, activation, units });
    inFeatures = units;
  });
  const output = modules.push(kd.nn.Linear(inFeatures, outputsFor(config.loss, numClasses))) - 1;
  return { model: kd.nn.Sequential(...modules), hidden, output };
}

/**
 * One training run: model, optimizer, data as tensors, the batch order. `data` is
 * {points, labels, isTest, task, numClasses} (see data.js).
 */
export class Classify2dRun {
  constructor(kd, config, data, { rng }) {
    this.kd = kd;
    this.config = config;
    this.data = data;
    this.rng = rng;
    this.viewMode = 'eval';
    kd.manualSeed(config.seed);
    const { model, hidden, output } = buildModel(kd, config, data.numClasses);
    this.model = model;
    this.hidden = hidden;
    this.output = output;
    const linearIndices = [...hidden.map((h) => h.linear), output];
    this.linears = linearIndices.map((i) => model.at(i));
    this.linearNames = linearIndices.map(String);  // the Sequential's names: "0", "3", ...
    this.optimizer = buildOptimizer(kd, config, model.parameters());
    this.scheduler = buildScheduler(kd, config, this.optimizer);
    this.lossFn = config.loss === 'bce' ? kd.nn.BCEWithLogitsLoss() : config.loss === 'ce' ? kd.nn.CrossEntropyLoss() : kd.nn.MSELoss();
    this.setData(data);
  }

  /** (Re)loads the points as tensors; the model and optimizer stay. */
  setData(data) {
    const { kd, config } = this;
    kd.dispose(this.tensors ?? []);
    this.data = data;
    const f = config.features.length;
    const rows = (test) => [...data.isTest.keys()].filter((i) => (data.isTest[i] === 1) === test);
    const make = (idx) => {
      const pts = new Float32Array(idx.length * 2);
      idx.forEach((i, k) => { pts[2 * k] = data.points[2 * i]; pts[2 * k + 1] = data.points[2 * i + 1]; });
      const x = kd.keep(kd.tensor(featurize(pts, config.features), [idx.length, f]));
      const labels = idx.map((i) => data.labels[i]);
      const y = kd.keep(config.loss === 'ce' ? kd.tensor(labels, [idx.length], { dtype: 'int64' }) : kd.tensor(labels, [idx.length, 1]));
      return { x, y, n: idx.length, labels };
    };
    this.train = make(rows(false));
    this.test = make(rows(true));
    this.tensors = [this.train.x, this.train.y, this.test.x, this.test.y];
    this.order = [];
  }

  /** Exactly one optimizer step on the next minibatch; returns the batch loss. */
  step() {
    const { kd, config, train } = this;
    if (train.n === 0) throw new Error('There are no training points: add some by clicking on the plane.');
    const b = Math.min(config.batchSize, train.n);
    if (this.order.length < b) this.order.push(...this.rng.shuffle([...Array(train.n).keys()]));
    const batch = this.order.splice(0, b);
    return kd.tidy(() => {
      const index = kd.tensor(batch, [b], { dtype: 'int64' });
      const x = train.x.indexSelect(0, index);
      const y = train.y.indexSelect(0, index);
      this.optimizer.zeroGrad();
      const loss = this.lossFn.call(this.model.call(x), y);
      if (config.l1 > 0) {
        // the penalty is trained on but not reported: the loss stays comparable across λ
        const l1 = this.linears.map((l) => l.weight.abs().sum()).reduce((a, c) => a.add(c));
        loss.add(l1.mul(config.l1)).backward();
      } else {
        loss.backward();
      }
      this.optimizer.step();
      this.scheduler?.step();
      return loss.item();
    });
  }

  /** fn without grad, in the views' mode (lib/run.js). */
  evaluating(fn) {
    return evaluating(this.kd, this.model, this.viewMode, fn);
  }

  /** Losses on the whole train and test sets; accuracy and confusion matrix for classes. */
  evaluate() {
    const { config, data } = this;
    return this.evaluating(() => {
      const one = (part) => {
        if (part.n === 0) return { loss: NaN, accuracy: NaN, predicted: [] };
        const out = this.model.call(part.x);
        const loss = this.lossFn.call(out, part.y).item();
        if (data.task === 'regression') return { loss, accuracy: NaN, predicted: [] };
        const predicted = config.loss === 'ce' ? out.argmax(1).dataSync() : out.gt(0).dataSync();
        let right = 0;
        predicted.forEach((p, i) => { if (Number(p) === part.labels[i]) right++; });
        return { loss, accuracy: right / part.n, predicted };
      };
      const train = one(this.train), test = one(this.test);
      let confusion = null;
      if (data.task !== 'regression') {
        const k = data.numClasses;
        confusion = new Int32Array(k * k);  // rows: true class, columns: predicted
        test.predicted.forEach((p, i) => { confusion[this.test.labels[i] * k + Number(p)]++; });
      }
      return { trainLoss: train.loss, testLoss: test.loss, trainAccuracy: train.accuracy, testAccuracy: test.accuracy, confusion };
    });
  }

  /**
   * The model's output over a res × res grid: per cell, the probability of each class (CE),
   * of class 1 (BCE), or the value (MSE). Returns {res, channels, values}.
   */
  surface(res) {
    const { kd, config } = this;
    return this.evaluating(() => {
      const x = kd.tensor(featurize(gridPoints(res), config.features), [res * res, config.features.length]);
      const out = this.model.call(x);
      const values = config.loss === 'ce' ? out.softmax(1) : config.loss === 'bce' ? out.sigmoid() : out;
      return { res, channels: values.shape[1], values: values.dataSync() };
    });
  }

  /**
   * Every unit's output over a res × res grid, inputs first: {res, layers: [units per layer],
   * values: Float32Array [units in all layers, res²]} (each unit's grid row-major).
   */
  unitMaps(res) {
    const { kd, config, model } = this;
    const grid = featurize(gridPoints(res), config.features);
    const nf = config.features.length;
    return this.evaluating(() => {
      const maps = [kd.tensor(grid, [res * res, nf]).t().contiguous()];
      let h = kd.tensor(grid, [res * res, nf]);
      let next = 0;
      for (const { activation } of this.hidden) {
        for (; next <= activation; next++) h = model.at(next).call(h);
        maps.push(h.t().contiguous());
      }
      const layers = [nf, ...this.hidden.map((l) => l.units)];
      return { res, layers, values: kd.cat(maps, 0).dataSync() };
    });
  }

  /**
   * Each Linear's weight [out, in] and bias [out], inputs to output, as views into one
   * Float32Array (`buffer`): a snapshot transfers one buffer, not two per layer.
   */
  weights() {
    const sizes = this.linears.map((l) => l.weight.numel() + l.bias.numel());
    const buffer = new Float32Array(sizes.reduce((a, b) => a + b, 0));
    let offset = 0;
    const layers = this.linears.map((l, i) => {
      const [out, inF] = l.weight.shape;
      const weight = buffer.subarray(offset, offset + out * inF);
      weight.set(l.weight.dataSync());
      const bias = buffer.subarray(offset + out * inF, offset + sizes[i]);
      bias.set(l.bias.dataSync());
      offset += sizes[i];
      return { name: this.linearNames[i], out, in: inF, weight, bias };
    });
    return { buffer, layers };
  }

  /** Sets one weight or bias of Linear number `layer` (0 = first), outside autograd. */
  setParameter({ layer, kind, row, col, value }) {
    const { kd } = this;
    const linear = this.linears[layer];
    if (!linear) throw new RangeError(`There is no layer ${layer}.`);
    if (!Number.isFinite(value)) throw new RangeError(`A weight must be a finite number, not ${value}.`);
    kd.noGrad(() => kd.tidy(() => {
      const t = kind === 'bias' ? linear.bias.select(0, row) : linear.weight.select(0, row).select(0, col);
      t.fill_(value);
    }));
  }

  currentLr() {
    return this.optimizer.paramGroups[0].lr;
  }

  /** After a non-finite loss: which parameters or gradients hold NaN or ±Infinity. */
  nonFiniteReport() {
    return nonFiniteReport(this.model);
  }

  dispose() {
    this.kd.dispose(this.tensors);
    this.model.dispose();
  }
}
