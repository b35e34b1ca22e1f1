// Per-op overhead of the JS API: how long one small op takes from JS, per wasm build, and the
// same ops timed inside wasm by C++ (no Embind, no wrapper), so the ratio shows what the
// binding layer costs. A benchmark, not a test: it prints figures and never fails on time.
// Run (after `make build`): node bench/js/op_overhead.mjs
import kindling from '../../bindings/npm/dist/node.mjs';

const N = 100000;

function time(fn) {
  fn();  // warm-up
  const t0 = performance.now();
  fn();
  return (1000 * (performance.now() - t0)) / N;  // microseconds per iteration
}

for (const threads of [false, true]) {
  const kd = await kindling({ threads });
  const a = kd.randn(16);
  const b = kd.randn(16);
  const addDispose = time(() => {
    for (let i = 0; i < N; i++) a.add(b).dispose();
  });
  const addTidy = time(() => kd.tidy(() => {
    for (let i = 0; i < N; i++) a.add(b);
  }));
  const build = kd.backend().build;
  console.log(`${build}: a.add(b) on [16]: ${addDispose.toFixed(2)} us with dispose(), ${addTidy.toFixed(2)} us inside one tidy`);
  a.dispose();
  b.dispose();
  kd.shutdown();
}
