// The friendly JS layer over the raw Embind block (bindings/embind/kindling.cpp).
//
// It does three things and nothing else:
//   - errors: after every raw call it checks the module's error slot (see
//     bindings/embind/boundary.h) and throws a KindlingError subclass named after the C++ kind;
//   - handles: raw tensor handles are wrapped in a Tensor class of this module instance, and
//     counted, so kd.memory().liveTensors shows what JS still holds;
//   - arguments: shapes, arrays and numbers are checked and converted before entering C++,
//     so that no JS exception is ever thrown from inside a C++ frame.
// It is environment-free: node.mjs and web.mjs load a module and hand it to makeApi.

/** Base class of every error raised by Kindling's C++ core. `name` and `kind` are the kind. */
export class KindlingError extends Error {
  constructor(kind, message) {
    super(message);
    this.name = kind;
    this.kind = kind;
  }
}

// One subclass per kind the core raises (core/util/error.h), plus the two the boundary adds.
const KINDS = ['IndexError', 'ShapeError', 'ValueError', 'StateError', 'TypeError', 'MemoryError', 'RuntimeError'];

/** errors.ShapeError etc.: `err instanceof errors.ShapeError`, `err instanceof KindlingError`. */
export const errors = Object.freeze(Object.fromEntries(KINDS.map((kind) => {
  const cls = class extends KindlingError {
    constructor(message) { super(kind, message); }
  };
  Object.defineProperty(cls, 'name', { value: kind });
  return [kind, cls];
})));

function makeError(kind, message) {
  const cls = errors[kind] ?? errors.RuntimeError;
  return new cls(message);
}

function checkShape(dims, what = 'shape') {
  if (!Array.isArray(dims) || !dims.every((d) => Number.isInteger(d))) {
    throw new TypeError(`${what} must be an array of integers, got ${JSON.stringify(dims)}`);
  }
  return dims;
}

// view(2, 3) and view([2, 3]) both mean [2, 3].
function shapeArgs(args) {
  return checkShape(args.length === 1 && Array.isArray(args[0]) ? args[0] : args);
}

// Nested arrays -> [flat values, shape]. Ragged input is a TypeError.
function flatten(values) {
  const shape = [];
  for (let level = values; Array.isArray(level); level = level[0]) shape.push(level.length);
  const flat = values.flat(shape.length);
  const numel = shape.reduce((a, b) => a * b, 1);
  if (flat.length !== numel || !flat.every((v) => typeof v === 'number' || typeof v === 'boolean')) {
    throw new TypeError('tensor(): nested arrays must be rectangular and hold numbers');
  }
  return [flat, shape];
}

/**
 * Wraps a loaded raw module. `build` is 'mt' or 'st'; `numThreads` the thread count to start
 * with (threaded build only).
 */
