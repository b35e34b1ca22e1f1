// Type-checked with `tsc --noEmit --strict` against the installed package's types.
import kindling, { errors, KindlingError } from 'kindling';
import type { BackendInfo, DType, Kindling, MemoryInfo, Tensor, TSNEOptions, ValuesIndices } from 'kindling';

async function main(): Promise<void> {
  const kd: Kindling = await kindling({ threads: false, numThreads: 1 });
  const info: BackendInfo = kd.backend();
  const threads: boolean = info.threads;

  // factories
  const a: Tensor = kd.zeros(2, 3);
  const b = kd.ones([2, 3], { dtype: 'float32', requiresGrad: true });
  const c = kd.tensor([[1, 2], [3, 4]], { requiresGrad: true });
  const d = kd.tensor(new Float32Array(6), { shape: [2, 3] });
  const e = kd.tensor([1, 2, 3, 4], [2, 2]);
  const r = kd.arange(0, 10, 2);
  const l = kd.linspace(0, 1, 5);
  const i = kd.eye(3);
  const ri = kd.randint(0, 10, [3]);
  const rp = kd.randperm(5);
  const f = kd.full([2], 7, { dtype: 'int64' });
  const like = kd.zerosLike(c, { dtype: 'float32' });
  const s = kd.scalar(1.5);
  kd.manualSeed(1);

  // methods
  const dt: DType = a.dtype;
  const shape: number[] = a.shape;
  const n: number = a.numel() + a.dim() + a.size(0);
  const sum = a.add(b).mul(2).sub(1, { alpha: 2 }).sum(1, { keepdim: true });
  const both: ValuesIndices = c.max(1);
  const [values, indices] = c.min(0, { keepdim: true });
  const named = both.values.add(both.indices.float());
  const sm = c.softmax(-1).logSoftmax(0).mean([0, 1]);
  const mm = c.matmul(c.t()).mm(c).unsqueeze(0).bmm(c.unsqueeze(0));
  const v = d.view(3, 2).reshape([6]).permute(0).flatten();
  const g = kd.where(c.gt(2), c, 0);
  const cat = kd.cat([c, c], 1);
  const st = kd.stack([c, c]);
  const oh = kd.oneHot(kd.tensor([0, 1], { dtype: 'int64' }), 3);
  const clamped = c.clamp({ min: 0 }).clamp(null, 3);
  const vv = c.var(1, { unbiased: false }).std().norm(2, null, { keepdim: false });
  b.maskedFill_(b.gt(0), 0);
  kd.noGrad(() => a.normal_({ mean: 0, std: 1 }).uniform_(0, 1));

  // autograd
  const loss = c.mul(c).sum();
  loss.backward(undefined, { retainGraph: true });
  loss.backward();
  const grad: Tensor | null = c.grad;
  c.grad = null;
  const fn: string | null = loss.gradFn;
  const leaf: boolean = c.isLeaf && c.requiresGrad;
  const version: number = c.version;
  const det = c.detach().data;
  const item = loss.item();
  const arr = c.toArray();
  const typed = c.dataSync();
  const text: string = c.toString();

  // memory
  const kept = kd.tidy(() => {
    const t = kd.ones(2);
    kd.keep(kd.zeros(1)).dispose();
    return { t, list: [t.mul(2)] };
  });
  kd.dispose(kept);
  const mem: MemoryInfo = kd.memory();
  const liveTensors: number = mem.liveTensors + mem.bytes + mem.wasmHeapBytes;

  // parameters and errors
  const p = new kd.Parameter(kd.randn(2, 2));
  const isTensor: boolean = p instanceof kd.Tensor;
  try {
    a.matmul(kd.ones(5, 5));
  } catch (err) {
    if (err instanceof errors.ShapeError || err instanceof kd.errors.IndexError || err instanceof KindlingError) {
      const kind: string = err.kind;
      void kind;
    }
  }

  // nn, optim, serialization (types/nn.d.ts, types/optim.d.ts)
  const model = new kd.nn.Sequential(new kd.nn.Linear(2, 4), new kd.nn.Tanh(), new kd.nn.Linear(4, 1));
  const opt = new kd.optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
  const lossFn = new kd.nn.MSELoss();
  const out: Tensor = lossFn.call(model.call(kd.randn(8, 2)), kd.zeros(8, 1));
  out.backward();
  kd.nn.utils.clipGradNorm_(model.parameters(), 1);
  opt.step();
  opt.zeroGrad();
  const bytes: Uint8Array = kd.saveSafetensors(model.stateDict());
  const loaded = kd.loadSafetensors(bytes);
  model.dispose();

  // decomposition, manifold, neighbors (types/manifold.d.ts)
  const table = kd.randn(40, 8);
  const pca = new kd.decomposition.PCA({ nComponents: 2 });
  const projected: Tensor = pca.fitTransform(table);
  const ratio: Float32Array | Float64Array | Uint8Array = pca.explainedVarianceRatio.dataSync();
  const tsne = new kd.manifold.TSNE({ perplexity: 5, learningRate: 'auto', init: 'random', randomState: 0 });
  tsne.start(table).setParams({ angle: 0.7 });
  const iteration: number = tsne.step(5) + tsne.iteration;
  tsne.embedding = tsne.embedding.mul(2);
  tsne.updateData(table.mul(0.5));
  const kl: number = tsne.klDivergence;
  const trust: number = kd.manifold.trustworthiness(table, tsne.embedding, { nNeighbors: 5 });
  const [nearIndices, nearDistances]: [Tensor, Tensor] = kd.neighbors(table, 3, { metric: 'cosine' });
  const params: Required<TSNEOptions> = tsne.getParams();
  tsne.dispose();
  pca.dispose();

  // Higher-order gradients and hooks.
  const w2 = kd.randn([3], { requiresGrad: true });
  const [g1] = kd.autograd.grad(w2.pow(3).sum(), [w2], { createGraph: true });
  const [hv] = kd.autograd.grad(g1 as Tensor, w2, { gradOutputs: kd.ones([3]) });
  const hook = w2.registerHook((gr: Tensor) => gr.mul(2));
  hook.remove();
  const hooked = new kd.nn.Linear(3, 1);
  hooked.registerForwardHook((_m, _inputs, out) => out);
  hooked.registerFullBackwardHook((_m, gradInput) => gradInput);
  kd.autograd.backward([hooked.forward(w2).sum()], { createGraph: false });
  void hv;

  void [projected, ratio, iteration, kl, trust, nearIndices, nearDistances, params, loaded, threads, r, l, i, ri, rp, f, like, s, dt, shape, n, sum, values, indices, named, sm, mm, v, g, cat, st, oh,
    clamped, vv, grad, fn, leaf, version, det, item, arr, typed, text, liveTensors, isTensor, e];
  kd.shutdown();
}

void main();
