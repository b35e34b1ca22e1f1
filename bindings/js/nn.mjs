// kd.nn: modules (built-in ones backed by C++, and modules written in JS), containers,
// kd.nn.functional, kd.nn.init and kd.nn.utils.
//
// One module system for both kinds. kd.nn.Module is a JS class; a built-in module
// (kd.nn.Linear, ...) is a subclass holding a raw C++ module (bindings/embind/nn.cpp) whose
// parameters, buffers and children are mirrored once, at construction, into the same three
// ordered maps a JS module fills. So every walk (parameters(), stateDict(), apply(), train(),
// toString()) is written once, here, and gives the dotted names the C++ core gives.
//
// Registration (as PyTorch's __setattr__): kd.nn.Module's constructor returns a Proxy of the
// module whose defineProperty trap sees every assignment (`this.x = v` and class fields):
//   - a kd.nn.Parameter registers a parameter;
//   - a kd.nn.Module registers a child module;
//   - a Tensor assigned to a registered buffer's name replaces the buffer;
//   - null assigned to a registered parameter / child / buffer name empties the slot;
//   - anything else (a plain Tensor included) is a plain attribute: not a parameter, not in
//     the state dict, not trained, and not owned (dispose it yourself).
// Subclasses may use their own #private fields; the base class uses none (a Proxy does not
// forward private names).
//
// Calling: `model.forward(x)` or its alias `model.call(x)` (modules are objects, not functions).
//
// Ownership: parameters and buffers are adopted (no kd.tidy frees them); `model.dispose()`
// frees every parameter and buffer of the module and its children (and the C++ modules).
// stateDict() returns new aliases (they share the values): dispose them, or make them in a tidy.

