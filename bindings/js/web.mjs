// Browser entry (page or Web Worker): `import kindling from 'kindling'; const kd = await kindling();`
//
// Loads the ES6 web build next to this file by URL. Threads need crossOriginIsolated
// (COOP same-origin + COEP require-corp); without it the single-threaded build is used.
// Run it in a Web Worker: a pthread join blocks the calling thread.
import { errors, makeApi } from './api.mjs';

export { KindlingError, errors } from './api.mjs';

// Each file by a literal `new URL('./file', import.meta.url)`, the pattern bundlers (Vite,
// webpack 5, Rollup plugins) recognise: they copy the files into the build and rewrite the URLs.
// (With Vite's dev server, add `optimizeDeps: { exclude: ['kindling'] }`: pre-bundling moves
// the module away from its files.)
const FILES = {
  st: () => ({
    js: new URL('./kindling_st.web.js', import.meta.url).href,
    wasm: new URL('./kindling_st.web.wasm', import.meta.url).href,
  }),
  mt: () => ({
    js: new URL('./kindling_mt.web.js', import.meta.url).href,
    wasm: new URL('./kindling_mt.web.wasm', import.meta.url).href,
    worker: new URL('./kindling_mt.web.worker.js', import.meta.url).href,
  }),
};

// The URL Emscripten starts its pthread workers from (classic workers running the
// .worker.js script, which imports the glue by the URL it is sent).
async function workerScriptUrl(url) {
  // A bundler may inline the small worker file as a data: URL (Vite does under 4 kB); a worker
  // from a data: URL has an opaque origin and cannot load the glue, so run it from a blob: URL.
  if (url.startsWith('data:')) return URL.createObjectURL(await (await fetch(url)).blob());
  // Vite's dev server rewrites every .js it serves from node_modules into an ES module (it adds
  // an `import` line), which a classic worker cannot run; its `?raw` import gives the file as is.
  if (import.meta.env?.DEV) {
    try {
      const { default: text } = await import(/* @vite-ignore */ `${url}${url.includes('?') ? '&' : '?'}raw`);
      if (typeof text === 'string') return URL.createObjectURL(new Blob([text], { type: 'text/javascript' }));
    } catch {
      // not Vite: the plain URL
    }
  }
  return url;
}

/** True where SharedArrayBuffer exists, i.e. the threaded build can run. */
export function canUseThreads() {
  return typeof SharedArrayBuffer !== 'undefined' && globalThis.crossOriginIsolated === true;
}

/**
 * @param {{threads?: boolean | 'auto', numThreads?: number}} [options] threads: 'auto'
 *   (default) uses the threaded build when the page is cross-origin isolated; numThreads
 *   (default: navigator.hardwareConcurrency, at most 4).
 */
export async function kindling(options = {}) {
  if (options === null || typeof options !== 'object') throw new errors.TypeError('kindling(): options must be an object');
  const { threads = 'auto', numThreads } = options;
  if (threads !== 'auto' && typeof threads !== 'boolean') throw new errors.TypeError("kindling(): 'threads' must be a boolean or 'auto'");
  if (numThreads !== undefined && (!Number.isInteger(numThreads) || numThreads < 1)) {
    throw new errors.TypeError("kindling(): 'numThreads' must be a positive integer");
  }
  if (threads === true && !canUseThreads()) {
    throw new errors.StateError('kindling(): threads need a cross-origin isolated page (COOP/COEP headers)');
  }
  const build = threads === true || (threads === 'auto' && canUseThreads()) ? 'mt' : 'st';
  const files = FILES[build]();
  if (files.worker) files.worker = await workerScriptUrl(files.worker);
  const { default: createKindling } = await import(/* @vite-ignore */ files.js);
  const raw = await createKindling({
    // Where the glue finds its .wasm and pthread worker, and what the workers import: the URLs
    // below, which bundlers rewrite when they copy (and rename) the files.
    locateFile: (path) => (path.endsWith('.wasm') ? files.wasm : path.endsWith('.worker.js') ? files.worker : path),
    mainScriptUrlOrBlob: files.js,
  });
  const cores = globalThis.navigator?.hardwareConcurrency ?? 2;
  return makeApi(raw, { build, numThreads: numThreads ?? Math.min(cores, 4) });
}

export default kindling;
