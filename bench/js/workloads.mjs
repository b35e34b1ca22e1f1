// The training workloads of `make bench`, each written for Kindling and for TensorFlow.js side
// by side, from the same data and the same initial weights (made here by a seeded generator),
// so that both systems must reach the same loss.
//
// A workload is { name, unit, steps, warmup, kindling(kd, opts), tfjs(tf) }; kindling/tfjs
// return a runner { step(read) -> loss or undefined, dispose() } or null when the system has
// no way to run it (reported as such). sgemm is a workload too: its "loss" is a checksum of
// the product, its unit GFLOPS.
//
// TF.js is written in its fastest public formulation: tfjs-core ops with `optimizer.minimize`,
// `tf.fused.matMul` (bias and relu fused), labels as precomputed one-hot matrices and, for
// the embedding lookup, a precomputed one-hot matrix times the table: the wasm backend has no
// UnsortedSegmentSum kernel, which the gradient of `tf.gather` needs.

// mulberry32: a small seeded generator, identical for both systems.
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function uniform(next, n, bound) {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (2 * next() - 1) * bound;
  return out;
}

function normal(next, n, scale = 1) {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = Math.max(next(), 1e-12);
    out[i] = scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
  }
  return out;
}

// [rows, cols] row-major -> [cols, rows] row-major.
function transposed(values, rows, cols) {
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c];
  return out;
}

function oneHot(labels, classes) {
  const out = new Float32Array(labels.length * classes);
  labels.forEach((l, i) => { out[i * classes + l] = 1; });
  return out;
}

// A dense layer's weights as PyTorch initializes them (uniform ±1/sqrt(in)), [out, in].
function denseLayer(next, inFeatures, outFeatures) {
  const bound = 1 / Math.sqrt(inFeatures);
  return { inFeatures, outFeatures, weight: uniform(next, outFeatures * inFeatures, bound), bias: uniform(next, outFeatures, bound) };
}

// ---- Kindling side helpers ----

function kdLinear(kd, layer) {
  const lin = kd.nn.Linear(layer.inFeatures, layer.outFeatures);
  kd.noGrad(() => kd.tidy(() => {
    lin.weight.copy_(kd.tensor(layer.weight, { shape: [layer.outFeatures, layer.inFeatures] }));
    lin.bias.copy_(kd.tensor(layer.bias));
  }));
  return lin;
}

function kdKeep(kd, fn) {
  const t = fn();
  kd.keep(t);
  return t;
}

// Batches of {x (flat floats), y (labels)} as kept Kindling tensors [x of [batch, features], y].
function kdBatches(kd, batches, features) {
  return batches.map(({ x, y }) => [
    kdKeep(kd, () => kd.tensor(x, { shape: [y.length, features] })),
    kdKeep(kd, () => kd.tensor(y, { dtype: 'int64' }))]);
}

// A classifier training step in Kindling: model, optimizer, batches of (x, labels).
function kdClassifierRunner(kd, model, opt, batches) {
  const loss = kd.nn.functional.crossEntropy;
  let i = 0;
  return {
    step(read) {
      const [x, y] = batches[i++ % batches.length];
      return kd.tidy(() => {
        opt.zeroGrad();
        const l = loss(model.call(x), y);
        l.backward();
        opt.step();
        return read ? l.item() : undefined;
      });
    },
    dispose() {
      model.dispose();
      opt.dispose();
      for (const b of batches) for (const t of b) t.dispose();
    },
  };
}

// ---- TF.js side helpers ----

function tfDense(tf, layer) {
  return {
    w: tf.variable(tf.tensor2d(transposed(layer.weight, layer.outFeatures, layer.inFeatures), [layer.inFeatures, layer.outFeatures])),
    b: tf.variable(tf.tensor1d(layer.bias)),
  };
}

