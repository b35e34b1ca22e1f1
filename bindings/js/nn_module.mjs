// kd.nn.Module: the module system for built-in modules and modules written in JS alike.
//
// Every module, whatever its kind, is backed by a C++ kd::nn::Module (core/nn/module.h) that
// holds its registrations: a built-in one (kd.nn.Linear, ...) by the C++ class of that name, a
// JS one (a kd.nn.Module subclass) by a C++ module whose forward stays in JS (JsModule,
// bindings/embind/nn.cpp). So every walk (parameters(), namedModules(), stateDict(),
// loadStateDict(), train(), zeroGrad(), requiresGrad_(), toString()) is the C++ one, with the
// dotted names and messages of the C++ core. The walks return names; the JS objects are found
// as the attributes under those names, which the registration below keeps equal to the C++
// slots.
//
// Registration (as PyTorch's __setattr__): kd.nn.Module's constructor returns a Proxy of the
// module whose defineProperty trap sees every assignment (`this.x = v` and class fields):
//   - a kd.nn.Parameter registers a parameter;
//   - a kd.nn.Module registers a child module;
//   - a Tensor assigned to a registered buffer's name replaces the buffer;
//   - null assigned to a registered parameter / child / buffer name empties the slot;
//   - anything else (a plain Tensor included) is a plain attribute: not a parameter, not in
//     the state dict, not trained, and not owned (dispose it yourself).
// Names starting with '_' are plain attributes (registerParameter() and friends still register
// them). Subclasses may use their own #private fields; the base class uses none (a Proxy does
// not forward private names).
//
// Calling: `model.forward(x)` or its alias `model.call(x)` (modules are objects, not functions).
// Hooks run in JS for every module (runWithHooks): a JS module's forward is JS.
//
// Ownership: parameters and buffers are adopted (no kd.tidy frees them); `model.dispose()`
// frees every parameter and buffer of the module and its children, and the C++ modules (an
// unreachable module's C++ side is freed by the garbage collector as a backstop).
// stateDict() returns new aliases (they share the values): dispose them, or make them in a tidy.

