// t-SNE throughput in wasm, side by side with tsne-js (npm), on the data set of
// bench/bench_tsne.cpp (the native figures): N points, D = 64, in 10 Gaussian clusters made by
// kd.manualSeed(0). For each build and thread count: the kNN graph (k = 91), start() (kNN +
// P + PCA init), and Barnes-Hut iterations per second in the early-exaggeration phase
// (iterations 0-99) and after it (250-349). tsne-js is exact t-SNE (O(N^2) time and memory):
// its P time and iterations per second are measured from its progress events over its first
// 20 iterations, where it runs. A benchmark, not a test: it prints, never fails on time.
//
//   make build && npm ci --prefix bench/js && node bench/js/tsne.mjs [N ...]   (default 1000 5000 20000)
import { createRequire } from 'node:module';

import kindling from '../../bindings/npm/dist/node.mjs';

const sizes = process.argv.slice(2).map(Number);
if (sizes.length === 0) sizes.push(1000, 5000, 20000);
const PERPLEXITY = 30;
const TSNE_JS_ITERATIONS = 20;
// tsne-js keeps several dense N x N double matrices (distances, P, Q, gradients' terms):
// 3.2 GB each at 20k points.
const TSNE_JS_MAX_N = 5000;

function clusters(kd, n, d) {
  kd.manualSeed(0);
  const centers = kd.randn(10, d).mul(4);
  const labels = kd.tensor(Array.from({ length: n }, (_, i) => i % 10), { dtype: 'int64' });
  return centers.indexSelect(0, labels).add(kd.randn(n, d));
}

const seconds = (t0) => (performance.now() - t0) / 1000;
const fmt = (x, digits) => x.toFixed(digits).padStart(12);

console.log(`${'build'.padEnd(26)} ${'N'.padStart(6)} ${'kNN s'.padStart(12)} ${'start s'.padStart(12)} ${'it/s 0-99'.padStart(12)} ${'it/s 250-349'.padStart(12)}`);
for (const { threads, numThreads } of [{ threads: false, numThreads: 1 }, { threads: true, numThreads: 1 }, { threads: true, numThreads: 2 }]) {
  const kd = await kindling({ threads, numThreads });
  kd.setNumThreads(numThreads);
  const label = `kindling wasm ${threads ? 'mt' : 'st'}, ${numThreads} thread${numThreads > 1 ? 's' : ''}`;
  for (const n of sizes) {
    kd.tidy(() => {
      const x = clusters(kd, n, 64);
      let t0 = performance.now();
      kd.neighbors(x, Math.min(n - 1, Math.floor(3 * PERPLEXITY + 1)));
      const knn = seconds(t0);
      const tsne = new kd.manifold.TSNE({ perplexity: PERPLEXITY, randomState: 0 });
      t0 = performance.now();
      tsne.start(x);
      const start = seconds(t0);
      t0 = performance.now();
      tsne.step(100);
      const early = 100 / seconds(t0);
      tsne.step(150);
      t0 = performance.now();
      tsne.step(100);
      const late = 100 / seconds(t0);
      tsne.dispose();
      console.log(`${label.padEnd(26)} ${String(n).padStart(6)} ${fmt(knn, 3)} ${fmt(start, 3)} ${fmt(early, 1)} ${fmt(late, 1)}`);
    });
  }
  kd.shutdown();
}

// tsne-js, on the same points.
let TSNEJS;
try {
  TSNEJS = createRequire(import.meta.url)('tsne-js');
} catch {
  console.log('tsne-js: not installed (npm ci --prefix bench/js)');
  process.exit(0);
}
const kd = await kindling({ threads: false });
for (const n of sizes) {
  if (n > TSNE_JS_MAX_N) {
    console.log(`${'tsne-js 1.0.3 (exact)'.padEnd(26)} ${String(n).padStart(6)}   does not run: its dense N x N matrices need ${(n * n * 8 / 1e9).toFixed(1)} GB each`);
    continue;
  }
  const data = kd.tidy(() => clusters(kd, n, 64).toArray());
  const model = new TSNEJS({ dim: 2, perplexity: PERPLEXITY, earlyExaggeration: 12, learningRate: 200, nIter: 1000, metric: 'euclidean' });
  model.init({ data, type: 'dense' });
  const t0 = performance.now();
  const stamps = [];
  const done = new Error('enough iterations');
  model.on('progressIter', () => {
    stamps.push(performance.now());
    if (stamps.length > TSNE_JS_ITERATIONS) throw done;
  });
  try {
    model.run();
  } catch (e) {
    if (e !== done) throw e;
  }
  const rate = (stamps.length - 1) / ((stamps[stamps.length - 1] - stamps[0]) / 1000);
  const start = (stamps[0] - t0) / 1000 - 1 / rate;  // distances + P: up to the first iteration
  console.log(`${'tsne-js 1.0.3 (exact)'.padEnd(26)} ${String(n).padStart(6)} ${'-'.padStart(12)} ${fmt(start, 3)} ${fmt(rate, 1)} ${'-'.padStart(12)}`);
}
kd.shutdown();