function tfClassifierRunner(tf, vars, forward, opt, batches) {
  let i = 0;
  return {
    step(read) {
      const [x, y] = batches[i++ % batches.length];
      const cost = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, forward(x)), read);
      if (!read) return undefined;
      const v = cost.dataSync()[0];
      cost.dispose();
      return v;
    },
    dispose() {
      opt.dispose();
      for (const v of vars) v.dispose();
      for (const b of batches) for (const t of b) t.dispose();
    },
  };
}

// ---- the workloads ----

function sgemm(n) {
  const data = () => {
    const next = rng(n);
    return { a: uniform(next, n * n, 1), b: uniform(next, n * n, 1) };
  };
  return {
    name: `sgemm n=${n}`,
    unit: 'GFLOPS',
    flopsPerStep: 2 * n * n * n,
    steps: Math.max(4, Math.round(6e9 / (2 * n * n * n))),
    warmup: 2,
    // The checksum compared across systems: the mean of the product.
    kindling(kd) {
      const { a, b } = data();
      const A = kdKeep(kd, () => kd.tensor(a, { shape: [n, n] }));
      const B = kdKeep(kd, () => kd.tensor(b, { shape: [n, n] }));
      return {
        step(read) {
          const C = A.matmul(B);
          const v = read ? C.mean().item() : undefined;
          C.dispose();
          return v;
        },
        dispose() { A.dispose(); B.dispose(); },
      };
    },
    tfjs(tf) {
      const { a, b } = data();
      const A = tf.tensor2d(a, [n, n]);
      const B = tf.tensor2d(b, [n, n]);
      return {
        step(read) {
          const C = tf.matMul(A, B);
          let v;
          if (read) {
            const m = tf.mean(C);
            v = m.dataSync()[0];
            m.dispose();
          }
          C.dispose();
          return v;
        },
        dispose() { A.dispose(); B.dispose(); },
      };
    },
    checksum: true,
  };
}

// Two interleaved spirals-like classes in 2-D: MLP 2-16-16-2, tanh, batch 64, SGD.
function smallMlp() {
  const BATCH = 64;
  const NBATCH = 8;
  const make = () => {
    const next = rng(1);
    const layers = [denseLayer(next, 2, 16), denseLayer(next, 16, 16), denseLayer(next, 16, 2)];
    const batches = [];
    for (let b = 0; b < NBATCH; b++) {
      const x = new Float32Array(BATCH * 2);
      const y = new Array(BATCH);
      for (let i = 0; i < BATCH; i++) {
        const cls = i % 2;
        const r = next();
        const angle = 3 * r + cls * Math.PI;
        x[2 * i] = r * Math.cos(angle) + 0.05 * (next() - 0.5);
        x[2 * i + 1] = r * Math.sin(angle) + 0.05 * (next() - 0.5);
        y[i] = cls;
      }
      batches.push({ x, y });
    }
    return { layers, batches };
  };
  return {
    name: 'MLP 2-16-16-2 tanh b64 SGD',
    unit: 'steps/s',
    steps: 3000,  // about 0.3 s for Kindling: a run of 600 steps was short enough for one GC pause to move it 10%
    warmup: 50,
    kindling(kd) {
      const { layers, batches } = make();
      const [l1, l2, l3] = layers.map((l) => kdLinear(kd, l));
      const model = kd.nn.Sequential(l1, kd.nn.Tanh(), l2, kd.nn.Tanh(), l3);
      const opt = new kd.optim.SGD(model.parameters(), { lr: 0.1 });
      return kdClassifierRunner(kd, model, opt, kdBatches(kd, batches, 2));
    },
    tfjs(tf) {
      const { layers, batches } = make();
      const [d1, d2, d3] = layers.map((l) => tfDense(tf, l));
      const forward = (x) => {
        const h1 = tf.tanh(tf.fused.matMul({ a: x, b: d1.w, bias: d1.b }));
        const h2 = tf.tanh(tf.fused.matMul({ a: h1, b: d2.w, bias: d2.b }));
        return tf.fused.matMul({ a: h2, b: d3.w, bias: d3.b });
      };
      const data = batches.map(({ x, y }) => [tf.tensor2d(x, [BATCH, 2]), tf.tensor2d(oneHot(y, 2), [BATCH, 2])]);
      const vars = [d1, d2, d3].flatMap((d) => [d.w, d.b]);
      return tfClassifierRunner(tf, vars, forward, tf.train.sgd(0.1), data);
    },
  };
}

