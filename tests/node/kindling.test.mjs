// The wasm modules in node, both builds: values, autograd, threads, and the error boundary.
// Run: node --test tests/node/   (after `make build`, which fills bindings/npm/dist/)
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';

import { KindlingError, errors, kindling } from '../../bindings/npm/dist/node.mjs';

function assertClose(actual, expected, tol = 1e-6) {
  assert.equal(actual.length, expected.length, `length ${actual.length} != ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    const scale = Math.max(1, Math.abs(expected[i]));
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol * scale, `at ${i}: ${actual[i]} != ${expected[i]}`);
  }
}

// Runs fn(kd) and deletes every tensor it returns in `made`.
function withTensors(fn) {
  const made = [];
  const keep = (t) => (made.push(t), t);
  try {
    return fn(keep);
  } finally {
    for (const t of made) t?.dispose();
  }
}

for (const build of ['mt', 'st']) {
  describe(`kindling_${build} (node)`, () => {
    let kd;
    before(async () => {
      kd = await kindling({ threads: build === 'mt' });
    });
    after(() => kd.shutdown());

    test('backend reports SIMD and the threading mode', () => {
      const info = kd.backend();
      assert.equal(info.build, build);
      assert.equal(info.simd, true);
      assert.equal(info.threads, build === 'mt');
      if (build === 'mt') {
        assert.ok(info.numThreads > 1, `numThreads ${info.numThreads}`);
        assert.equal(info.maxThreads, 4);
      } else {
        assert.equal(info.numThreads, 1);
      }
    });

    test('matmul of a fixed 2x3 @ 3x2', () => withTensors((keep) => {
      const a = keep(kd.tensor([[1, 2, 3], [4, 5, 6]]));
      const b = keep(kd.tensor(new Float32Array([7, 8, 9, 10, 11, 12]), [3, 2]));
      const c = keep(a.matmul(b));
      assert.deepEqual(c.shape, [2, 2]);
      assert.equal(c.dtype, 'float32');
      assert.deepEqual(Array.from(c.dataSync()), [58, 64, 139, 154]);
    }));

    test('softmax matches torch.softmax', () => withTensors((keep) => {
      const x = keep(kd.tensor([[1, 2, 3], [1, 1, 1]]));
      const s = keep(x.softmax(-1));
      // torch.tensor([[1., 2., 3.], [1., 1., 1.]]).softmax(-1)
      assertClose(s.dataSync(), [0.09003057, 0.24472847, 0.66524096, 1 / 3, 1 / 3, 1 / 3]);
    }));

    test('add, mul, sum, view, transpose, item', () => withTensors((keep) => {
      const x = keep(kd.tensor([1, 2, 3, 4, 5, 6], [2, 3]));
      assert.deepEqual(Array.from(keep(x.add(x)).dataSync()), [2, 4, 6, 8, 10, 12]);
      assert.deepEqual(Array.from(keep(x.mul(10)).dataSync()), [10, 20, 30, 40, 50, 60]);
      assert.deepEqual(Array.from(keep(x.add(0.5)).dataSync()), [1.5, 2.5, 3.5, 4.5, 5.5, 6.5]);
      assert.equal(keep(x.sum()).item(), 21);
      assert.deepEqual(keep(x.view(3, 2)).shape, [3, 2]);
      const xt = keep(x.transpose(0, 1));
      assert.deepEqual(xt.shape, [3, 2]);
      assert.deepEqual(Array.from(xt.dataSync()), [1, 4, 2, 5, 3, 6]);
      assert.equal(x.numel(), 6);
      assert.match(x.toString(), /^tensor\(/);
    }));

    test('backward: grad of sum(x*x) is 2x', () => withTensors((keep) => {
      const x = keep(kd.tensor([1, -2, 3]).requiresGrad_());
      assert.equal(x.requiresGrad, true);
      assert.equal(x.grad, null);
      const loss = keep(keep(x.mul(x)).sum());
      loss.backward();
      assert.deepEqual(Array.from(keep(x.grad).dataSync()), [2, -4, 6]);
    }));

    test('errors arrive as Error subclasses with the C++ kind and message', () => withTensors((keep) => {
      const a = keep(kd.randn(2, 3));
      const b = keep(kd.randn(4, 5));
      assert.throws(() => a.matmul(b), (err) => {
        assert.ok(err instanceof Error);
        assert.ok(err instanceof KindlingError);
        assert.ok(err instanceof errors.ShapeError);
        assert.equal(err.name, 'ShapeError');
        assert.equal(err.kind, 'ShapeError');
        assert.match(err.message, /mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)/);
        assert.match(err.stack, /ShapeError/);
        return true;
      });
      assert.throws(() => a.transpose(0, 5), { name: 'IndexError', message: /Dimension out of range/ });
      assert.throws(() => a.item(), { name: 'ValueError' });
      assert.throws(() => a.view(7), { name: 'ShapeError' });
    }));

    test('the module keeps working after 100 errors, without leaking', () => withTensors((keep) => {
      const a = keep(kd.tensor([[1, 2, 3], [4, 5, 6]]));
      const b = keep(kd.randn(4, 5));
      const warm = () => assert.throws(() => a.matmul(b), errors.ShapeError);
      warm();  // the first throw may allocate runtime state once
      const before = kd.memory();
      for (let i = 0; i < 100; i++) warm();
      const afterErrors = kd.memory();
      assert.equal(afterErrors.liveTensors, before.liveTensors);
      assert.equal(afterErrors.liveStorages, before.liveStorages);
      assert.equal(afterErrors.bytes, before.bytes);
      assert.equal(afterErrors.heapUsed, before.heapUsed, 'wasm heap grew while throwing');
      const c = keep(a.matmul(keep(kd.tensor([7, 8, 9, 10, 11, 12], [3, 2]))));
      assert.deepEqual(Array.from(c.dataSync()), [58, 64, 139, 154]);
    }));

    test('disposed tensors and bad arguments are refused in JS', () => {
      const t = kd.zeros(2);
      const before = kd.memory().liveTensors;
      t.dispose();
      assert.equal(kd.memory().liveTensors, before - 1);
      assert.throws(() => t.toArray(), errors.StateError);
      assert.throws(() => kd.zeros('x'), errors.TypeError);
      assert.throws(() => kd.tensor([[1, 2], [3]]), { name: 'ValueError', message: 'expected sequence of length 2 at dim 1 (got 1)' });
      const z = kd.zeros(2, 2);
      assert.throws(() => z.matmul([[1], [2]]), errors.TypeError);
      assert.throws(() => z.add('1'), errors.TypeError);
      z.dispose();
    });

    if (build === 'mt') {
      test('setNumThreads is clamped to the pthread pool', () => {
        const initial = kd.getNumThreads();
        kd.setNumThreads(1);
        assert.equal(kd.getNumThreads(), 1);
        kd.setNumThreads(64);
        assert.equal(kd.getNumThreads(), 4);
        kd.setNumThreads(initial);
        assert.equal(kd.backend().numThreads, initial);
      });

      test('small training steps stay on the calling thread; a large matmul is shared out', () => withTensors((keep) => {
        const initial = kd.getNumThreads();
        kd.setNumThreads(2);
        try {
          // The playground's classifier: 2-16-16-2 tanh, batch 64, SGD. Every op of its step is
          // below two grains of work, so 2 threads must run it exactly as 1 does.
          kd.manualSeed(7);
          const model = kd.nn.Sequential(kd.nn.Linear(2, 16), kd.nn.Tanh(), kd.nn.Linear(16, 16), kd.nn.Tanh(), kd.nn.Linear(16, 2));
          const opt = new kd.optim.SGD(model.parameters(), { lr: 0.1 });
          const x = keep(kd.randn(64, 2));
          const y = keep(kd.randint(0, 2, [64]));
          const before = kd.backend().pooledJobs;
          for (let i = 0; i < 20; i++) {
            kd.tidy(() => {
              opt.zeroGrad();
              kd.nn.functional.crossEntropy(model.forward(x), y).backward();
              opt.step();
            });
          }
          assert.equal(kd.backend().pooledJobs, before);
          const a = keep(kd.randn(512, 512));
          keep(a.matmul(a));
          assert.ok(kd.backend().pooledJobs > before, 'a 512x512 matmul used the pool');
          model.dispose();
          opt.dispose();
        } finally {
          kd.setNumThreads(initial);
        }
      }));
    }
  });
}

test('a large matmul gives the same values threaded and single-threaded', async () => {
  const mt = await kindling({ threads: true });
  const st = await kindling({ threads: false });
  try {
    assert.ok(mt.backend().numThreads > 1);
    const product = (kd) => withTensors((keep) => {
      kd.manualSeed(1234);
      const a = keep(kd.randn(192, 256));
      const b = keep(kd.randn(256, 160));
      return keep(a.matmul(b)).dataSync();
    });
    const threaded = product(mt);
    const single = product(st);
    assert.equal(threaded.length, 192 * 160);
    assertClose(threaded, single, 1e-4);
  } finally {
    mt.shutdown();
    st.shutdown();
  }
});

test('a shut-down module refuses further calls', async () => {
  const kd = await kindling({ threads: true });
  kd.shutdown();
  assert.throws(() => kd.zeros(2), errors.StateError);
  kd.shutdown();  // idempotent
});

test('node exits by itself even when a threaded module is never shut down', () => {
  const entry = new URL('../../bindings/npm/dist/node.mjs', import.meta.url).href;
  const script = `
    import { kindling } from ${JSON.stringify(entry)};
    const kd = await kindling({ threads: true });
    const a = kd.randn(256, 256);
    const c = a.matmul(a);  // runs on the pool's threads
    console.log(kd.backend().numThreads, c.shape.join('x'));
  `;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30000 });
  assert.equal(child.error, undefined, `child did not exit: ${child.error}`);
  assert.equal(child.status, 0, child.stderr);
  assert.match(child.stdout, /^[2-4] 256x256$/m);
});
