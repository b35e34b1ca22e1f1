// The friendly JS layer over the raw Embind block (bindings/embind/*.cpp).
//
// makeApi(raw) builds one `kd` object per loaded module. The work is split by file:
//   errors.mjs     the error classes and describe(), imported by every other file
//   api.mjs        the context every part shares (errors, handles, scopes) — this file
//   checks.mjs     argument checks
//   tensor.mjs     the tensor part of kd, from: tensor_class.mjs (Tensor/Parameter, the op call
//                  path, hand-written methods), tensor_ops.mjs (the methods generated from the op
//                  table, bindings/optable), factories.mjs, runtime.mjs (grad mode, tidy/keep/memory,
//                  backend, shutdown)
//   autograd.mjs   kd.autograd (anomaly detection)
//   nn.mjs         kd.nn, kd.nn.functional, kd.nn.init
//   optim.mjs      kd.optim
//   serialize.mjs  safetensors and embedding text files
//   manifold.mjs   kd.decomposition (PCA), kd.manifold (TSNE), kd.neighbors
// It is environment-free: node.mjs and web.mjs load a module and hand it to makeApi.
//
// Rules every part follows:
//   - errors: every raw call goes through ctx.call, which checks the module's error slot (see
//     bindings/embind/boundary.h) and throws a KindlingError subclass named after the C++ kind;
//   - handles: every raw tensor handle returned by C++ is owned by exactly one JS Tensor
//     (ctx.wrap) or deleted; wrappers are tracked by the innermost kd.tidy scope;
//   - arguments are validated and converted in JS before entering C++, so that no JS
//     exception is ever thrown from inside a C++ frame.
import { KindlingError, describe, errors, makeError, typeError } from './errors.mjs';
import {
  checkBool, checkBytes, checkDtype, checkInt, checkNumber, checkOptions, checkShape,
} from './checks.mjs';
import { installAutogradApi } from './autograd.mjs';
import { installTensorApi, makeTensorClasses } from './tensor.mjs';
import { installNnApi } from './nn.mjs';
import { installOptimApi } from './optim.mjs';
import { installSerializeApi } from './serialize.mjs';
import { installManifoldApi } from './manifold.mjs';

export { KindlingError, describe, errors, typeError };

/**
 * The context shared by tensor.mjs, nn.mjs, optim.mjs and serialize.mjs. Members:
 *   raw, call, wrap, unwrap, toTensor, identity, adopt, Tensor, Parameter, errors, shapeArgs,
 *   onShutdown, typeError, and (internal to tensor.mjs) scopes/state.
 */
export function createContext(raw, { build = 'st', numThreads } = {}) {
  const ctx = {
    raw,
    build,
    numThreads,
    errors,
    KindlingError,
    typeError,
    describe,
    closed: false,
    shutdownHooks: [],
    checkBool,
    checkBytes,
    checkDtype,
    checkInt,
    checkNumber,
    checkOptions,
  };

  // The CallStatus words of bindings/embind/boundary.h, read from wasm memory after each call
  // (raw.HEAP32 is the current view, also after the memory grew): [error, defined, parameter].
  const STATUS = raw.callStatusAddress() / 4;
  ctx.statusIndex = STATUS;
  // After a raw call whose error word is set (the caller freed what it returned): throws the
  // recorded error, its stack starting at the caller's line (V8).
  ctx.throwCallError = function throwCallError(site) {
    const { kind, message } = raw.takeError();
    const error = makeError(kind, message);
    Error.captureStackTrace?.(error, site);
    throw error;
  };
  function fail(result, site) {
    freeRawResult(result);
    ctx.throwCallError(site);
  }

  /** Runs a raw call; a recorded C++ error becomes a thrown KindlingError subclass. */
  ctx.call = function call(fn, ...args) {
    if (ctx.closed) throw new errors.StateError('this Kindling module was shut down');
    const result = fn(...args);
    if (raw.HEAP32[STATUS] !== 0) fail(result, call);
    return result;
  };

  // ---- JS hooks called from inside a C++ backward pass (bindings/embind/autograd.cpp) ----
  // No JS exception may cross a C++ frame: ctx.hookCallback(body) wraps a hook so that what it
  // throws is kept here and C++ sees `false` (and raises, unwinding normally); the JS call that
  // ran the backward pass then rethrows the kept error through ctx.withHookErrors.
  let hookError = null;
  ctx.hookCallback = (body) => (...rawArgs) => {
    try {
      const result = body(...rawArgs);
      return result === undefined ? null : result;
    } catch (e) {
      hookError ??= e;
      return false;
    }
  };
  /** Runs fn(); if a JS hook threw while it ran, that error is thrown (not the C++ one it caused). */
  ctx.withHookErrors = (fn) => {
    hookError = null;
    try {
      return fn();
    } catch (e) {
      if (hookError === null) throw e;
      const kept = hookError;
      hookError = null;
      throw kept;
    }
  };
  // Raw hook handles (RemovableHandle) are freed with their JS handle object.
  const handleRegistry = typeof FinalizationRegistry === 'function' ? new FinalizationRegistry((h) => h.delete()) : null;
  /** A {remove()} object over a raw RawHookHandle. */
  ctx.hookHandle = (rawHandle) => {
    let live = rawHandle;
    const handle = {
      remove() {
        if (!live) return;
        live.remove();
        handleRegistry?.unregister(handle);
        live.delete();
        live = null;
      },
    };
    handleRegistry?.register(handle, rawHandle, handle);
    return handle;
  };

  /** handle[name](...args) checked like ctx.call, without a closure per call (the op hot path). */
  ctx.invoke = function invoke(handle, name, args) {
    if (ctx.closed) throw new errors.StateError('this Kindling module was shut down');
    const result = handle[name](...args);
    if (raw.HEAP32[STATUS] !== 0) fail(result, invoke);
    return result;
  };

  /** (2, 3) or ([2, 3]) -> [2, 3], validated: a kd.errors.TypeError for anything else. */
  ctx.shapeArgs = function shapeArgs(args) {
    return checkShape(args.length === 1 && Array.isArray(args[0]) ? args[0] : args);
  };
  ctx.checkShape = checkShape;

  /** Registers fn to run at kd.shutdown() (before the module is closed). */
  ctx.onShutdown = (fn) => { ctx.shutdownHooks.push(fn); };

  // Tensor, Parameter, wrap, unwrap, toTensor, identity, adopt, scopes.
  makeTensorClasses(ctx);
  return ctx;
}

// A failed call may still have returned raw handles (an undefined Tensor, or an array of them).
function freeRawResult(result) {
  if (result && typeof result.delete === 'function') {
    result.delete();
  } else if (Array.isArray(result)) {
    for (const r of result) freeRawResult(r);
  }
}

/** Wraps a loaded raw module. `build` is 'mt' or 'st'; `numThreads` the threads to start with. */
export function makeApi(raw, opts = {}) {
  const ctx = createContext(raw, opts);
  const kd = {};
  installTensorApi(ctx, kd);
  installAutogradApi(ctx, kd);
  installNnApi(ctx, kd);
  installOptimApi(ctx, kd);
  installSerializeApi(ctx, kd);
  installManifoldApi(ctx, kd);
  return kd;
}
