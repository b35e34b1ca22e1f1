// kd.optim: optimizers, learning-rate schedulers, and gradient clipping (also in kd.nn.utils).
//
//   const opt = new kd.optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
//   const opt = new kd.optim.Adam([{ params: a.parameters() }, { params: b.parameters(), lr: 1e-2 }], { lr: 1e-3 });
//   opt.zeroGrad(); loss.backward(); opt.step();
//   opt.paramGroups[0].lr = 0.01;   // live views of the C++ groups
//
// Options are camelCase here and PyTorch's snake_case in C++ (bindings/embind/optim.cpp); they
// cross as JSON and the C++ options structs validate them (PyTorch's messages, nothing
// changed on error). The optimizer keeps the caller's parameter Tensors; it does not own them.
// Schedulers run in C++; LambdaLR's lambdas are JS functions, which no C++ frame may call, so
// JS calls them and hands C++ the factors.

const snake = (k) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const camel = (k) => k.replace(/_([a-z])/g, (_, c) => c.toUpperCase());

const OPTIMIZERS = {
  SGD: { lr: 'num', momentum: 'num', dampening: 'num', weightDecay: 'num', nesterov: 'bool', maximize: 'bool' },
  Adam: { lr: 'num', betas: 'pair', eps: 'num', weightDecay: 'num', amsgrad: 'bool', maximize: 'bool' },
  AdamW: { lr: 'num', betas: 'pair', eps: 'num', weightDecay: 'num', amsgrad: 'bool', maximize: 'bool' },
  Adagrad: { lr: 'num', lrDecay: 'num', weightDecay: 'num', initialAccumulatorValue: 'num', eps: 'num', maximize: 'bool' },
  RMSprop: { lr: 'num', alpha: 'num', eps: 'num', weightDecay: 'num', momentum: 'num', centered: 'bool', maximize: 'bool' },
  SparseAdam: { lr: 'num', betas: 'pair', eps: 'num', maximize: 'bool' },
};

