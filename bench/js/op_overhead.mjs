// Per-op overhead of the JS API: how long one small op takes from JS, per wasm build (the
// in-wasm cost of the same ops, without Embind or the wrapper, is build/bench/bench_ops). A
// benchmark, not a test: it prints figures and never fails on time.
// Run (after `make build`): node bench/js/op_overhead.mjs [--reps N] [--dist DIR]
// Each figure is the median of N (default 5) runs of 100,000 ops; --dist times another build
// of bindings/npm/dist (e.g. a copy made before a change).
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const N = 100000;
const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const reps = Number(option('--reps', 5));
const dist = path.resolve(option('--dist', path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bindings/npm/dist')));
const { kindling } = await import(pathToFileURL(path.join(dist, 'node.mjs')).href);

function time(fn) {
  fn();  // warm-up
  const t0 = performance.now();
  fn();
  return (1000 * (performance.now() - t0)) / N;  // microseconds per iteration
}
const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];

for (const threads of [false, true]) {
  const kd = await kindling({ threads });
  const a = kd.randn(16);
  const b = kd.randn(16);
  const withDispose = [];
  const inTidy = [];
  for (let r = 0; r < reps; r++) {
    withDispose.push(time(() => {
      for (let i = 0; i < N; i++) a.add(b).dispose();
    }));
    inTidy.push(time(() => kd.tidy(() => {
      for (let i = 0; i < N; i++) a.add(b);
    })));
  }
  console.log(`${kd.backend().build}: a.add(b) on [16]: ${median(withDispose).toFixed(2)} us with dispose(), ${median(inTidy).toFixed(2)} us inside one tidy`);
  a.dispose();
  b.dispose();
  kd.shutdown();
}