export function makeModuleClass(ctx, kd, args) {
  const { raw, errors, Tensor, Parameter, typeError, describe, checkBool } = ctx;
  const { parseOptions, none } = args;
  const BUILTIN = Symbol('kindling.builtinModule');

  // A JS module's extraRepr(), asked by C++ while it prints (JsModule::extra_repr) by module
  // id. Weak: printing must not keep a module alive.
  const reprTargets = new Map();
  // The backstop for modules that became unreachable without dispose().
  const registry = typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry(({ handle, id }) => {
      // (An address freed may already name a new module.)
      if (reprTargets.get(id)?.deref() === undefined) reprTargets.delete(id);
      if (!ctx.closed) handle.delete();
    })
    : null;

  ctx.call(raw.nnSetJsExtraRepr, ctx.hookCallback((id) => {
    const m = reprTargets.get(id)?.deref();
    if (!m) return '';
    const s = m.extraRepr();
    if (typeof s !== 'string') throw typeError(`${m.constructor.name}.extraRepr() must return a string, got ${describe(s)}`);
    return s;
  }));
  ctx.onShutdown(() => raw.nnSetJsExtraRepr(undefined));

  const call = (handle, name, ...rest) => ctx.invoke(handle, name, rest);

  function hidden(obj, key, value) {
    Object.defineProperty(obj, key, { value, writable: true, enumerable: false, configurable: true });
  }
  // An attribute set without the registration trap (the C++ side is already up to date).
  function attribute(module, key, value) {
    Reflect.defineProperty(module._target, key, { value, writable: true, enumerable: true, configurable: true });
  }

  function checkName(name, what) {
    if (typeof name !== 'string') throw typeError(`${what} name should be a string. Got ${describe(name)}`);
  }

  // The C++ side of `module[key] = value` (see the header comment). Everything is checked
  // before the first change, so a refused assignment changes nothing.
  function assign(target, key, value) {
    const handle = target._self._handle;
    if (value instanceof Parameter) {
      const p = ctx.unwrap(value);
      // Adopted like a buffer: a Parameter wrapper made inside a kd.tidy (p.contiguous() and
      // p.to(sameDtype) return the parameter itself, as PyTorch) must not be freed by it.
      ctx.adopt(value);
      if (!['', 'parameter'].includes(call(handle, 'slot', key))) call(handle, 'remove', key);
      call(handle, 'registerParameter', key, p);
      return;
    }
    if (value instanceof Module) {
      if (value === target._self) throw new errors.ValueError(`a module can't be registered as its own child ('${key}')`);
      const child = value._handle;
      if (!['', 'module'].includes(call(handle, 'slot', key))) call(handle, 'remove', key);
      call(handle, 'registerModule', key, child);
      return;
    }
    const kind = call(handle, 'slot', key);
    if (kind === 'parameter') {
      if (value !== null) throw typeError(`cannot assign '${describe(value)}' as parameter '${key}' (kd.nn.Parameter or null expected)`);
      call(handle, 'registerParameter', key, none());
    } else if (kind === 'module') {
      if (value !== null) throw typeError(`cannot assign '${describe(value)}' as child module '${key}' (kd.nn.Module or null expected)`);
      call(handle, 'clearModule', key);
    } else if (kind === 'buffer') {
      if (value !== null && !(value instanceof Tensor)) {
        throw typeError(`cannot assign '${describe(value)}' as buffer '${key}' (Tensor or null expected)`);
      }
      call(handle, 'setBuffer', key, value ? ctx.unwrap(value) : none());
      if (value) ctx.adopt(value);
    }
  }

  const moduleTraps = {
    defineProperty(target, key, desc) {
      if (typeof key === 'string' && 'value' in desc && !key.startsWith('_')) assign(target, key, desc.value);
      return Reflect.defineProperty(target, key, desc);
    },
    deleteProperty(target, key) {
      if (typeof key === 'string' && target._raw) call(target._raw, 'remove', key);
      return Reflect.deleteProperty(target, key);
    },
  };

  // The module, parameter or buffer under a dotted name ('' is root itself).
  function resolve(root, dotted) {
    let m = root;
    if (dotted !== '') for (const part of dotted.split('.')) m = m[part];
    return m;
  }
  const join = (prefix, name) => (prefix && name ? `${prefix}.${name}` : prefix || name);

  // The module's forward `inner` on `args`, with its hooks around it. Backward hooks (as
  // PyTorch's BackwardHook): the inputs that require grad pass through one identity node of
  // the core (core/autograd/hooks.h), which hands their gradients to the hooks; the output
  // Tensors (top level: a Tensor, or the Tensors of an array) through another, which records
  // gradOutput first.
  function runWithHooks(module, inner, callArgs) {
    const hooks = module._hooks;
    if (hooks.pre.size === 0 && hooks.forward.size === 0 && hooks.backward.size === 0) return inner.apply(module, callArgs);
    for (const fn of [...hooks.pre.values()]) {
      const r = fn(module, callArgs);
      if (r !== undefined && r !== null) callArgs = Array.isArray(r) ? r : [r];
    }
    let pending = null;  // what the two backward nodes of this call share
    let inputPositions = [];
    if (hooks.backward.size > 0 && kd.isGradEnabled()) {
      pending = { gradOutput: [] };
      inputPositions = differentiablePositions(callArgs);
      if (inputPositions.length > 0) {
        const onGradInput = ctx.hookCallback((rawGrads) => {
          const grads = rawGrads.map((h) => ctx.wrap(h));
          let gradInput = callArgs.map(() => null);
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
        const wrapped = ctx.call(raw.autogradBackwardHookIdentity, inputPositions.map((p) => ctx.unwrap(callArgs[p])), onGradInput);
        callArgs = [...callArgs];
        inputPositions.forEach((p, k) => { callArgs[p] = ctx.wrap(wrapped[k]); });
      }
    }
    let out = inner.apply(module, callArgs);
    for (const fn of [...hooks.forward.values()]) {
      const r = fn(module, callArgs, out);
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
            for (const fn of [...hooks.backward.values()]) fn(module, callArgs.map(() => null), pending.gradOutput);
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
    constructor(builtin) {
      const handle = builtin?.[BUILTIN] ??
        ctx.call(raw.nnMakeJsModule, new.target.name || 'Module', new.target.prototype.extraRepr !== Module.prototype.extraRepr);
      hidden(this, '_raw', handle);
      hidden(this, '_target', this);
      const proxy = new Proxy(this, moduleTraps);
      hidden(this, '_self', proxy);
      hidden(this, '_id', call(handle, 'id'));
      registry?.register(proxy, { handle, id: this._id }, proxy);
      if (!builtin) reprTargets.set(this._id, new WeakRef(proxy));
      return proxy;
    }

    /** The raw C++ module (a StateError once disposed). */
    get _handle() {
      if (!this._raw) throw new errors.StateError(`this ${this.constructor.name} was disposed`);
      return this._raw;
    }

    /** Runs the module: override it. `call(...)` is the same. */
    forward() {
      throw new errors.StateError(`Module [${this.constructor.name}] is missing the required "forward" function`);
    }

    /** Short alias of forward(). */
    call(...callArgs) { return this.forward(...callArgs); }

    // ---- hooks (PyTorch's; each register* returns a handle whose remove() takes it out) ----
    // They run whenever the module runs, through forward() or call() alike: the first one
    // registered puts a wrapper on this instance's forward (runWithHooks above).

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
        hidden(this._target, 'forward', function forward(...callArgs) { return runWithHooks(module, inner, callArgs); });
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
      this._checkFree(name);
      const p = param === null ? none() : ctx.unwrap(param);
      call(this._handle, 'registerParameter', name, p);
      if (param) ctx.adopt(param);
      attribute(this, name, param);
    }

    /** Registers a buffer (state that is not trained); persistent ones are in stateDict(). */
    registerBuffer(name, tensor, opts) {
      const { persistent } = parseOptions(opts, 'registerBuffer()', { persistent: ['bool', true] });
      checkName(name, 'buffer');
      if (tensor !== null && !(tensor instanceof Tensor)) {
        throw typeError(`cannot assign '${describe(tensor)}' object to buffer '${name}' (Tensor or null required)`);
      }
      this._checkFree(name);
      call(this._handle, 'registerBuffer', name, tensor === null ? none() : ctx.unwrap(tensor), persistent);
      if (tensor) ctx.adopt(tensor);
      attribute(this, name, tensor);
    }

    /** Registers a child module (or null). Same as assigning it. */
    registerModule(name, module) {
      checkName(name, 'module');
      if (module !== null && !(module instanceof Module)) throw typeError(`${describe(module)} is not a Module subclass`);
      if (module === this) throw new errors.ValueError(`a module can't be registered as its own child ('${name}')`);
      this._checkFree(name);
      if (module === null) call(this._handle, 'clearModule', name);
      else call(this._handle, 'registerModule', name, module._handle);
      attribute(this, name, module);
    }
    addModule(name, module) { this.registerModule(name, module); }

    // A plain JS attribute of that name can't become a registered one (as PyTorch).
    _checkFree(name) {
      if (name in this && call(this._handle, 'slot', name) === '') throw new errors.ValueError(`attribute '${name}' already exists`);
    }

    // ---- walks (the C++ ones: each module and tensor once, first name wins, as PyTorch) ----

    /** [name, module] pairs, this module first (name prefix, '' by default), pre-order, each module once. */
    namedModules(prefix = '') {
      if (typeof prefix !== 'string') throw typeError(`namedModules(): prefix must be a string, got ${describe(prefix)}`);
      return call(this._handle, 'moduleNames').map((n) => [join(prefix, n), resolve(this, n)]);
    }
    modules() { return this.namedModules().map(([, m]) => m); }
    namedChildren() { return call(this._handle, 'childNames').map((n) => [n, this[n]]); }
    children() { return this.namedChildren().map(([, m]) => m); }
    /** [dotted name, Parameter] pairs; a tensor shared by two modules is listed once. */
    namedParameters(opts) {
      const { recurse } = parseOptions(opts, 'namedParameters()', { recurse: ['bool', true] });
      return call(this._handle, 'parameterNames', recurse).map((n) => [n, resolve(this, n)]);
    }
    parameters(opts) { return this.namedParameters(opts).map(([, p]) => p); }
    namedBuffers(opts) {
      const { recurse } = parseOptions(opts, 'namedBuffers()', { recurse: ['bool', true] });
      return call(this._handle, 'bufferNames', recurse).map((n) => [n, resolve(this, n)]);
    }
    buffers(opts) { return this.namedBuffers(opts).map(([, b]) => b); }
    /** The module under a dotted name ('' is this one), as PyTorch's get_submodule. */
    getSubmodule(target) { return this._lookup(target, 'module', 'getSubmodule()'); }
    getParameter(target) { return this._lookup(target, 'parameter', 'getParameter()'); }
    getBuffer(target) { return this._lookup(target, 'buffer', 'getBuffer()'); }
    _lookup(target, kind, what) {
      if (typeof target !== 'string') throw typeError(`${what}: target must be a string, got ${describe(target)}`);
      if (kind === 'module' && target === '') return this;
      const parts = target.split('.');
      let m = this;
      for (let i = 0; i < parts.length; i++) {
        const want = i === parts.length - 1 ? kind : 'module';
        if (!(m instanceof Module) || call(m._handle, 'slot', parts[i]) !== want) {
          throw new errors.IndexError(`${m?.constructor?.name ?? 'Module'} has no ${want} \`${parts[i]}\` (looking up '${target}')`);
        }
        m = m[parts[i]];
      }
      return m;
    }

    // ---- state ----

    /** Ordered {dotted name: Tensor}: parameters and persistent buffers, as new aliases sharing the values. */
    stateDict() {
      const { names, tensors } = call(this._handle, 'stateDict');
      const out = {};
      names.forEach((k, i) => { out[k] = ctx.wrap(tensors[i]); });
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
      const handles = entries.map(([k, v]) => {
        if (!(v instanceof Tensor)) throw typeError(`loadStateDict(): value for "${k}" must be a Tensor, got ${describe(v)}`);
        return ctx.unwrap(v);
      });
      return call(this._handle, 'loadStateDict', entries.map(([k]) => k), handles, strict);
    }

    // ---- modes and gradients ----

    /** Calls fn(module) on every submodule, children first, then on this one. Returns this. */
    apply(fn) {
      if (typeof fn !== 'function') throw typeError(`apply(): expected a function, got ${describe(fn)}`);
      for (const m of this.children()) m.apply(fn);
      fn(this);
      return this;
    }
    /** Whether the module is in training mode (train()/eval() set it for the whole tree). */
    get training() { return call(this._handle, 'isTraining'); }
    train(mode = true) {
      checkBool(mode, 'train(): mode');
      call(this._handle, 'train', mode);
      return this;
    }
    eval() { return this.train(false); }
    requiresGrad_(requiresGrad = true) {
      checkBool(requiresGrad, 'requiresGrad_(): requiresGrad');
      call(this._handle, 'requiresGrad', requiresGrad);
      return this;
    }
    /** Zeroes (or, with {setToNone: true}, drops) every parameter's gradient, sparse ones included. */
    zeroGrad(opts) {
      const { setToNone } = parseOptions(opts, 'zeroGrad()', { setToNone: ['bool', false] });
      call(this._handle, 'zeroGrad', setToNone);
    }

    // ---- printing ----

    /** Override to describe the module's settings in toString() (PyTorch's extra_repr). */
    extraRepr() { return ''; }
    /** PyTorch's repr, printed by the C++ core (a JS module's extraRepr() included). */
    toString() {
      if (!this._raw) return `${this.constructor.name}(disposed)`;
      return ctx.withHookErrors(() => call(this._raw, 'toString'));
    }
    [Symbol.for('nodejs.util.inspect.custom')]() { return this.toString(); }

    /** Frees the parameters and buffers of this module and its children, and the C++ modules. */
    dispose() {
      if (!this._raw) return;
      const modules = this.modules().filter((m) => m._raw);  // a child disposed on its own is done
      for (const m of modules) {
        for (const kind of ['parameter', 'buffer']) for (const name of call(m._handle, 'slotNames', kind)) m[name]?.dispose();
      }
      for (const m of modules) m._release();
    }
    _release() {
      const handle = this._raw;
      if (!handle) return;
      this._raw = null;
      registry?.unregister(this._self);
      if (reprTargets.get(this._id)?.deref() === this._self) reprTargets.delete(this._id);
      if (!ctx.closed) handle.delete();
    }
  }

  // Ordered [name, Tensor] pairs from a plain object, a Map or an array of [name, tensor] pairs.
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

  // A built-in module's options (Module::options_json(), PyTorch's names in camelCase) as
  // read-only properties of its class, defined once per class (a registered parameter of the
  // same name, such as Linear's bias, is an own attribute and comes first).
  const OPTIONS_DEFINED = Symbol('kindling.optionGetters');
  const camelCase = (key) => key.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
  function defineOptionGetters(proto, handle) {
    if (Object.prototype.hasOwnProperty.call(proto, OPTIONS_DEFINED)) return;
    Object.defineProperty(proto, OPTIONS_DEFINED, { value: true });
    for (const key of Object.keys(JSON.parse(call(handle, 'optionsJson')))) {
      const prop = camelCase(key);
      if (prop in proto) continue;
      Object.defineProperty(proto, prop, {
        get() { return JSON.parse(call(this._handle, 'optionsJson'))[key]; },
        configurable: true,
      });
    }
  }

  // A module backed by a C++ built-in module (its raw handle). Its registrations are already in
  // C++; the constructor only makes them attributes (empty slots as null, as PyTorch's None).
  class BuiltinModule extends Module {
    constructor(handle) {
      super({ [BUILTIN]: handle });
      if (new.target !== GenericBuiltin) defineOptionGetters(new.target.prototype, handle);
      const adopted = (h) => {
        const t = ctx.wrap(h);
        return t && ctx.adopt(t);
      };
      for (const name of call(handle, 'slotNames', 'parameter')) attribute(this, name, adopted(call(handle, 'param', name)));
      for (const name of call(handle, 'slotNames', 'buffer')) attribute(this, name, adopted(call(handle, 'buffer', name)));
      for (const name of call(handle, 'slotNames', 'module')) {
        const child = call(handle, 'child', name);
        attribute(this, name, child ? wrapModule(child) : null);
      }
    }
    extraRepr() { return call(this._handle, 'extraRepr'); }
  }

  // Built-in classes by C++ type name, for the children of built-in modules (e.g.
  // MultiheadAttention's out_proj).
  const builtinClasses = new Map();
  class GenericBuiltin extends BuiltinModule {}
  function wrapModule(handle) {
    const Cls = builtinClasses.get(call(handle, 'typeName')) ?? GenericBuiltin;
    return Reflect.construct(BuiltinModule, [handle], Cls);
  }

  // Callable with or without `new`, and subclassable: kd.nn.Linear(3, 2), new kd.nn.Linear(3, 2).
  function factory(Cls) {
    function Factory(...factoryArgs) {
      return Reflect.construct(Cls, factoryArgs, new.target ?? Factory);
    }
    Factory.prototype = Cls.prototype;
    Object.defineProperty(Factory, 'name', { value: Cls.name });
    Object.setPrototypeOf(Factory, Cls);  // static members
    return Factory;
  }

  return { Module, BuiltinModule, builtinClasses, factory, call };
}