export function installNnApi(ctx, kd) {
  const { raw, errors, Tensor, Parameter, typeError, describe, checkInt, checkNumber, checkBool, checkOptions } = ctx;

  // ---- argument helpers ----

  let undefinedHandle = null;  // the raw undefined tensor: "not given" for optional tensor args
  const none = () => (undefinedHandle ??= raw.nnUndefinedTensor());
  ctx.onShutdown(() => {
    undefinedHandle?.delete();
    undefinedHandle = null;
  });
  const optTensor = (t, what) => {
    if (t === undefined || t === null) return none();
    if (!(t instanceof Tensor)) throw typeError(`${what} must be a Tensor or null, got ${describe(t)}`);
    return ctx.unwrap(t);
  };
  const tensorArg = (t, what) => {
    if (!(t instanceof Tensor)) throw typeError(`${what} must be a Tensor, got ${describe(t)}`);
    return ctx.unwrap(t);
  };

  // Options objects: spec is {name: [kind, default]}; unknown keys and wrong types are a
  // kd.errors.TypeError before anything reaches C++. Kinds: int, num, bool, str, tensor, shape,
  // with '?' allowing null (returned as NaN for numbers, null for tensors).
  function parseOptions(opts, what, spec) {
    const o = checkOptions(opts, what);
    for (const key of Object.keys(o)) {
      if (!(key in spec)) {
        throw typeError(`${what}: unknown option '${key}' (expected one of ${Object.keys(spec).join(', ')})`);
      }
    }
    const out = {};
    for (const [key, [kind, dflt]] of Object.entries(spec)) {
      let v = o[key] === undefined ? dflt : o[key];
      const nullable = kind.endsWith('?');
      const base = nullable ? kind.slice(0, -1) : kind;
      const name = `${what}: ${key}`;
      if (v === null || v === undefined) {
        if (!nullable) throw typeError(`${name} is required`);
        out[key] = base === 'int' || base === 'num' ? NaN : null;
        continue;
      }
      if (base === 'int') checkInt(v, name);
      else if (base === 'num') checkNumber(v, name);
      else if (base === 'bool') checkBool(v, name);
      else if (base === 'str' && typeof v !== 'string') throw typeError(`${name} must be a string, got ${describe(v)}`);
      else if (base === 'tensor' && !(v instanceof Tensor)) throw typeError(`${name} must be a Tensor, got ${describe(v)}`);
      else if (base === 'shape') v = ctx.shapeArgs([typeof v === 'number' ? [v] : v]);
      out[key] = v;
    }
    return out;
  }

  const REDUCTION = ['str', 'mean'];

  // Runs fn with JS numbers/arrays converted to tensors (disposed afterwards).
  function withInputs(values, dtypes, fn) {
    const made = [];
    try {
      // Converted inside the try: a later value failing to convert frees the earlier ones.
      const tensors = values.map((v, i) => {
        if (v === undefined || v === null || v instanceof Tensor) return v;
        const t = ctx.toTensor(v, dtypes[i]);
        made.push(t);
        return t;
      });
      return fn(...tensors);
    } finally {
      for (const t of made) t.dispose();
    }
  }

  const wrapAll = (handles) => Array.from(handles, (h) => ctx.wrap(h));

  // ---- Module ----

  function checkName(name, what) {
    if (typeof name !== 'string') throw typeError(`${what} name should be a string. Got ${describe(name)}`);
    if (name === '') throw new errors.ValueError(`${what} name can't be empty string ""`);
    if (name.includes('.')) throw new errors.ValueError(`${what} name can't contain "." (got "${name}")`);
  }

  // The category of an assignment `module[key] = value` (see the header comment).
  function assign(target, key, value) {
    const { _parameters: params, _buffers: buffers, _modules: modules } = target;
    if (value instanceof Parameter) {
      // Adopted like a buffer: a Parameter wrapper made inside a kd.tidy (p.contiguous() and
      // p.to(sameDtype) return the parameter itself, as PyTorch) must not be freed by it.
      ctx.adopt(value);
      buffers.delete(key);
      modules.delete(key);
      params.set(key, value);
    } else if (value instanceof Module) {
      if (value === target._self) throw new errors.ValueError(`a module can't be registered as its own child ('${key}')`);
      params.delete(key);
      buffers.delete(key);
      modules.set(key, value);
    } else if (params.has(key)) {
      if (value !== null) {
        throw typeError(`cannot assign '${describe(value)}' as parameter '${key}' (kd.nn.Parameter or null expected)`);
      }
      params.set(key, null);
    } else if (modules.has(key)) {
      if (value !== null) throw typeError(`cannot assign '${describe(value)}' as child module '${key}' (kd.nn.Module or null expected)`);
      modules.set(key, null);
    } else if (buffers.has(key)) {
      if (value !== null && !(value instanceof Tensor)) {
        throw typeError(`cannot assign '${describe(value)}' as buffer '${key}' (Tensor or null expected)`);
      }
      if (value) ctx.adopt(value);
      buffers.set(key, value);
    }
  }

  const moduleTraps = {
    defineProperty(target, key, desc) {
      if (typeof key === 'string' && 'value' in desc && !key.startsWith('_')) assign(target, key, desc.value);
      return Reflect.defineProperty(target, key, desc);
    },
    deleteProperty(target, key) {
      if (typeof key === 'string') {
        target._parameters.delete(key);
        target._buffers.delete(key);
        target._modules.delete(key);
      }
      return Reflect.deleteProperty(target, key);
    },
  };

  function hidden(obj, key, value) {
    Object.defineProperty(obj, key, { value, writable: true, enumerable: false, configurable: true });
  }

  function addIndent(s) {
    return s.split('\n').join('\n  ');
  }

  // Ordered {name: Tensor} from a plain object, a Map or an array of [name, tensor] pairs.
  function stateEntries(sd, what) {
    let entries;
    if (sd instanceof Map) entries = [...sd.entries()];
    else if (Array.isArray(sd)) entries = sd;
    else if (sd !== null && typeof sd === 'object' && !(sd instanceof Tensor)) entries = Object.entries(sd);
    else throw typeError(`${what}: expected an object of name -> Tensor, got ${describe(sd)}`);
    for (const e of entries) {
      if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== 'string') {
        throw typeError(`${what}: entries must be [name, Tensor] pairs`);
      }
    }
    return entries;
  }

  const torchSize = (s) => `torch.Size([${s.join(', ')}])`;

  // The module's forward `inner` on `args`, with its hooks around it. Backward hooks (as
  // PyTorch's BackwardHook): the inputs that require grad pass through one identity node of
  // the core (core/autograd/hooks.h), which hands their gradients to the hooks; the output
  // Tensors (top level: a Tensor, or the Tensors of an array) through another, which records
  // gradOutput first.
  function runWithHooks(module, inner, args) {
    const hooks = module._hooks;
    if (hooks.pre.size === 0 && hooks.forward.size === 0 && hooks.backward.size === 0) return inner.apply(module, args);
    for (const fn of [...hooks.pre.values()]) {
      const r = fn(module, args);
      if (r !== undefined && r !== null) args = Array.isArray(r) ? r : [r];
    }
    let pending = null;  // what the two backward nodes of this call share
    let inputPositions = [];
    if (hooks.backward.size > 0 && kd.isGradEnabled()) {
      pending = { gradOutput: [] };
      inputPositions = differentiablePositions(args);
      if (inputPositions.length > 0) {
        const onGradInput = ctx.hookCallback((rawGrads) => {
          const grads = rawGrads.map((h) => ctx.wrap(h));
          let gradInput = args.map(() => null);
          inputPositions.forEach((p, k) => { gradInput[p] = grads[k]; });
          for (const fn of [...hooks.backward.values()]) {
            const r = fn(module, gradInput, pending.gradOutput);
            if (r === undefined || r === null) continue;
            if (!Array.isArray(r) || r.length !== gradInput.length || !r.every((g) => g === null || g instanceof Tensor)) {
              throw typeError(`backward hook of ${module.constructor.name}: expected an array of ${gradInput.length} Tensors or nulls, got ${describe(r)}`);
            }
            gradInput = r;
          }
          return inputPositions.map((p) => (gradInput[p] ? ctx.unwrap(gradInput[p]) : null));
        });
        const wrapped = ctx.call(raw.autogradBackwardHookIdentity, inputPositions.map((p) => ctx.unwrap(args[p])), onGradInput);
        args = [...args];
        inputPositions.forEach((p, k) => { args[p] = ctx.wrap(wrapped[k]); });
      }
    }
    let out = inner.apply(module, args);
    for (const fn of [...hooks.forward.values()]) {
      const r = fn(module, args, out);
      if (r !== undefined) out = r;
    }
    if (pending) {
      const outputs = out instanceof Tensor ? [out] : Array.isArray(out) ? out : [];
      const outputPositions = differentiablePositions(outputs);
      if (outputPositions.length > 0) {
        const onGradOutput = ctx.hookCallback((rawGrads) => {
          const grads = rawGrads.map((h) => ctx.wrap(h));
          pending.gradOutput = outputs.map(() => null);
          outputPositions.forEach((p, k) => { pending.gradOutput[p] = grads[k]; });
          if (inputPositions.length === 0) {
            for (const fn of [...hooks.backward.values()]) fn(module, args.map(() => null), pending.gradOutput);
          }
          return null;
        });
        const wrapped = ctx.call(raw.autogradBackwardHookIdentity, outputPositions.map((p) => ctx.unwrap(outputs[p])), onGradOutput);
        const replaced = [...outputs];
        outputPositions.forEach((p, k) => { replaced[p] = ctx.wrap(wrapped[k]); });
        out = out instanceof Tensor ? replaced[0] : replaced;
      }
    }
    return out;
  }
  const differentiablePositions = (values) =>
    values.flatMap((v, i) => (v instanceof Tensor && v.requiresGrad ? [i] : []));

  class Module {
    constructor() {
      hidden(this, '_parameters', new Map());
      hidden(this, '_buffers', new Map());
      hidden(this, '_nonPersistent', new Set());
      hidden(this, '_modules', new Map());
      hidden(this, 'training', true);
      const proxy = new Proxy(this, moduleTraps);
      hidden(this, '_self', proxy);
      return proxy;
    }

    /** Runs the module: override it. `call(...)` is the same. */
    forward() {
      throw new errors.StateError(`Module [${this.constructor.name}] is missing the required "forward" function`);
    }

    /** Short alias of forward(). */
    call(...args) { return this.forward(...args); }

    // ---- hooks (PyTorch's; each register* returns a handle whose remove() takes it out) ----
    // They run whenever the module runs, through forward() or call() alike: the first one
    // registered puts a wrapper on this instance's forward (runWithHooks below).

    /** fn(module, inputs[]) before forward; an array it returns (or one value) replaces the inputs. */
    registerForwardPreHook(fn) { return this._addHook('pre', fn, 'registerForwardPreHook()'); }
    /** fn(module, inputs[], output) after forward; a value it returns replaces the output. */
    registerForwardHook(fn) { return this._addHook('forward', fn, 'registerForwardHook()'); }
    /**
     * fn(module, gradInput[], gradOutput[]) in backward, once the gradients of the module's
     * inputs are known (one entry per forward argument, null where none flows; gradOutput has
     * one entry per output Tensor). An array it returns replaces gradInput. If no input requires
     * grad, fn is called as soon as gradOutput is known, with gradInput all null.
     */
    registerFullBackwardHook(fn) { return this._addHook('backward', fn, 'registerFullBackwardHook()'); }

    _addHook(kind, fn, what) {
      if (typeof fn !== 'function') throw typeError(`${what}: fn must be a function, got ${describe(fn)}`);
      if (!this._hooks) {
        hidden(this, '_hooks', { pre: new Map(), forward: new Map(), backward: new Map(), next: 0 });
        const module = this;
        const inner = this.forward;
        hidden(this, 'forward', function forward(...args) { return runWithHooks(module, inner, args); });
      }
      const id = this._hooks.next++;
      const list = this._hooks[kind];
      list.set(id, fn);
      return { remove() { list.delete(id); } };
    }

    // ---- registration ----

    /** Registers a parameter (a kd.nn.Parameter, or null for an empty slot), as PyTorch. */
    registerParameter(name, param) {
      checkName(name, 'parameter');
      if (param !== null && !(param instanceof Parameter)) {
        throw typeError(`cannot assign '${describe(param)}' object to parameter '${name}' (kd.nn.Parameter or null required)`);
      }
      if (name in this && !this._parameters.has(name)) throw new errors.ValueError(`attribute '${name}' already exists`);
      this._parameters.set(name, param);
      this[name] = param;
    }

    /** Registers a buffer (state that is not trained); persistent ones are in stateDict(). */
    registerBuffer(name, tensor, opts) {
      const { persistent } = parseOptions(opts, 'registerBuffer()', { persistent: ['bool', true] });
      checkName(name, 'buffer');
      if (tensor !== null && !(tensor instanceof Tensor)) {
        throw typeError(`cannot assign '${describe(tensor)}' object to buffer '${name}' (Tensor or null required)`);
      }
      if (name in this && !this._buffers.has(name)) throw new errors.ValueError(`attribute '${name}' already exists`);
      this._buffers.set(name, null);
      if (persistent) this._nonPersistent.delete(name);
      else this._nonPersistent.add(name);
      this[name] = tensor;
    }

    /** Registers a child module (or null). Same as assigning it. */
    registerModule(name, module) {
      checkName(name, 'module');
      if (module !== null && !(module instanceof Module)) throw typeError(`${describe(module)} is not a Module subclass`);
      if (name in this && !this._modules.has(name)) throw new errors.ValueError(`attribute '${name}' already exists`);
      this._modules.set(name, null);
      this[name] = module;
    }
    addModule(name, module) { this.registerModule(name, module); }

    // ---- walks (each module and tensor once, first name wins, as PyTorch) ----

    /** [name, module] pairs, this module first (name ''), pre-order, each module once. */
    namedModules(prefix = '') {
      const out = [];
      const seen = new Set();
      const visit = (m, name) => {
        if (!m || seen.has(m)) return;
        seen.add(m);
        out.push([name, m]);
        for (const [k, child] of m._modules) visit(child, name ? `${name}.${k}` : k);
      };
      visit(this, prefix);
      return out;
    }
    modules() { return this.namedModules().map(([, m]) => m); }
    namedChildren() {
      const out = [];
      const seen = new Set();
      for (const [k, m] of this._modules) {
        if (m && !seen.has(m)) {
          seen.add(m);
          out.push([k, m]);
        }
      }
      return out;
    }
    children() { return this.namedChildren().map(([, m]) => m); }

    _named(kind, recurse) {
      const out = [];
      const seen = new Set();
      const mods = recurse ? this.namedModules() : [['', this]];
      for (const [prefix, m] of mods) {
        for (const [k, t] of m[kind]) {
          if (!t || t.isDisposed) continue;
          const id = ctx.identity(t);
          if (seen.has(id)) continue;
          seen.add(id);
          out.push([prefix ? `${prefix}.${k}` : k, t]);
        }
      }
      return out;
    }
    /** [dotted name, Parameter] pairs; a tensor shared by two modules is listed once. */
    namedParameters(opts) {
      const { recurse } = parseOptions(opts, 'namedParameters()', { recurse: ['bool', true] });
      return this._named('_parameters', recurse);
    }
    parameters(opts) { return this.namedParameters(opts).map(([, p]) => p); }
    namedBuffers(opts) {
      const { recurse } = parseOptions(opts, 'namedBuffers()', { recurse: ['bool', true] });
      return this._named('_buffers', recurse);
    }
    buffers(opts) { return this.namedBuffers(opts).map(([, b]) => b); }

    // [name, the module's own tensor] for every stateDict() entry (shared ones under each name).
    _stateTensors(prefix = '', out = []) {
      for (const [k, p] of this._parameters) if (p) out.push([prefix + k, p]);
      for (const [k, b] of this._buffers) if (b && !this._nonPersistent.has(k)) out.push([prefix + k, b]);
      for (const [k, m] of this._modules) if (m) m._stateTensors(`${prefix}${k}.`, out);
      return out;
    }

    /** Ordered {dotted name: Tensor}: parameters and persistent buffers, as new aliases sharing the values. */
    stateDict() {
      const out = {};
      for (const [k, t] of this._stateTensors()) out[k] = ctx.wrap(ctx.call(raw.nnDetach, ctx.unwrap(t)));
      return out;
    }

    /**
     * Copies values in from `stateDict` (object, Map, [name, tensor] pairs, or what
     * kd.loadSafetensors returns). Every key and shape is checked before anything is copied;
     * with strict (default), missing or unexpected keys are errors too, with PyTorch's message.
     * Returns {missingKeys, unexpectedKeys}.
     */
    loadStateDict(stateDict, opts) {
      const { strict } = parseOptions(opts, 'loadStateDict()', { strict: ['bool', true] });
      const entries = stateEntries(stateDict, 'loadStateDict()');
      const own = new Map(this._stateTensors());
      const missingKeys = [];
      const unexpectedKeys = [];
      const mismatches = [];
      const dsts = [];
      const srcs = [];
      const provided = new Set();
      for (const [k, v] of entries) {
        if (provided.has(k)) throw new errors.ValueError(`load_state_dict: key "${k}" appears twice`);
        provided.add(k);
        const dst = own.get(k);
        if (dst === undefined) {
          unexpectedKeys.push(k);
          continue;
        }
        if (!(v instanceof Tensor)) throw typeError(`loadStateDict(): value for "${k}" must be a Tensor, got ${describe(v)}`);
        const [vs, ds] = [v.shape, dst.shape];
        if (vs.length !== ds.length || vs.some((d, i) => d !== ds[i])) {
          mismatches.push(`size mismatch for ${k}: copying a param with shape ${torchSize(vs)} from checkpoint, the shape in current model is ${torchSize(ds)}.`);
          continue;
        }
        dsts.push(ctx.unwrap(dst));
        srcs.push(ctx.unwrap(v));
      }
      for (const k of own.keys()) if (!provided.has(k)) missingKeys.push(k);
      const problems = [];
      const quoted = (keys) => keys.map((k) => `"${k}"`).join(', ');
      if (strict && missingKeys.length) problems.push(`Missing key(s) in state_dict: ${quoted(missingKeys)}. `);
      if (strict && unexpectedKeys.length) problems.push(`Unexpected key(s) in state_dict: ${quoted(unexpectedKeys)}. `);
      problems.push(...mismatches);
      if (problems.length) {
        throw new errors.StateError(`Error(s) in loading state_dict for ${this.constructor.name}:${problems.map((p) => `\n\t${p}`).join('')}`);
      }
      ctx.call(raw.nnCopyAll, dsts, srcs);
      return { missingKeys, unexpectedKeys };
    }

    // ---- modes and gradients ----

    /** Calls fn(module) on every submodule, children first, then on this one. Returns this. */
    apply(fn) {
      if (typeof fn !== 'function') throw typeError(`apply(): expected a function, got ${describe(fn)}`);
      for (const m of this.children()) m.apply(fn);
      fn(this);
      return this;
    }
    train(mode = true) {
      checkBool(mode, 'train(): mode');
      for (const [, m] of this.namedModules()) {
        m.training = mode;
        m._onTrain?.(mode);
      }
      return this;
    }
    eval() { return this.train(false); }
    requiresGrad_(requiresGrad = true) {
      checkBool(requiresGrad, 'requiresGrad_(): requiresGrad');
      for (const p of this.parameters()) p.requiresGrad_(requiresGrad);
      return this;
    }
    /** Zeroes (or, with {setToNone: true}, drops) every parameter's gradient, sparse ones included. */
    zeroGrad(opts) {
      const { setToNone } = parseOptions(opts, 'zeroGrad()', { setToNone: ['bool', false] });
      ctx.call(raw.nnZeroGrads, this.parameters().map((p) => ctx.unwrap(p)), setToNone);
    }

    // ---- printing ----

    /** Override to describe the module's settings in toString() (PyTorch's extra_repr). */
    extraRepr() { return ''; }
    toString() {
      const extra = this.extraRepr();
      const extraLines = extra ? extra.split('\n') : [];
      const childLines = [...this._modules].map(([k, m]) => `(${k}): ${addIndent(m ? m.toString() : 'None')}`);
      const lines = [...extraLines, ...childLines];
      let s = `${this.constructor.name}(`;
      if (lines.length === 1 && extraLines.length === 1) s += extraLines[0];
      else if (lines.length) s += `\n  ${lines.join('\n  ')}\n`;
      return `${s})`;
    }
    [Symbol.for('nodejs.util.inspect.custom')]() { return this.toString(); }

    /** Frees the parameters and buffers of this module and its children (and C++ modules). */
    dispose() {
      for (const [, m] of this.namedModules()) {
        for (const p of m._parameters.values()) p?.dispose();
        for (const b of m._buffers.values()) b?.dispose();
        m._disposeRaw?.();
      }
    }
  }

  // Callable with or without `new`, and subclassable: kd.nn.Linear(3, 2), new kd.nn.Linear(3, 2).
  function factory(Cls) {
    function Factory(...args) {
      return Reflect.construct(Cls, args, new.target ?? Factory);
    }
    Factory.prototype = Cls.prototype;
    Object.defineProperty(Factory, 'name', { value: Cls.name });
    Object.setPrototypeOf(Factory, Cls);  // static members
    return Factory;
  }

  // ---- built-in modules (C++) ----

  class BuiltinModule extends Module {
    constructor(handle) {
      super();
      hidden(this, '_raw', handle);
      const nonPersistent = ctx.call(() => handle.nonPersistentBuffers());
      const { names: pn, tensors: pt } = ctx.call(() => handle.namedParameters(false));
      pt.forEach((h, i) => { this[pn[i]] = ctx.adopt(ctx.wrap(h)); });
      // Optional parameters the C++ module left out (Linear's bias with {bias: false}) are
      // registered as null, as PyTorch's None (nn.d.ts: `bias: Parameter | null`).
      for (const name of this._optionalParams ?? []) if (!this._parameters.has(name)) this.registerParameter(name, null);
      const { names: bn, tensors: bt } = ctx.call(() => handle.namedBuffers(false));
      bt.forEach((h, i) => {
        this._buffers.set(bn[i], null);
        if (nonPersistent.includes(bn[i])) this._nonPersistent.add(bn[i]);
        this[bn[i]] = ctx.wrap(h);
      });
      for (const name of this._optionalBuffers ?? []) if (!this._buffers.has(name)) this.registerBuffer(name, null);
      const { names: cn, modules: cm } = ctx.call(() => handle.namedChildren());
      cm.forEach((h, i) => { this[cn[i]] = wrapModule(h); });
    }
    get _handle() {
      if (!this._raw) throw new errors.StateError(`this ${this.constructor.name} was disposed`);
      return this._raw;
    }
    _disposeRaw() {
      this._raw?.delete();
      this._raw = null;
    }
    // A disposed module has no C++ side to tell (and train() must not stop half way through a tree).
    _onTrain(mode) { if (this._raw) ctx.call(() => this._raw.train(mode)); }
    // The C++ repr covers the module and its C++ children.
    toString() { return this._raw ? ctx.call(() => this._raw.toString()) : `${this.constructor.name}(disposed)`; }
    extraRepr() { return ctx.call(() => this._handle.extraRepr()); }
    // One tensor in, one out; others override.
    forward(input) {
      // The hot path (a Tensor in): one raw call, wrapped from its status words.
      if (input instanceof Tensor) return ctx.wrapResult(ctx.invoke(this._handle, 'forward', [ctx.unwrap(input)]));
      return withInputs([input], [this._inputDtype], (x) => ctx.wrap(ctx.call(() => this._handle.forward(tensorArg(x, `${this.constructor.name}.forward(): input`)))));
    }
    // Many tensors in (null for "not given"), an array of Tensors (or null) out.
    _forwardMany(what, args, flag1 = true, flag2 = true, dtypes = []) {
      return withInputs(args, dtypes, (...ts) => {
        const handles = ts.map((t, i) => optTensor(t, `${what}: argument ${i + 1}`));
        return wrapAll(ctx.call(() => this._handle.forwardMany(handles, flag1, flag2)));
      });
    }
  }

  // Wraps a raw module handle of a C++ child (e.g. MultiheadAttention's out_proj).
  function wrapModule(handle) {
    const name = ctx.call(() => handle.typeName());
    const Cls = BUILTIN_CLASSES.get(name) ?? GenericBuiltin;
    const m = Reflect.construct(BuiltinModule, [handle], Cls);
    return m;
  }
  class GenericBuiltin extends BuiltinModule {}

  const BUILTIN_CLASSES = new Map();
  const nn = { Module, Parameter };

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
    BUILTIN_CLASSES.set(name, Cls);
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
  }, { _optionalParams: ['bias'] });
  builtin('Bilinear', (in1, in2, out, opts) => {
    const { bias } = parseOptions(opts, 'Bilinear()', { bias: ['bool', true] });
    return mk(raw.nnMakeBilinear, int(in1, 'Bilinear(): in1Features'), int(in2, 'Bilinear(): in2Features'), int(out, 'Bilinear(): outFeatures'), bias);
  }, {
    _optionalParams: ['bias'],
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
  const dimArg = (dim, what) => {
    if (dim !== null && typeof dim === 'object') dim = parseOptions(dim, what, { dim: ['int?', null] }).dim;
    return dim === undefined || dim === null || Number.isNaN(dim) ? NaN : checkInt(dim, `${what}: dim`);
  };
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
  }, { _optionalParams: ['weight', 'bias'], _optionalBuffers: ['running_mean', 'running_var', 'num_batches_tracked'] });
  builtin('LayerNorm', (shape, opts) => {
    const o = parseOptions(opts, 'LayerNorm()', { eps: ['num', 1e-5], elementwiseAffine: ['bool', true] });
    return mk(raw.nnMakeLayerNorm, ctx.shapeArgs([typeof shape === 'number' ? [shape] : shape]), o.eps, o.elementwiseAffine);
  }, { _optionalParams: ['weight', 'bias'] });
  builtin('Flatten', (startDim = 1, endDim = -1) => {
    if (typeof startDim === 'object') ({ startDim, endDim } = parseOptions(startDim, 'Flatten()', { startDim: ['int', 1], endDim: ['int', -1] }));
    return mk(raw.nnMakeFlatten, int(startDim, 'Flatten(): startDim'), int(endDim, 'Flatten(): endDim'));
  });

  const EMBEDDING_OPTS = { paddingIdx: ['int?', null], maxNorm: ['num?', null], normType: ['num', 2], scaleGradByFreq: ['bool', false], sparse: ['bool', false] };
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

  class Sequential extends Module {
    /** Sequential(m1, m2, ...) or Sequential({name: module, ...}) / Sequential(new Map(...)). */
    constructor(...modules) {
      super();
      const first = modules[0];
      if (modules.length === 1 && !(first instanceof Module) && first !== null && typeof first === 'object') {
        const entries = first instanceof Map ? [...first.entries()] : Object.entries(first);
        for (const [k, m] of entries) this.registerModule(k, checkModule(m, 'Sequential()'));
      } else {
        modules.forEach((m, i) => this.registerModule(String(i), checkModule(m, 'Sequential()')));
      }
    }
    /** Feeds the input through every module in order. */
    forward(input) {
      let x = input;
      for (const m of this._modules.values()) x = m.forward(x);
      return x;
    }
    get length() { return this._modules.size; }
    /** The module at index (negative counts from the end). */
    at(index) {
      checkInt(index, 'Sequential.at(): index');
      const mods = [...this._modules.values()];
      const i = index < 0 ? index + mods.length : index;
      if (i < 0 || i >= mods.length) throw new errors.IndexError(`index ${index} is out of range`);
      return mods[i];
    }
    append(module) {
      this.registerModule(String(this._modules.size), checkModule(module, 'Sequential.append()'));
      return this;
    }
    [Symbol.iterator]() { return this._modules.values(); }
  }

  class ModuleList extends Module {
    constructor(modules = []) {
      super();
      this.extend(modules);
    }
    get length() { return this._modules.size; }
    at(index) { return Sequential.prototype.at.call(this, index); }
    append(module) {
      this.registerModule(String(this._modules.size), checkModule(module, 'ModuleList.append()'));
      return this;
    }
    extend(modules) {
      if (!modules || typeof modules[Symbol.iterator] !== 'function') throw typeError(`ModuleList: expected an iterable of modules, got ${describe(modules)}`);
      for (const m of modules) this.append(m);
      return this;
    }
    [Symbol.iterator]() { return this._modules.values(); }
    forward() { throw new errors.StateError('ModuleList has no forward(): iterate over it in your own module'); }
  }

  class ModuleDict extends Module {
    constructor(modules = {}) {
      super();
      const entries = modules instanceof Map ? [...modules.entries()] : Object.entries(checkOptions(modules, 'ModuleDict()'));
      for (const [k, m] of entries) this.set(k, m);
    }
    get length() { return this._modules.size; }
    get(key) {
      if (!this._modules.has(key)) throw new errors.IndexError(`ModuleDict has no key '${key}'`);
      return this._modules.get(key);
    }
    set(key, module) {
      this.registerModule(key, checkModule(module, 'ModuleDict.set()'));
      return this;
    }
    has(key) { return this._modules.has(key); }
    keys() { return [...this._modules.keys()]; }
    values() { return [...this._modules.values()]; }
    items() { return [...this._modules.entries()]; }
    [Symbol.iterator]() { return this._modules.entries(); }
    forward() { throw new errors.StateError('ModuleDict has no forward()'); }
  }

  nn.Sequential = factory(Sequential);
  nn.ModuleList = factory(ModuleList);
  nn.ModuleDict = factory(ModuleDict);

  // ---- functional ----

  const fn1 = (f) => (x, ...rest) => withInputs([x], [], (t) => ctx.wrap(ctx.call(f, tensorArg(t, 'input'), ...rest)));
  const unary = (kind) => fn1((x) => raw.nnUnary(kind, x));
  const loss2 = (kind, spec, targetDtype = 'float32') => {
    const fullSpec = { reduction: REDUCTION, ...spec };
    let defaults;  // the options of a call without any, parsed once (the common case)
    const run = (i, t, o) => ctx.wrapResult(ctx.call(raw.nnLoss2, kind,
      tensorArg(i, `${kind}: input`), tensorArg(t, `${kind}: target`), o.reduction, optTensor(o.weight), optTensor(o.posWeight),
      o.ignoreIndex ?? -100, o.labelSmoothing ?? 0, o.beta ?? 1));
    return (input, target, opts) => {
      const o = opts === undefined ? (defaults ??= parseOptions(opts, `${kind}Loss()`, fullSpec)) : parseOptions(opts, `${kind}Loss()`, fullSpec);
      if (input instanceof Tensor && target instanceof Tensor) return run(input, target, o);
      return withInputs([input, target], ['float32', targetDtype], (i, t) => run(i, t, o));
    };
  };
  const loss3 = (kind, spec = {}) => (a, b, c, opts) => {
    const o = parseOptions(opts, `${kind}Loss()`, { reduction: REDUCTION, ...spec });
    return withInputs([a, b, c], [], (x, y, z) => ctx.wrap(ctx.call(raw.nnLoss3, kind,
      tensorArg(x, `${kind}: input1`), tensorArg(y, `${kind}: input2`), tensorArg(z, `${kind}: input3`), o.reduction, o.margin ?? 0)));
  };

  const functional = {
    linear: (x, weight, bias = null) => ctx.wrap(ctx.call(raw.nnLinear, tensorArg(x, 'linear(): input'), tensorArg(weight, 'linear(): weight'), optTensor(bias, 'linear(): bias'))),
    bilinear: (x1, x2, weight, bias = null) => ctx.wrap(ctx.call(raw.nnBilinear, tensorArg(x1, 'bilinear(): input1'), tensorArg(x2, 'bilinear(): input2'), tensorArg(weight, 'bilinear(): weight'), optTensor(bias, 'bilinear(): bias'))),
    relu: unary('relu'),
    sigmoid: unary('sigmoid'),
    tanh: unary('tanh'),
    silu: unary('silu'),
    leakyRelu: (x, negativeSlope = 0.01) => fn1(raw.nnLeakyRelu)(x, checkNumber(negativeSlope, 'leakyRelu(): negativeSlope')),
    gelu: (x, opts) => fn1(raw.nnGelu)(x, parseOptions(opts, 'gelu()', { approximate: ['str', 'none'] }).approximate),
    softmax: (x, dim) => fn1(raw.nnSoftmax)(x, dimArg(dim, 'softmax()'), false),
    logSoftmax: (x, dim) => fn1(raw.nnSoftmax)(x, dimArg(dim, 'logSoftmax()'), true),
    dropout: (x, p = 0.5, opts) => {
      if (typeof p === 'object' && p !== null) [p, opts] = [p.p ?? 0.5, { training: p.training }];
      const { training } = parseOptions(opts, 'dropout()', { training: ['bool', true] });
      return fn1(raw.nnDropout)(x, checkNumber(p, 'dropout(): p'), training);
    },
    layerNorm: (x, normalizedShape, opts) => {
      const o = parseOptions(opts, 'layerNorm()', { weight: ['tensor?', null], bias: ['tensor?', null], eps: ['num', 1e-5] });
      return ctx.wrap(ctx.call(raw.nnLayerNorm, tensorArg(x, 'layerNorm(): input'), ctx.shapeArgs([typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape]), optTensor(o.weight), optTensor(o.bias), o.eps));
    },
    batchNorm: (x, runningMean, runningVar, opts) => {
      const o = parseOptions(opts, 'batchNorm()', { weight: ['tensor?', null], bias: ['tensor?', null], training: ['bool', false], momentum: ['num', 0.1], eps: ['num', 1e-5] });
      return ctx.wrap(ctx.call(raw.nnBatchNorm, tensorArg(x, 'batchNorm(): input'), optTensor(runningMean, 'batchNorm(): runningMean'), optTensor(runningVar, 'batchNorm(): runningVar'), optTensor(o.weight), optTensor(o.bias), o.training, o.momentum, o.eps));
    },
    embedding: (input, weight, opts) => {
      const o = parseOptions(opts, 'embedding()', EMBEDDING_OPTS);
      return withInputs([input], ['int64'], (i) => ctx.wrap(ctx.call(raw.nnEmbedding, tensorArg(i, 'embedding(): input'), tensorArg(weight, 'embedding(): weight'), o.paddingIdx, o.maxNorm, o.normType, o.scaleGradByFreq, o.sparse)));
    },
    embeddingBag: (input, weight, opts) => {
      const o = parseOptions(opts, 'embeddingBag()', {
        offsets: ['tensor?', null], maxNorm: ['num?', null], normType: ['num', 2], scaleGradByFreq: ['bool', false], mode: ['str', 'mean'],
        sparse: ['bool', false], perSampleWeights: ['tensor?', null], includeLastOffset: ['bool', false], paddingIdx: ['int?', null],
      });
      return withInputs([input], ['int64'], (i) => ctx.wrap(ctx.call(raw.nnEmbeddingBag, tensorArg(i, 'embeddingBag(): input'), tensorArg(weight, 'embeddingBag(): weight'),
        optTensor(o.offsets), o.maxNorm, o.normType, o.scaleGradByFreq, o.mode, o.sparse, optTensor(o.perSampleWeights), o.includeLastOffset, o.paddingIdx)));
    },
    mseLoss: loss2('mse', {}),
    l1Loss: loss2('l1', {}),
    smoothL1Loss: loss2('smoothL1', { beta: ['num', 1] }),
    nllLoss: loss2('nll', { weight: ['tensor?', null], ignoreIndex: ['int', -100] }, 'int64'),
    crossEntropy: loss2('crossEntropy', { weight: ['tensor?', null], ignoreIndex: ['int', -100], labelSmoothing: ['num', 0] }, 'int64'),
    binaryCrossEntropy: loss2('bce', { weight: ['tensor?', null] }),
    binaryCrossEntropyWithLogits: loss2('bceWithLogits', { weight: ['tensor?', null], posWeight: ['tensor?', null] }),
    cosineEmbeddingLoss: loss3('cosineEmbedding', { margin: ['num', 0] }),
    marginRankingLoss: loss3('marginRanking', { margin: ['num', 0] }),
    negativeSamplingLoss: loss3('negativeSampling'),
  };
  if (kd.oneHot) functional.oneHot = kd.oneHot;

  // ---- init ----

  // f(tensor, ...numbers) or f(tensor, {named options}): PyTorch's positional order, or options.
  function initArgs(args, what, spec) {
    if (args.length === 1 && args[0] !== null && typeof args[0] === 'object') return parseOptions(args[0], what, spec);
    const keys = Object.keys(spec);
    if (args.length > keys.length) throw typeError(`${what}: too many arguments`);
    const named = {};
    args.forEach((a, i) => { if (a !== undefined) named[keys[i]] = a; });
    return parseOptions(named, what, spec);
  }
  const fill = (kind, spec) => (tensor, ...args) => {
    const o = initArgs(args, `init.${kind}()`, spec);
    const v = Object.values(o);
    ctx.call(raw.nnInitFill, kind, tensorArg(tensor, `init.${kind}(): tensor`), v[0] ?? 0, v[1] ?? 0, v[2] ?? 0, v[3] ?? 0);
    return tensor;
  };
  const kaiming = (normal) => (tensor, ...args) => {
    const o = initArgs(args, `init.kaiming${normal ? 'Normal' : 'Uniform'}_()`, { a: ['num', 0], mode: ['str', 'fan_in'], nonlinearity: ['str', 'leaky_relu'] });
    const mode = { fanIn: 'fan_in', fanOut: 'fan_out' }[o.mode] ?? o.mode;
    const nonlinearity = o.nonlinearity === 'leakyRelu' ? 'leaky_relu' : o.nonlinearity;
    ctx.call(raw.nnInitKaiming, normal, tensorArg(tensor, 'init.kaiming_(): tensor'), o.a, mode, nonlinearity);
    return tensor;
  };
  const init = {
    /** calculateGain('relu'), calculateGain('leaky_relu', 0.2) (also 'leakyRelu'). */
    calculateGain(nonlinearity, param = null) {
      if (typeof nonlinearity !== 'string') throw typeError(`calculateGain(): nonlinearity must be a string, got ${describe(nonlinearity)}`);
      if (param !== null) checkNumber(param, 'calculateGain(): param');
      return ctx.call(raw.nnCalculateGain, nonlinearity === 'leakyRelu' ? 'leaky_relu' : nonlinearity, param ?? NaN);
    },
    calculateFanInAndFanOut: (tensor) => ctx.call(raw.nnCalculateFanInAndFanOut, tensorArg(tensor, 'calculateFanInAndFanOut(): tensor')),
    uniform_: fill('uniform_', { a: ['num', 0], b: ['num', 1] }),
    normal_: fill('normal_', { mean: ['num', 0], std: ['num', 1] }),
    constant_: fill('constant_', { val: ['num', null] }),
    ones_: fill('ones_', {}),
    zeros_: fill('zeros_', {}),
    eye_: fill('eye_', {}),
    xavierUniform_: fill('xavierUniform_', { gain: ['num', 1] }),
    xavierNormal_: fill('xavierNormal_', { gain: ['num', 1] }),
    kaimingUniform_: kaiming(false),
    kaimingNormal_: kaiming(true),
    truncNormal_: fill('truncNormal_', { mean: ['num', 0], std: ['num', 1], a: ['num', -2], b: ['num', 2] }),
    orthogonal_: fill('orthogonal_', { gain: ['num', 1] }),
  };

  // ---- sparse gradients ----

  // t.sparseGrad: the row-sparse gradient of an embedding weight built with {sparse: true}
  // (PyTorch's sparse COO .grad), coalesced: {indices: int64 [nnz], values: [nnz, d], shape} of
  // new tensors, or null. t.grad stays null for such a weight. kd.nn.utils.sparseGradToDense(t)
  // gives it as a dense tensor. Assigning {indices, values, shape?} (or null) sets it, as
  // torch's `p.grad = torch.sparse_coo_tensor(...)` (`p.grad = {indices, values}` does too).
  if (!Object.getOwnPropertyDescriptor(Tensor.prototype, 'sparseGrad')) {
    Object.defineProperty(Tensor.prototype, 'sparseGrad', {
      configurable: true,
      get() {
        const g = ctx.call(raw.nnSparseGrad, ctx.unwrap(this));
        if (!g) return null;
        return { indices: ctx.wrap(g.indices), values: ctx.wrap(g.values), shape: g.shape };
      },
      set(g) {
        const self = ctx.unwrap(this);
        if (g === null || g === undefined) {
          ctx.call(raw.nnSetSparseGrad, self, null, null, null);
          return;
        }
        const { indices, values, shape = null, ...rest } = ctx.checkOptions(g, 'sparseGrad');
        if (Object.keys(rest).length) throw typeError(`sparseGrad: unknown key '${Object.keys(rest)[0]}' (expected indices, values, shape)`);
        if (shape !== null) ctx.checkShape(shape, 'sparseGrad: shape');
        ctx.call(raw.nnSetSparseGrad, self, tensorArg(indices, 'sparseGrad: indices'), tensorArg(values, 'sparseGrad: values'), shape);
      },
    });
  }

  const utils = {
    sparseGradToDense: (t) => ctx.wrap(ctx.call(raw.nnSparseGradDense, tensorArg(t, 'sparseGradToDense(): tensor'))),
  };

  nn.functional = functional;
  nn.init = init;
  nn.utils = utils;
  kd.nn = nn;

  // Shared with optim.mjs (clipGradNorm_ lives in kd.nn.utils as in PyTorch).
  ctx.nn = { Module, parseOptions, tensorArg, optTensor, withInputs };
}
