// Kindling's error classes and the argument description used in their messages. Every other
// file of the JS layer imports these from here (api.mjs re-exports them), so no two files
// import each other.

/** Base class of every error raised by Kindling. `name` and `kind` are the kind. */
export class KindlingError extends Error {
  constructor(kind, message) {
    super(message);
    this.name = kind;
    this.kind = kind;
  }
}

// One subclass per kind the core raises (core/util/error.h), plus the two the boundary adds.
const KINDS = ['IndexError', 'ShapeError', 'ValueError', 'StateError', 'TypeError', 'MemoryError', 'RuntimeError'];

/**
 * errors.ShapeError etc.: `err instanceof errors.ShapeError`, `err instanceof KindlingError`.
 * errors.TypeError also extends nothing of the global TypeError: check it with
 * `err instanceof kd.errors.TypeError` (or `err.name === 'TypeError'`).
 */
export const errors = Object.freeze(Object.fromEntries(KINDS.map((kind) => {
  const cls = class extends KindlingError {
    constructor(message) { super(kind, message); }
  };
  Object.defineProperty(cls, 'name', { value: kind });
  return [kind, cls];
})));

export function makeError(kind, message) {
  // The core reports a failed allocation as a ValueError "out of memory: ..."; it is a MemoryError
  // here (as std::bad_alloc is, in bindings/embind/boundary.h).
  if (kind === 'ValueError' && message.startsWith('out of memory')) kind = 'MemoryError';
  const cls = errors[kind] ?? errors.RuntimeError;
  return new cls(message);
}

/** Throws kd.errors.TypeError (argument checking in JS uses the same classes as C++). */
export function typeError(message) {
  return new errors.TypeError(message);
}

export function describe(x) {
  if (x === null || x === undefined) return String(x);
  if (typeof x === 'string') return JSON.stringify(x);
  if (Array.isArray(x)) return `[${x.map(describe).join(', ')}]`;
  if (typeof x === 'object') return x.constructor?.name ?? 'object';
  return String(x);
}
