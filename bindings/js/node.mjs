// Node entry: `const kd = await kindling({ threads: true })`.
//
// Loads the CommonJS node build (the ES6 glue of Emscripten 3.1.6 does not run in node): the
// threaded one (pthreads as worker_threads) unless `threads: false`. Call kd.shutdown() when
// done with a threaded module to join its threads and end the workers (node would exit
// without it too: the workers are unref'd).
import { createRequire } from 'node:module';
import os from 'node:os';

import { makeApi } from './api.mjs';

export { KindlingError, errors } from './api.mjs';

const require = createRequire(import.meta.url);

/**
 * @param {{threads?: boolean, numThreads?: number}} [options] threads (default true) picks the
 *   threaded build; numThreads (default: the CPU count, at most 4) how many it uses.
 */
export async function kindling({ threads = true, numThreads } = {}) {
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
