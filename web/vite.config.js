import { defineConfig } from 'vite';

// SharedArrayBuffer (and so the threaded wasm build) needs a cross-origin isolated page.
const crossOriginIsolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  // public/wasm/ holds the Emscripten glue, .wasm, .worker.js and bindings/js (copied by
  // `make build`). They are loaded by runtime URL, never bundled: 3.1.6's ES6 glue creates
  // its pthread workers relative to its own URL.
  server: { host: '0.0.0.0', port: 5173, strictPort: true, headers: crossOriginIsolation },
  preview: { host: '0.0.0.0', port: 5173, strictPort: true, headers: crossOriginIsolation },
  worker: { format: 'es' },
  build: { target: 'es2022' },
});