export function installOptimApi(ctx, kd) {
  const { raw, errors, Tensor, typeError, describe, checkInt, checkNumber, checkBool, checkOptions } = ctx;

  // camelCase options -> JSON text with PyTorch's keys, type-checked against `spec`.
  function optionsJson(opts, spec, what) {
    const out = {};
    for (const [k, v] of Object.entries(opts)) {
      const kind = spec[k];
      if (!kind) throw typeError(`${what}: unknown option '${k}' (expected one of ${Object.keys(spec).join(', ')})`);
      if (kind === 'num') checkNumber(v, `${what}: ${k}`);
      else if (kind === 'bool') checkBool(v, `${what}: ${k}`);
      else if (kind === 'pair' && !(Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number'))) {
        throw typeError(`${what}: ${k} must be [number, number], got ${describe(v)}`);
      }
      if (kind === 'num' && !Number.isFinite(v)) throw new errors.ValueError(`${what}: ${k} must be finite, got ${v}`);
      out[snake(k)] = v;
    }
    return JSON.stringify(out);
  }

  function tensorList(params, what) {
    if (params instanceof Tensor) return [params];
    if (!params || typeof params[Symbol.iterator] !== 'function') throw typeError(`${what}: params must be an iterable of Tensors, got ${describe(params)}`);
    const list = [...params];
    list.forEach((p, i) => {
      if (!(p instanceof Tensor)) throw typeError(`${what}: params[${i}] must be a Tensor, got ${describe(p)}`);
      ctx.unwrap(p);
    });
    return list;
  }

  class Optimizer {
    #kind;
    #raw;
    #id = 0;
    #params = [];  // per group, the caller's Tensors

    constructor(kind, params, opts) {
      if (!Object.hasOwn(OPTIMIZERS, kind)) {
        throw typeError(`Optimizer(): kind must be one of ${Object.keys(OPTIMIZERS).join(', ')}, got ${describe(kind)}`);
      }
      const what = `${kind}()`;
      const spec = OPTIMIZERS[kind];
      const defaults = checkOptions(opts, what);
      if (kind === 'SGD' && defaults.lr === undefined) throw typeError('SGD(): lr is required (PyTorch: required parameter)');
      const defaultsJson = optionsJson(defaults, spec, what);
      if (params === null || params === undefined || (typeof params[Symbol.iterator] !== 'function' && !(params instanceof Tensor))) {
        throw typeError(`${what}: params must be an iterable of Tensors or of {params, ...options} groups, got ${describe(params)}`);
      }
      const list = params instanceof Tensor ? [params] : [...params];
      if (list.length === 0) throw new errors.ValueError('optimizer got an empty parameter list');
      const isGroups = list.length > 0 && list.every((g) => g !== null && typeof g === 'object' && !(g instanceof Tensor) && 'params' in g);
      const groups = isGroups ? list : [{ params: list }];
      const rawGroups = groups.map((g, i) => {
        const { params: ps, ...rest } = g;
        const tensors = tensorList(ps, `${what}: group ${i}`);
        this.#params.push(tensors);
        return { params: tensors.map((t) => ctx.unwrap(t)), options: optionsJson(rest, spec, `${what}: group ${i}`) };
      });
      this.#kind = kind;
      this.#raw = ctx.call(raw.optimMake, kind, rawGroups, defaultsJson);
      this.#id = this.#raw.id();
    }

    // The C++ optimizer's id, for the calls of the training step (a StateError once disposed).
    get #address() {
      void this._handle;
      return this.#id;
    }

    get _handle() {
      if (!this.#raw) throw new errors.StateError(`this ${this.#kind} optimizer was disposed`);
      return this.#raw;
    }

    /** One update of every parameter that has a gradient. With a closure, calls it first (under enableGrad) and returns its loss. */
    step(closure) {
      let loss;
      if (closure !== undefined) {
        if (typeof closure !== 'function') throw typeError(`step(): closure must be a function, got ${describe(closure)}`);
        loss = kd.enableGrad(closure);
      }
      ctx.call(raw.optimStep, this.#address);
      return loss;
    }

    /** Zeroes every gradient (PyTorch 1.13's default) or, with {setToNone: true}, drops them. */
    zeroGrad(opts) {
      const { setToNone = false, ...rest } = checkOptions(opts, 'zeroGrad()');
      if (Object.keys(rest).length) throw typeError(`zeroGrad(): unknown option '${Object.keys(rest)[0]}'`);
      ctx.call(raw.optimZeroGrad, this.#address, checkBool(setToNone, 'zeroGrad(): setToNone'));
    }

    /** Adds a group: {params, ...options overriding the defaults}. */
    addParamGroup(group) {
      const { params, ...rest } = checkOptions(group, 'addParamGroup()');
      const tensors = tensorList(params, 'addParamGroup()');
      ctx.call(() => this._handle.addParamGroup(tensors.map((t) => ctx.unwrap(t)), optionsJson(rest, OPTIMIZERS[this.#kind], 'addParamGroup()')));
      this.#params.push(tensors);
    }

    /**
     * Live views of the groups: `params` (the Tensors given), and every option as a property
     * that reads and writes the C++ group (`group.lr = 0.01`; invalid values throw and change nothing).
     */
    get paramGroups() {
      void this._handle;  // a StateError now if disposed
      // The views look the handle up on each use: one kept past dispose() gets a StateError,
      // not Embind's error about a deleted object.
      const optimizer = this;
      const spec = OPTIMIZERS[this.#kind];
      return this.#params.map((params, i) => {
        const view = { params };
        for (const key of [...Object.keys(spec), 'initialLr']) {
          Object.defineProperty(view, key, {
            enumerable: true,
            get: () => {
              const handle = optimizer._handle;
              const v = JSON.parse(ctx.call(() => handle.groupOptions(i)))[snake(key)];
              return v;
            },
            set: (v) => {
              const json = key === 'initialLr' ? JSON.stringify({ initial_lr: checkNumber(v, 'initialLr') }) : optionsJson({ [key]: v }, spec, `paramGroups[${i}]`);
              const handle = optimizer._handle;
              ctx.call(() => handle.setGroupOptions(i, json));
            },
          });
        }
        return view;
      });
    }

    /** {state: {index: {step, expAvg, ...}}, paramGroups: [{lr, ..., params: [indices]}]}: copies. */
    stateDict() {
      const sd = ctx.call(() => this._handle.stateDict());
      const state = {};
      for (const e of sd.state) {
        const entry = { step: e.step };
        e.names.forEach((n, k) => { entry[camel(n)] = ctx.wrap(e.tensors[k]); });
        state[e.index] = entry;
      }
      const paramGroups = JSON.parse(sd.paramGroups).map((g) => Object.fromEntries(Object.entries(g).map(([k, v]) => [camel(k), v])));
      return { state, paramGroups };
    }

    /** Validates everything, then replaces the state and the groups' options. */
    loadStateDict(sd) {
      const { state = {}, paramGroups } = checkOptions(sd, 'loadStateDict()');
      if (!Array.isArray(paramGroups)) throw typeError('loadStateDict(): paramGroups must be an array');
      const rawState = Object.entries(checkOptions(state, 'loadStateDict(): state')).map(([index, entry]) => {
        const { step = 0, ...buffers } = checkOptions(entry, `loadStateDict(): state[${index}]`);
        checkInt(Number(index), 'loadStateDict(): state index');
        checkInt(step, `loadStateDict(): state[${index}].step`);
        const names = [];
        const tensors = [];
        for (const [k, t] of Object.entries(buffers)) {
          if (!(t instanceof Tensor)) throw typeError(`loadStateDict(): state[${index}].${k} must be a Tensor, got ${describe(t)}`);
          names.push(snake(k));
          tensors.push(ctx.unwrap(t));
        }
        return { index: Number(index), step, names, tensors };
      });
      const groupsJson = JSON.stringify(paramGroups.map((g) => Object.fromEntries(Object.entries(checkOptions(g, 'loadStateDict(): paramGroups[i]')).map(([k, v]) => [snake(k), v]))));
      ctx.call(() => this._handle.loadStateDict({ state: rawState, paramGroups: groupsJson }));
    }

    /** Frees the optimizer's C++ state (the parameters are not touched). */
    dispose() {
      this.#raw?.delete();
      this.#raw = null;
    }
  }

  const optim = { Optimizer };
  for (const kind of Object.keys(OPTIMIZERS)) {
    optim[kind] = { [kind]: class extends Optimizer {
      constructor(params, opts) { super(kind, params, opts); }
    } }[kind];
  }

  // ---- schedulers ----

  /**
   * The built-in schedulers run in C++. stateDict() is torch's scheduler state_dict, with
   * torch's keys (base_lrs, last_epoch, _step_count, _last_lr, step_size, gamma, ...): it is a
   * data format shared with C++ and the checkpoint files, not an options object.
   */
  class LRScheduler {
    #raw;
    constructor(kind, optimizer, opts) {
      if (!(optimizer instanceof Optimizer)) throw typeError(`${kind}(): ${describe(optimizer)} is not an Optimizer`);
      this.optimizer = optimizer;
      this.#raw = ctx.call(raw.optimMakeScheduler, kind, optimizer._handle, JSON.stringify(opts));
    }
    get _handle() {
      if (!this.#raw) throw new errors.StateError('this scheduler was disposed');
      return this.#raw;
    }
    step() { ctx.call(() => this._handle.step()); }
    /** The lrs the last step wrote, one per group. */
    getLastLr() { return ctx.call(() => this._handle.getLastLr()); }
    get lastEpoch() { return ctx.call(() => this._handle.lastEpoch()); }
    get baseLrs() { return ctx.call(() => this._handle.baseLrs()); }
    /** torch's state_dict(): a plain JSON-able object. */
    stateDict() { return JSON.parse(ctx.call(() => this._handle.stateDict())); }
    /** Checks every key, then sets the ones given (the optimizer's lrs come with its own state). */
    loadStateDict(state) {
      checkOptions(state, 'loadStateDict()');
      const json = JSON.stringify(state);
      ctx.call(() => this._handle.loadStateDict(json));
    }
    dispose() {
      this.#raw?.delete();
      this.#raw = null;
    }
  }

  const lambdaFactors = (fns, epoch) => fns.map((f) => checkNumber(f(epoch), 'LambdaLR: lrLambda(epoch)'));

  function schedOpts(opts, what, spec) {
    const o = checkOptions(opts, what);
    for (const [k, v] of Object.entries(o)) {
      const kind = spec[k];
      if (!kind) throw typeError(`${what}: unknown option '${k}' (expected one of ${Object.keys(spec).join(', ')})`);
      if (kind === 'int') checkInt(v, `${what}: ${k}`);
      else if (kind === 'num') checkNumber(v, `${what}: ${k}`);
      else if (kind === 'bool') checkBool(v, `${what}: ${k}`);
      else if (kind === 'str' && typeof v !== 'string') throw typeError(`${what}: ${k} must be a string`);
    }
    return o;
  }

  const lrScheduler = {
    LRScheduler,
    StepLR: class StepLR extends LRScheduler {
      constructor(optimizer, stepSize, opts) {
        super('StepLR', optimizer, { stepSize: checkInt(stepSize, 'StepLR(): stepSize'), ...schedOpts(opts, 'StepLR()', { gamma: 'num', lastEpoch: 'int' }) });
      }
    },
    MultiStepLR: class MultiStepLR extends LRScheduler {
      constructor(optimizer, milestones, opts) {
        if (!Array.isArray(milestones)) throw typeError('MultiStepLR(): milestones must be an array of integers');
        milestones.forEach((m) => checkInt(m, 'MultiStepLR(): milestones'));
        super('MultiStepLR', optimizer, { milestones, ...schedOpts(opts, 'MultiStepLR()', { gamma: 'num', lastEpoch: 'int' }) });
      }
    },
    ExponentialLR: class ExponentialLR extends LRScheduler {
      constructor(optimizer, gamma, opts) {
        super('ExponentialLR', optimizer, { gamma: checkNumber(gamma, 'ExponentialLR(): gamma'), ...schedOpts(opts, 'ExponentialLR()', { lastEpoch: 'int' }) });
      }
    },
    CosineAnnealingLR: class CosineAnnealingLR extends LRScheduler {
      constructor(optimizer, TMax, opts) {
        super('CosineAnnealingLR', optimizer, { TMax: checkInt(TMax, 'CosineAnnealingLR(): TMax'), ...schedOpts(opts, 'CosineAnnealingLR()', { etaMin: 'num', lastEpoch: 'int' }) });
      }
    },
    LinearLR: class LinearLR extends LRScheduler {
      constructor(optimizer, opts) {
        super('LinearLR', optimizer, schedOpts(opts, 'LinearLR()', { startFactor: 'num', endFactor: 'num', totalIters: 'int', lastEpoch: 'int' }));
      }
    },
    OneCycleLR: class OneCycleLR extends LRScheduler {
      constructor(optimizer, maxLr, opts) {
        if (!(typeof maxLr === 'number' || (Array.isArray(maxLr) && maxLr.every((x) => typeof x === 'number')))) {
          throw typeError(`OneCycleLR(): maxLr must be a number or an array of numbers, got ${describe(maxLr)}`);
        }
        super('OneCycleLR', optimizer, {
          maxLr,
          ...schedOpts(opts, 'OneCycleLR()', {
            totalSteps: 'int', epochs: 'int', stepsPerEpoch: 'int', pctStart: 'num', annealStrategy: 'str', cycleMomentum: 'bool',
            baseMomentum: 'num', maxMomentum: 'num', divFactor: 'num', finalDivFactor: 'num', threePhase: 'bool', lastEpoch: 'int',
          }),
        });
      }
    },
    /**
     * LambdaLR(optimizer, epoch => factor | [one per group], {lastEpoch}): lr = initialLr * factor.
     * The lambdas run in JS, before C++ takes the factors: one that throws changes nothing.
     */
    LambdaLR: class LambdaLR extends LRScheduler {
      #fns;
      constructor(optimizer, lrLambda, opts) {
        if (!(optimizer instanceof Optimizer)) throw typeError(`LambdaLR(): ${describe(optimizer)} is not an Optimizer`);
        const { lastEpoch = -1 } = schedOpts(opts, 'LambdaLR()', { lastEpoch: 'int' });
        const fns = Array.isArray(lrLambda) ? lrLambda : optimizer.paramGroups.map(() => lrLambda);
        fns.forEach((f) => { if (typeof f !== 'function') throw typeError(`LambdaLR(): lrLambda must be a function, got ${describe(f)}`); });
        super('LambdaLR', optimizer, { lastEpoch, factors: lambdaFactors(fns, lastEpoch + 1) });
        this.#fns = fns;
      }
      step() {
        const factors = lambdaFactors(this.#fns, this.lastEpoch + 1);
        ctx.call(() => this._handle.stepWithFactors(factors));
      }
    },
  };
  optim.lrScheduler = lrScheduler;

  // ---- optimizer + scheduler state as safetensors (layout: core/optim/checkpoint.h) ----

  function checkScheduler(scheduler, what) {
    if (scheduler !== undefined && scheduler !== null && !(scheduler instanceof LRScheduler)) {
      throw typeError(`${what}: ${describe(scheduler)} is not an LRScheduler`);
    }
    return scheduler ? scheduler._handle : null;
  }

  /** The optimizer's state (and the scheduler's, if given) as safetensors bytes. */
  function saveState(optimizer, scheduler) {
    if (!(optimizer instanceof Optimizer)) throw typeError(`saveState(): ${describe(optimizer)} is not an Optimizer`);
    const sched = checkScheduler(scheduler, 'saveState()');
    return ctx.call(raw.optimSaveState, optimizer._handle, sched);
  }

  /** Loads saveState()'s bytes into the optimizer (and scheduler): everything is checked first, so an error changes neither. */
  function loadState(bytes, optimizer, scheduler) {
    if (!(optimizer instanceof Optimizer)) throw typeError(`loadState(): ${describe(optimizer)} is not an Optimizer`);
    const sched = checkScheduler(scheduler, 'loadState()');
    ctx.call(raw.optimLoadState, optimizer._handle, ctx.checkBytes(bytes, 'loadState()'), sched);
  }
  optim.saveState = saveState;
  optim.loadState = loadState;

  // ---- gradient clipping ----

  /** clipGradNorm_(params, maxNorm, {normType = 2, errorIfNonfinite = false}) -> total norm (0-d Tensor). */
  function clipGradNorm_(params, maxNorm, opts) {
    const { normType = 2, errorIfNonfinite = false, ...rest } = checkOptions(opts, 'clipGradNorm_()');
    if (Object.keys(rest).length) throw typeError(`clipGradNorm_(): unknown option '${Object.keys(rest)[0]}'`);
    const p = normType === 'inf' ? Infinity : checkNumber(normType, 'clipGradNorm_(): normType');
    return ctx.wrap(ctx.call(raw.optimClipGradNorm, tensorList(params, 'clipGradNorm_()').map((t) => ctx.unwrap(t)),
      checkNumber(maxNorm, 'clipGradNorm_(): maxNorm'), p, checkBool(errorIfNonfinite, 'clipGradNorm_(): errorIfNonfinite')));
  }
  /** clipGradValue_(params, clipValue): clamps every gradient to [-clipValue, clipValue]. */
  function clipGradValue_(params, clipValue) {
    ctx.call(raw.optimClipGradValue, tensorList(params, 'clipGradValue_()').map((t) => ctx.unwrap(t)), checkNumber(clipValue, 'clipGradValue_(): clipValue'));
  }
  optim.clipGradNorm_ = clipGradNorm_;
  optim.clipGradValue_ = clipGradValue_;
  if (kd.nn) {
    kd.nn.utils ??= {};
    Object.assign(kd.nn.utils, { clipGradNorm_, clipGradValue_ });
  }
  kd.optim = optim;
}
