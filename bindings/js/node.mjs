// Node entry: `import kindling from 'kindling'; const kd = await kindling();`
//
// Loads the CommonJS node build (the ES6 glue of Emscripten 3.1.6 does not run in node): the
// threaded one (pthreads as worker_threads) by default when node has worker_threads, the
// single-threaded one with `{threads: false}`. kd.shutdown() joins the threads and ends the
// workers; node also exits without it (the workers are unref'd).
import { createRequire } from 'node:module';
import os from 'node:os';

import { errors, makeApi } from './api.mjs';

export { KindlingError, errors } from './api.mjs';

const require = createRequire(import.meta.url);

function hasWorkerThreads() {
  try {
    return typeof require('node:worker_threads').Worker === 'function';
  } catch {
    return false;
  }
}

/**
 * @param {{threads?: boolean, numThreads?: number}} [options] threads (default: true where
 *   worker_threads exist) picks the threaded build; numThreads (default: the CPU count, at
 *   most 4, the size of the pthread pool) how many threads it uses.
 */
export async function kindling(options = {}) {
  if (options === null || typeof options !== 'object') throw new errors.TypeError('kindling(): options must be an object');
  const { threads = hasWorkerThreads(), numThreads } = options;
  if (typeof threads !== 'boolean') throw new errors.TypeError("kindling(): 'threads' must be a boolean");
  if (numThreads !== undefined && (!Number.isInteger(numThreads) || numThreads < 1)) {
    throw new errors.TypeError("kindling(): 'numThreads' must be a positive integer");
  }
  if (threads && !hasWorkerThreads()) throw new errors.StateError('kindling(): threads need node:worker_threads');
  const build = threads ? 'mt' : 'st';
  const createKindling = require(`./kindling_${build}.node.js`);
  const raw = await createKindling();
  // The pool's workers are all created during load (PTHREAD_POOL_SIZE) and never replaced, so
  // unref'ing them now lets node exit once the script is done even without kd.shutdown().
  // (Not before load: node would exit while the workers are still loading the module.)
  if (raw.PThread) for (const w of raw.PThread.unusedWorkers) w.unref?.();
  const cpus = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return makeApi(raw, { build, numThreads: numThreads ?? Math.min(cpus, 4) });
}

export default kindling;
