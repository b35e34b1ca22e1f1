// kd.autograd.detectAnomaly(fn): NaN/Inf in a recorded op's output or in a backward node's
// gradient throws a ValueError naming the node (PyTorch's "Function 'SqrtBackward0' returned
// inf values in its 0th output"); off by default; the mode is restored also when fn throws;
// a raise leaks nothing and leaves the module working. Both builds.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import kindling from '../../bindings/npm/dist/node.mjs';

for (const build of ['mt', 'st']) {
  describe(`kd.autograd.detectAnomaly (${build})`, () => {
    let kd;
    before(async () => {
      kd = await kindling({ threads: build === 'mt' });
    });
    after(() => kd.shutdown());

    test('off by default: non-finite values pass silently', () => kd.tidy(() => {
      assert.equal(kd.autograd.isAnomalyEnabled(), false);
      const x = kd.tensor([1, 0], { requiresGrad: true });
      const y = x.div(0);
      assert.equal(y.dataSync()[0], Infinity);
      y.sum().backward();
    }));

    test('a forward op that makes NaN or Inf is named', () => kd.tidy(() => {
      const x = kd.tensor([1, 0], { requiresGrad: true });
      assert.throws(() => kd.autograd.detectAnomaly(() => x.div(0)), {
        name: 'ValueError',
        message: "Anomaly detected in the forward pass: the op recorded as 'DivBackward0' returned nan values in its 0th output; all its inputs were finite, so this op made them.",
      });
      assert.throws(() => kd.autograd.detectAnomaly(() => x.log()), (e) => e instanceof kd.errors.ValueError && /'LogBackward0' returned inf values/.test(e.message));
      assert.equal(kd.autograd.isAnomalyEnabled(), false, 'the mode is restored after a throw');
    }));

    test('a backward node returning NaN or Inf is named as PyTorch does', () => kd.tidy(() => {
      const x = kd.tensor([0, 4], { requiresGrad: true });
      assert.throws(() => kd.autograd.detectAnomaly(() => x.sqrt().sum().backward()), {
        name: 'ValueError',
        message: "Function 'SqrtBackward0' returned inf values in its 0th output (the gradient of a leaf tensor).",
      });
      const y = kd.tensor([0, 4], { requiresGrad: true });
      assert.throws(() => kd.autograd.detectAnomaly(() => y.sqrt().mul(0).sum().backward()), {
        name: 'ValueError',
        message: "Function 'SqrtBackward0' returned nan values in its 0th output (the gradient of a leaf tensor).",
      });
    }));

    test('finite training runs unchanged inside, and the result is returned', () => {
      kd.manualSeed(0);
      const model = kd.nn.Sequential(kd.nn.Linear(2, 8), kd.nn.Tanh(), kd.nn.Linear(8, 1));
      const x = kd.keep(kd.randn(16, 2));
      const opt = new kd.optim.SGD(model.parameters(), { lr: 0.1 });
      const losses = kd.autograd.detectAnomaly(() => Array.from({ length: 5 }, () => kd.tidy(() => {
        opt.zeroGrad();
        const loss = model.call(x).pow(2).mean();
        loss.backward();
        opt.step();
        return loss.item();
      })));
      assert.equal(losses.length, 5);
      assert.ok(losses[4] < losses[0]);
      opt.dispose();
      model.dispose();
      x.dispose();
    });

    test('the playground case: a diverging run says which op blew up, and leaks nothing', () => {
      kd.manualSeed(1);
      const model = kd.nn.Sequential(kd.nn.Linear(2, 16), kd.nn.ReLU(), kd.nn.Linear(16, 1));
      const x = kd.keep(kd.randn(32, 2).mul(100));
      const y = kd.keep(kd.randn(32, 1).mul(100));
      const opt = new kd.optim.SGD(model.parameters(), { lr: 10 });  // far too large: diverges
      const before = kd.memory();
      let error;
      for (let step = 0; step < 100 && !error; step++) {
        try {
          kd.autograd.detectAnomaly(() => kd.tidy(() => {
            opt.zeroGrad();
            const loss = kd.nn.functional.mseLoss(model.call(x), y);
            loss.backward();
            opt.step();
          }));
        } catch (e) {
          error = e;
        }
      }
      assert.ok(error instanceof kd.errors.ValueError, `no anomaly raised: ${error}`);
      assert.match(error.message, /(Anomaly detected in the forward pass: the op recorded as '\w+'|Function '\w+') returned (nan|inf) values/);
      console.log(`# [${build}] ${error.message}`);
      // What is alive besides the model, x and y: the parameters' gradients, dropped here.
      model.zeroGrad({ setToNone: true });
      const afterError = kd.memory();
      assert.equal(afterError.liveTensors, before.liveTensors);
      assert.equal(afterError.liveStorages, before.liveStorages);
      assert.equal(afterError.bytes, before.bytes);
      const probe = kd.tensor([1, 2]).add(1);
      assert.deepEqual([...probe.dataSync()], [2, 3]);
      probe.dispose();
      opt.dispose();
      model.dispose();
      kd.dispose([x, y]);
    });

    test('bad arguments', () => {
      assert.throws(() => kd.autograd.detectAnomaly(42), { name: 'TypeError', message: 'detectAnomaly(): expected a function, got 42' });
      assert.throws(() => kd.autograd.detectAnomaly(async () => 1), { name: 'TypeError' });
      assert.equal(kd.autograd.isAnomalyEnabled(), false);
      assert.throws(() => kd.autograd.setDetectAnomaly('yes'), { name: 'TypeError' });
      kd.autograd.setDetectAnomaly(true);
      assert.equal(kd.autograd.isAnomalyEnabled(), true);
      kd.autograd.setDetectAnomaly(false);
    });
  });
}
