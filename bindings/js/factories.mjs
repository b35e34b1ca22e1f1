// The factories (kd.tensor, kd.zeros, kd.arange, ...) and the free functions over several
// tensors (kd.cat, kd.stack, kd.where, kd.oneHot). Each validates its arguments in JS, makes one
// raw call and wraps the handle it returns.
import { describe } from './errors.mjs';
import { checkBool, checkDtype, checkInt, checkNumber, checkOptions, isPlainObject } from './checks.mjs';

/** The factories and free functions, by their kd names; also sets ctx.tensor and ctx.scalar. */
export function makeFactories(ctx) {
  const { raw, errors, Tensor, typeError } = ctx;

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
      if (!(t instanceof Tensor)) throw typeError(`expected a Tensor, got ${describe(t)}`);
      let opts = rest[rest.length - 1];
      if (!isPlainObject(opts)) opts = undefined;
      const { dtype, requiresGrad } = factoryOptions(opts, `${name}()`, t.dtype);
      const shape = t.shape;
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

  return {
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
  };
}
