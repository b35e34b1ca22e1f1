export default {
  logLevel: 'warn',
  // Pre-bundling would move kindling away from its .wasm files (dev server only).
  optimizeDeps: { exclude: ['kindling'] },
  build: { target: 'es2022' },
  server: { headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } },
  preview: { headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } },
};
