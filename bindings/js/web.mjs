// Browser entry (page or Web Worker): `const kd = await kindling()`.
//
// Loads the ES6 web build next to this file by URL. Threads need crossOriginIsolated
// (COOP same-origin + COEP require-corp); without it the single-threaded build is used.
// Run it in a Web Worker: a pthread join blocks the calling thread.
import { makeApi } from './api.mjs';

export { KindlingError, errors } from './api.mjs';

/** True where SharedArrayBuffer exists, i.e. the threaded build can run. */
export function canUseThreads() {
  return typeof SharedArrayBuffer !== 'undefined' && globalThis.crossOriginIsolated === true;
}

/**
 * @param {{threads?: boolean | 'auto', numThreads?: number}} [options] threads: 'auto'
 *   (default) uses the threaded build when the page is cross-origin isolated; numThreads
 *   (default: navigator.hardwareConcurrency, at most 4).
 */
export async function kindling({ threads = 'auto', numThreads } = {}) {
  if (threads === true && !canUseThreads()) {
    throw new Error('kindling: threads need a cross-origin isolated page (COOP/COEP headers)');
  }
  const build = threads === true || (threads === 'auto' && canUseThreads()) ? 'mt' : 'st';
  const url = new URL(`./kindling_${build}.web.js`, import.meta.url).href;
  const { default: createKindling } = await import(/* @vite-ignore */ url);
  const raw = await createKindling();
  const cores = globalThis.navigator?.hardwareConcurrency ?? 2;
  return makeApi(raw, { build, numThreads: numThreads ?? Math.min(cores, 4) });
}

export default kindling;
