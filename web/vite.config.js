import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// SharedArrayBuffer (and so the threaded wasm build) needs a cross-origin isolated page. The
// Content-Security-Policy allows scripts from this origin only, no inline script and no eval;
// 'wasm-unsafe-eval' lets WebAssembly compile, blob: workers are the pthreads' in dev mode.
const headers = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Content-Security-Policy': "script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:; object-src 'none'; base-uri 'self'",
};

export default defineConfig({
  plugins: [svelte()],
  // public/wasm/ holds the Emscripten glue, .wasm, .worker.js and bindings/js (copied by
  // `make build`). They are loaded by runtime URL, never bundled: 3.1.6's ES6 glue creates
  // its pthread workers relative to its own URL.
  // localhost only: the playground is a local tool, not a service for the network.
  server: { host: '127.0.0.1', port: 5173, strictPort: true, headers },
  preview: { host: '127.0.0.1', port: 5173, strictPort: true, headers },
  // The inspector and PyTorch's reprs show a module's class name (`constructor.name`): the
  // minifier must keep the names of the model classes, which live in the worker's bundle.
  worker: { format: 'es', rolldownOptions: { output: { keepNames: true } } },
  build: { target: 'es2022', rolldownOptions: { output: { keepNames: true } } },
});
