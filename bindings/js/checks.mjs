// Argument checks shared by the JS layer: each returns the value (converted where said) or
// throws kd.errors.TypeError naming `what` (e.g. 'narrow(): dim') and what it got.
import { describe, errors, typeError } from './errors.mjs';

export const DTYPES = ['float32', 'int64', 'bool'];

export function isPlainObject(x) {
  return x !== null && typeof x === 'object' && !Array.isArray(x) && !ArrayBuffer.isView(x) &&
    (Object.getPrototypeOf(x) === Object.prototype || Object.getPrototypeOf(x) === null);
}

export function checkDtype(dtype, what = 'dtype') {
  if (!DTYPES.includes(dtype)) throw typeError(`${what} must be one of 'float32', 'int64', 'bool', got ${describe(dtype)}`);
  return dtype;
}

export function checkInt(x, what) {
  if (!Number.isSafeInteger(x)) throw typeError(`${what} must be an integer, got ${describe(x)}`);
  return x;
}

export function checkNumber(x, what) {
  if (typeof x !== 'number') throw typeError(`${what} must be a number, got ${describe(x)}`);
  return x;
}

/** A fill value: a number, or a boolean as 0/1. */
export function checkValue(x, what) {
  if (typeof x === 'boolean') return Number(x);
  return checkNumber(x, what);
}

export function checkBool(x, what) {
  if (typeof x !== 'boolean') throw typeError(`${what} must be a boolean, got ${describe(x)}`);
  return x;
}

/** An options object (undefined: {}). */
export function checkOptions(opts, what) {
  if (opts === undefined) return {};
  if (!isPlainObject(opts)) throw typeError(`${what}: options must be an object, got ${describe(opts)}`);
  return opts;
}

/** Bytes in any of the forms files arrive in (Uint8Array, Buffer, ArrayBuffer, another view) as a Uint8Array. */
export function checkBytes(bytes, what) {
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  if (ArrayBuffer.isView(bytes)) return bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  throw typeError(`${what}: expected a Uint8Array or ArrayBuffer, got ${describe(bytes)}`);
}

export function checkIntArray(a, what) {
  if (!Array.isArray(a)) throw typeError(`${what} must be an array of integers, got ${describe(a)}`);
  for (const x of a) checkInt(x, what);
  return a;
}

/** An int or an array of ints (the dims of a reduction), as an array. */
export function checkDims(dim, what = 'dim') {
  if (Array.isArray(dim)) return dim.map((d) => checkInt(d, what));
  return [checkInt(dim, what)];
}

/** Sizes of a new tensor: non-negative integers. */
export function checkShape(dims, what = 'shape') {
  if (!Array.isArray(dims) || !dims.every((d) => Number.isSafeInteger(d))) {
    throw typeError(`${what} must be integers, got ${describe(dims)}`);
  }
  if (dims.some((d) => d < 0)) throw new errors.ValueError(`${what} must be non-negative, got [${dims.join(', ')}]`);
  return dims;
}

/** view(2, -1) and view([2, -1]): the rest arguments of a shape (-1 allowed, checked again in C++). */
export function sizesOf(args, what = 'shape') {
  return checkIntArray(args.length === 1 && Array.isArray(args[0]) ? args[0] : args, what);
}

/** keepdim from x.sum(1, true) (PyTorch's positional keepdim) or x.sum(1, {keepdim: true}). */
export function keepdimOf(opts, what) {
  if (typeof opts === 'boolean') return opts;
  const { keepdim = false } = checkOptions(opts, what);
  return checkBool(keepdim, `${what}: keepdim`);
}
