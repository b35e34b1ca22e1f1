// Tensors in JS: the Tensor and Parameter classes, factories, autograd, grad mode, memory
// scopes (tidy/keep/dispose), the backend and shutdown. Raw calls go to bindings/embind/tensor.cpp.
//
// Ownership: every JS Tensor owns one raw handle (a C++ kd::Tensor, i.e. one shared_ptr to a
// TensorImpl). Two wrappers may share a TensorImpl (x.grad returns a new wrapper each time);
// ctx.identity() tells them apart. A wrapper is freed by dispose(), by the end of the kd.tidy
// scope that created it, or — as a backstop — when it becomes unreachable (FinalizationRegistry).
//
// Decisions (also in types/tensor.d.ts):
//   - JS numbers make float32 tensors (kd.tensor([1, 2])), booleans bool; ask for int64 with
//     {dtype: 'int64'}. kd.arange follows PyTorch: all-integer arguments give int64.
//   - int64 values cross as JS numbers (exact up to 2^53); non-integers are refused.
//   - x.dataSync(): float32 -> Float32Array, int64 -> Float64Array, bool -> Uint8Array (copies).
//   - x.toArray(): nested arrays (numbers; booleans for bool); a 0-d tensor gives a number.
//   - x.max(dim) / x.min(dim): an array [values, indices] that also has .values and .indices
//     (like PyTorch's named tuple: both `const [v, i] = x.max(1)` and `x.max(1).values` work).
import { describe } from './errors.mjs';

const DTYPES = ['float32', 'int64', 'bool'];
const INSPECT = Symbol.for('nodejs.util.inspect.custom');

function isPlainObject(x) {
  return x !== null && typeof x === 'object' && !Array.isArray(x) && !ArrayBuffer.isView(x) &&
    (Object.getPrototypeOf(x) === Object.prototype || Object.getPrototypeOf(x) === null);
}

