// A bundled app: `import kindling from 'kindling'` resolved by Vite to the package's web build.
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

run().then(
  (result) => { window.kindlingResult = { ok: true, result }; document.body.dataset.state = 'done'; },
  (e) => { window.kindlingResult = { ok: false, error: `${e?.name}: ${e?.message}` }; document.body.dataset.state = 'done'; },
);