// MNIST-size inputs (784 values in [0, 1)), labels from a random linear teacher: 784-256-10, relu, batch 128, Adam.
function mnistMlp() {
  const BATCH = 128;
  const NBATCH = 4;
  const make = () => {
    const next = rng(2);
    const layers = [denseLayer(next, 784, 256), denseLayer(next, 256, 10)];
    const teacher = normal(next, 784 * 10);
    const batches = [];
    for (let b = 0; b < NBATCH; b++) {
      const x = new Float32Array(BATCH * 784);
      for (let i = 0; i < x.length; i++) x[i] = next();
      const y = new Array(BATCH);
      for (let i = 0; i < BATCH; i++) {
        let best = 0;
        let bestScore = -Infinity;
        for (let c = 0; c < 10; c++) {
          let s = 0;
          for (let k = 0; k < 784; k++) s += x[i * 784 + k] * teacher[k * 10 + c];
          if (s > bestScore) { bestScore = s; best = c; }
        }
        y[i] = best;
      }
      batches.push({ x, y });
    }
    return { layers, batches };
  };
  const ADAM = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
  return {
    name: 'MLP 784-256-10 relu b128 Adam',
    unit: 'steps/s',
    steps: 60,
    warmup: 5,
    kindling(kd) {
      const { layers, batches } = make();
      const [l1, l2] = layers.map((l) => kdLinear(kd, l));
      const model = kd.nn.Sequential(l1, kd.nn.ReLU(), l2);
      const opt = new kd.optim.Adam(model.parameters(), { lr: ADAM.lr, betas: [ADAM.beta1, ADAM.beta2], eps: ADAM.eps });
      return kdClassifierRunner(kd, model, opt, kdBatches(kd, batches, 784));
    },
    tfjs(tf) {
      const { layers, batches } = make();
      const [d1, d2] = layers.map((l) => tfDense(tf, l));
      const forward = (x) => tf.fused.matMul({ a: tf.fused.matMul({ a: x, b: d1.w, bias: d1.b, activation: 'relu' }), b: d2.w, bias: d2.b });
      const data = batches.map(({ x, y }) => [tf.tensor2d(x, [BATCH, 784]), tf.tensor2d(oneHot(y, 10), [BATCH, 10])]);
      return tfClassifierRunner(tf, [d1.w, d1.b, d2.w, d2.b], forward, tf.train.adam(ADAM.lr, ADAM.beta1, ADAM.beta2, ADAM.eps), data);
    },
  };
}