export function makeTensorClasses(ctx) {
  const { raw, errors } = ctx;
  const TOKEN = Symbol('kindling.handle');
  const state = { liveTensors: 0 };
  const scopes = [];  // kd.tidy scopes, innermost last; each a Set of Tensors
  ctx.state = state;
  ctx.scopes = scopes;

  // The backstop: a wrapper that became unreachable without dispose() frees its raw handle.
  const registry = typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry((handle) => {
      if (ctx.closed) return;
      handle.delete();
      state.liveTensors--;
    })
    : null;

  const typeError = ctx.typeError;

  function checkDtype(dtype, what = 'dtype') {
    if (!DTYPES.includes(dtype)) throw typeError(`${what} must be one of 'float32', 'int64', 'bool', got ${describe(dtype)}`);
    return dtype;
  }
  ctx.checkDtype = checkDtype;

  function checkInt(x, what) {
    if (!Number.isSafeInteger(x)) throw typeError(`${what} must be an integer, got ${describe(x)}`);
    return x;
  }
  function checkNumber(x, what) {
    if (typeof x !== 'number') throw typeError(`${what} must be a number, got ${describe(x)}`);
    return x;
  }
  function checkBool(x, what) {
    if (typeof x !== 'boolean') throw typeError(`${what} must be a boolean, got ${describe(x)}`);
    return x;
  }
  function checkOptions(opts, what) {
    if (opts === undefined) return {};
    if (!isPlainObject(opts)) throw typeError(`${what}: options must be an object, got ${describe(opts)}`);
    return opts;
  }
  // Bytes in any of the forms files arrive in (Uint8Array, Buffer, ArrayBuffer, another view) as a Uint8Array.
  function checkBytes(bytes, what) {
    if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
    if (ArrayBuffer.isView(bytes)) return bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    throw typeError(`${what}: expected a Uint8Array or ArrayBuffer, got ${describe(bytes)}`);
  }
  ctx.checkBytes = checkBytes;
  ctx.checkInt = checkInt;
  ctx.checkNumber = checkNumber;
  ctx.checkBool = checkBool;
  ctx.checkOptions = checkOptions;

  // An int or an array of ints (dims of a reduction).
  function checkDims(dim, what = 'dim') {
    if (Array.isArray(dim)) return dim.map((d) => checkInt(d, what));
    return [checkInt(dim, what)];
  }

  class Tensor {
    #h;
    #scope = null;

    /** Internal: tensors come from kd.tensor(), kd.zeros() and the other factories. */
    constructor(handle, token) {
      if (token !== TOKEN) throw typeError('use kd.tensor(), kd.zeros() or another factory to make tensors');
      this.#h = handle;
      state.liveTensors++;
      registry?.register(this, handle, this);
      const scope = scopes[scopes.length - 1];
      if (scope) {
        scope.add(this);
        this.#scope = scope;
      }
    }

    static handleOf(t) {
      if (!(t instanceof Tensor)) throw typeError(`expected a Tensor, got ${describe(t)}`);
      if (t.#h === null) throw new errors.StateError('tensor was disposed');
      return t.#h;
    }

    static untrack(t) {
      t.#scope?.delete(t);
      t.#scope = null;
    }

    static moveTo(t, scope) {
      t.#scope?.delete(t);
      t.#scope = scope;
      scope?.add(t);
    }

    static scopeOf(t) { return t.#scope; }

    get #raw() { return Tensor.handleOf(this); }

    // The op hot path: one Embind call, no closure, no array copy. Tensor arguments are
    // unwrapped in place; the call's status words say whether it failed and what it returned.
    // A raw method returning a Tensor.
    #op(name, ...args) {
      const h = this.#raw;
      unwrapArgs(args);
      return ctx.wrapResult(ctx.invoke(h, name, args));
    }
    // A raw method returning a plain value.
    #get(name, ...args) {
      return ctx.invoke(this.#raw, name, args);
    }
    // A raw in-place method; returns this.
    #inplace(name, ...args) {
      const h = this.#raw;
      unwrapArgs(args);
      ctx.invoke(h, name, args);
      return this;
    }
    // Tensor-or-number binary op: numbers use the `${name}Scalar` overload.
    #binary(name, other, ...rest) {
      if (typeof other === 'number') return this.#op(`${name}Scalar`, other, ...rest);
      if (typeof other === 'boolean') return this.#op(`${name}Scalar`, Number(other), ...rest);
      Tensor.handleOf(other);
      return this.#op(name, other, ...rest);
    }
    #binaryInplace(name, other, ...rest) {
      if (typeof other === 'number') return this.#inplace(`${name}Scalar`, other, ...rest);
      Tensor.handleOf(other);
      return this.#inplace(name, other, ...rest);
    }
    #tensorArg(t, what) {
      if (!(t instanceof Tensor)) throw typeError(`${what} must be a Tensor, got ${describe(t)}`);
      Tensor.handleOf(t);
      return t;
    }
    #alpha(opts, what) {
      const { alpha = 1 } = checkOptions(opts, what);
      return checkNumber(alpha, `${what}: alpha`);
    }

    // ---- geometry ----
    /** The sizes, as an array of numbers (a new array each time). */
    get shape() { return this.#get('shape'); }
    /** size() is the shape; size(dim) one size (negative dims count from the end). */
    size(dim) {
      const shape = this.shape;
      if (dim === undefined) return shape;
      checkInt(dim, 'size(): dim');
      const d = dim < 0 ? dim + shape.length : dim;
      if (d < 0 || d >= shape.length) {
        throw new errors.IndexError(`Dimension out of range (expected to be in range of [${-shape.length}, ${shape.length - 1}], but got ${dim})`);
      }
      return shape[d];
    }
    stride(dim) {
      const strides = this.#get('strides');
      if (dim === undefined) return strides;
      checkInt(dim, 'stride(): dim');
      const d = dim < 0 ? dim + strides.length : dim;
      if (d < 0 || d >= strides.length) {
        throw new errors.IndexError(`Dimension out of range (expected to be in range of [${-strides.length}, ${strides.length - 1}], but got ${dim})`);
      }
      return strides[d];
    }
    get dtype() { return this.#get('dtype'); }
    dim() { return this.#get('dim'); }
    get ndim() { return this.dim(); }
    numel() { return this.#get('numel'); }
    storageOffset() { return this.#get('storageOffset'); }
    isContiguous() { return this.#get('isContiguous'); }
    /** True once dispose() ran (or the module shut down). */
    get isDisposed() { return this.#h === null; }

    // ---- values out ----
    /** The single value of a one-element tensor: a number (a boolean for bool). */
    item() {
      const v = this.#get('item');
      return this.dtype === 'bool' ? v !== 0 : v;
    }
    /** A copy of the values, row-major: Float32Array, Float64Array (int64) or Uint8Array (bool). */
    dataSync() {
      const dtype = this.dtype;
      if (dtype === 'float32') return this.#get('toFloat32Array');
      const values = this.#get('toFloat64Array');
      return dtype === 'int64' ? values : Uint8Array.from(values);
    }
    /** Nested JS arrays (torch's tolist()); a 0-d tensor gives a number (boolean for bool). */
    toArray() {
      const shape = this.shape;
      const flat = this.dtype === 'float32' ? this.#get('toFloat32Array') : this.#get('toFloat64Array');
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
      if (this.#h === null) return 'Tensor(disposed)';
      return this.#get('toString');
    }
    [INSPECT]() { return this.toString(); }
    toJSON() { return this.toArray(); }

    // ---- autograd ----
    get requiresGrad() { return this.#get('requiresGrad'); }
    set requiresGrad(flag) { this.requiresGrad_(flag); }
    requiresGrad_(flag = true) { return this.#inplace('setRequiresGrad', checkBool(flag, 'requiresGrad_(): flag')); }
    /** The accumulated gradient as a new Tensor wrapper (sharing the grad's values), or null. */
    get grad() { return this.#op('grad'); }
    set grad(g) { this.setGrad(g); }
    /** Replaces the gradient (same shape and dtype), or clears it with null; {indices, values} sets a sparse one (see sparseGrad). */
    setGrad(g) {
      if (g === null || g === undefined) return this.#inplace('clearGrad');
      if (isPlainObject(g)) {
        this.sparseGrad = g;
        return this;
      }
      return this.#inplace('setGrad', this.#tensorArg(g, 'grad'));
    }
    get isLeaf() { return this.#get('isLeaf'); }
    /** The name of the node that made this tensor ('MulBackward0'), or null for a leaf. */
    get gradFn() {
      const name = this.#get('gradFnName');
      return name === '' ? null : name;
    }
    /** The version counter (torch's x._version): in-place ops bump it. */
    get version() { return this.#get('version'); }
    get retainsGrad() { return this.#get('retainsGrad'); }
    retainGrad() { return this.#inplace('retainGrad'); }
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
        ctx.withHookErrors(() => this.#inplace('backward', retainGraph, createGraph));
      } else {
        const g = ctx.toTensor(gradient, this.dtype);
        try {
          ctx.withHookErrors(() => this.#inplace('backwardWith', g, retainGraph, createGraph));
        } finally {
          if (g !== gradient) g.dispose();
        }
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
      return ctx.hookHandle(ctx.call(raw.autogradRegisterHook, this.#raw, callback));
    }
    detach() { return this.#op('detach'); }
    detach_() { return this.#inplace('detach_'); }
    /** torch's .data: shares the values, no history, changes invisible to autograd. */
    get data() { return this.#op('data'); }

    // ---- views (share storage) ----
    view(...shape) { return this.#op('view', viewShape(shape)); }
    viewAs(other) { return this.view(this.#tensorArg(other, 'viewAs(): other').shape); }
    reshape(...shape) { return this.#op('reshape', viewShape(shape)); }
    contiguous() { return this.#op('contiguous'); }
    transpose(dim0, dim1) { return this.#op('transpose', checkInt(dim0, 'transpose(): dim0'), checkInt(dim1, 'transpose(): dim1')); }
    permute(...dims) { return this.#op('permute', viewShape(dims, 'permute(): dims')); }
    t() { return this.#op('t'); }
    get T() { return this.#op('permute', this.shape.map((_, i, a) => a.length - 1 - i)); }
    unsqueeze(dim) { return this.#op('unsqueeze', checkInt(dim, 'unsqueeze(): dim')); }
    squeeze(dim) {
      if (dim === undefined) return this.#op('squeeze');
      return this.#op('squeezeDim', checkInt(dim, 'squeeze(): dim'));
    }
    expand(...shape) { return this.#op('expand', viewShape(shape)); }
    expandAs(other) { return this.#op('expandAs', this.#tensorArg(other, 'expandAs(): other')); }
    narrow(dim, start, length) {
      return this.#op('narrow', checkInt(dim, 'narrow(): dim'), checkInt(start, 'narrow(): start'), checkInt(length, 'narrow(): length'));
    }
    select(dim, index) { return this.#op('select', checkInt(dim, 'select(): dim'), checkInt(index, 'select(): index')); }
    /** x[i] of PyTorch: select(0, i). */
    get(index) { return this.select(0, index); }
    /** x[start:end:step] along `dim` (null/undefined start or end: from the beginning / to the end). */
    slice(dim, start = null, end = null, step = 1) {
      checkInt(dim, 'slice(): dim');
      if (start !== null) checkInt(start, 'slice(): start');
      if (end !== null) checkInt(end, 'slice(): end');
      checkInt(step, 'slice(): step');
      return this.#op('slice', dim, start ?? NaN, end ?? NaN, step);
    }
    flatten(startDim = 0, endDim = -1) {
      return this.#op('flatten', checkInt(startDim, 'flatten(): startDim'), checkInt(endDim, 'flatten(): endDim'));
    }
    asStrided(size, stride, storageOffset = 0) {
      return this.#op('asStrided', ctx.checkShape(size, 'asStrided(): size'), checkIntArray(stride, 'asStrided(): stride'), checkInt(storageOffset, 'asStrided(): storageOffset'));
    }

    // ---- copies ----
    clone() { return this.#op('clone'); }
    to(dtype) { return this.#op('to', checkDtype(dtype)); }
    float() { return this.to('float32'); }
    long() { return this.to('int64'); }
    bool() { return this.to('bool'); }
    indexSelect(dim, index) { return this.#op('indexSelect', checkInt(dim, 'indexSelect(): dim'), this.#tensorArg(index, 'indexSelect(): index')); }
    gather(dim, index) { return this.#op('gather', checkInt(dim, 'gather(): dim'), this.#tensorArg(index, 'gather(): index')); }
    scatterAdd(dim, index, src) {
      return this.#op('scatterAdd', checkInt(dim, 'scatterAdd(): dim'), this.#tensorArg(index, 'scatterAdd(): index'), this.#tensorArg(src, 'scatterAdd(): src'));
    }
    maskedFill(mask, value) { return this.#op('maskedFill', this.#tensorArg(mask, 'maskedFill(): mask'), scalarValue(value, 'maskedFill(): value')); }

    // ---- element-wise (other: a Tensor or a number) ----
    add(other, opts) {
      const alpha = opts === undefined ? 1 : this.#alpha(opts, 'add()');
      if (typeof other === 'number') return this.#op('addScalar', other * alpha);
      return this.#op('add', this.#tensorArg(other, 'add(): other'), alpha);
    }
    sub(other, opts) {
      const alpha = this.#alpha(opts, 'sub()');
      if (typeof other === 'number') return this.#op('subScalar', other * alpha);
      return this.#op('sub', this.#tensorArg(other, 'sub(): other'), alpha);
    }
    /** other - this (torch.rsub); other may be a number. */
    rsub(other, opts) {
      const alpha = this.#alpha(opts, 'rsub()');
      if (typeof other === 'number') {
        if (alpha === 1) return this.#op('rsubScalar', other);
        const scaled = this.mul(alpha);  // a temporary: freed here, not left to kd.tidy
        try {
          return scaled.rsub(other);
        } finally {
          scaled.dispose();
        }
      }
      return this.#tensorArg(other, 'rsub(): other').sub(this, { alpha });
    }
    /** other / this; other may be a number. */
    rdiv(other) {
      if (typeof other === 'number') return this.#op('rdivScalar', other);
      return this.#tensorArg(other, 'rdiv(): other').div(this);
    }
    mul(other) { return this.#binary('mul', other); }
    div(other) { return this.#binary('div', other); }
    pow(exponent) { return this.#binary('pow', exponent); }
    neg() { return this.#op('neg'); }
    exp() { return this.#op('exp'); }
    log() { return this.#op('log'); }
    sqrt() { return this.#op('sqrt'); }
    abs() { return this.#op('abs'); }
    tanh() { return this.#op('tanh'); }
    sigmoid() { return this.#op('sigmoid'); }
    relu() { return this.#op('relu'); }
    gelu() { return this.#op('gelu'); }
    /** clamp(min, max) or clamp({min, max}); null/undefined: no bound. */
    clamp(min, max) { return this.#op('clamp', ...clampArgs(min, max)); }
    eq(other) { return this.#binary('eq', other); }
    ne(other) { return this.#binary('ne', other); }
    lt(other) { return this.#binary('lt', other); }
    le(other) { return this.#binary('le', other); }
    gt(other) { return this.#binary('gt', other); }
    ge(other) { return this.#binary('ge', other); }
    logicalNot() { return this.#op('logicalNot'); }

    // ---- reductions: (dim?: number | number[], {keepdim}) ----
    sum(dim, opts) {
      if (dim === undefined || isPlainObject(dim)) return this.#reduceAll('sum', 'sumDims', dim);
      return this.#op('sumDims', checkDims(dim, 'sum(): dim'), keepdimOf(opts, 'sum()'));
    }
    mean(dim, opts) {
      if (dim === undefined || isPlainObject(dim)) return this.#reduceAll('mean', 'meanDims', dim);
      return this.#op('meanDims', checkDims(dim, 'mean(): dim'), keepdimOf(opts, 'mean()'));
    }
    #reduceAll(allName, dimsName, opts) {
      if (!keepdimOf(opts, `${allName}()`)) return this.#op(allName);
      return this.#op(dimsName, this.shape.map((_, i) => i), true);
    }
    /** max() -> Tensor; max(dim, {keepdim}) -> [values, indices] with .values and .indices. */
    max(dim, opts) {
      if (dim === undefined) return this.#op('max');
      return this.#pair('maxDim', checkInt(dim, 'max(): dim'), keepdimOf(opts, 'max()'));
    }
    min(dim, opts) {
      if (dim === undefined) return this.#op('min');
      return this.#pair('minDim', checkInt(dim, 'min(): dim'), keepdimOf(opts, 'min()'));
    }
    #pair(name, dim, keepdim) {
      const h = this.#raw;
      const [values, indices] = ctx.call(() => h[name](dim, keepdim)).map((r) => ctx.wrap(r));
      const out = [values, indices];
      out.values = values;
      out.indices = indices;
      return out;
    }
    argmax(dim, opts) { return this.#arg('argmax', dim, opts); }
    argmin(dim, opts) { return this.#arg('argmin', dim, opts); }
    #arg(name, dim, opts) {
      if (isPlainObject(dim) && opts === undefined) [dim, opts] = [undefined, dim];
      const keepdim = keepdimOf(opts, `${name}()`);
      return this.#op(name, dim === undefined || dim === null ? NaN : checkInt(dim, `${name}(): dim`), keepdim);
    }
    /** var(dim?, {unbiased = true, keepdim = false}) */
    var(dim, opts) { return this.#stat('var', dim, opts); }
    std(dim, opts) { return this.#stat('std', dim, opts); }
    #stat(name, dim, opts) {
      if (isPlainObject(dim) && opts === undefined) [dim, opts] = [undefined, dim];
      const { unbiased = true, keepdim = false } = checkOptions(opts, `${name}()`);
      checkBool(unbiased, `${name}(): unbiased`);
      checkBool(keepdim, `${name}(): keepdim`);
      const dims = dim === undefined || dim === null ? null : checkDims(dim, `${name}(): dim`);
      return this.#op(name, dims, unbiased, keepdim);
    }
    /** norm(p = 2, dim?, {keepdim}) */
    norm(p = 2, dim, opts) {
      if (isPlainObject(dim) && opts === undefined) [dim, opts] = [undefined, dim];
      checkNumber(p, 'norm(): p');
      const dims = dim === undefined || dim === null ? null : checkDims(dim, 'norm(): dim');
      return this.#op('norm', p, dims, keepdimOf(opts, 'norm()'));
    }
    softmax(dim) { return this.#op('softmax', checkInt(dim, 'softmax(): dim')); }
    logSoftmax(dim) { return this.#op('logSoftmax', checkInt(dim, 'logSoftmax(): dim')); }

    // ---- linear algebra ----
    matmul(other) { return this.#op('matmul', this.#tensorArg(other, 'matmul(): other')); }
    mm(other) { return this.#op('mm', this.#tensorArg(other, 'mm(): other')); }
    bmm(other) { return this.#op('bmm', this.#tensorArg(other, 'bmm(): other')); }

    // ---- in place (bump the version counter; return this) ----
    add_(other, opts) {
      const alpha = this.#alpha(opts, 'add_()');
      if (typeof other === 'number') return this.#inplace('addScalar_', other * alpha);
      return this.#inplace('add_', this.#tensorArg(other, 'add_(): other'), alpha);
    }
    sub_(other, opts) {
      const alpha = this.#alpha(opts, 'sub_()');
      if (typeof other === 'number') return this.#inplace('addScalar_', -other * alpha);
      return this.#inplace('sub_', this.#tensorArg(other, 'sub_(): other'), alpha);
    }
    mul_(other) { return this.#binaryInplace('mul_', other); }
    div_(other) { return this.#binaryInplace('div_', other); }
    zero_() { return this.#inplace('zero_'); }
    fill_(value) { return this.#inplace('fill_', scalarValue(value, 'fill_(): value')); }
    copy_(src) { return this.#inplace('copy_', this.#tensorArg(src, 'copy_(): src')); }
    /** normal_(mean = 0, std = 1) or normal_({mean, std}) */
    normal_(mean = 0, std = 1) {
      if (isPlainObject(mean)) ({ mean = 0, std = 1 } = mean);
      return this.#inplace('normal_', checkNumber(mean, 'normal_(): mean'), checkNumber(std, 'normal_(): std'));
    }
    /** uniform_(from = 0, to = 1) or uniform_({from, to}) */
    uniform_(from = 0, to = 1) {
      if (isPlainObject(from)) ({ from = 0, to = 1 } = from);
      return this.#inplace('uniform_', checkNumber(from, 'uniform_(): from'), checkNumber(to, 'uniform_(): to'));
    }
    clamp_(min, max) { return this.#inplace('clamp_', ...clampArgs(min, max)); }
    maskedFill_(mask, value) {
      return this.#inplace('maskedFill_', this.#tensorArg(mask, 'maskedFill_(): mask'), scalarValue(value, 'maskedFill_(): value'));
    }

    // ---- memory ----
    /** Frees this wrapper's handle (the values live on while another tensor uses them). Idempotent. */
    dispose() {
      if (this.#h === null) return;
      Tensor.untrack(this);
      registry?.unregister(this);
      const h = this.#h;
      this.#h = null;
      state.liveTensors--;
      if (!ctx.closed) h.delete();
    }
    /** Same as kd.keep(this): survives every enclosing kd.tidy scope. */
    keep() {
      Tensor.handleOf(this);
      Tensor.untrack(this);
      return this;
    }
  }

  function keepdimOf(opts, what) {
    if (typeof opts === 'boolean') return opts;  // x.sum(1, true), as PyTorch's positional keepdim
    const { keepdim = false } = checkOptions(opts, what);
    return checkBool(keepdim, `${what}: keepdim`);
  }

  function clampArgs(min, max) {
    if (isPlainObject(min) && max === undefined) ({ min, max } = min);
    if (min !== undefined && min !== null) checkNumber(min, 'clamp(): min');
    if (max !== undefined && max !== null) checkNumber(max, 'clamp(): max');
    return [min ?? NaN, max ?? NaN];
  }

  function scalarValue(v, what) {
    if (typeof v === 'boolean') return Number(v);
    return checkNumber(v, what);
  }

  function checkIntArray(a, what) {
    if (!Array.isArray(a)) throw typeError(`${what} must be an array of integers, got ${describe(a)}`);
    a.forEach((x) => checkInt(x, what));
    return a;
  }

  // view(2, -1) and view([2, -1]): -1 is allowed (inferred); checked again in C++.
  function viewShape(args, what = 'shape') {
    const dims = args.length === 1 && Array.isArray(args[0]) ? args[0] : args;
    return checkIntArray(dims, what);
  }

  /** nn.Parameter: shares `data`'s storage, is a leaf, prints "Parameter containing:". Adopted. */
  class Parameter extends Tensor {
    constructor(data, opts, token) {
      if (opts === TOKEN || token === TOKEN) {
        super(data, TOKEN);  // internal: wrapping a raw handle of a parameter
      } else {
        const { requiresGrad = true } = checkOptions(opts, 'Parameter()');
        checkBool(requiresGrad, 'Parameter(): requiresGrad');
        const h = ctx.call(raw.makeParameter, Tensor.handleOf(data), requiresGrad);
        super(h, TOKEN);
      }
      Tensor.untrack(this);  // adopted: lives until disposed
    }
  }

  ctx.Tensor = Tensor;
  ctx.Parameter = Parameter;

  function unwrapArgs(args) {
    for (let i = 0; i < args.length; i++) if (args[i] instanceof Tensor) args[i] = Tensor.handleOf(args[i]);
  }

  // A parameter returned by an op (e.g. detach keeps no flag, so this is module-owned) is
  // tracked like any tensor unless adopted by the caller.
  function wrapParameter(handle) {
    const p = new Parameter(handle, TOKEN);
    const scope = scopes[scopes.length - 1];
    if (scope) Tensor.moveTo(p, scope);
    return p;
  }

  /** Raw handle -> Tensor (a Parameter when the core marks it one); null for an undefined handle. */
  ctx.wrap = function wrap(handle) {
    if (handle === undefined || handle === null) return null;
    if (!handle.defined()) {
      handle.delete();
      return null;
    }
    if (handle.isParameter()) return wrapParameter(handle);
    return new Tensor(handle, TOKEN);
  };
  /** ctx.wrap for the handle a Tensor method just returned: its status words answer instead of two calls. */
  ctx.wrapResult = function wrapResult(handle) {
    if (!ctx.resultDefined()) {
      handle.delete();
      return null;
    }
    if (ctx.resultIsParameter()) return wrapParameter(handle);
    return new Tensor(handle, TOKEN);
  };
  ctx.unwrap = (t) => Tensor.handleOf(t);
  ctx.identity = (t) => Tensor.handleOf(t).implId();
  ctx.adopt = (t) => {
    Tensor.handleOf(t);
    Tensor.untrack(t);
    return t;
  };
  ctx.isTensor = (x) => x instanceof Tensor;
  ctx.TOKEN = TOKEN;

  /** Tensor passes through; a number or (nested) array becomes a new tensor (tracked). */
  ctx.toTensor = function toTensor(x, dtypeHint) {
    if (x instanceof Tensor) {
      Tensor.handleOf(x);
      return x;
    }
    if (typeof x === 'number' || typeof x === 'boolean') return ctx.scalar(x, { dtype: dtypeHint ?? (typeof x === 'boolean' ? 'bool' : 'float32') });
    if (Array.isArray(x) || ArrayBuffer.isView(x)) return ctx.tensor(x, dtypeHint ? { dtype: dtypeHint } : undefined);
    throw typeError(`expected a Tensor, a number or an array, got ${describe(x)}`);
  };
}

// ---------------------------------------------------------------------------------------------

export function installTensorApi(ctx, kd) {
  const { raw, errors, Tensor, Parameter, typeError, checkInt, checkNumber, checkBool, checkOptions, checkDtype, scopes, state } = ctx;

  // Nested arrays -> [flat values, shape, all booleans?], read as torch.tensor reads a nested
  // sequence: the shape is taken from the first element at each level, then every element is
  // checked against it, so ragged lengths and ragged depths are a ValueError naming the dim
  // (the length message is PyTorch's, word for word) and a non-number is a TypeError naming
  // its index. Typed arrays count as sequences at any level.
  const MAX_NESTED_DIMS = 128;  // as torch; also ends a walk down a self-containing array
  const isSequence = (x) => Array.isArray(x) || (ArrayBuffer.isView(x) && !(x instanceof DataView));
  function describeElement(x) {
    if (typeof x === 'number') return `the number ${x}`;
    if (typeof x === 'boolean') return `the boolean ${x}`;
    return describe(x);
  }
  function flatten(data) {
    const shape = [];
    for (let level = data; isSequence(level); level = level[0]) {
      if (shape.length === MAX_NESTED_DIMS) throw new errors.ValueError(`tensor(): too many dimensions (more than ${MAX_NESTED_DIMS})`);
      shape.push(level.length);
      if (level.length === 0) break;
    }
    const flat = new Array(numelOf(shape));
    let n = 0;
    let allBool = true;
    const index = [];
    const at = () => `index [${index.join(', ')}]`;
    const walk = (seq, dim) => {
      const length = shape[dim];
      if (seq.length !== length) throw new errors.ValueError(`expected sequence of length ${length} at dim ${dim} (got ${seq.length})`);
      const leaves = dim === shape.length - 1;
      for (let i = 0; i < length; i++) {
        const v = seq[i];
        index[dim] = i;
        if (leaves) {
          if (typeof v === 'number') {
            allBool = false;
            flat[n++] = v;
          } else if (typeof v === 'boolean') {
            flat[n++] = v;
          } else if (typeof v === 'bigint') {
            allBool = false;
            flat[n++] = Number(v);
          } else if (isSequence(v)) {
            throw new errors.ValueError(`expected a number at dim ${dim + 1} (got a sequence of length ${v.length} at ${at()})`);
          } else {
            throw typeError(`tensor(): expected a number or a boolean at ${at()}, got ${describe(v)}`);
          }
        } else if (isSequence(v)) {
          walk(v, dim + 1);
        } else if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') {
          throw new errors.ValueError(`expected sequence of length ${shape[dim + 1]} at dim ${dim + 1} (got ${describeElement(v)} at ${at()})`);
        } else {
          throw typeError(`tensor(): expected a sequence at ${at()}, got ${describe(v)}`);
        }
      }
      index.length = dim;
    };
    walk(data, 0);
    return [flat, shape, allBool && flat.length > 0];
  }

  function finish(t, requiresGrad) {
    if (requiresGrad) {
      try {
        t.requiresGrad_(true);
      } catch (e) {
        t.dispose();
        throw e;
      }
    }
    return t;
  }

  // Factory options: {dtype, requiresGrad}.
  function factoryOptions(opts, what, defaultDtype = 'float32') {
    const { dtype = defaultDtype, requiresGrad = false, ...rest } = checkOptions(opts, what);
    const unknown = Object.keys(rest);
    if (unknown.length) throw typeError(`${what}: unknown option '${unknown[0]}'`);
    checkDtype(dtype, `${what}: dtype`);
    checkBool(requiresGrad, `${what}: requiresGrad`);
    return { dtype, requiresGrad };
  }

  // (2, 3), ([2, 3]), (2, 3, {dtype}) or ([2, 3], {dtype}) -> [shape, options].
  function sizesAndOptions(args) {
    let opts;
    if (args.length && isPlainObject(args[args.length - 1])) {
      opts = args[args.length - 1];
      args = args.slice(0, -1);
    }
    return [ctx.shapeArgs(args), opts];
  }

  // The wasm32 core computes a storage's byte count in a 32-bit size_t: a larger request would
  // wrap to a small allocation (and then write past it). Refuse it here, as the out-of-memory
  // error it is (no wasm heap can hold 4 GiB or more anyway).
  const ITEMSIZE = { float32: 4, int64: 8, bool: 1 };
  function checkAlloc(numel, dtype) {
    const bytes = numel * ITEMSIZE[dtype];
    if (bytes >= 2 ** 32) throw new errors.MemoryError(`out of memory: could not allocate ${bytes} bytes`);
  }
  const numelOf = (shape) => shape.reduce((a, b) => a * b, 1);

  function checkValues(flat, dtype) {
    if (dtype === 'int64') {
      for (const v of flat) {
        if (!Number.isSafeInteger(Number(v))) throw typeError(`tensor(): int64 values must be integers (exact up to 2^53), got ${v}`);
      }
    }
  }

  /**
   * tensor(data, {dtype, requiresGrad, shape}): data is a number, a boolean, nested arrays or a
   * typed array (flat; `shape` defaults to [length]). Copies the values. tensor(flat, shape,
   * opts?) also works.
   */
  function tensor(data, opts, moreOpts) {
    if (Array.isArray(opts)) opts = { ...checkOptions(moreOpts, 'tensor()'), shape: opts };  // tensor(flat, shape, opts?)
    const { shape: shapeOpt, ...rest } = checkOptions(opts, 'tensor()');
    let flat;
    let shape;
    let inferred = 'float32';
    if (typeof data === 'number' || typeof data === 'boolean') {
      flat = [data];
      shape = [];
      if (typeof data === 'boolean') inferred = 'bool';
    } else if (Array.isArray(data)) {
      let allBool;
      [flat, shape, allBool] = flatten(data);
      if (allBool) inferred = 'bool';
    } else if (ArrayBuffer.isView(data) && !(data instanceof DataView)) {
      flat = data;
      shape = [data.length];
      if (data instanceof BigInt64Array || data instanceof BigUint64Array || data instanceof Int32Array ||
          data instanceof Uint32Array || data instanceof Int16Array || data instanceof Uint16Array ||
          data instanceof Int8Array) {
        inferred = 'int64';
      } else if (data instanceof Uint8Array || data instanceof Uint8ClampedArray) {
        inferred = 'int64';
      }
    } else {
      throw typeError(`tensor(): data must be a number, a boolean, an array or a typed array, got ${describe(data)}`);
    }
    if (shapeOpt !== undefined) shape = ctx.checkShape(shapeOpt, 'tensor(): shape');
    const { dtype, requiresGrad } = factoryOptions(rest, 'tensor()', inferred);
    const numel = shape.reduce((a, b) => a * b, 1);
    if (numel !== flat.length) {
      throw new errors.ShapeError(`tensor(): shape [${shape.join(', ')}] is invalid for input of size ${flat.length}`);
    }
    let values;
    if (dtype === 'float32') {
      values = flat instanceof Float32Array ? flat : Float32Array.from(flat, Number);
      return finish(ctx.wrap(ctx.call(raw.tensorFromFloat32, values, shape)), requiresGrad);
    }
    if (flat instanceof BigInt64Array || flat instanceof BigUint64Array) flat = Array.from(flat, Number);
    checkValues(flat, dtype);
    values = Float64Array.from(flat, (v) => (dtype === 'bool' ? Number(Boolean(v)) : Number(v)));
    return finish(ctx.wrap(ctx.call(raw.tensorFromFloat64, values, shape, dtype)), requiresGrad);
  }
  ctx.tensor = tensor;

  /** A 0-d tensor. */
  function scalar(value, opts) {
    const inferred = typeof value === 'boolean' ? 'bool' : 'float32';
    const { dtype, requiresGrad } = factoryOptions(opts, 'scalar()', inferred);
    if (typeof value !== 'boolean') checkNumber(value, 'scalar(): value');
    if (dtype === 'int64') checkValues([value], dtype);
    return finish(ctx.wrap(ctx.call(raw.scalarTensor, Number(value), dtype)), requiresGrad);
  }
  ctx.scalar = scalar;

  function sized(name) {
    return (...args) => {
      const [shape, opts] = sizesAndOptions(args);
      const { dtype, requiresGrad } = factoryOptions(opts, `${name}()`);
      checkAlloc(numelOf(shape), dtype);
      return finish(ctx.wrap(ctx.call(raw[name], shape, dtype)), requiresGrad);
    };
  }

  function like(name, fill) {
    return (t, ...rest) => {
      const h = ctx.unwrap(t);
      let opts = rest[rest.length - 1];
      if (!isPlainObject(opts)) opts = undefined;
      const { dtype, requiresGrad } = factoryOptions(opts, `${name}()`, ctx.call(() => h.dtype()));
      const shape = ctx.call(() => h.shape());
      checkAlloc(numelOf(shape), dtype);  // `t` may be a huge expanded view
      if (fill === 'full') {
        const value = rest[0];
        checkNumber(typeof value === 'boolean' ? Number(value) : value, `${name}(): fillValue`);
        return finish(ctx.wrap(ctx.call(raw.full, shape, Number(value), dtype)), requiresGrad);
      }
      return finish(ctx.wrap(ctx.call(raw[fill], shape, dtype)), requiresGrad);
    };
  }

  function full(size, fillValue, opts) {
    const shape = ctx.checkShape(typeof size === 'number' ? [size] : size, 'full(): size');
    const { dtype, requiresGrad } = factoryOptions(opts, 'full()', typeof fillValue === 'boolean' ? 'bool' : 'float32');
    const v = typeof fillValue === 'boolean' ? Number(fillValue) : checkNumber(fillValue, 'full(): fillValue');
    if (dtype === 'int64') checkValues([v], dtype);
    checkAlloc(numelOf(shape), dtype);
    return finish(ctx.wrap(ctx.call(raw.full, shape, v, dtype)), requiresGrad);
  }

  /** arange(end), arange(start, end, step?), each with trailing {dtype, requiresGrad}. */
  function arange(...args) {
    let opts;
    if (args.length && isPlainObject(args[args.length - 1])) opts = args.pop();
    if (args.length < 1 || args.length > 3) throw typeError('arange(): expected (end), (start, end) or (start, end, step)');
    args.forEach((a, i) => checkNumber(a, `arange(): argument ${i}`));
    const [start, end, step = 1] = args.length === 1 ? [0, args[0]] : args;
    const inferred = [start, end, step].every(Number.isInteger) ? 'int64' : 'float32';
    const { dtype, requiresGrad } = factoryOptions(opts, 'arange()', inferred);
    if (step !== 0 && Number.isFinite((end - start) / step)) checkAlloc(Math.max(0, Math.ceil((end - start) / step)), dtype);
    return finish(ctx.wrap(ctx.call(raw.arange, start, end, step, dtype)), requiresGrad);
  }

  function linspace(start, end, steps, opts) {
    checkNumber(start, 'linspace(): start');
    checkNumber(end, 'linspace(): end');
    checkInt(steps, 'linspace(): steps');
    const { dtype, requiresGrad } = factoryOptions(opts, 'linspace()');
    checkAlloc(steps, dtype);
    return finish(ctx.wrap(ctx.call(raw.linspace, start, end, steps, dtype)), requiresGrad);
  }

  function eye(n, m, opts) {
    if (isPlainObject(m) && opts === undefined) [m, opts] = [undefined, m];
    checkInt(n, 'eye(): n');
    if (m !== undefined) checkInt(m, 'eye(): m');
    const { dtype, requiresGrad } = factoryOptions(opts, 'eye()');
    checkAlloc(n * (m ?? n), dtype);
    return finish(ctx.wrap(ctx.call(raw.eye, n, m ?? -1, dtype)), requiresGrad);
  }

  /** randint(high, size) or randint(low, high, size), trailing {dtype} (default int64). */
  function randint(...args) {
    let opts;
    if (args.length && isPlainObject(args[args.length - 1])) opts = args.pop();
    let low = 0;
    let high;
    let size;
    if (args.length === 2) [high, size] = args;
    else if (args.length === 3) [low, high, size] = args;
    else throw typeError('randint(): expected (high, size) or (low, high, size)');
    checkInt(low, 'randint(): low');
    checkInt(high, 'randint(): high');
    const shape = ctx.checkShape(typeof size === 'number' ? [size] : size, 'randint(): size');
    const { dtype, requiresGrad } = factoryOptions(opts, 'randint()', 'int64');
    checkAlloc(numelOf(shape), dtype);
    return finish(ctx.wrap(ctx.call(raw.randint, low, high, shape, dtype)), requiresGrad);
  }

  function randperm(n, opts) {
    checkInt(n, 'randperm(): n');
    const { dtype, requiresGrad } = factoryOptions(opts, 'randperm()', 'int64');
    let t = ctx.wrap(ctx.call(raw.randperm, n));
    if (dtype !== 'int64') {
      const converted = t.to(dtype);
      t.dispose();
      t = converted;
    }
    return finish(t, requiresGrad);
  }

  function tensorList(tensors, what) {
    if (!Array.isArray(tensors)) throw typeError(`${what}: tensors must be an array of Tensors, got ${describe(tensors)}`);
    return tensors.map((t) => {
      if (!(t instanceof Tensor)) throw typeError(`${what}: tensors must be an array of Tensors, got ${describe(t)} in it`);
      return ctx.unwrap(t);
    });
  }

  function cat(tensors, dim = 0) {
    const handles = tensorList(tensors, 'cat()');
    return ctx.wrap(ctx.call(raw.cat, handles, checkInt(dim, 'cat(): dim')));
  }
  function stack(tensors, dim = 0) {
    const handles = tensorList(tensors, 'stack()');
    return ctx.wrap(ctx.call(raw.stack, handles, checkInt(dim, 'stack(): dim')));
  }

  // Runs fn(tensors) with numbers turned into temporary tensors, freed afterwards.
  function withTensors(values, dtypeHint, fn) {
    const made = [];
    try {
      const ts = values.map((v) => {
        const t = ctx.toTensor(v, v instanceof Tensor ? undefined : dtypeHint);
        if (t !== v) made.push(t);
        return t;
      });
      return fn(ts);
    } finally {
      for (const t of made) t.dispose();
    }
  }

  /** where(condition, x, y): x and y may be numbers. */
  function where(condition, x, y) {
    if (!(condition instanceof Tensor)) throw typeError(`where(): condition must be a Tensor, got ${describe(condition)}`);
    const hint = x instanceof Tensor ? x.dtype : y instanceof Tensor ? y.dtype : 'float32';
    return withTensors([x, y], hint, ([a, b]) => ctx.wrap(ctx.call(raw.where, ctx.unwrap(condition), ctx.unwrap(a), ctx.unwrap(b))));
  }

  function oneHot(t, numClasses = -1) {
    return ctx.wrap(ctx.call(raw.oneHot, ctx.unwrap(t), checkInt(numClasses, 'oneHot(): numClasses')));
  }

  // ---- grad mode ----
  // Runs fn synchronously with a mode of the core (read/write: its raw getter and setter) set to
  // `value`, and restores the previous value afterwards, also when fn throws.
  function runWithMode(read, write, value, fn, what) {
    if (typeof fn !== 'function') throw typeError(`${what}: expected a function, got ${describe(fn)}`);
    const previous = ctx.call(read);
    ctx.call(write, value);
    let result;
    try {
      result = fn();
    } finally {
      if (!ctx.closed) ctx.call(write, previous);
    }
    if (result && typeof result.then === 'function') {
      result.then(undefined, () => {});  // no unhandled rejection on top of our error
      throw typeError(`${what}: fn must be synchronous (it returned a Promise); the mode only covers synchronous code`);
    }
    return result;
  }
  ctx.runWithMode = runWithMode;
  const runWithGradMode = (enabled, fn, what) => runWithMode(raw.isGradEnabled, raw.setGradEnabled, enabled, fn, what);

  // ---- memory scopes ----

  // Tensors reachable from a tidy's result: a Tensor, or Tensors in (nested) arrays/objects.
  function collectTensors(value, out, seen = new Set()) {
    if (value instanceof Tensor) {
      out.add(value);
    } else if (value !== null && typeof value === 'object' && !seen.has(value) && !ArrayBuffer.isView(value)) {
      seen.add(value);
      if (value instanceof Map) {
        for (const v of value.values()) collectTensors(v, out, seen);
      } else if (Array.isArray(value) || isPlainObject(value)) {
        for (const v of Object.values(value)) collectTensors(v, out, seen);
      }
    }
    return out;
  }

  function endScope(scope, result) {
    const i = scopes.lastIndexOf(scope);
    if (i >= 0) scopes.splice(i, 1);
    const parent = scopes[scopes.length - 1] ?? null;
    const returned = collectTensors(result, new Set());
    for (const t of [...scope]) {
      if (returned.has(t)) Tensor.moveTo(t, parent);  // survives, owned by the enclosing scope
      else t.dispose();
    }
  }

  /**
   * tidy(fn) or tidy(name, fn): runs fn synchronously and disposes every tensor created inside
   * except those it returns (a Tensor, or Tensors inside a returned array/object) and those
   * passed to kd.keep(). Also when fn throws. Scopes nest.
   */
  function tidy(nameOrFn, maybeFn) {
    const fn = typeof nameOrFn === 'function' ? nameOrFn : maybeFn;
    if (typeof fn !== 'function') throw typeError(`tidy(): expected a function, got ${describe(fn)}`);
    const scope = new Set();
    scopes.push(scope);
    let result;
    try {
      result = fn();
    } catch (e) {
      endScope(scope, undefined);
      throw e;
    }
    if (result && typeof result.then === 'function') {
      endScope(scope, undefined);
      result.then(undefined, () => {});
      throw typeError('tidy(): fn must be synchronous (it returned a Promise): await outside kd.tidy, or use kd.keep()/dispose() in async code');
    }
    endScope(scope, result);
    return result;
  }

  /** Marks a tensor to survive every enclosing tidy scope; returns it. */
  function keep(t) {
    return ctx.adopt(t);
  }

  /** Disposes a Tensor, or every Tensor in an array/object. */
  function dispose(value) {
    for (const t of collectTensors(value, new Set())) t.dispose();
  }

  function memory() {
    const stats = ctx.call(raw.memoryStats);
    return {
      liveTensors: state.liveTensors,      // JS Tensor wrappers not yet disposed
      liveStorages: stats.liveStorages,    // C++ storages (blocks of values) alive
      bytes: stats.liveBytes,              // bytes held by those storages
      peakBytes: stats.peakBytes,
      cachedBytes: stats.cachedBytes,      // freed blocks the allocator keeps for reuse
      cachedBlocks: stats.cachedBlocks,
      reusedBlocks: stats.reusedBlocks,    // allocations served from those, since the start
      freshBlocks: stats.freshBlocks,      // allocations that went to malloc
      heapUsed: stats.heapUsed,            // malloc'd bytes in the wasm heap (everything)
      wasmHeapBytes: stats.heapSize,       // size of the wasm memory
    };
  }

  function backend() {
    return { build: ctx.build, ...ctx.call(raw.backendInfo) };
  }

  function setNumThreads(n) {
    checkInt(n, 'setNumThreads(): n');
    ctx.call(raw.setNumThreads, n);
  }

  function shutdown() {
    if (ctx.closed) return;
    for (const fn of ctx.shutdownHooks.splice(0)) {
      try {
        fn();
      } catch {
        // cleanup must not stop the shutdown
      }
    }
    ctx.call(raw.shutdownThreadPool);
    raw.terminateAllThreads();
    ctx.closed = true;
  }

  Object.assign(kd, {
    Tensor,
    Parameter,
    KindlingError: ctx.KindlingError,
    errors,
    dtypes: DTYPES.slice(),

    tensor,
    scalar,
    scalarTensor: scalar,
    empty: sized('empty'),
    zeros: sized('zeros'),
    ones: sized('ones'),
    randn: sized('randn'),
    rand: sized('rand'),
    full,
    emptyLike: like('emptyLike', 'empty'),
    zerosLike: like('zerosLike', 'zeros'),
    onesLike: like('onesLike', 'ones'),
    fullLike: like('fullLike', 'full'),
    randnLike: like('randnLike', 'randn'),
    randLike: like('randLike', 'rand'),
    arange,
    linspace,
    eye,
    randint,
    randperm,
    manualSeed(seed) {
      if (!Number.isSafeInteger(seed) || seed < 0) throw typeError('manualSeed(): seed must be a non-negative integer');
      ctx.call(raw.manualSeed, seed);
    },

    cat,
    concat: cat,
    stack,
    where,
    oneHot,

    noGrad: (fn) => runWithGradMode(false, fn, 'noGrad()'),
    enableGrad: (fn) => runWithGradMode(true, fn, 'enableGrad()'),
    isGradEnabled: () => ctx.call(raw.isGradEnabled),
    setGradEnabled: (enabled) => ctx.call(raw.setGradEnabled, checkBool(enabled, 'setGradEnabled(): enabled')),

    tidy,
    keep,
    dispose,
    memory,
    backend,
    setNumThreads,
    getNumThreads: () => ctx.call(raw.getNumThreads),
    shutdown,
  });

  // Free-function forms of the methods: kd.add(a, b), kd.sum(x, 1), kd.matmul(a, b) ...
  // The first argument must be a Tensor.
  const METHODS = [
    'add', 'sub', 'rsub', 'mul', 'div', 'pow', 'neg', 'exp', 'log', 'sqrt', 'abs', 'tanh', 'sigmoid', 'relu', 'gelu', 'clamp',
    'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logicalNot',
    'sum', 'mean', 'max', 'min', 'argmax', 'argmin', 'var', 'std', 'norm', 'softmax', 'logSoftmax',
    'matmul', 'mm', 'bmm',
    'view', 'reshape', 'transpose', 'permute', 't', 'unsqueeze', 'squeeze', 'flatten', 'narrow', 'select', 'expand',
    'clone', 'detach', 'indexSelect', 'gather', 'scatterAdd', 'maskedFill',
  ];
  for (const name of METHODS) {
    kd[name] = (x, ...args) => {
      if (!(x instanceof Tensor)) throw typeError(`${name}(): input must be a Tensor, got ${describe(x)}`);
      return x[name](...args);
    };
  }

  if (ctx.build === 'mt' && ctx.numThreads !== undefined) setNumThreads(ctx.numThreads);
}

function isPlainObjectExport(x) { return isPlainObject(x); }
export { isPlainObjectExport as isPlainObject };
