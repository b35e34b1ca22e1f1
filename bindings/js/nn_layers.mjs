// kd.nn's built-in modules (each backed by the C++ module of the same name, core/nn/) and the
// containers Sequential, ModuleList and ModuleDict (JS modules: their children may be JS modules).
import { describe } from './errors.mjs';

export function installLayers(ctx, nn, nnArgs, modules) {
  const { raw, errors, Tensor, typeError, checkInt, checkNumber, checkOptions } = ctx;
  const { parseOptions, optTensor, tensorArg, withInputs, checkKind, snakeCase, EMBEDDING_KINDS } = nnArgs;
  const { Module, BuiltinModule, builtinClasses, factory, call } = modules;

  const rawForward = raw.nnForward;
  const rawForwardMany = raw.nnForwardMany;

  // One tensor in, one out (the hot path: one raw call by addresses, the module by its id, the
  // result wrapped from its status words); the modules with other signatures define forward
  // over _forwardMany.
  Object.assign(BuiltinModule.prototype, {
    forward(input) {
      void this._handle;  // a StateError once disposed
      if (input instanceof Tensor) return ctx.result(rawForward(this._id, ctx.address(input)));
      return withInputs([input], [this._inputDtype], (x) => ctx.result(rawForward(this._id, ctx.address(x, `${this.constructor.name}.forward(): input`))));
    },
    // Many tensors in (null for "not given"), an array of Tensors (or null) out.
    _forwardMany(what, inputs, flag1 = true, flag2 = true, dtypes = []) {
      void this._handle;
      return withInputs(inputs, dtypes, (...ts) => {
        const addresses = ts.map((t, i) => ctx.optionalAddress(t, `${what}: argument ${i + 1}`));
        return ctx.results(rawForwardMany(this._id, addresses, flag1, flag2));
      });
    },
  });
  for (const k of ['forward', '_forwardMany']) {
    Object.defineProperty(BuiltinModule.prototype, k, { enumerable: false });
  }


  // ---- built-in modules ----
  //
  // Each is declared once below: its positional arguments and the kinds of its options (for the
  // JS type checks and messages). The defaults, the range checks and the construction are C++'s
  // (nn::make_module, core/nn/factory.h): options cross as JSON with PyTorch's names (camelCase
  // here, snake_case there), and an option left out takes the C++ default. Options read back
  // as properties (lin.inFeatures, emb.paddingIdx), from the C++ module (options_json()).

  const isPlainObject = (x) => x !== null && typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype;

  // (positional..., {options}) -> [JSON text, tensor names, raw tensors] for nnMakeModule.
  function moduleOptions(what, spec, args) {
    const positional = [...args];
    const last = positional[positional.length - 1];
    const given = positional.length && isPlainObject(last) ? { ...checkOptions(positional.pop(), what) } : {};
    if (positional.length > spec.args.length) {
      throw typeError(`${what}: takes at most ${spec.args.length} positional argument(s), got ${positional.length}`);
    }
    spec.args.forEach((key, i) => {
      if (positional[i] === undefined) return;
      if (key in given) throw typeError(`${what}: got two values for '${key}'`);
      given[key] = positional[i];
    });
    const options = {};
    const tensorNames = [];
    const tensors = [];
    for (const [key, v] of Object.entries(given)) {
      const kind = spec.kinds[key];
      if (kind === undefined) throw typeError(`${what}: unknown option '${key}' (expected one of ${Object.keys(spec.kinds).join(', ')})`);
      if (v === undefined) continue;
      if (kind.startsWith('tensor')) {
        if (v === null) continue;
        tensorNames.push(spec.tensorNames?.[key] ?? snakeCase(key));
        tensors.push(optTensor(v, `${what}: ${key}`));
      } else {
        options[snakeCase(key)] = checkKind(v, kind, `${what}: ${key}`);
      }
    }
    return [JSON.stringify(options), tensorNames, tensors];
  }

  // Declares a built-in module; extra methods (a forward with another signature) optional.
  function builtin(name, spec, methods = {}) {
    const Cls = { [name]: class extends BuiltinModule {
      constructor(...args) {
        // A raw handle passed by wrapModule / fromPretrained is used as is.
        super(args[0] instanceof raw.RawModule && args.length === 1 ? args[0]
          : ctx.call(raw.nnMakeModule, name, ...moduleOptions(`${name}()`, spec, args)));
      }
    } }[name];
    for (const [k, v] of Object.entries(methods)) {
      Object.defineProperty(Cls.prototype, k, { value: v, writable: true, configurable: true });
    }
    builtinClasses.set(name, Cls);
    nn[name] = factory(Cls);
    return Cls;
  }

  const REDUCTION_KIND = { reduction: 'str' };
  const spec = (args, kinds = {}, tensorNames = undefined) => ({ args, kinds: { ...Object.fromEntries(args.map((a) => [a, kinds[a] ?? 'int'])), ...kinds }, tensorNames });

  for (const n of ['Identity', 'ReLU', 'Tanh', 'Sigmoid', 'SiLU']) builtin(n, spec([]));
  builtin('Linear', spec(['inFeatures', 'outFeatures'], { bias: 'bool' }));
  builtin('Bilinear', spec(['in1Features', 'in2Features', 'outFeatures'], { bias: 'bool' }), {
    forward(input1, input2) { return this._forwardMany('Bilinear.forward()', [input1, input2])[0]; },
  });
  builtin('LeakyReLU', spec(['negativeSlope'], { negativeSlope: 'num' }));
  builtin('GELU', spec([], { approximate: 'str' }));
  builtin('Softmax', spec(['dim'], { dim: 'int?' }));
  builtin('LogSoftmax', spec(['dim'], { dim: 'int?' }));
  builtin('Dropout', spec(['p'], { p: 'num', inplace: 'bool' }));
  builtin('BatchNorm1d', spec(['numFeatures'], { eps: 'num', momentum: 'num?', affine: 'bool', trackRunningStats: 'bool' }));
  builtin('LayerNorm', spec(['normalizedShape'], { normalizedShape: 'shape', eps: 'num', elementwiseAffine: 'bool' }));
  builtin('Flatten', spec(['startDim', 'endDim']));

  const Embedding = builtin('Embedding', spec(['numEmbeddings', 'embeddingDim'], { ...EMBEDDING_KINDS, weight: 'tensor?' }, { weight: '_weight' }));
  Embedding.prototype._inputDtype = 'int64';
  /** Embedding.fromPretrained(embeddings, {freeze = true, paddingIdx, maxNorm, ...}): shares the tensor. */
  Embedding.fromPretrained = function fromPretrained(embeddings, opts) {
    const what = 'Embedding.fromPretrained()';
    const weight = tensorArg(embeddings, `${what}: embeddings`);
    const [json] = moduleOptions(what, spec([], { freeze: 'bool', ...EMBEDDING_KINDS }), [opts ?? {}]);
    return new Embedding(ctx.call(raw.nnEmbeddingFromPretrained, weight, json));
  };
  nn.Embedding.fromPretrained = Embedding.fromPretrained;

  builtin('EmbeddingBag', spec(['numEmbeddings', 'embeddingDim'], {
    maxNorm: 'num?', normType: 'num', scaleGradByFreq: 'bool', mode: 'str', sparse: 'bool', includeLastOffset: 'bool', paddingIdx: 'int?', weight: 'tensor?',
  }, { weight: '_weight' }), {
    /** forward(input, offsets = null, perSampleWeights = null) -> [B, d]. */
    forward(input, offsets = null, perSampleWeights = null) {
      return this._forwardMany('EmbeddingBag.forward()', [input, offsets, perSampleWeights], true, true, ['int64', 'int64', 'float32'])[0];
    },
  });

  const RECURRENT_KINDS = { numLayers: 'int', bias: 'bool', batchFirst: 'bool', dropout: 'num', bidirectional: 'bool' };
  const stateArgs = (hx, what) => {
    if (hx === undefined || hx === null) return [null, null];
    if (!Array.isArray(hx) || hx.length !== 2) throw typeError(`${what}: hx must be [h, c] or null, got ${describe(hx)}`);
    return hx;
  };
  /** RNN / GRU forward(input, hx = null) -> [output, hN]. */
  const rnnForward = {
    forward(input, hx = null) { return this._forwardMany(`${this.constructor.name}.forward()`, [input, hx]); },
  };
  builtin('RNN', spec(['inputSize', 'hiddenSize'], { ...RECURRENT_KINDS, nonlinearity: 'str' }), rnnForward);
  builtin('GRU', spec(['inputSize', 'hiddenSize'], RECURRENT_KINDS), rnnForward);
  builtin('LSTM', spec(['inputSize', 'hiddenSize'], { ...RECURRENT_KINDS, projSize: 'int' }), {
    /** forward(input, [h0, c0] = null) -> [output, [hN, cN]]. */
    forward(input, hx = null) {
      const [out, h, c] = this._forwardMany('LSTM.forward()', [input, ...stateArgs(hx, 'LSTM.forward()')]);
      return [out, [h, c]];
    },
  });
  const cellForward = {
    /** forward(input, hx = null) -> h'. */
    forward(input, hx = null) { return this._forwardMany(`${this.constructor.name}.forward()`, [input, hx])[0]; },
  };
  builtin('RNNCell', spec(['inputSize', 'hiddenSize'], { bias: 'bool', nonlinearity: 'str' }), cellForward);
  builtin('GRUCell', spec(['inputSize', 'hiddenSize'], { bias: 'bool' }), cellForward);
  builtin('LSTMCell', spec(['inputSize', 'hiddenSize'], { bias: 'bool' }), {
    /** forward(input, [h, c] = null) -> [h', c']. */
    forward(input, hx = null) { return this._forwardMany('LSTMCell.forward()', [input, ...stateArgs(hx, 'LSTMCell.forward()')]); },
  });
  builtin('MultiheadAttention', spec(['embedDim', 'numHeads'], {
    dropout: 'num', bias: 'bool', addBiasKv: 'bool', addZeroAttn: 'bool', kdim: 'int?', vdim: 'int?', batchFirst: 'bool',
  }), {
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
    MSELoss: {}, L1Loss: {}, SmoothL1Loss: { beta: 'num' },
    CrossEntropyLoss: { weight: 'tensor?', ignoreIndex: 'int', labelSmoothing: 'num' },
    NLLLoss: { weight: 'tensor?', ignoreIndex: 'int' },
    BCELoss: { weight: 'tensor?' },
    BCEWithLogitsLoss: { weight: 'tensor?', posWeight: 'tensor?' },
    CosineEmbeddingLoss: { margin: 'num' }, MarginRankingLoss: { margin: 'num' }, NegativeSamplingLoss: {},
  };
  const THREE_INPUT = new Set(['CosineEmbeddingLoss', 'MarginRankingLoss', 'NegativeSamplingLoss']);
  const INT_TARGET = new Set(['CrossEntropyLoss', 'NLLLoss']);
  for (const [name, kinds] of Object.entries(LOSSES)) {
    builtin(name, spec([], { ...REDUCTION_KIND, ...kinds }), THREE_INPUT.has(name) ? {
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
