// Higher-order gradients (createGraph, kd.autograd.grad) and hooks (Tensor.registerHook, module
// forward / forward-pre / full backward hooks) through the JS API, on both builds, against the
// same PyTorch 1.13 fixtures as the native test (tests/fixtures/autograd/higher_order.json).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';

import kindling from '../../bindings/npm/dist/node.mjs';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/autograd/higher_order.json', import.meta.url), 'utf8'));
const caseNamed = (name) => fixture.cases.find((c) => c.name === name);

function assertClose(ours, spec, what) {
  assert.ok(ours, `${what}: missing`);
  assert.deepEqual(ours.shape, spec.shape, `${what}: shape`);
  const got = ours.dataSync();
  spec.values.forEach((want, i) => {
    assert.ok(Math.abs(got[i] - want) <= 1e-5 + 1e-4 * Math.abs(want), `${what}[${i}]: ${got[i]} vs torch ${want}`);
  });
}

for (const build of ['mt', 'st']) {
  describe(`higher-order gradients and hooks (${build})`, () => {
    let kd;
    before(async () => {
      kd = await kindling({ threads: build === 'mt' });
    });
    after(() => kd.shutdown());

    const input = (c, key, requiresGrad = false) => kd.tensor(c.inputs[key].values, { shape: c.inputs[key].shape, requiresGrad });

    test('second derivatives of tanh, sigmoid, softmax, log_softmax and matmul chains match torch', () => kd.tidy(() => {
      const programs = {
        tanh: ([x]) => x.tanh(),
        sigmoid: ([x]) => x.sigmoid(),
        softmax: ([x]) => x.softmax(1),
        log_softmax: ([x]) => x.logSoftmax(1),
        matmul_chain: ([x, w]) => x.matmul(w).sigmoid().matmul(w.t()).logSoftmax(1),
        tanh_matmul_softmax: ([x, w]) => x.matmul(w).tanh().softmax(0),
      };
      for (const [name, fn] of Object.entries(programs)) {
        const c = caseNamed(name);
        const xs = Object.keys(c.inputs).filter((k) => k.startsWith('x')).map((k) => input(c, k, true));
        const gs = kd.autograd.grad(fn(xs).mul(input(c, 'c')).sum(), xs, { createGraph: true });
        let s = kd.zeros([]);
        gs.forEach((g, i) => {
          assert.equal(g.requiresGrad, true);
          assertClose(g, c.expected[`g${i}`], `${name} g${i}`);
          s = s.add(g.mul(input(c, `d${i}`)).sum());
        });
        const ggs = kd.autograd.grad(s, xs);
        ggs.forEach((gg, i) => assertClose(gg, c.expected[`gg${i}`], `${name} gg${i}`));
        for (const x of xs) assert.equal(x.grad, null, 'autograd.grad leaves .grad alone');
      }
    }));

    test('a gradient penalty on an MLP matches torch', () => kd.tidy(() => {
      const c = caseNamed('gradient_penalty_mlp');
      const [x, w1, b1, w2, b2] = ['x', 'w1', 'b1', 'w2', 'b2'].map((k) => input(c, k, true));
      const out = x.matmul(w1.t()).add(b1).tanh().matmul(w2.t()).add(b2);
      const [gx] = kd.autograd.grad([out.sum()], [x], { createGraph: true });
      assertClose(gx, c.expected.gx, 'gx');
      const penalty = gx.norm(2, 1).sub(1).pow(2).mean();
      assertClose(penalty, c.expected.penalty, 'penalty');
      penalty.backward();
      assertClose(w1.grad, c.expected['w1.grad'], 'w1.grad');
      assertClose(b1.grad, c.expected['b1.grad'], 'b1.grad');
      assertClose(w2.grad, c.expected['w2.grad'], 'w2.grad');
      assertClose(x.grad, c.expected['x.grad'], 'x.grad');
      assert.equal(b2.grad, null);
    }));

    test('a Hessian-vector product matches torch', () => kd.tidy(() => {
      const c = caseNamed('hessian_vector_product');
      const x = input(c, 'x'), w = input(c, 'w', true), v = input(c, 'v');
      const f = x.matmul(w).tanh().pow(2).sum().add(w.mul(w).sigmoid().sum());
      const [g] = kd.autograd.grad(f, w, { createGraph: true });
      assertClose(g, c.expected.g, 'g');
      const [hv] = kd.autograd.grad(g, w, { gradOutputs: v });
      assertClose(hv, c.expected.hv, 'hv');
    }));

    test('backward({createGraph: true}) leaves a .grad with history', () => kd.tidy(() => {
      const c = caseNamed('backward_create_graph');
      const x = input(c, 'x', true);
      x.pow(3).mul(0.5).sum().backward({ createGraph: true });
      const first = x.grad;
      assert.notEqual(first.gradFn, null);
      assertClose(first, c.expected.first, 'first');
      x.grad = null;
      first.mul(first).sum().backward();
      assertClose(x.grad, c.expected.second, 'second');
    }));

    test('autograd.grad: errors name the problem and change nothing', () => kd.tidy(() => {
      const a = kd.tensor([1, 2], { requiresGrad: true }), b = kd.tensor([3], { requiresGrad: true });
      const y = a.mul(a).sum();
      assert.throws(() => kd.autograd.grad(y, [a, b], { retainGraph: true }), { name: 'StateError', message: /allow_unused=True/ });
      const [ga, gb] = kd.autograd.grad(y, [a, b], { retainGraph: true, allowUnused: true });
      assert.deepEqual([...ga.dataSync()], [2, 4]);
      assert.equal(gb, null);
      assert.throws(() => kd.autograd.grad(y, [kd.tensor([1])]), { name: 'StateError', message: /does not require grad/ });
      assert.throws(() => kd.autograd.grad(y, a, { createGraf: true }), { name: 'TypeError', message: /unknown option 'createGraf'/ });
      assert.throws(() => kd.autograd.grad(y, [a], { gradOutputs: [kd.ones([2]), kd.ones([2])] }), { name: 'ValueError' });
      assert.throws(() => kd.autograd.grad(y, 'a'), { name: 'TypeError' });
      // Several roots at once through kd.autograd.backward.
      kd.autograd.backward([a.mul(2), a.mul(a)], { gradTensors: [kd.ones([2]), kd.tensor([1, -1])] });
      assert.deepEqual([...a.grad.dataSync()], [4, -2]);
    }));

    test('tensor hooks replace gradients; remove() works; a throwing hook rethrows its own error', () => kd.tidy(() => {
      const c = caseNamed('tensor_hooks');
      const x = input(c, 'x', true);
      const y = x.mul(2);
      let seen = null;
      y.registerHook((g) => { seen = g.clone(); return g.mul(3); });
      x.registerHook((g) => g.add(1));
      const removed = x.registerHook((g) => g.mul(100));
      removed.remove();
      removed.remove();
      let calls = 0;
      x.registerHook(() => { calls += 1; });
      y.mul(y).sum().backward();
      assertClose(seen, c.expected['y.grad_seen'], 'y.grad seen by the hook');
      assertClose(x.grad, c.expected['x.grad'], 'x.grad');
      assert.equal(calls, 1);
      // A hook that throws: the very error reaches the caller, the module keeps working.
      const z = x.mul(1);
      const boom = new RangeError('boom from a hook');
      const h = z.registerHook(() => { throw boom; });
      const before = kd.memory().liveTensors;
      kd.tidy(() => assert.throws(() => z.sum().backward({ retainGraph: true }), (e) => e === boom));
      assert.equal(kd.memory().liveTensors, before, 'nothing leaks');
      h.remove();
      const w = x.mul(1);
      w.registerHook(() => 'not a tensor');
      assert.throws(() => w.sum().backward(), { name: 'TypeError', message: /the hook returned "not a tensor"/ });
      const v = x.mul(1);
      v.registerHook(() => kd.zeros([7]));
      assert.throws(() => v.sum().backward(), { name: 'ShapeError', message: /hook has changed the size of value/ });
      assert.throws(() => kd.tensor([1]).registerHook(() => {}), { name: 'StateError' });
      assert.throws(() => x.registerHook(3), { name: 'TypeError' });
      assert.deepEqual([...x.mul(2).dataSync()], [...x.dataSync()].map((e) => e * 2), 'still works');
    }));

    test('module hooks: pre-hook, forward hook and full backward hook match torch', () => kd.tidy(() => {
      const c = caseNamed('module_hooks');
      const model = new kd.nn.Sequential(new kd.nn.Linear(3, 4), new kd.nn.Tanh(), new kd.nn.Linear(4, 2));
      const state = {};
      for (const k of ['0.weight', '0.bias', '2.weight', '2.bias']) state[k] = input(c, `state.${k}`);
      model.loadStateDict(state);
      const [lin1, act, lin2] = model.children();
      const seen = {};
      lin1.registerForwardPreHook((m, [inp]) => [inp.mul(2)]);
      act.registerForwardHook((m, inputs, out) => {
        assert.equal(m, act);
        seen.tanhOut = out.detach().clone();
        return out.mul(0.5);
      });
      lin2.registerFullBackwardHook((m, gradInput, gradOutput) => {
        seen.gradInput = gradInput[0].clone();
        seen.gradOutput = gradOutput[0].clone();
        return [gradInput[0].mul(10)];
      });
      const x = input(c, 'x', true);
      const out = model.forward(x);
      out.backward(input(c, 'upstream'));
      assertClose(out, c.expected.out, 'out');
      assertClose(seen.tanhOut, c.expected['tanh.out'], 'tanh.out');
      assertClose(seen.gradInput, c.expected.grad_input, 'grad_input');
      assertClose(seen.gradOutput, c.expected.grad_output, 'grad_output');
      assertClose(x.grad, c.expected['x.grad'], 'x.grad');
      for (const [name, p] of model.namedParameters()) assertClose(p.grad, c.expected[`${name}.grad`], `${name}.grad`);
    }));

    test('module hooks on a JS module: call() and forward() both run them; removed ones do not', () => kd.tidy(() => {
      class Double extends kd.nn.Module {
        forward(x) { return x.mul(2); }
      }
      const m = new Double();
      const log = [];
      const h = m.registerForwardHook((mod, [x], out) => { log.push(out.dataSync()[0]); });
      m.forward(kd.tensor([1]));
      m.call(kd.tensor([2]));
      h.remove();
      m.forward(kd.tensor([3]));
      assert.deepEqual(log, [2, 4]);
      // A backward hook with no input requiring grad still sees gradOutput.
      const lin = new kd.nn.Linear(2, 2);
      let got = null;
      lin.registerFullBackwardHook((mod, gradInput, gradOutput) => { got = { gradInput, gradOutput }; });
      lin.forward(kd.ones([1, 2])).sum().backward();
      assert.deepEqual(got.gradInput, [null]);
      assert.deepEqual([...got.gradOutput[0].dataSync()], [1, 1]);
      // A backward hook that throws: its error reaches backward()'s caller.
      const bad = new kd.nn.Linear(2, 1);
      bad.registerFullBackwardHook(() => { throw new Error('bad hook'); });
      assert.throws(() => bad.forward(kd.ones([1, 2], { requiresGrad: true })).sum().backward(), { message: 'bad hook' });
      assert.throws(() => bad.registerForwardHook('x'), { name: 'TypeError' });
    }));
  });
}
