// kd.nn's built-in modules (each backed by the C++ module of the same name, core/nn/) and the
// containers Sequential, ModuleList and ModuleDict (JS modules: their children may be JS modules).
import { describe } from './errors.mjs';

export function installLayers(ctx, nn, nnArgs, modules) {
  const { raw, errors, Tensor, typeError, checkInt, checkNumber, checkOptions } = ctx;
  const { parseOptions, optTensor, tensorArg, withInputs, dimArg, REDUCTION, EMBEDDING_OPTS } = nnArgs;
  const { Module, BuiltinModule, builtinClasses, factory, call } = modules;

  const wrapAll = (handles) => Array.from(handles, (h) => ctx.wrap(h));

  // One tensor in, one out (the hot path: one raw call, wrapped from its status words); the
  // modules with other signatures define forward over _forwardMany.
  Object.assign(BuiltinModule.prototype, {
    forward(input) {
      if (input instanceof Tensor) return ctx.wrapResult(ctx.invoke(this._handle, 'forward', [ctx.unwrap(input)]));
      return withInputs([input], [this._inputDtype], (x) => ctx.wrap(call(this._handle, 'forward', tensorArg(x, `${this.constructor.name}.forward(): input`))));
    },
    // Many tensors in (null for "not given"), an array of Tensors (or null) out.
    _forwardMany(what, inputs, flag1 = true, flag2 = true, dtypes = []) {
      return withInputs(inputs, dtypes, (...ts) => {
        const handles = ts.map((t, i) => optTensor(t, `${what}: argument ${i + 1}`));
        return wrapAll(call(this._handle, 'forwardMany', handles, flag1, flag2));
      });
    },
  });
  for (const k of ['forward', '_forwardMany']) {
    Object.defineProperty(BuiltinModule.prototype, k, { enumerable: false });
  }


  // Declares a built-in module: `make(...args)` returns the raw handle; extra methods optional.
  function builtin(name, make, methods = {}, Base = BuiltinModule) {
    const Cls = { [name]: class extends Base {
      constructor(...args) {
        // A raw handle passed by wrapModule / fromPretrained is used as is.
        super(args[0] instanceof raw.RawModule && args.length === 1 ? args[0] : make(...args));
      }
    } }[name];
    for (const [k, v] of Object.entries(methods)) {
      Object.defineProperty(Cls.prototype, k, { value: v, writable: true, configurable: true });
    }
    builtinClasses.set(name, Cls);
    nn[name] = factory(Cls);
    return Cls;
  }

  const mk = (fn, ...args) => ctx.call(fn, ...args);
  const int = (x, what) => checkInt(x, what);

  builtin('Identity', () => mk(raw.nnMakeSimple, 'Identity'));
  for (const n of ['ReLU', 'Tanh', 'Sigmoid', 'SiLU']) builtin(n, () => mk(raw.nnMakeSimple, n));
  builtin('Linear', (inF, outF, opts) => {
    const { bias } = parseOptions(opts, 'Linear()', { bias: ['bool', true] });
    return mk(raw.nnMakeLinear, int(inF, 'Linear(): inFeatures'), int(outF, 'Linear(): outFeatures'), bias);
  });
  builtin('Bilinear', (in1, in2, out, opts) => {
    const { bias } = parseOptions(opts, 'Bilinear()', { bias: ['bool', true] });
    return mk(raw.nnMakeBilinear, int(in1, 'Bilinear(): in1Features'), int(in2, 'Bilinear(): in2Features'), int(out, 'Bilinear(): outFeatures'), bias);
  }, {
    forward(input1, input2) { return this._forwardMany('Bilinear.forward()', [input1, input2])[0]; },
  });
  builtin('LeakyReLU', (slope = 0.01) => {
    if (typeof slope === 'object' && slope !== null) ({ negativeSlope: slope } = parseOptions(slope, 'LeakyReLU()', { negativeSlope: ['num', 0.01] }));
    return mk(raw.nnMakeLeakyReLU, checkNumber(slope, 'LeakyReLU(): negativeSlope'));
  });
  builtin('GELU', (opts) => {
    const { approximate } = parseOptions(opts, 'GELU()', { approximate: ['str', 'none'] });
    return mk(raw.nnMakeGELU, approximate);
  });
  builtin('Softmax', (dim) => mk(raw.nnMakeSoftmax, false, dimArg(dim, 'Softmax()')));
  builtin('LogSoftmax', (dim) => mk(raw.nnMakeSoftmax, true, dimArg(dim, 'LogSoftmax()')));
  builtin('Dropout', (p = 0.5, opts) => {
    if (typeof p === 'object' && p !== null) [p, opts] = [p.p ?? 0.5, { inplace: p.inplace }];
    const { inplace } = parseOptions(opts, 'Dropout()', { inplace: ['bool', false] });
    return mk(raw.nnMakeDropout, checkNumber(p, 'Dropout(): p'), inplace);
  });
  builtin('BatchNorm1d', (n, opts) => {
    const o = parseOptions(opts, 'BatchNorm1d()', { eps: ['num', 1e-5], momentum: ['num?', 0.1], affine: ['bool', true], trackRunningStats: ['bool', true] });
    return mk(raw.nnMakeBatchNorm1d, int(n, 'BatchNorm1d(): numFeatures'), o.eps, o.momentum, o.affine, o.trackRunningStats);
  });
  builtin('LayerNorm', (shape, opts) => {
    const o = parseOptions(opts, 'LayerNorm()', { eps: ['num', 1e-5], elementwiseAffine: ['bool', true] });
    return mk(raw.nnMakeLayerNorm, ctx.shapeArgs([typeof shape === 'number' ? [shape] : shape]), o.eps, o.elementwiseAffine);
  });
  builtin('Flatten', (startDim = 1, endDim = -1) => {
    if (typeof startDim === 'object') ({ startDim, endDim } = parseOptions(startDim, 'Flatten()', { startDim: ['int', 1], endDim: ['int', -1] }));
    return mk(raw.nnMakeFlatten, int(startDim, 'Flatten(): startDim'), int(endDim, 'Flatten(): endDim'));
  });

  const Embedding = builtin('Embedding', (num, dim, opts) => {
    const o = parseOptions(opts, 'Embedding()', { ...EMBEDDING_OPTS, weight: ['tensor?', null] });
    return mk(raw.nnMakeEmbedding, int(num, 'Embedding(): numEmbeddings'), int(dim, 'Embedding(): embeddingDim'), o.paddingIdx, o.maxNorm, o.normType, o.scaleGradByFreq, o.sparse, optTensor(o.weight));
  });
  Embedding.prototype._inputDtype = 'int64';
  /** Embedding.fromPretrained(embeddings, {freeze = true, paddingIdx, maxNorm, ...}): shares the tensor. */
  Embedding.fromPretrained = function fromPretrained(embeddings, opts) {
    const o = parseOptions(opts, 'Embedding.fromPretrained()', { freeze: ['bool', true], ...EMBEDDING_OPTS });
    const h = mk(raw.nnEmbeddingFromPretrained, tensorArg(embeddings, 'Embedding.fromPretrained(): embeddings'), o.freeze, o.paddingIdx, o.maxNorm, o.normType, o.scaleGradByFreq, o.sparse);
    return new Embedding(h);
  };
  nn.Embedding.fromPretrained = Embedding.fromPretrained;

  const EmbeddingBag = builtin('EmbeddingBag', (num, dim, opts) => {
    const o = parseOptions(opts, 'EmbeddingBag()', {
      maxNorm: ['num?', null], normType: ['num', 2], scaleGradByFreq: ['bool', false], mode: ['str', 'mean'], sparse: ['bool', false],
      includeLastOffset: ['bool', false], paddingIdx: ['int?', null], weight: ['tensor?', null],
    });
    return mk(raw.nnMakeEmbeddingBag, int(num, 'EmbeddingBag(): numEmbeddings'), int(dim, 'EmbeddingBag(): embeddingDim'), o.maxNorm, o.normType, o.scaleGradByFreq, o.mode, o.sparse, o.includeLastOffset, o.paddingIdx, optTensor(o.weight));
  }, {
    /** forward(input, offsets = null, perSampleWeights = null) -> [B, d]. */
    forward(input, offsets = null, perSampleWeights = null) {
      return this._forwardMany('EmbeddingBag.forward()', [input, offsets, perSampleWeights], true, true, ['int64', 'int64', 'float32'])[0];
    },
  });
  void EmbeddingBag;

  const RECURRENT_OPTS = { numLayers: ['int', 1], bias: ['bool', true], batchFirst: ['bool', false], dropout: ['num', 0], bidirectional: ['bool', false] };
  const recurrent = (kind, extra) => (input, hidden, opts) => {
    const o = parseOptions(opts, `${kind}()`, { ...RECURRENT_OPTS, ...extra });
    return mk(raw.nnMakeRecurrent, kind, int(input, `${kind}(): inputSize`), int(hidden, `${kind}(): hiddenSize`), o.numLayers, o.bias, o.batchFirst, o.dropout, o.bidirectional, o.nonlinearity ?? 'tanh', o.projSize ?? 0);
  };
  const stateArgs = (hx, what) => {
    if (hx === undefined || hx === null) return [null, null];
    if (!Array.isArray(hx) || hx.length !== 2) throw typeError(`${what}: hx must be [h, c] or null, got ${describe(hx)}`);
    return hx;
  };
  /** RNN / GRU forward(input, hx = null) -> [output, hN]. */
  const rnnForward = {
    forward(input, hx = null) { return this._forwardMany(`${this.constructor.name}.forward()`, [input, hx]); },
  };
  builtin('RNN', recurrent('RNN', { nonlinearity: ['str', 'tanh'] }), rnnForward);
  builtin('GRU', recurrent('GRU', {}), rnnForward);
  builtin('LSTM', recurrent('LSTM', { projSize: ['int', 0] }), {
    /** forward(input, [h0, c0] = null) -> [output, [hN, cN]]. */
    forward(input, hx = null) {
      const [out, h, c] = this._forwardMany('LSTM.forward()', [input, ...stateArgs(hx, 'LSTM.forward()')]);
      return [out, [h, c]];
    },
  });
  const cell = (kind, extra = {}) => (input, hidden, opts) => {
    const o = parseOptions(opts, `${kind}()`, { bias: ['bool', true], ...extra });
    return mk(raw.nnMakeCell, kind, int(input, `${kind}(): inputSize`), int(hidden, `${kind}(): hiddenSize`), o.bias, o.nonlinearity ?? 'tanh');
  };
  const cellForward = {
    /** forward(input, hx = null) -> h'. */
    forward(input, hx = null) { return this._forwardMany(`${this.constructor.name}.forward()`, [input, hx])[0]; },
  };
  builtin('RNNCell', cell('RNNCell', { nonlinearity: ['str', 'tanh'] }), cellForward);
  builtin('GRUCell', cell('GRUCell'), cellForward);
  builtin('LSTMCell', cell('LSTMCell'), {
    /** forward(input, [h, c] = null) -> [h', c']. */
    forward(input, hx = null) { return this._forwardMany('LSTMCell.forward()', [input, ...stateArgs(hx, 'LSTMCell.forward()')]); },
  });
  builtin('MultiheadAttention', (embedDim, numHeads, opts) => {
    const o = parseOptions(opts, 'MultiheadAttention()', {
      dropout: ['num', 0], bias: ['bool', true], addBiasKv: ['bool', false], addZeroAttn: ['bool', false],
      kdim: ['int?', null], vdim: ['int?', null], batchFirst: ['bool', false],
    });
    return mk(raw.nnMakeMultiheadAttention, int(embedDim, 'MultiheadAttention(): embedDim'), int(numHeads, 'MultiheadAttention(): numHeads'),
      o.dropout, o.bias, o.addBiasKv, o.addZeroAttn, Number.isNaN(o.kdim) ? 0 : o.kdim, Number.isNaN(o.vdim) ? 0 : o.vdim, o.batchFirst);
  }, {
    /** forward(query, key, value, {keyPaddingMask, needWeights = true, attnMask, averageAttnWeights = true}) -> [output, weights | null]. */
    forward(query, key, value, opts) {
      const o = parseOptions(opts, 'MultiheadAttention.forward()', {
        keyPaddingMask: ['tensor?', null], needWeights: ['bool', true], attnMask: ['tensor?', null], averageAttnWeights: ['bool', true],
      });
      return this._forwardMany('MultiheadAttention.forward()', [query, key, value, o.keyPaddingMask, o.attnMask], o.needWeights, o.averageAttnWeights);
    },
  });

  // ---- loss modules ----
  const LOSSES = {
    MSELoss: {}, L1Loss: {}, SmoothL1Loss: { beta: ['num', 1] },
    CrossEntropyLoss: { weight: ['tensor?', null], ignoreIndex: ['int', -100], labelSmoothing: ['num', 0] },
    NLLLoss: { weight: ['tensor?', null], ignoreIndex: ['int', -100] },
    BCELoss: { weight: ['tensor?', null] },
    BCEWithLogitsLoss: { weight: ['tensor?', null], posWeight: ['tensor?', null] },
    CosineEmbeddingLoss: { margin: ['num', 0] }, MarginRankingLoss: { margin: ['num', 0] }, NegativeSamplingLoss: {},
  };
  const THREE_INPUT = new Set(['CosineEmbeddingLoss', 'MarginRankingLoss', 'NegativeSamplingLoss']);
  const INT_TARGET = new Set(['CrossEntropyLoss', 'NLLLoss']);
  for (const [name, spec] of Object.entries(LOSSES)) {
    builtin(name, (opts) => {
      const o = parseOptions(opts, `${name}()`, { reduction: REDUCTION, ...spec });
      return mk(raw.nnMakeLoss, name, o.reduction, optTensor(o.weight), optTensor(o.posWeight), o.ignoreIndex ?? -100, o.labelSmoothing ?? 0, o.beta ?? 1, o.margin ?? 0);
    }, THREE_INPUT.has(name) ? {
      forward(a, b, c) { return this._forwardMany(`${name}.forward()`, [a, b, c])[0]; },
    } : {
      /** forward(input, target); target may be a Tensor or an array (int64 class indices for CrossEntropyLoss/NLLLoss). */
      forward(input, target) {
        const tdtype = INT_TARGET.has(name) && !(target instanceof Tensor) ? 'int64' : 'float32';
        return this._forwardMany(`${name}.forward()`, [input, target], true, true, ['float32', tdtype])[0];
      },
    });
  }

  // ---- containers (JS modules: their children may be JS modules) ----

  function checkModule(m, what) {
    if (!(m instanceof Module)) throw typeError(`${what}: ${describe(m)} is not a Module`);
    return m;
  }
  // The registered children in order, as [name, module] (a module held twice is listed twice).
  const entries = (container) => call(container._handle, 'slotNames', 'module').map((k) => [k, container[k]]);
  const values = (container) => entries(container).map(([, m]) => m);
  // The module at index (negative counts from the end).
  function at(container, index, what) {
    checkInt(index, `${what}: index`);
    const mods = values(container);
    const i = index < 0 ? index + mods.length : index;
    if (i < 0 || i >= mods.length) throw new errors.IndexError(`index ${index} is out of range`);
    return mods[i];
  }
  const append = (container, module, what) => {
    container.registerModule(String(call(container._handle, 'slotNames', 'module').length), checkModule(module, what));
    return container;
  };

  class Sequential extends Module {
    /** Sequential(m1, m2, ...) or Sequential({name: module, ...}) / Sequential(new Map(...)). */
    constructor(...modules) {
      super();
      const first = modules[0];
      if (modules.length === 1 && !(first instanceof Module) && first !== null && typeof first === 'object') {
        const named = first instanceof Map ? [...first.entries()] : Object.entries(first);
        for (const [k, m] of named) this.registerModule(k, checkModule(m, 'Sequential()'));
      } else {
        modules.forEach((m, i) => this.registerModule(String(i), checkModule(m, 'Sequential()')));
      }
    }
    /** Feeds the input through every module in order. */
    forward(input) {
      let x = input;
      for (const m of values(this)) x = m.forward(x);
      return x;
    }
    get length() { return values(this).length; }
    at(index) { return at(this, index, 'Sequential.at()'); }
    append(module) { return append(this, module, 'Sequential.append()'); }
    [Symbol.iterator]() { return values(this)[Symbol.iterator](); }
  }

  class ModuleList extends Module {
    constructor(modules = []) {
      super();
      this.extend(modules);
    }
    get length() { return values(this).length; }
    at(index) { return at(this, index, 'ModuleList.at()'); }
    append(module) { return append(this, module, 'ModuleList.append()'); }
    extend(modules) {
      if (!modules || typeof modules[Symbol.iterator] !== 'function') throw typeError(`ModuleList: expected an iterable of modules, got ${describe(modules)}`);
      for (const m of modules) this.append(m);
      return this;
    }
    [Symbol.iterator]() { return values(this)[Symbol.iterator](); }
    forward() { throw new errors.StateError('ModuleList has no forward(): iterate over it in your own module'); }
  }

  class ModuleDict extends Module {
    constructor(modules = {}) {
      super();
      const named = modules instanceof Map ? [...modules.entries()] : Object.entries(checkOptions(modules, 'ModuleDict()'));
      for (const [k, m] of named) this.set(k, m);
    }
    get length() { return values(this).length; }
    get(key) {
      if (!this.has(key)) throw new errors.IndexError(`ModuleDict has no key '${key}'`);
      return this[key];
    }
    set(key, module) {
      this.registerModule(key, checkModule(module, 'ModuleDict.set()'));
      return this;
    }
    has(key) { return typeof key === 'string' && call(this._handle, 'slot', key) === 'module'; }
    keys() { return entries(this).map(([k]) => k); }
    values() { return values(this); }
    items() { return entries(this); }
    [Symbol.iterator]() { return entries(this)[Symbol.iterator](); }
    forward() { throw new errors.StateError('ModuleDict has no forward()'); }
  }

  nn.Sequential = factory(Sequential);
  nn.ModuleList = factory(ModuleList);
  nn.ModuleDict = factory(ModuleDict);
}
