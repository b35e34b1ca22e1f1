// The values the worker computes (imported by worker.js; also runnable in node to get the expected numbers).
export function compute(kd) {
  // a small matmul
  const a = kd.tensor([[1, 2], [3, 4]]);
  const b = kd.tensor([[5, 6], [7, 8]]);
  const matmul = a.matmul(b).toArray();
  // one big enough to be split over the thread pool in the threaded build (pthreads nested in this worker)
  const bigMatmul = kd.ones(256, 256).matmul(kd.ones(256, 256)).sum().item();
  // a backward: d/dx sum(x^3) = 3x^2
  const x = kd.tensor([1, 2, 3], { requiresGrad: true });
  x.pow(3).sum().backward();
  const grad = x.grad.toArray();
  // a tiny nn.Linear and one SGD step on an MSE loss, from fixed parameters
  const lin = kd.nn.Linear(2, 1);
  kd.noGrad(() => {
    lin.weight.copy_(kd.tensor([[0.5, -0.5]]));
    lin.bias.fill_(0.25);
  });
  const opt = new kd.optim.SGD(lin.parameters(), { lr: 0.1 });
  const input = kd.tensor([[1, 2], [3, 4]]);
  const target = kd.tensor([[1], [2]]);
  opt.zeroGrad();
  const loss = kd.nn.functional.mseLoss(lin.call(input), target);
  loss.backward();
  opt.step();
  const result = {
    matmul,
    bigMatmul,
    grad,
    loss: loss.item(),
    weight: lin.weight.toArray(),
    bias: lin.bias.toArray(),
  };
  lin.dispose();
  return result;
}
