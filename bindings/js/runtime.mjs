// The module-wide state a user steers: grad mode (kd.noGrad, kd.enableGrad), memory scopes
// (kd.tidy, kd.keep, kd.dispose, kd.memory), the backend and threads, and kd.shutdown().
import { describe } from './errors.mjs';
import { checkBool, checkInt, isPlainObject } from './checks.mjs';

/** These functions by their kd names; also sets ctx.runWithMode. */
export function makeRuntime(ctx) {
  const { raw, Tensor, typeError, scopes, state } = ctx;

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

  return {
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
  };
}
