// kd.decomposition.PCA, kd.manifold.TSNE and trustworthiness, kd.neighbors: scikit-learn's
// estimators with camelCase names.
//
//   const pca = new kd.decomposition.PCA({ nComponents: 2 });
//   const y = pca.fitTransform(x);                       // Tensor [n, 2]
//   const tsne = new kd.manifold.TSNE({ perplexity: 30, randomState: 0 });
//   tsne.start(x); tsne.step(10); const xy = tsne.embedding.dataSync();
//   const [indices, distances] = kd.neighbors(x, 10, { metric: 'cosine' });
//
// Options cross as JSON with sklearn's snake_case keys (bindings/embind/manifold.cpp); the C++
// options structs hold the defaults and reject unknown keys, wrong types and out-of-range
// values. JS only renames keys and refuses what JSON cannot carry (NaN, infinities).
// Estimators own C++ state: call dispose() when done with one. Getters that return tensors
// return new ones (dispose them, or read them inside kd.tidy).

const snake = (k) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const camel = (k) => k.replace(/_([a-z])/g, (_, c) => c.toUpperCase());

export function installManifoldApi(ctx, kd) {
  const { raw, errors, typeError, describe, checkInt, checkOptions } = ctx;

  function optionsJson(opts, what) {
    const out = {};
    for (const [k, v] of Object.entries(checkOptions(opts, what))) {
      if (v === undefined) continue;
      if (typeof v === 'number' && !Number.isFinite(v)) throw new errors.ValueError(`${what}: ${k} must be finite, got ${v}`);
      out[snake(k)] = v;
    }
    return JSON.stringify(out);
  }

  const paramsFromJson = (text) => Object.fromEntries(Object.entries(JSON.parse(text)).map(([k, v]) => [camel(k), v]));

  // Runs fn with the raw handle of x; an array becomes a float32 tensor for the call only.
  function withData(x, what, fn) {
    if (!(x instanceof ctx.Tensor) && !Array.isArray(x) && !ArrayBuffer.isView(x)) {
      throw typeError(`${what}: expected a Tensor or a nested array, got ${describe(x)}`);
    }
    const t = ctx.toTensor(x, 'float32');
    try {
      return fn(ctx.unwrap(t));
    } finally {
      if (t !== x) t.dispose();
    }
  }

  /** The C++ object of an estimator: one handle, freed by dispose(). */
  class Estimator {
    #raw;
    #name;
    constructor(name, handle) {
      this.#name = name;
      this.#raw = handle;
    }

    get _handle() {
      if (!this.#raw) throw new errors.StateError(`this ${this.#name} was disposed`);
      return this.#raw;
    }

    /** The options in use, every one of them (defaults included), camelCase. */
    getParams() { return paramsFromJson(ctx.call(() => this._handle.params())); }

    /** Frees the C++ state; the estimator cannot be used afterwards. */
    dispose() {
      this.#raw?.delete();
      this.#raw = null;
    }
  }

  class PCA extends Estimator {
    /** @param {{nComponents?: number|null}} [opts] */
    constructor(opts) { super('PCA', ctx.call(raw.pcaMake, optionsJson(opts, 'PCA()'))); }

    fit(x) {
      withData(x, 'PCA.fit()', (h) => ctx.call(() => this._handle.fit(h)));
      return this;
    }
    transform(x) { return withData(x, 'PCA.transform()', (h) => ctx.wrap(ctx.call(() => this._handle.transform(h)))); }
    fitTransform(x) { return withData(x, 'PCA.fitTransform()', (h) => ctx.wrap(ctx.call(() => this._handle.fitTransform(h)))); }

    get nComponents() { return ctx.call(() => this._handle.nComponents()); }
    get components() { return ctx.wrap(ctx.call(() => this._handle.components())); }
    get explainedVariance() { return ctx.wrap(ctx.call(() => this._handle.explainedVariance())); }
    get explainedVarianceRatio() { return ctx.wrap(ctx.call(() => this._handle.explainedVarianceRatio())); }
    get mean() { return ctx.wrap(ctx.call(() => this._handle.mean())); }
  }

  class TSNE extends Estimator {
    constructor(opts) { super('TSNE', ctx.call(raw.tsneMake, optionsJson(opts, 'TSNE()'))); }

    /** start(x), then nIter steps; the embedding [n, nComponents]. */
    fitTransform(x) { return withData(x, 'TSNE.fitTransform()', (h) => ctx.wrap(ctx.call(() => this._handle.fitTransform(h)))); }

    /** P from x and the initial layout; iteration becomes 0. */
    start(x) {
      withData(x, 'TSNE.start()', (h) => ctx.call(() => this._handle.start(h)));
      return this;
    }

    /** Runs k more iterations (default 1); returns the iteration count. */
    step(k = 1) {
      checkInt(k, 'TSNE.step(): k');
      const handle = this._handle;
      ctx.call(() => handle.step(k));
      return handle.iteration();
    }

    /** New rows for the same points: P is recomputed, the layout and its momentum carry on. */
    updateData(x) {
      withData(x, 'TSNE.updateData()', (h) => ctx.call(() => this._handle.updateData(h)));
      return this;
    }

    /** Changes options (e.g. { learningRate, angle, perplexity }); a new perplexity or metric recomputes P. */
    setParams(opts) {
      const json = optionsJson(opts, 'TSNE.setParams()');
      ctx.call(() => this._handle.setParams(json));
      return this;
    }

    get started() { return this._handle.started(); }
    get iteration() { return this._handle.iteration(); }
    /** The layout now: a new float32 Tensor [n, nComponents]. */
    get embedding() { return ctx.wrap(ctx.call(() => this._handle.embedding())); }
    /** Replaces the layout (e.g. perturbed); shape [n, nComponents]. */
    set embedding(y) { withData(y, 'TSNE.embedding', (h) => ctx.call(() => this._handle.setEmbedding(h))); }
    /** KL(P || Q) of the current layout (computed when asked, then cached until it moves). */
    get klDivergence() { return ctx.call(() => this._handle.klDivergence()); }
  }

  /** sklearn.manifold.trustworthiness(x, embedded, { nNeighbors: 5, metric: 'euclidean' }). */
  function trustworthiness(x, embedded, opts) {
    const json = optionsJson(opts, 'trustworthiness()');
    return withData(x, 'trustworthiness()', (hx) => withData(embedded, 'trustworthiness()',
      (he) => ctx.call(raw.trustworthiness, hx, he, json)));
  }

  /** Each row's k nearest other rows: [indices (int64 [n, k]), distances (float32 [n, k])]. */
  function neighbors(x, k, opts) {
    checkInt(k, 'neighbors(): k');
    const json = optionsJson(opts, 'neighbors()');
    return withData(x, 'neighbors()', (h) => ctx.call(raw.neighbors, h, k, json).map((handle) => ctx.wrap(handle)));
  }

  kd.decomposition = Object.freeze({ PCA });
  kd.manifold = Object.freeze({ TSNE, trustworthiness });
  kd.neighbors = neighbors;
}