export function makeApi(raw, { build, numThreads }) {
  let closed = false;
  let liveTensors = 0;

  // Every raw call goes through here: refuses after shutdown, turns the error slot into a throw.
  function call(fn, ...args) {
    if (closed) throw new errors.StateError('this Kindling module was shut down');
    const result = fn(...args);
    if (raw.hasError()) {
      if (result && typeof result.delete === 'function') result.delete();
      const { kind, message } = raw.takeError();
      const error = makeError(kind, message);
      Error.captureStackTrace?.(error, call);  // start the stack at the caller's line (V8)
      throw error;
    }
    return result;
  }

  // A raw handle returned by a successful call -> Tensor (null when the handle is undefined).
  function wrap(handle) {
    if (!handle.defined()) {
      handle.delete();
      return null;
    }
    return new Tensor(handle, TOKEN);
  }

  const TOKEN = Symbol('kindling.handle');

  class Tensor {
    #h;

    constructor(handle, token) {
      if (token !== TOKEN) throw new TypeError('use kd.tensor(), kd.randn() or kd.zeros() to make tensors');
      this.#h = handle;
      liveTensors++;
    }

    static #handle(t) {
      if (!(t instanceof Tensor)) throw new TypeError(`expected a Tensor of this module, got ${t}`);
      if (t.#h === null) throw new errors.StateError('this tensor was deleted');
      return t.#h;
    }

    get #raw() { return Tensor.#handle(this); }

    // Calls a method of the raw handle with tensor arguments unwrapped.
    #op(name, ...args) {
      const rawArgs = args.map((a) => (a instanceof Tensor ? Tensor.#handle(a) : a));
      return wrap(call((...xs) => this.#raw[name](...xs), ...rawArgs));
    }

    // Tensor-or-number binary op: numbers use the scalar overload.
    #binary(name, other) {
      if (typeof other === 'number') return this.#op(`${name}Scalar`, other);
      Tensor.#handle(other);  // a TypeError for anything else, before entering C++
      return this.#op(name, other);
    }

    get shape() { return call(() => this.#raw.shape()); }
    get dtype() { return call(() => this.#raw.dtype()); }
    get numel() { return call(() => this.#raw.numel()); }
    get requiresGrad() { return call(() => this.#raw.requiresGrad()); }
    /** The accumulated gradient as a new Tensor (delete it when done), or null. */
    get grad() { return this.#op('grad'); }
    get isDeleted() { return this.#h === null; }

    /** A copy of the values, row-major, as a Float32Array. */
    toArray() { return call(() => this.#raw.toFloat32Array()); }
    dataSync() { return this.toArray(); }
    item() { return call(() => this.#raw.item()); }
    toString() { return this.#h === null ? 'Tensor(deleted)' : call(() => this.#raw.toString()); }

    add(other) { return this.#binary('add', other); }
    mul(other) { return this.#binary('mul', other); }
    matmul(other) {
      Tensor.#handle(other);
      return this.#op('matmul', other);
    }
    sum() { return this.#op('sum'); }
    softmax(dim) { return this.#op('softmax', dim); }
    view(...dims) { return this.#op('view', shapeArgs(dims)); }
    transpose(dim0, dim1) { return this.#op('transpose', dim0, dim1); }

    requiresGrad_(flag = true) {
      call(() => this.#raw.setRequiresGrad(Boolean(flag)));
      return this;
    }
    backward() { call(() => this.#raw.backward()); }

    /** Frees this handle (the values live on while another tensor or view uses them). */
    delete() {
      if (this.#h === null) return;
      this.#h.delete();
      this.#h = null;
      liveTensors--;
    }
  }

  /** tensor(nestedArray), tensor(flatArrayOrTypedArray, shape?): copies the values (float32). */
  function tensor(values, shape) {
    let flat = values;
    if (Array.isArray(values)) {
      let inferred;
      [flat, inferred] = flatten(values);
      shape ??= inferred;
    } else if (!ArrayBuffer.isView(values)) {
      throw new TypeError('tensor(): values must be an array or a typed array');
    }
    if (!(flat instanceof Float32Array)) flat = Float32Array.from(flat, Number);
    return wrap(call(raw.tensorFromFloat32, flat, checkShape(shape ?? [flat.length])));
  }

  const kd = {
    Tensor,
    KindlingError,
    errors,
    tensor,
    randn: (...dims) => wrap(call(raw.randn, shapeArgs(dims))),
    zeros: (...dims) => wrap(call(raw.zeros, shapeArgs(dims))),
    manualSeed: (seed) => {
      if (!Number.isSafeInteger(seed) || seed < 0) throw new TypeError('manualSeed(): seed must be a non-negative integer');
      call(raw.manualSeed, seed);
    },
    add: (a, b) => a.add(b),
    mul: (a, b) => a.mul(b),
    matmul: (a, b) => a.matmul(b),
    sum: (t) => t.sum(),
    softmax: (t, dim) => t.softmax(dim),

    /** Live JS handles, the core's live storages and bytes, and the wasm heap. */
    memory: () => ({ liveTensors, ...call(raw.memoryStats) }),
    setNumThreads: (n) => {
      if (!Number.isInteger(n)) throw new TypeError('setNumThreads(): n must be an integer');
      call(raw.setNumThreads, n);
    },
    getNumThreads: () => call(raw.getNumThreads),
    /** {build, simd, threads, numThreads, maxThreads}: what this module runs with. */
    get backend() { return { build, ...call(raw.backendInfo) }; },

    /** Joins the core's threads and terminates the pthread workers; the module is unusable after. */
    shutdown() {
      if (closed) return;
      call(raw.shutdownThreadPool);
      raw.terminateAllThreads();
      closed = true;
    },
  };

  if (build === 'mt' && numThreads !== undefined) kd.setNumThreads(numThreads);
  return kd;
}
