// The Tensor and Parameter classes: ownership, the op call path, and the methods written by hand.
// The methods whose surface follows from their argument kinds are generated from the op table
// into tensor_ops.mjs and installed on Tensor.prototype here.
//
// Ownership: a JS Tensor owns one tensor by address (the address ABI of
// bindings/embind/tensor.cpp: a heap kd::Tensor, one shared_ptr to a TensorImpl), and, once some
// raw function needed one, a RawTensor handle to the same TensorImpl. Two wrappers may share a
// TensorImpl (x.grad returns a new wrapper each time); ctx.identity() tells them apart. A wrapper
// is freed by dispose(), by the end of the kd.tidy scope that created it, or, as a backstop,
// when it becomes unreachable (FinalizationRegistry).
//
// An op is one raw call with numbers in and out; its status words (boundary.h), read from wasm
// memory, say whether it failed and whether the tensor it returned is a Parameter.
//
// Decisions (also in types/tensor.d.ts):
//   - x.dataSync(): float32 -> Float32Array, int64 -> Float64Array, bool -> Uint8Array (copies).
//   - x.toArray(): nested arrays (numbers; booleans for bool); a 0-d tensor gives a number.
//   - x.max(dim) / x.min(dim): an array [values, indices] that also has .values and .indices
//     (like PyTorch's named tuple: both `const [v, i] = x.max(1)` and `x.max(1).values` work).
import { describe } from './errors.mjs';
import {
  checkBool, checkDims, checkDtype, checkInt, checkIntArray, checkNumber, checkOptions, checkShape, checkValue,
  isPlainObject, keepdimOf, sizesOf,
} from './checks.mjs';
import { MANUAL_METHODS, makeTensorOps } from './tensor_ops.mjs';

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

