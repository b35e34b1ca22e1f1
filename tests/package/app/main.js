// A bundled app: `import kindling from 'kindling'` resolved by Vite to the package's web build,
// used on the page (run) and inside a module Web Worker (worker.js).
import kindling from 'kindling';

async function run() {
  const kd = await kindling();
  const x = kd.tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
  const y = x.softmax(1);
  const loss = x.mul(x).sum();
  loss.backward();
  const result = {
    backend: kd.backend(),
    crossOriginIsolated: self.crossOriginIsolated === true,
    softmax: Array.from(y.dataSync()),
    grad: x.grad.toArray(),
    matmul: kd.ones(64, 64).matmul(kd.ones(64, 64)).sum().item(),
    repr: String(x),
  };
  kd.shutdown();
  return result;
}

// The same package inside a module Web Worker, created the way Vite documents it.
function runInWorker() {
  return new Promise((resolve) => {
    const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    const done = (data) => { worker.terminate(); resolve(data); };
    worker.onmessage = (e) => done(e.data);
    worker.onerror = (e) => done({ ok: false, error: `worker error: ${e.message ?? e}` });
    worker.postMessage('run');
  });
}

const settle = (p) => p.then((result) => ({ ok: true, result }), (e) => ({ ok: false, error: `${e?.name}: ${e?.message}` }));

// One after the other: the page's result, then the worker's.
(async () => {
  window.kindlingResult = await settle(run());
  window.kindlingWorkerResult = await runInWorker();
  document.body.dataset.state = 'done';
})();