// Skip-gram with a full softmax over V = 5000 words, D = 64, batch 256, Adam: center word ->
// embedding -> Linear(64, 5000) -> cross-entropy against a context word.
function skipGram() {
  const V = 5000;
  const D = 64;
  const BATCH = 256;
  const NBATCH = 4;
  const make = () => {
    const next = rng(3);
    const embedding = normal(next, V * D);
    const out = denseLayer(next, D, V);
    const batches = [];
    for (let b = 0; b < NBATCH; b++) {
      const centers = new Array(BATCH);
      const contexts = new Array(BATCH);
      for (let i = 0; i < BATCH; i++) {
        centers[i] = Math.floor(V * next() ** 3);  // a Zipf-like word frequency
        contexts[i] = (centers[i] + 1 + Math.floor(4 * next())) % V;
      }
      batches.push({ centers, contexts });
    }
    return { embedding, out, batches };
  };
  const ADAM = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
  return {
    name: `skip-gram V${V} D${D} b${BATCH} full softmax Adam`,
    unit: 'steps/s',
    steps: 20,
    warmup: 2,
    kindling(kd) {
      const { embedding, out, batches } = make();
      const emb = kd.nn.Embedding(V, D);
      kd.noGrad(() => kd.tidy(() => emb.weight.copy_(kd.tensor(embedding, { shape: [V, D] }))));
      const model = kd.nn.Sequential(emb, kdLinear(kd, out));
      const opt = new kd.optim.Adam(model.parameters(), { lr: ADAM.lr, betas: [ADAM.beta1, ADAM.beta2], eps: ADAM.eps });
      const data = batches.map(({ centers, contexts }) => [
        kdKeep(kd, () => kd.tensor(centers, { dtype: 'int64' })),
        kdKeep(kd, () => kd.tensor(contexts, { dtype: 'int64' }))]);
      return kdClassifierRunner(kd, model, opt, data);
    },
    tfjs(tf) {
      const { embedding, out, batches } = make();
      const E = tf.variable(tf.tensor2d(embedding, [V, D]));
      const d = tfDense(tf, out);
      const forward = (centersOneHot) => tf.fused.matMul({ a: tf.matMul(centersOneHot, E), b: d.w, bias: d.b });
      const data = batches.map(({ centers, contexts }) => [tf.tensor2d(oneHot(centers, V), [BATCH, V]), tf.tensor2d(oneHot(contexts, V), [BATCH, V])]);
      return tfClassifierRunner(tf, [E, d.w, d.b], forward, tf.train.adam(ADAM.lr, ADAM.beta1, ADAM.beta2, ADAM.eps), data);
    },
  };
}

// Skip-gram with negative sampling on sparse embeddings (V rows, D = 32, batch 256, 1 context
// + 5 negatives per center), SparseAdam: a step touches 256 + 256 * 6 rows. TF.js has no
// sparse gradients, so this one is Kindling only (its builds are checked against each other).
function sparseEmbedding(V) {
  const D = 32;
  const BATCH = 256;
  const NEG = 5;
  const NBATCH = 8;
  return {
    name: `sparse embedding step 256x(1+5) V=${V >= 1e6 ? `${V / 1e6}M` : `${V / 1e3}k`}`,
    unit: 'steps/s',
    steps: 400,
    warmup: 5,
    kindling(kd) {
      const next = rng(4);
      kd.manualSeed(4);
      const inVectors = kd.nn.Embedding(V, D, { sparse: true });
      const outVectors = kd.nn.Embedding(V, D, { sparse: true });
      kd.noGrad(() => {
        inVectors.weight.mul_(0.1);
        outVectors.weight.mul_(0.1);
      });
      const opt = new kd.optim.SparseAdam([...inVectors.parameters(), ...outVectors.parameters()], { lr: 0.005 });
      const batches = [];
      for (let b = 0; b < NBATCH; b++) {
        const centers = [];
        const contexts = [];
        const negatives = [];
        for (let i = 0; i < BATCH; i++) {
          const c = Math.floor(V * next() ** 3);
          centers.push(c);
          contexts.push((c + 1 + Math.floor(4 * next())) % V);
          for (let k = 0; k < NEG; k++) negatives.push(Math.floor(V * next()));
        }
        batches.push([centers, contexts, negatives].map((v, k) =>
          kdKeep(kd, () => kd.tensor(v, { dtype: 'int64', shape: k === 2 ? [BATCH, NEG] : [BATCH] }))));
      }
      let i = 0;
      const loss = kd.nn.functional.negativeSamplingLoss;
      return {
        step(read) {
          const [c, o, n] = batches[i++ % batches.length];
          return kd.tidy(() => {
            opt.zeroGrad();
            const l = loss(inVectors.call(c), outVectors.call(o), outVectors.call(n));
            l.backward();
            opt.step();
            return read ? l.item() : undefined;
          });
        },
        dispose() {
          inVectors.dispose();
          outVectors.dispose();
          opt.dispose();
          for (const b of batches) for (const t of b) t.dispose();
        },
      };
    },
    tfjs: null,
  };
}

export function workloads() {
  return [sgemm(256), sgemm(512), sgemm(1024), smallMlp(), mnistMlp(), skipGram(), sparseEmbedding(10000), sparseEmbedding(1000000)];
}