export function makeTensorClasses(ctx) {
  const { raw, errors, typeError } = ctx;
  const TOKEN = Symbol('kindling.tensor');
  const state = { liveTensors: 0 };
  const scopes = [];  // kd.tidy scopes, innermost last; each a Set of Tensors
  ctx.state = state;
  ctx.scopes = scopes;
  const STATUS = ctx.statusIndex;
  const releaseAddress = raw.tensorRelease;

  // The backstop: an unreachable wrapper's address (a number) and handle (if it made one) are freed.
  const registry = typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry((held) => {
      if (ctx.closed) return;
      if (typeof held === 'number') {
        releaseAddress(held);
        state.liveTensors--;
      } else {
        held.delete();
      }
    })
    : null;

  // ---- the op call path (also the runtime of the generated methods) ----

  /** The receiver's address; a StateError once it was disposed or the module shut down. */
  let addressOf;
  /** An argument's address: a TypeError naming `what` unless it is a Tensor. */
  function tensorAddress(x, what) {
    if (!(x instanceof Tensor)) throw typeError(`${what} must be a Tensor, got ${describe(x)}`);
    return addressOf(x);
  }
  /** The tensor a raw call returned by address: a new Tensor (a Parameter if the core says so), or null. */
  function result(address) {
    const status = raw.HEAP32;
    if (status[STATUS] !== 0) {
      if (address) releaseAddress(address);
      ctx.throwCallError(result);
    }
    if (address === 0) return null;
    return status[STATUS + 2] !== 0 ? wrapParameter(address) : new Tensor(address, TOKEN);
  }
  /** Checks the status of a raw call that returned nothing. */
  function done() {
    if (raw.HEAP32[STATUS] !== 0) ctx.throwCallError(done);
  }
  /** Checks the status of a raw call that returned a plain value, and returns it. */
  function value(v) {
    if (raw.HEAP32[STATUS] !== 0) ctx.throwCallError(value);
    return v;
  }
  /** A raw call returning two addresses: [values, indices] with .values and .indices. */
  function pair(addresses) {
    if (raw.HEAP32[STATUS] !== 0) ctx.throwCallError(pair);
    const values = new Tensor(addresses[0], TOKEN);
    const indices = new Tensor(addresses[1], TOKEN);
    const out = [values, indices];
    out.values = values;
    out.indices = indices;
    return out;
  }

  const tableRaw = (name) => raw[`Tensor.${name}`];
  const rawItem = tableRaw('item');
  const rawToString = tableRaw('toString');
  const rawRequiresGrad = tableRaw('requiresGrad');
  const rawGrad = tableRaw('grad');
  const rawSetGrad = tableRaw('setGrad');
  const rawGradFnName = tableRaw('gradFnName');
  const rawBackward = tableRaw('backward');
  const rawStrides = tableRaw('strides');
  const rawSqueeze = tableRaw('squeeze');
  const rawSqueezeDim = tableRaw('squeeze.dim');
  const rawAdd = tableRaw('add');
  const rawAddScalar = tableRaw('add.Scalar');
  const rawSub = tableRaw('sub');
  const rawSubScalar = tableRaw('sub.Scalar');
  const rawRsubScalar = tableRaw('rsub.Scalar');
  const rawRdivScalar = tableRaw('rdiv.Scalar');
  const rawClamp = tableRaw('clamp');
  const rawSum = tableRaw('sum');
  const rawSumDims = tableRaw('sum.dims');
  const rawMean = tableRaw('mean');
  const rawMeanDims = tableRaw('mean.dims');
  const rawMax = tableRaw('max');
  const rawMaxDim = tableRaw('max.dim');
  const rawMin = tableRaw('min');
  const rawMinDim = tableRaw('min.dim');
  const rawArgmax = tableRaw('argmax');
  const rawArgmin = tableRaw('argmin');
  const rawVar = tableRaw('var');
  const rawStd = tableRaw('std');
  const rawNorm = tableRaw('norm');
  const rawAddInplace = tableRaw('add_');
  const rawAddInplaceScalar = tableRaw('add_.Scalar');
  const rawSubInplace = tableRaw('sub_');
  const rawNormal = tableRaw('normal_');
  const rawUniform = tableRaw('uniform_');
  const rawClampInplace = tableRaw('clamp_');

  function alphaOf(opts, what) {
    const { alpha = 1 } = checkOptions(opts, what);
    return checkNumber(alpha, `${what}: alpha`);
  }
  function clampArgs(min, max) {
    if (isPlainObject(min) && max === undefined) ({ min, max } = min);
    if (min !== undefined && min !== null) checkNumber(min, 'clamp(): min');
    if (max !== undefined && max !== null) checkNumber(max, 'clamp(): max');
    return [min ?? NaN, max ?? NaN];
  }
  function dimIndex(dim, n, what) {
    checkInt(dim, what);
    const d = dim < 0 ? dim + n : dim;
    if (d < 0 || d >= n) throw new errors.IndexError(`Dimension out of range (expected to be in range of [${-n}, ${n - 1}], but got ${dim})`);
    return d;
  }

  class Tensor {
    #a = 0;        // the address (0 once disposed)
    #h = null;     // the RawTensor handle, made when a raw function needs one
    #scope = null;
    // Whether the backstop watches this wrapper. A wrapper inside a kd.tidy scope needs no
    // backstop (the scope frees it), so it is registered only when it leaves scopes: registering
    // costs about as much as a small op.
    #registered = false;

    /** Internal: tensors come from kd.tensor(), kd.zeros() and the other factories. */
    constructor(address, token) {
      if (token !== TOKEN) throw typeError('use kd.tensor(), kd.zeros() or another factory to make tensors');
      this.#a = address;
      state.liveTensors++;
      const scope = scopes.length === 0 ? null : scopes[scopes.length - 1];
      if (scope !== null) {
        scope.add(this);
        this.#scope = scope;
      } else {
        this.#watch();
      }
    }

    #watch() {
      if (this.#registered || registry === null) return;
      this.#registered = true;
      registry.register(this, this.#a, this);
      if (this.#h !== null) registry.register(this, this.#h, this);
    }

    static {
      addressOf = (t) => {
        const a = t.#a;
        if (a === 0) throw new errors.StateError('tensor was disposed');
        if (ctx.closed) throw new errors.StateError('this Kindling module was shut down');
        return a;
      };
    }

    /** The RawTensor handle of t, for raw functions outside the op table. */
    static handleOf(t) {
      if (!(t instanceof Tensor)) throw typeError(`expected a Tensor, got ${describe(t)}`);
      const a = addressOf(t);
      if (t.#h === null) {
        t.#h = raw.tensorHandle(a);
        if (t.#registered) registry.register(t, t.#h, t);
      }
      return t.#h;
    }

    static untrack(t) {
      Tensor.moveTo(t, null);
    }

    static moveTo(t, scope) {
      t.#scope?.delete(t);
      t.#scope = scope;
      if (scope === null) t.#watch();
      else scope.add(t);
    }

    static scopeOf(t) { return t.#scope; }

    // ---- geometry ----
    /** size() is the shape; size(dim) one size (negative dims count from the end). */
    size(dim) {
      const shape = this.shape;
      if (dim === undefined) return shape;
      return shape[dimIndex(dim, shape.length, 'size(): dim')];
    }
    stride(dim) {
      const strides = value(rawStrides(addressOf(this)));
      if (dim === undefined) return strides;
      return strides[dimIndex(dim, strides.length, 'stride(): dim')];
    }
    get ndim() { return this.dim(); }
    /** True once dispose() ran (or the module shut down). */
    get isDisposed() { return this.#a === 0; }

    // ---- values out ----
    /** The single value of a one-element tensor: a number (a boolean for bool). */
    item() {
      const v = value(rawItem(addressOf(this)));
      return this.dtype === 'bool' ? v !== 0 : v;
    }
    /** A copy of the values, row-major: Float32Array, Float64Array (int64) or Uint8Array (bool). */
    dataSync() {
      const dtype = this.dtype;
      if (dtype === 'float32') return value(raw.tensorToFloat32Array(addressOf(this)));
      const values = value(raw.tensorToFloat64Array(addressOf(this)));
      return dtype === 'int64' ? values : Uint8Array.from(values);
    }
    /** Nested JS arrays (torch's tolist()); a 0-d tensor gives a number (boolean for bool). */
    toArray() {
      const shape = this.shape;
      const flat = this.dtype === 'float32' ? value(raw.tensorToFloat32Array(addressOf(this))) : value(raw.tensorToFloat64Array(addressOf(this)));
      const cast = this.dtype === 'bool' ? (v) => v !== 0 : (v) => v;
      if (shape.length === 0) return cast(flat[0]);
      let pos = 0;
      const build = (d) => {
        const out = new Array(shape[d]);
        for (let i = 0; i < shape[d]; i++) out[i] = d === shape.length - 1 ? cast(flat[pos++]) : build(d + 1);
        return out;
      };
      return build(0);
    }
    tolist() { return this.toArray(); }
    /** PyTorch's repr, e.g. "tensor([[1., 2.]], requires_grad=True)". */
    toString() {
      if (this.#a === 0) return 'Tensor(disposed)';
      return value(rawToString(addressOf(this)));
    }
    [INSPECT]() { return this.toString(); }
    toJSON() { return this.toArray(); }

    // ---- autograd ----
    get requiresGrad() { return value(rawRequiresGrad(addressOf(this))); }
    set requiresGrad(flag) { this.requiresGrad_(flag); }
    /** The accumulated gradient as a new Tensor wrapper (sharing the grad's values), or null. */
    get grad() { return result(rawGrad(addressOf(this))); }
    set grad(g) { this.setGrad(g); }
    /** Replaces the gradient (same shape and dtype), or clears it with null; {indices, values} sets a sparse one (see sparseGrad). */
    setGrad(g) {
      if (g === null || g === undefined) {
        done(rawSetGrad(addressOf(this), 0));
        return this;
      }
      if (isPlainObject(g)) {
        this.sparseGrad = g;
        return this;
      }
      const grad = tensorAddress(g, 'grad');
      done(rawSetGrad(addressOf(this), grad));
      return this;
    }
    /** The name of the node that made this tensor ('MulBackward0'), or null for a leaf. */
    get gradFn() {
      const name = value(rawGradFnName(addressOf(this)));
      return name === '' ? null : name;
    }
    /**
     * backward(), backward(gradient), backward(gradient, {retainGraph, createGraph}),
     * backward({retainGraph, createGraph}). createGraph records the backward pass itself, so the
     * .grad it leaves can be differentiated again; retainGraph defaults to createGraph.
     */
    backward(gradient, opts) {
      if (isPlainObject(gradient) && opts === undefined) {
        opts = gradient;
        gradient = undefined;
      }
      const { createGraph = false, retainGraph = createGraph } = checkOptions(opts, 'backward()');
      checkBool(retainGraph, 'backward(): retainGraph');
      checkBool(createGraph, 'backward(): createGraph');
      if (gradient === undefined || gradient === null) {
        ctx.withHookErrors(() => done(rawBackward(addressOf(this), 0, retainGraph, createGraph)));
        return;
      }
      const g = ctx.toTensor(gradient, this.dtype);
      try {
        ctx.withHookErrors(() => done(rawBackward(addressOf(this), addressOf(g), retainGraph, createGraph)));
      } finally {
        if (g !== gradient) g.dispose();
      }
    }
    /**
     * registerHook(fn): fn(grad) runs each time a gradient for this tensor is computed (during
     * backward() or kd.autograd.grad()); a Tensor it returns replaces the gradient, undefined
     * keeps it. Returns a handle whose remove() takes the hook out.
     */
    registerHook(fn) {
      if (typeof fn !== 'function') throw typeError(`registerHook(): fn must be a function, got ${describe(fn)}`);
      const callback = ctx.hookCallback((rawGrad) => {
        const replaced = fn(ctx.wrap(rawGrad));
        if (replaced === undefined || replaced === null) return null;
        if (!(replaced instanceof Tensor)) throw typeError(`registerHook(): the hook returned ${describe(replaced)}, expected a Tensor or undefined`);
        return ctx.unwrap(replaced);
      });
      return ctx.hookHandle(ctx.call(raw.autogradRegisterHook, Tensor.handleOf(this), callback));
    }

    // ---- views and copies made of other methods ----
    viewAs(other) { return this.view(tensorArg(other, 'viewAs(): other').shape); }
    /** All dims reversed. */
    get T() { return this.permute(this.shape.map((_, i, a) => a.length - 1 - i)); }
    squeeze(dim) {
      if (dim === undefined) return result(rawSqueeze(addressOf(this)));
      return result(rawSqueezeDim(addressOf(this), checkInt(dim, 'squeeze(): dim')));
    }
    /** x[i] of PyTorch: select(0, i). */
    get(index) { return this.select(0, index); }
    float() { return this.to('float32'); }
    long() { return this.to('int64'); }
    bool() { return this.to('bool'); }

    // ---- element-wise with an alpha, or a number on the left ----
    add(other, opts) {
      const alpha = opts === undefined ? 1 : alphaOf(opts, 'add()');
      if (typeof other === 'number') return result(rawAddScalar(addressOf(this), other * alpha));
      const b = tensorAddress(other, 'add(): other');
      return result(rawAdd(addressOf(this), b, alpha));
    }
    sub(other, opts) {
      const alpha = opts === undefined ? 1 : alphaOf(opts, 'sub()');
      if (typeof other === 'number') return result(rawSubScalar(addressOf(this), other * alpha));
      const b = tensorAddress(other, 'sub(): other');
      return result(rawSub(addressOf(this), b, alpha));
    }
    /** other - this (torch.rsub); other may be a number. */
    rsub(other, opts) {
      const alpha = alphaOf(opts, 'rsub()');
      if (typeof other === 'number') {
        if (alpha === 1) return result(rawRsubScalar(addressOf(this), other));
        const scaled = this.mul(alpha);  // a temporary: freed here, not left to kd.tidy
        try {
          return scaled.rsub(other);
        } finally {
          scaled.dispose();
        }
      }
      return tensorArg(other, 'rsub(): other').sub(this, { alpha });
    }
    /** other / this; other may be a number. */
    rdiv(other) {
      if (typeof other === 'number') return result(rawRdivScalar(addressOf(this), other));
      return tensorArg(other, 'rdiv(): other').div(this);
    }
    /** clamp(min, max) or clamp({min, max}); null/undefined: no bound. */
    clamp(min, max) {
      const [lo, hi] = clampArgs(min, max);
      return result(rawClamp(addressOf(this), lo, hi));
    }

    // ---- reductions: (dim?: number | number[], {keepdim}) ----
    sum(dim, opts) {
      if (dim === undefined || isPlainObject(dim)) return this.#reduceAll(rawSum, rawSumDims, dim, 'sum()');
      return result(rawSumDims(addressOf(this), checkDims(dim, 'sum(): dim'), keepdimOf(opts, 'sum()')));
    }
    mean(dim, opts) {
      if (dim === undefined || isPlainObject(dim)) return this.#reduceAll(rawMean, rawMeanDims, dim, 'mean()');
      return result(rawMeanDims(addressOf(this), checkDims(dim, 'mean(): dim'), keepdimOf(opts, 'mean()')));
    }
    #reduceAll(all, overDims, opts, what) {
      if (!keepdimOf(opts, what)) return result(all(addressOf(this)));
      return result(overDims(addressOf(this), this.shape.map((_, i) => i), true));
    }
    /** max() -> Tensor; max(dim, {keepdim}) -> [values, indices] with .values and .indices. */
    max(dim, opts) {
      if (dim === undefined) return result(rawMax(addressOf(this)));
      return pair(rawMaxDim(addressOf(this), checkInt(dim, 'max(): dim'), keepdimOf(opts, 'max()')));
    }
    min(dim, opts) {
      if (dim === undefined) return result(rawMin(addressOf(this)));
      return pair(rawMinDim(addressOf(this), checkInt(dim, 'min(): dim'), keepdimOf(opts, 'min()')));
    }
    argmax(dim, opts) { return this.#arg(rawArgmax, 'argmax', dim, opts); }
    argmin(dim, opts) { return this.#arg(rawArgmin, 'argmin', dim, opts); }
    #arg(rawArg, name, dim, opts) {
      if (isPlainObject(dim) && opts === undefined) [dim, opts] = [undefined, dim];
      const keepdim = keepdimOf(opts, `${name}()`);
      const d = dim === undefined || dim === null ? NaN : checkInt(dim, `${name}(): dim`);
      return result(rawArg(addressOf(this), d, keepdim));
    }
    /** var(dim?, {unbiased = true, keepdim = false}) */
    var(dim, opts) { return this.#stat(rawVar, 'var', dim, opts); }
    std(dim, opts) { return this.#stat(rawStd, 'std', dim, opts); }
    #stat(rawStat, name, dim, opts) {
      if (isPlainObject(dim) && opts === undefined) [dim, opts] = [undefined, dim];
      const { unbiased = true, keepdim = false } = checkOptions(opts, `${name}()`);
      checkBool(unbiased, `${name}(): unbiased`);
      checkBool(keepdim, `${name}(): keepdim`);
      const dims = dim === undefined || dim === null ? null : checkDims(dim, `${name}(): dim`);
      return result(rawStat(addressOf(this), dims, unbiased, keepdim));
    }
    /** norm(p = 2, dim?, {keepdim}) */
    norm(p = 2, dim, opts) {
      if (isPlainObject(dim) && opts === undefined) [dim, opts] = [undefined, dim];
      checkNumber(p, 'norm(): p');
      const dims = dim === undefined || dim === null ? null : checkDims(dim, 'norm(): dim');
      return result(rawNorm(addressOf(this), p, dims, keepdimOf(opts, 'norm()')));
    }

    // ---- in place with an alpha or an options form (bump the version counter; return this) ----
    add_(other, opts) {
      const alpha = alphaOf(opts, 'add_()');
      if (typeof other === 'number') {
        done(rawAddInplaceScalar(addressOf(this), other * alpha));
        return this;
      }
      const b = tensorAddress(other, 'add_(): other');
      done(rawAddInplace(addressOf(this), b, alpha));
      return this;
    }
    sub_(other, opts) {
      const alpha = alphaOf(opts, 'sub_()');
      if (typeof other === 'number') {
        done(rawAddInplaceScalar(addressOf(this), -other * alpha));
        return this;
      }
      const b = tensorAddress(other, 'sub_(): other');
      done(rawSubInplace(addressOf(this), b, alpha));
      return this;
    }
    /** normal_(mean = 0, std = 1) or normal_({mean, std}) */
    normal_(mean = 0, std = 1) {
      if (isPlainObject(mean)) ({ mean = 0, std = 1 } = mean);
      done(rawNormal(addressOf(this), checkNumber(mean, 'normal_(): mean'), checkNumber(std, 'normal_(): std')));
      return this;
    }
    /** uniform_(from = 0, to = 1) or uniform_({from, to}) */
    uniform_(from = 0, to = 1) {
      if (isPlainObject(from)) ({ from = 0, to = 1 } = from);
      done(rawUniform(addressOf(this), checkNumber(from, 'uniform_(): from'), checkNumber(to, 'uniform_(): to')));
      return this;
    }
    clamp_(min, max) {
      const [lo, hi] = clampArgs(min, max);
      done(rawClampInplace(addressOf(this), lo, hi));
      return this;
    }

    // ---- memory ----
    /** Frees this wrapper's tensor (the values live on while another tensor uses them). Idempotent. */
    dispose() {
      const a = this.#a;
      if (a === 0) return;
      if (this.#scope !== null) {
        this.#scope.delete(this);
        this.#scope = null;
      }
      if (this.#registered) registry.unregister(this);
      this.#a = 0;
      state.liveTensors--;
      if (!ctx.closed) {
        if (this.#h !== null) this.#h.delete();
        releaseAddress(a);
      }
      this.#h = null;
    }
    /** Same as kd.keep(this): survives every enclosing kd.tidy scope. */
    keep() {
      addressOf(this);
      Tensor.untrack(this);
      return this;
    }
  }

  // The generated methods (tensor_ops.mjs), non-enumerable as class methods are.
  const ops = makeTensorOps({
    raw, addressOf, tensorAddress, result, done, value,
    checkInt, checkNumber, checkValue, checkBool, checkDtype, sizesOf, checkShape, checkIntArray,
  });
  for (const [name, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(ops.prototype))) {
    if (name === 'constructor') continue;
    if (Object.hasOwn(Tensor.prototype, name)) throw new Error(`Tensor.${name} is both generated and written by hand`);
    Object.defineProperty(Tensor.prototype, name, descriptor);
  }
  for (const name of MANUAL_METHODS) {
    if (!(name in Tensor.prototype)) throw new Error(`the op table marks Tensor.${name} as written by hand, but it is missing`);
  }

  function tensorArg(t, what) {
    tensorAddress(t, what);
    return t;
  }

  /** nn.Parameter: shares `data`'s storage, is a leaf, prints "Parameter containing:". Adopted. */
  class Parameter extends Tensor {
    constructor(data, opts, token) {
      if (opts === TOKEN || token === TOKEN) {
        super(data, TOKEN);  // internal: wrapping the address of a parameter
      } else {
        const { requiresGrad = true } = checkOptions(opts, 'Parameter()');
        checkBool(requiresGrad, 'Parameter(): requiresGrad');
        const handle = ctx.call(raw.makeParameter, Tensor.handleOf(data), requiresGrad);
        const address = raw.tensorAddress(handle);
        handle.delete();
        super(address, TOKEN);
      }
      Tensor.untrack(this);  // adopted: lives until disposed
    }
  }

  ctx.Tensor = Tensor;
  ctx.Parameter = Parameter;

  // A parameter returned by an op (e.g. detach keeps no flag, so this is module-owned) is
  // tracked like any tensor unless adopted by the caller.
  function wrapParameter(address) {
    const p = new Parameter(address, TOKEN);
    const scope = scopes[scopes.length - 1];
    if (scope) Tensor.moveTo(p, scope);
    return p;
  }

  /** A RawTensor handle returned by a raw function -> Tensor (a Parameter when the core marks it one), or null. */
  ctx.wrap = function wrap(handle) {
    if (handle === undefined || handle === null) return null;
    const address = raw.tensorAddress(handle);
    handle.delete();
    return result(address);
  };
  // The address ABI for the raw functions outside the op table (nn forward, the functional forms).
  /** An argument's address: a TypeError naming `what` unless it is a Tensor. */
  ctx.address = tensorAddress;
  /** The address of an optional tensor argument: 0 for null/undefined. */
  ctx.optionalAddress = (t, what) => {
    if (t === undefined || t === null) return 0;
    if (!(t instanceof Tensor)) throw typeError(`${what} must be a Tensor or null, got ${describe(t)}`);
    return addressOf(t);
  };
  /** The tensor a raw call returned by address (checked, a Parameter when the core says so), or null. */
  ctx.result = result;
  /** A raw call returning an array of addresses (0: none) -> Tensors (or null), checked. */
  ctx.results = function results(addresses) {
    if (raw.HEAP32[STATUS] !== 0) ctx.throwCallError(results);
    return Array.from(addresses, (a) => (a === 0 ? null : new Tensor(a, TOKEN)));
  };
  ctx.unwrap = (t) => Tensor.handleOf(t);
  ctx.identity = (t) => raw.tensorImplId(addressOf(t));
  ctx.adopt = (t) => {
    addressOf(t);
    Tensor.untrack(t);
    return t;
  };
  ctx.isTensor = (x) => x instanceof Tensor;
  ctx.TOKEN = TOKEN;

  /** Tensor passes through; a number or (nested) array becomes a new tensor (tracked). */
  ctx.toTensor = function toTensor(x, dtypeHint) {
    if (x instanceof Tensor) {
      addressOf(x);
      return x;
    }
    if (typeof x === 'number' || typeof x === 'boolean') return ctx.scalar(x, { dtype: dtypeHint ?? (typeof x === 'boolean' ? 'bool' : 'float32') });
    if (Array.isArray(x) || ArrayBuffer.isView(x)) return ctx.tensor(x, dtypeHint ? { dtype: dtypeHint } : undefined);
    throw typeError(`expected a Tensor, a number or an array, got ${describe(x)}`);
  };
}
