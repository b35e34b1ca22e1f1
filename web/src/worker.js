// Owns the wasm module: loads it, runs a few computations, and posts plain results to the page.
// (A pthread join blocks the calling thread, so the model never runs on the page's thread.)

const base = new URL(import.meta.env.BASE_URL, self.location.origin);

async function run() {
  const { kindling } = await import(/* @vite-ignore */ new URL('wasm/web.mjs', base).href);
  const kd = await kindling();
  const backend = { ...kd.backend(), crossOriginIsolated: self.crossOriginIsolated === true };

  // Matmul: a checkable product (ones @ ones: every entry is 256), then timing on random data.
  const n = 256;
  const ones = kd.tensor(new Float32Array(n * n).fill(1), [n, n]);
  const onesProduct = ones.matmul(ones);
  const onesValues = onesProduct.dataSync();
  const allEqualN = onesValues.every((v) => v === n);
  kd.manualSeed(0);
  const a = kd.randn(n, n);
  a.matmul(a).dispose();  // warm-up
  const times = [];
  for (let i = 0; i < 10; i++) {
    const t0 = performance.now();
    a.matmul(a).dispose();
    times.push(performance.now() - t0);
  }
  times.sort((x, y) => x - y);
  const medianMs = times[times.length >> 1];
  const matmul = { n, entry: onesValues[0], allEqualN, medianMs, gflops: (2 * n ** 3) / (medianMs * 1e6) };

  const x = kd.tensor([1, 2, 3]);
  const s = x.softmax(0);
  const softmax = Array.from(s.dataSync());

  let error = null;
  const b = kd.zeros(4, 5);
  const c = kd.zeros(2, 3);
  try {
    c.matmul(b);
  } catch (e) {
    error = { isError: e instanceof Error, name: e.name, message: e.message };
  }
  // The module still works after the error.
  const after = x.sum().item();

  for (const t of [ones, onesProduct, a, x, s, b, c]) t.dispose();
  return { backend, matmul, softmax, error, afterErrorSum: after, memory: kd.memory() };
}

run().then(
  (result) => self.postMessage({ ok: true, result }),
  (e) => self.postMessage({ ok: false, error: `${e?.name ?? 'Error'}: ${e?.message ?? e}` }),
);
