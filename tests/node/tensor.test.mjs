// The tensor API as a user meets it: factories, dtypes, values out, autograd, grad mode, tidy/
// keep/dispose, errors (and that a failed call changes nothing), repr. Both builds.
// Run: node --test tests/node/tensor.test.mjs
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { after, before, describe, test } from 'node:test';

import kindling, { KindlingError, errors } from '../../bindings/npm/dist/node.mjs';

const close = (a, b, tol = 1e-6) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} != ${b}`);
const allClose = (a, b, tol) => {
  assert.equal(a.length, b.length);
  a.forEach((v, i) => close(v, b[i], tol));
};

for (const build of ['mt', 'st']) {
  describe(`tensor API (${build})`, () => {
    let kd;
    before(async () => {
      kd = await kindling({ threads: build === 'mt' });
    });
    after(() => {
      assert.equal(kd.memory().liveTensors, 0, 'a test leaked tensors');
      kd.shutdown();
    });

    test('factories: sizes as varargs or an array, trailing options', () => kd.tidy(() => {
      assert.deepEqual(kd.zeros(2, 3).shape, [2, 3]);
      assert.deepEqual(kd.zeros([2, 3]).toArray(), [[0, 0, 0], [0, 0, 0]]);
      assert.deepEqual(kd.ones(2, { dtype: 'int64' }).toArray(), [1, 1]);
      assert.equal(kd.ones([2], { dtype: 'bool' }).dtype, 'bool');
      assert.deepEqual(kd.empty(4).shape, [4]);
      assert.deepEqual(kd.full([2], 7).toArray(), [7, 7]);
      assert.deepEqual(kd.full([1], true).toArray(), [true]);
      const x = kd.tensor([[1, 2], [3, 4]]);
      assert.deepEqual(kd.zerosLike(x).toArray(), [[0, 0], [0, 0]]);
      assert.deepEqual(kd.onesLike(x, { dtype: 'int64' }).dtype, 'int64');
      assert.deepEqual(kd.fullLike(x, 2.5).toArray(), [[2.5, 2.5], [2.5, 2.5]]);
      assert.equal(kd.zeros(2, { requiresGrad: true }).requiresGrad, true);
      // arange: PyTorch's dtype rule (all-integer arguments give int64)
      const r = kd.arange(5);
      assert.equal(r.dtype, 'int64');
      assert.deepEqual(r.toArray(), [0, 1, 2, 3, 4]);
      assert.equal(kd.arange(0, 1, 0.25).dtype, 'float32');
      assert.deepEqual(kd.arange(0, 1, 0.25).toArray(), [0, 0.25, 0.5, 0.75]);
      assert.deepEqual(kd.arange(1, 7, 2).toArray(), [1, 3, 5]);
      assert.equal(kd.arange(3, { dtype: 'float32' }).dtype, 'float32');
      assert.deepEqual(kd.linspace(0, 1, 5).toArray(), [0, 0.25, 0.5, 0.75, 1]);
      assert.deepEqual(kd.eye(2, 3).toArray(), [[1, 0, 0], [0, 1, 0]]);
      assert.deepEqual(kd.eye(2).toArray(), [[1, 0], [0, 1]]);
      kd.manualSeed(42);
      const a = kd.randn(3, 4).toArray();
      kd.manualSeed(42);
      assert.deepEqual(kd.randn([3, 4]).toArray(), a);
      const u = kd.rand(1000).dataSync();
      assert.ok(u.every((v) => v >= 0 && v < 1));
      const ri = kd.randint(3, 7, [200]);
      assert.equal(ri.dtype, 'int64');
      assert.ok(ri.dataSync().every((v) => v >= 3 && v < 7 && Number.isInteger(v)));
      assert.ok(kd.randint(5, [10]).dataSync().every((v) => v >= 0 && v < 5));
      const perm = kd.randperm(10).toArray();
      assert.deepEqual([...perm].sort((p, q) => p - q), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      const s = kd.scalar(3.5);
      assert.deepEqual(s.shape, []);
      assert.equal(s.item(), 3.5);
      assert.equal(s.toArray(), 3.5);
    }));

    test('tensor(): nested arrays, typed arrays, dtypes, shape option', () => kd.tidy(() => {
      const f = kd.tensor([[1, 2, 3], [4, 5, 6]]);
      assert.equal(f.dtype, 'float32');
      assert.deepEqual(f.shape, [2, 3]);
      assert.equal(f.dim(), 2);
      assert.equal(f.numel(), 6);
      assert.deepEqual(f.size(), [2, 3]);
      assert.equal(f.size(-1), 3);
      assert.deepEqual(f.stride(), [3, 1]);
      const i = kd.tensor([1, -2, 2 ** 40], { dtype: 'int64' });
      assert.deepEqual(i.toArray(), [1, -2, 2 ** 40]);
      assert.ok(i.dataSync() instanceof Float64Array);
      assert.ok(f.dataSync() instanceof Float32Array);
      const b = kd.tensor([true, false]);
      assert.equal(b.dtype, 'bool');
      assert.deepEqual(b.toArray(), [true, false]);
      assert.ok(b.dataSync() instanceof Uint8Array);
      assert.equal(kd.tensor(true).item(), true);
      const ta = kd.tensor(new Float32Array([1, 2, 3, 4]), { shape: [2, 2] });
      assert.deepEqual(ta.toArray(), [[1, 2], [3, 4]]);
      assert.deepEqual(kd.tensor([1, 2, 3, 4, 5, 6], [3, 2]).shape, [3, 2]);
      assert.equal(kd.tensor(new Int32Array([1, 2])).dtype, 'int64');
      assert.equal(kd.tensor(new BigInt64Array([1n, 2n])).dtype, 'int64');
      assert.deepEqual(kd.tensor([[1, 2]], { requiresGrad: true }).requiresGrad, true);
      assert.deepEqual(kd.tensor(5).shape, []);
      assert.deepEqual(kd.tensor([]).shape, [0]);
      assert.throws(() => kd.tensor([1.5], { dtype: 'int64' }), errors.TypeError);
      assert.throws(() => kd.tensor([[1, 2], [3]]), { name: 'ValueError', message: 'expected sequence of length 2 at dim 1 (got 1)' });
      assert.throws(() => kd.tensor([1, 2, 3], { shape: [2, 2] }), errors.ShapeError);
      assert.throws(() => kd.tensor([1], { dtype: 'float64' }), errors.TypeError);
      assert.throws(() => kd.tensor('abc'), errors.TypeError);
      // integer-valued tensors need an int64 index
      const ix = kd.tensor([2, 0], { dtype: 'int64' });
      assert.deepEqual(f.indexSelect(1, ix).toArray(), [[3, 1], [6, 4]]);
    }));

    test('element-wise, scalar overloads, comparisons, reductions with dims/keepdim', () => kd.tidy(() => {
      const x = kd.tensor([[1, 2, 3], [4, 5, 6]]);
      assert.deepEqual(x.add(1).toArray(), [[2, 3, 4], [5, 6, 7]]);
      assert.deepEqual(x.add(x, { alpha: 2 }).toArray(), [[3, 6, 9], [12, 15, 18]]);
      assert.deepEqual(x.sub(1).toArray(), [[0, 1, 2], [3, 4, 5]]);
      assert.deepEqual(x.rsub(10).toArray(), [[9, 8, 7], [6, 5, 4]]);
      assert.deepEqual(x.mul(2).div(4).toArray(), [[0.5, 1, 1.5], [2, 2.5, 3]]);
      assert.deepEqual(kd.mul(x, x).toArray(), [[1, 4, 9], [16, 25, 36]]);
      assert.deepEqual(x.pow(2).toArray(), [[1, 4, 9], [16, 25, 36]]);
      assert.deepEqual(x.gt(3).toArray(), [[false, false, false], [true, true, true]]);
      assert.deepEqual(x.eq(x).dtype, 'bool');
      assert.deepEqual(x.clamp(2, 5).toArray(), [[2, 2, 3], [4, 5, 5]]);
      assert.deepEqual(x.clamp({ max: 2 }).toArray(), [[1, 2, 2], [2, 2, 2]]);
      assert.equal(x.sum().item(), 21);
      assert.deepEqual(x.sum(1).toArray(), [6, 15]);
      assert.deepEqual(x.sum(1, { keepdim: true }).shape, [2, 1]);
      assert.deepEqual(x.sum(1, true).shape, [2, 1]);
      assert.equal(x.sum([0, 1]).item(), 21);
      assert.deepEqual(x.sum({ keepdim: true }).shape, [1, 1]);
      assert.deepEqual(x.mean(0).toArray(), [2.5, 3.5, 4.5]);
      assert.equal(x.max().item(), 6);
      const { values, indices } = x.max(1);
      assert.deepEqual(values.toArray(), [3, 6]);
      assert.deepEqual(indices.toArray(), [2, 2]);
      const [mv, mi] = x.min(0, { keepdim: true });
      assert.deepEqual(mv.toArray(), [[1, 2, 3]]);
      assert.deepEqual(mi.toArray(), [[0, 0, 0]]);
      assert.deepEqual(x.argmax(1).toArray(), [2, 2]);
      assert.equal(x.argmax().item(), 5);
      close(x.var().item(), 3.5);
      close(x.std(1, { unbiased: false }).toArray()[0], Math.sqrt(2 / 3));
      close(x.norm().item(), Math.sqrt(91));
      allClose(x.softmax(1).dataSync(), [0.09003057, 0.24472847, 0.66524096, 0.09003057, 0.24472847, 0.66524096]);
      allClose(x.logSoftmax(1).exp().sum(1).dataSync(), [1, 1]);
      assert.deepEqual(x.matmul(x.t()).toArray(), [[14, 32], [32, 77]]);
      assert.deepEqual(kd.matmul(x, x.T).toArray(), [[14, 32], [32, 77]]);
      assert.deepEqual(x.mm(kd.ones(3, 1)).toArray(), [[6], [15]]);
      assert.deepEqual(x.unsqueeze(0).bmm(kd.ones(1, 3, 1)).shape, [1, 2, 1]);
    }));

    test('views share storage; copies do not', () => kd.tidy(() => {
      const x = kd.arange(6, { dtype: 'float32' });
      const v = x.view(2, 3);
      v.select(0, 1).fill_(0);
      assert.deepEqual(x.toArray(), [0, 1, 2, 0, 0, 0]);
      const c = x.clone();
      c.zero_();
      assert.deepEqual(x.toArray(), [0, 1, 2, 0, 0, 0]);
      assert.deepEqual(x.view([3, -1]).shape, [3, 2]);
      assert.deepEqual(v.transpose(0, 1).isContiguous(), false);
      assert.deepEqual(v.permute(1, 0).contiguous().isContiguous(), true);
      assert.deepEqual(v.slice(1, 1, null).toArray(), [[1, 2], [0, 0]]);
      assert.deepEqual(v.narrow(1, 0, 2).toArray(), [[0, 1], [0, 0]]);
      assert.deepEqual(v.flatten().shape, [6]);
      assert.deepEqual(v.unsqueeze(1).squeeze().shape, [2, 3]);
      assert.deepEqual(kd.ones(3, 1).expand(3, 4).shape, [3, 4]);
      assert.deepEqual(kd.cat([v, v], 0).shape, [4, 3]);
      assert.deepEqual(kd.stack([v, v], 1).shape, [2, 2, 3]);
      assert.deepEqual(kd.where(v.gt(0), v, -1).toArray(), [[-1, 1, 2], [-1, -1, -1]]);
      assert.deepEqual(kd.oneHot(kd.tensor([0, 2], { dtype: 'int64' }), 3).toArray(), [[1, 0, 0], [0, 0, 1]]);
      assert.deepEqual(v.maskedFill(v.eq(0), 9).toArray(), [[9, 1, 2], [9, 9, 9]]);
      assert.deepEqual(v.to('int64').dtype, 'int64');
      assert.deepEqual(v.long().float().dtype, 'float32');
    }));

    test('in place ops bump the version and return this', () => kd.tidy(() => {
      const x = kd.zeros(3);
      assert.equal(x.version, 0);
      assert.equal(x.add_(1), x);
      x.mul_(3).sub_(kd.ones(3), { alpha: 0.5 }).div_(2.5);
      assert.deepEqual(x.toArray(), [1, 1, 1]);
      x.maskedFill_(kd.tensor([true, false, true]), 0);
      assert.deepEqual(x.toArray(), [0, 1, 0]);
      x.clamp_(0.5, null).copy_(kd.tensor([4, 5, 6])).fill_(2);
      assert.equal(x.version, 8);
      kd.manualSeed(1);
      const n = kd.empty(20000).normal_({ mean: 3, std: 2 });
      close(n.mean().item(), 3, 0.05);
      close(n.std().item(), 2, 0.05);
      const u = kd.empty(20000).uniform_(-1, 1);
      assert.ok(u.dataSync().every((v) => v >= -1 && v < 1));
      assert.ok(kd.empty(10).normal_().dataSync().some((v) => v !== 0));
    }));

    test('autograd: backward, grad, gradFn, isLeaf, retainGrad, detach, data, version', () => kd.tidy(() => {
      const x = kd.tensor([1, -2, 3], { requiresGrad: true });
      assert.equal(x.isLeaf, true);
      assert.equal(x.gradFn, null);
      assert.equal(x.grad, null);
      const y = x.mul(x);
      assert.equal(y.gradFn, 'MulBackward0');
      assert.equal(y.isLeaf, false);
      y.retainGrad();
      assert.equal(y.retainsGrad, true);
      const loss = y.sum();
      loss.backward({ retainGraph: true });
      assert.deepEqual(x.grad.toArray(), [2, -4, 6]);
      assert.deepEqual(y.grad.toArray(), [1, 1, 1]);
      loss.backward();  // accumulates (graph retained once)
      assert.deepEqual(x.grad.toArray(), [4, -8, 12]);
      assert.throws(() => loss.backward(), errors.StateError);
      // backward with an explicit gradient (tensor or array)
      x.grad = null;
      x.mul(2).backward(kd.tensor([1, 0, 1]));
      assert.deepEqual(x.grad.toArray(), [2, 0, 2]);
      x.setGrad(kd.zeros(3));
      x.mul(2).backward([1, 1, 1]);
      assert.deepEqual(x.grad.toArray(), [2, 2, 2]);
      assert.throws(() => { x.grad = kd.zeros(4); }, errors.ShapeError);
      // detach and .data share values, have no history
      const d = y.detach();
      assert.equal(d.requiresGrad, false);
      assert.equal(d.gradFn, null);
      const data = x.data;
      assert.equal(data.requiresGrad, false);
      data.add_(1);  // invisible to autograd: x's version does not move
      assert.deepEqual(x.toArray(), [2, -1, 4]);
      const v0 = x.version;
      kd.noGrad(() => x.add_(1));
      assert.equal(x.version, v0 + 1);
      assert.equal(kd.ones(2).requiresGrad_().requiresGrad, true);
      const p = kd.zeros(2);
      p.requiresGrad = true;
      assert.equal(p.requiresGrad, true);
      // backward of a non-scalar without a gradient is an error
      assert.throws(() => x.mul(2).backward(), errors.StateError);
    }));

    test('noGrad / enableGrad restore the mode, also when fn throws', () => kd.tidy(() => {
      const x = kd.ones(2, { requiresGrad: true });
      assert.equal(kd.isGradEnabled(), true);
      const y = kd.noGrad(() => {
        assert.equal(kd.isGradEnabled(), false);
        assert.equal(kd.enableGrad(() => x.mul(2)).requiresGrad, true);
        assert.equal(kd.isGradEnabled(), false);
        return x.mul(2);
      });
      assert.equal(y.requiresGrad, false);
      assert.equal(kd.isGradEnabled(), true);
      assert.throws(() => kd.noGrad(() => { throw new Error('boom'); }), /boom/);
      assert.equal(kd.isGradEnabled(), true);
      assert.throws(() => kd.noGrad(async () => {}), errors.TypeError);
      assert.equal(kd.isGradEnabled(), true);
    }));

    test('tidy frees what fn made except what it returns or keeps; nests; survives throws', () => {
      const base = kd.memory();
      let inner;
      let kept;
      const out = kd.tidy(() => {
        const a = kd.ones(3);
        kept = kd.keep(kd.zeros(2));
        const pair = kd.tidy('inner', () => {
          inner = kd.ones(5);
          const b = a.add(1);
          return { b, list: [a.mul(3)], n: 1 };
        });
        assert.equal(inner.isDisposed, true);
        assert.equal(pair.b.isDisposed, false);
        assert.equal(a.isDisposed, false);  // made by the outer scope
        return [pair.b.add(pair.list[0])];
      });
      assert.deepEqual(out[0].toArray(), [5, 5, 5]);
      assert.equal(kept.isDisposed, false);
      assert.equal(kd.memory().liveTensors, base.liveTensors + 2);
      assert.throws(() => inner.add(1), (e) => e instanceof errors.StateError && e.message === 'tensor was disposed');
      kd.dispose([out, kept]);
      assert.equal(kd.memory().liveTensors, base.liveTensors);
      assert.equal(kd.memory().liveStorages, base.liveStorages);
      // a throwing fn frees everything it made
      assert.throws(() => kd.tidy(() => {
        kd.ones(100);
        kd.ones(100).mul(2);
        throw new RangeError('inside');
      }), RangeError);
      assert.equal(kd.memory().liveTensors, base.liveTensors);
      assert.equal(kd.memory().bytes, base.bytes);
      // async fn: a clear error, nothing leaked
      assert.throws(() => kd.tidy(async () => kd.ones(1)), (e) => e instanceof errors.TypeError && /synchronous/.test(e.message));
      // dispose is idempotent
      const t = kd.ones(1);
      t.dispose();
      t.dispose();
      assert.equal(kd.memory().liveTensors, base.liveTensors);
      assert.equal(t.toString(), 'Tensor(disposed)');
    });

    test('Parameter: shares storage, leaf, repr, not freed by tidy', () => {
      let p;
      kd.tidy(() => {
        const t = kd.tensor([1.5, -2]);
        p = new kd.Parameter(t);
        assert.ok(p instanceof kd.Tensor);
        assert.equal(p.isLeaf, true);
        assert.equal(p.requiresGrad, true);
        t.fill_(3);
        assert.deepEqual(p.toArray(), [3, 3]);
      });
      assert.equal(p.isDisposed, false);
      assert.equal(p.toString(), 'Parameter containing:\ntensor([3., 3.], requires_grad=True)');
      assert.equal(inspect(p), p.toString());
      const q = new kd.Parameter(p, { requiresGrad: false });
      assert.equal(q.requiresGrad, false);
      kd.dispose([p, q]);
    });

    test('repr and console.log match PyTorch', () => kd.tidy(() => {
      const x = kd.tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
      const want = 'tensor([[1., 2., 3.],\n        [4., 5., 6.]], requires_grad=True)';
      assert.equal(x.toString(), want);
      assert.equal(inspect(x), want);
      assert.equal(String(x.sum(1)), 'tensor([ 6., 15.], grad_fn=<SumBackward1>)');
      assert.equal(String(kd.arange(3)), 'tensor([0, 1, 2])');
      assert.equal(String(kd.tensor([true, false])), 'tensor([ True, False])');
      assert.equal(String(kd.scalar(2.5)), 'tensor(2.5000)');
    }));

    test('errors: one class per kind; a failed call changes nothing', () => kd.tidy(() => {
      const w = kd.tensor([[1, 2], [3, 4]], { requiresGrad: true });
      w.sum().backward();
      const snapshot = () => ({ values: w.toArray(), grad: w.grad.toArray(), version: w.version, mem: kd.memory() });
      const s0 = snapshot();
      const cases = [
        [() => w.matmul(kd.ones(3, 3)), errors.ShapeError, /mat1 and mat2 shapes cannot be multiplied/],
        [() => w.transpose(0, 2), errors.IndexError, /Dimension out of range/],
        [() => w.item(), errors.ValueError, /cannot be converted to Scalar/],
        [() => w.add_(1), errors.StateError, /leaf Variable that requires grad/],
        [() => w.view(5), errors.ShapeError, /invalid for input of size 4/],
        [() => w.sub_(kd.ones(3)), errors.StateError, null],
        [() => w.indexSelect(0, kd.tensor([0.0])), errors.TypeError, null],
        [() => w.add('x'), errors.TypeError, /Tensor/],
        [() => kd.zeros(-1), errors.ValueError, null],
      ];
      const mem0 = kd.memory();
      for (const [fn, cls, message] of cases) {
        const before = kd.memory();
        assert.throws(fn, (e) => {
          assert.ok(e instanceof cls, `${e.name}: ${e.message}`);
          assert.ok(e instanceof KindlingError && e instanceof Error);
          assert.equal(e.name, cls.name);
          if (message) assert.match(e.message, message);
          return true;
        });
        const now = kd.memory();
        assert.equal(now.liveStorages - before.liveStorages <= 1, true);  // at most the argument made by the case
      }
      const s1 = snapshot();
      assert.deepEqual([s1.values, s1.grad, s1.version], [s0.values, s0.grad, s0.version]);
      assert.ok(mem0.heapUsed > 0);
      assert.deepEqual(Object.keys(errors).sort(), ['IndexError', 'MemoryError', 'RuntimeError', 'ShapeError', 'StateError', 'TypeError', 'ValueError']);
      assert.equal(kd.errors, errors);
    }));

    test('backend() and threads', () => {
      const info = kd.backend();
      assert.equal(info.simd, true);
      assert.equal(info.threads, build === 'mt');
      assert.equal(info.build, build);
      if (build === 'mt') assert.ok(info.numThreads >= 1 && info.numThreads <= 4);
      else assert.equal(info.numThreads, 1);
    });
  });
}

test('kindling() options: numThreads, threads:false, bad options', async () => {
  const kd = await kindling({ numThreads: 2 });
  assert.deepEqual([kd.backend().build, kd.backend().numThreads], ['mt', 2]);
  kd.shutdown();
  const st = await kindling({ threads: false });
  assert.equal(st.backend().build, 'st');
  st.shutdown();
  await assert.rejects(kindling({ numThreads: 0 }), errors.TypeError);
  await assert.rejects(kindling({ threads: 'yes' }), errors.TypeError);
});
