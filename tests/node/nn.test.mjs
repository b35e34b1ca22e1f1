// kd.nn in node: built-in modules against PyTorch 1.13's numbers (tests/fixtures/nn/), reprs,
// load_state_dict messages, JS-defined modules (registration rules, dotted names, sharing,
// state dicts), containers, functional, init, sparse gradients, and errors (type, message,
// nothing changed, module still usable). Both builds.
// Run: node --test tests/node/nn.test.mjs
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';

import { kindling } from '../../bindings/npm/dist/node.mjs';

const fixtures = JSON.parse(readFileSync(new URL('../fixtures/nn/nn_modules.json', import.meta.url), 'utf8'));

function assertClose(actual, expected, tol, what) {
  assert.equal(actual.length, expected.length, `${what}: length ${actual.length} != ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    const ok = Math.abs(actual[i] - expected[i]) <= tol * Math.max(1, Math.abs(expected[i]));
    assert.ok(ok, `${what}[${i}]: ${actual[i]} != ${expected[i]}`);
  }
}

for (const build of ['st', 'mt']) {
  describe(`kd.nn (${build})`, () => {
    let kd;
    let nn;
    let Net;
    before(async () => {
      kd = await kindling({ threads: build === 'mt' });
      nn = kd.nn;
      Net = defineNet();
    });
    after(() => kd.shutdown());

    // ---- a JS-defined module used by several tests ----
    const defineNet = () => class Net extends nn.Module {
      constructor(shared) {
        super();
        this.weight = new nn.Parameter(kd.ones(3, 3));
        this.plain = kd.ones(3);                   // not registered
        this.fc = shared ?? nn.Linear(3, 2);
        this.registerBuffer('count', kd.zeros(1));
        this.registerBuffer('scratch', kd.zeros(2), { persistent: false });
        this.registerParameter('unused', null);
        this.label = 'net';                        // plain attribute
      }
      forward(x) { return this.fc.call(x.matmul(this.weight)); }
    };


    const fromFixture = (t) => kd.tensor(t.data, { dtype: t.dtype }).reshape(t.shape);

    // A built-in module from a fixture's type and (PyTorch) config.
    function make(type, c) {
      switch (type) {
        case 'Linear': return nn.Linear(c.in, c.out, { bias: c.bias });
        case 'Bilinear': return nn.Bilinear(c.in1, c.in2, c.out, { bias: c.bias });
        case 'LeakyReLU': return nn.LeakyReLU(c.negative_slope);
        case 'GELU': return nn.GELU({ approximate: c.approximate ?? 'none' });
        case 'Softmax': return nn.Softmax(c.dim);
        case 'LogSoftmax': return nn.LogSoftmax(c.dim);
        case 'Flatten': return nn.Flatten(c.start_dim ?? 1, c.end_dim ?? -1);
        case 'Dropout': return nn.Dropout(c.p);
        case 'BatchNorm1d': return nn.BatchNorm1d(c.num_features, {
          ...(c.eps !== undefined && { eps: c.eps }), ...('momentum' in c && { momentum: c.momentum }),
          ...(c.affine !== undefined && { affine: c.affine }), ...(c.track_running_stats !== undefined && { trackRunningStats: c.track_running_stats }),
        });
        case 'LayerNorm': return nn.LayerNorm(c.normalized_shape, { ...(c.eps !== undefined && { eps: c.eps }), ...(c.elementwise_affine !== undefined && { elementwiseAffine: c.elementwise_affine }) });
        case 'Sequential': return nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2));
        case 'Embedding': return nn.Embedding(c.num_embeddings, c.embedding_dim, {
          ...(c.padding_idx !== undefined && { paddingIdx: c.padding_idx }), ...(c.max_norm !== undefined && { maxNorm: c.max_norm }),
          ...(c.norm_type !== undefined && { normType: c.norm_type }), ...(c.scale_grad_by_freq !== undefined && { scaleGradByFreq: c.scale_grad_by_freq }),
        });
        case 'EmbeddingBag': return nn.EmbeddingBag(c.num_embeddings, c.embedding_dim, {
          mode: c.mode, ...(c.padding_idx !== undefined && { paddingIdx: c.padding_idx }), ...(c.max_norm !== undefined && { maxNorm: c.max_norm }),
          ...(c.norm_type !== undefined && { normType: c.norm_type }), ...(c.include_last_offset !== undefined && { includeLastOffset: c.include_last_offset }),
        });
        default: return nn[type]();
      }
    }

    for (const c of fixtures.modules) {
      test(`${c.name}: forward, backward and state match PyTorch`, () => {
        kd.tidy(() => {
          const m = make(c.type, c.config);
          assert.equal(String(m), c.repr);
          m.loadStateDict(Object.fromEntries(Object.entries(c.state).map(([k, t]) => [k, fromFixture(t)])));
          m.train(c.training);
          const inputs = c.inputs.map((t) => {
            const x = fromFixture(t);
            return t.dtype === 'float32' ? x.requiresGrad_() : x;
          });
          const out = m.forward(...inputs);
          assert.deepEqual(out.shape, c.output.shape);
          assertClose(out.dataSync(), c.output.data, 1e-5, 'output');
          if (c.upstream && out.requiresGrad) out.backward(fromFixture(c.upstream));
          const params = Object.fromEntries(m.namedParameters());
          for (const [k, g] of Object.entries(c.param_grads ?? {})) {
            if (g === null) continue;
            assertClose(params[k].grad.dataSync(), g.data, 1e-4, `grad of ${k}`);
          }
          (c.input_grads ?? []).forEach((g, i) => { if (g) assertClose(inputs[i].grad.dataSync(), g.data, 1e-4, `grad of input ${i}`); });
          const sd = m.stateDict();
          for (const [k, t] of Object.entries(c.state_after ?? {})) assertClose(sd[k].dataSync(), t.data, 1e-5, `state ${k} after`);
          m.dispose();
        });
      });
    }

    test('reprs match PyTorch', () => {
      const r = fixtures.reprs;
      assert.equal(String(nn.Linear(3, 2, { bias: false })), r.linear_nobias);
      assert.equal(String(nn.Softmax()), r.softmax_none);
      assert.equal(String(nn.Dropout(0.1)), r['dropout_0.1']);
      assert.equal(String(nn.BatchNorm1d(4, { eps: 1e-3, momentum: null, affine: false, trackRunningStats: false })), r.batchnorm_options);
      assert.equal(String(nn.LayerNorm([2, 3], { eps: 1e-6, elementwiseAffine: false })), r.layernorm_2);
      assert.equal(String(nn.Embedding(10, 3, { paddingIdx: -2, maxNorm: 1, normType: 1, scaleGradByFreq: true, sparse: true })), r.embedding_all);
      assert.equal(String(nn.EmbeddingBag(10, 3, { maxNorm: 2, normType: 3, scaleGradByFreq: true, mode: 'max', paddingIdx: 1 })), r.embedding_bag_all);
      assert.equal(String(nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Dropout(0.25), nn.Linear(4, 2))), r.sequential);
      assert.equal(String(nn.Sequential(nn.Sequential(nn.Linear(2, 2), nn.Tanh()), nn.LayerNorm(2))), r.nested);
      assert.equal(String(nn.ModuleList([nn.Linear(2, 3), nn.ReLU()])), r.module_list);
      assert.equal(String(nn.ModuleDict({ enc: nn.Linear(2, 3), act: nn.GELU() })), r.module_dict);
      assert.equal(String(nn.MSELoss()), r.mse);
      assert.equal(String(nn.CrossEntropyLoss()), r.cross_entropy);
      assert.equal(String(nn.Sequential()), r.empty_sequential);
    });

    test('loadStateDict errors: PyTorch messages, nothing copied', () => {
      const E = fixtures.load_errors;
      const model = () => nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3));
      const m = model();
      assert.deepEqual(Object.keys(m.stateDict()), E.keys);
      const good = model().stateDict();
      const snapshot = () => m.parameters().map((p) => Array.from(p.dataSync()));
      const before = snapshot();
      const without = (sd, ...keys) => Object.fromEntries(Object.entries(sd).filter(([k]) => !keys.includes(k)));
      const cases = {
        missing: without(good, '0.bias', '1.running_var'),
        unexpected: { ...good, extra: kd.zeros(1), '1.foo': kd.zeros(1) },
        mismatch: { ...good, '0.weight': kd.zeros(3, 3) },
        everything: { ...without(good, '0.bias', '1.running_var'), extra: kd.zeros(1), '0.weight': kd.zeros(4) },
      };
      for (const [name, sd] of Object.entries(cases)) {
        assert.throws(() => m.loadStateDict(sd), (e) => e instanceof kd.errors.StateError && e.message === E[name].error, name);
        assert.deepEqual(snapshot(), before, `${name}: weights bit-identical`);
      }
      const r = m.loadStateDict({ ...without(good, '0.bias', '1.running_var'), extra: kd.zeros(1) }, { strict: false });
      assert.deepEqual(r, { missingKeys: E.non_strict.missing, unexpectedKeys: E.non_strict.unexpected });
      assert.notDeepEqual(snapshot(), before, 'non-strict load copied the matching keys');
      assert.deepEqual(Array.from(m.at(0).weight.dataSync()), Array.from(good['0.weight'].dataSync()));
      m.dispose();
    });

    // ---- JS-defined modules ----
    test('JS modules: registration rules and dotted names', () => {
      const net = new Net();
      assert.deepEqual(net.namedParameters().map(([n]) => n), ['weight', 'fc.weight', 'fc.bias']);
      assert.deepEqual(net.namedBuffers().map(([n]) => n), ['count', 'scratch']);
      assert.deepEqual(Object.keys(net.stateDict()), ['weight', 'count', 'fc.weight', 'fc.bias']);
      assert.deepEqual(net.namedChildren().map(([n]) => n), ['fc']);
      assert.deepEqual(net.namedModules().map(([n]) => n), ['', 'fc']);
      assert.equal(net.unused, null);
      assert.ok(net.weight instanceof nn.Parameter && net.fc.weight instanceof nn.Parameter);
      assert.ok(!(net.plain instanceof nn.Parameter));
      assert.equal(String(net), 'Net(\n  (fc): Linear(in_features=3, out_features=2, bias=True)\n)');
      assert.deepEqual(net.call(kd.ones(4, 3)).shape, [4, 2]);
      // A plain tensor assigned to a parameter's name is a TypeError; null empties the slot.
      assert.throws(() => { net.weight = kd.ones(3, 3); }, kd.errors.TypeError);
      assert.ok(net.weight instanceof nn.Parameter);
      const outer = nn.Sequential(net, nn.ReLU());
      assert.deepEqual(outer.namedParameters().map(([n]) => n), ['0.weight', '0.fc.weight', '0.fc.bias']);
      assert.throws(() => net.registerParameter('a.b', null), /can't contain "."/);
      assert.throws(() => net.registerParameter('x', kd.ones(1)), kd.errors.TypeError);
      net.weight = null;
      assert.deepEqual(net.namedParameters().map(([n]) => n), ['fc.weight', 'fc.bias']);
      delete net.fc;
      assert.deepEqual(net.namedParameters().map(([n]) => n), []);
    });

    test('sharing: a Linear used twice is listed once and its gradients add up', () => {
      const shared = nn.Linear(3, 3);
      const a = new Net(shared);
      class Twice extends nn.Module {
        constructor() {
          super();
          this.first = shared;
          this.second = shared;
        }
        forward(x) { return this.second.call(this.first.call(x)); }
      }
      const t = new Twice();
      assert.deepEqual(t.namedParameters().map(([n]) => n), ['first.weight', 'first.bias']);
      assert.deepEqual(Object.keys(t.stateDict()), ['first.weight', 'first.bias', 'second.weight', 'second.bias']);
      kd.noGrad(() => { shared.weight.copy_(kd.eye(3)); shared.bias.zero_(); });
      t.call(kd.ones(1, 3)).sum().backward();
      // d/dW of sum(W(Wx)) with W = I, x = 1: first use gives 1 everywhere, second use gives 1 -> 2 in total.
      assert.deepEqual(Array.from(shared.weight.grad.dataSync()), Array(9).fill(2));
      assert.deepEqual(Array.from(shared.bias.grad.dataSync()), [2, 2, 2]);
      t.zeroGrad();
      assert.deepEqual(Array.from(shared.weight.grad.dataSync()), Array(9).fill(0));
      t.zeroGrad({ setToNone: true });
      assert.equal(shared.weight.grad, null);
      assert.equal(a.fc, shared);
    });

    test('apply (children first), train/eval, requiresGrad_, dispose', () => {
      const net = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Dropout(0.5), nn.Linear(2, 1)));
      const order = [];
      net.apply((m) => order.push(m.constructor.name));
      assert.deepEqual(order, ['Linear', 'Dropout', 'Linear', 'Sequential', 'Sequential']);
      net.eval();
      assert.ok(net.modules().every((m) => m.training === false));
      const x = kd.ones(1, 2);
      assert.deepEqual(net.at(1).at(0).call(x).toArray(), [[1, 1]], 'dropout is the identity in eval');
      net.train();
      assert.ok(net.modules().every((m) => m.training));
      net.requiresGrad_(false);
      assert.ok(net.parameters().every((p) => !p.requiresGrad));
      const before = kd.memory().liveTensors;
      const params = net.parameters();
      net.dispose();
      assert.ok(params.every((p) => p.isDisposed));
      assert.ok(kd.memory().liveTensors <= before - 4);
    });

    test('state dict round trip through safetensors bytes', () => {
      const a = new Net();
      kd.noGrad(() => a.count.fill_(7));
      const bytes = kd.saveSafetensors(a.stateDict(), { note: 'round trip' });
      assert.ok(bytes instanceof Uint8Array);
      const b = new Net();
      const sd = kd.loadSafetensors(bytes);
      assert.deepEqual(sd.__metadata__, { note: 'round trip' });
      b.loadStateDict(sd);
      for (const [k, t] of Object.entries(a.stateDict())) assert.deepEqual(Array.from(b.stateDict()[k].dataSync()), Array.from(t.dataSync()), k);
      const x = kd.randn(2, 3);
      assert.deepEqual(Array.from(b.call(x).dataSync()), Array.from(a.call(x).dataSync()));
    });

    test('containers: Sequential (named too), ModuleList, ModuleDict', () => {
      const seq = nn.Sequential({ enc: nn.Linear(2, 3), act: nn.ReLU() });
      assert.deepEqual(seq.namedParameters().map(([n]) => n), ['enc.weight', 'enc.bias']);
      assert.equal(seq.length, 2);
      assert.ok(seq.at(-1) instanceof nn.ReLU);
      assert.throws(() => seq.at(5), kd.errors.IndexError);
      const list = new nn.ModuleList([nn.Linear(1, 1)]);
      list.append(nn.Linear(1, 2));
      assert.deepEqual(list.namedParameters().map(([n]) => n), ['0.weight', '0.bias', '1.weight', '1.bias']);
      assert.equal([...list].length, 2);
      const dict = nn.ModuleDict({ a: nn.Tanh() });
      dict.set('b', nn.Linear(1, 1));
      assert.deepEqual(dict.keys(), ['a', 'b']);
      assert.ok(dict.get('a') instanceof nn.Tanh);
      assert.throws(() => dict.get('c'), kd.errors.IndexError);
      assert.throws(() => nn.Sequential(3), kd.errors.TypeError);
      assert.ok(new nn.Linear(1, 1) instanceof nn.Linear, 'new works too');
    });

    test('Linear with set weights: known values', () => {
      const lin = nn.Linear(2, 2);
      kd.noGrad(() => {
        lin.weight.copy_(kd.tensor([[1, 2], [3, 4]]));
        lin.bias.copy_(kd.tensor([0.5, -0.5]));
      });
      assert.deepEqual(lin.call(kd.tensor([[1, 1], [2, -1]])).toArray(), [[3.5, 6.5], [0.5, 1.5]]);
      assert.deepEqual(nn.functional.linear(kd.tensor([[1, 1]]), lin.weight, lin.bias).toArray(), [[3.5, 6.5]]);
    });

    test('recurrent, cells, attention, bilinear: shapes', () => {
      kd.manualSeed(0);
      const [out, h] = nn.GRU(3, 4, { numLayers: 2, batchFirst: true }).call(kd.randn(2, 5, 3));
      assert.deepEqual([out.shape, h.shape], [[2, 5, 4], [2, 2, 4]]);
      const rnn = nn.RNN(3, 4, { nonlinearity: 'relu', bidirectional: true });
      assert.deepEqual(rnn.call(kd.randn(5, 3))[0].shape, [5, 8]);
      assert.ok(rnn.namedParameters().map(([n]) => n).includes('weight_hh_l0_reverse'));
      const [lo, [hn, cn]] = nn.LSTM(3, 4, { projSize: 2 }).call(kd.randn(5, 2, 3));
      assert.deepEqual([lo.shape, hn.shape, cn.shape], [[5, 2, 2], [1, 2, 2], [1, 2, 4]]);
      const [h1, c1] = nn.LSTMCell(3, 4).call(kd.randn(2, 3));
      assert.deepEqual([h1.shape, c1.shape], [[2, 4], [2, 4]]);
      assert.deepEqual(nn.GRUCell(3, 4).call(kd.randn(2, 3), kd.zeros(2, 4)).shape, [2, 4]);
      assert.deepEqual(nn.RNNCell(3, 4).call(kd.randn(3)).shape, [4]);
      const mha = nn.MultiheadAttention(4, 2, { batchFirst: true });
      const q = kd.randn(2, 3, 4);
      const mask = kd.tensor([[false, false, true], [false, false, false]], { dtype: 'bool' });
      const [attn, weights] = mha.call(q, q, q, { keyPaddingMask: mask });
      assert.deepEqual([attn.shape, weights.shape], [[2, 3, 4], [2, 3, 3]]);
      assert.equal(weights.get(0).get(0).get(2).item(), 0, 'a padded key gets no weight');
      assert.equal(mha.call(q, q, q, { needWeights: false })[1], null);
      assert.deepEqual(mha.namedParameters().map(([n]) => n), ['in_proj_weight', 'in_proj_bias', 'out_proj.weight', 'out_proj.bias']);
      assert.deepEqual(nn.Bilinear(2, 3, 4).call(kd.randn(5, 2), kd.randn(5, 3)).shape, [5, 4]);
    });

    test('losses: modules and functional agree with known values', () => {
      const F = nn.functional;
      const x = kd.tensor([[1, 2], [3, 5]]);
      const y = kd.tensor([[1, 1], [1, 1]]);
      assert.equal(nn.MSELoss().call(x, y).item(), (0 + 1 + 4 + 16) / 4);
      assert.equal(F.mseLoss(x, y, { reduction: 'sum' }).item(), 21);
      assert.equal(F.l1Loss(x, y).item(), 7 / 4);
      assert.equal(nn.SmoothL1Loss({ beta: 2 }).call(kd.tensor([0, 3]), kd.tensor([1, 0])).item(), (0.25 + 2) / 2);
      // Cross entropy of uniform logits over 4 classes is log 4.
      assert.ok(Math.abs(F.crossEntropy(kd.zeros(3, 4), [0, 1, 3]).item() - Math.log(4)) < 1e-6);
      assert.ok(Math.abs(nn.CrossEntropyLoss({ ignoreIndex: 1 }).call(kd.zeros(2, 4), [1, 2]).item() - Math.log(4)) < 1e-6);
      assert.ok(Math.abs(F.nllLoss(kd.tensor([[-1, -2]]), [1]).item() - 2) < 1e-6);
      assert.ok(Math.abs(F.binaryCrossEntropy(kd.tensor([0.5]), kd.tensor([1])).item() - Math.log(2)) < 1e-6);
      assert.ok(Math.abs(F.binaryCrossEntropyWithLogits(kd.tensor([0]), kd.tensor([1]), { posWeight: kd.tensor([3]) }).item() - 3 * Math.log(2)) < 1e-6);
      assert.equal(F.marginRankingLoss(kd.tensor([1]), kd.tensor([2]), kd.tensor([1]), { margin: 0.5 }).item(), 1.5);
      assert.ok(Math.abs(F.cosineEmbeddingLoss(kd.tensor([[1, 0]]), kd.tensor([[0, 1]]), kd.tensor([1])).item() - 1) < 1e-6);
      const ns = F.negativeSamplingLoss(kd.zeros(2, 3), kd.zeros(2, 3), kd.zeros(2, 4, 3), { reduction: 'none' });
      assertClose(ns.dataSync(), [5 * Math.log(2), 5 * Math.log(2)], 1e-6, 'negative sampling');
      assert.throws(() => F.mseLoss(x, y, { reduction: 'avg' }), kd.errors.ValueError);
      assert.throws(() => F.mseLoss(x, y, { reductio: 'sum' }), kd.errors.TypeError);
    });

    test('functional and init', () => {
      const F = nn.functional;
      assert.deepEqual(F.relu(kd.tensor([-1, 2])).toArray(), [0, 2]);
      assert.deepEqual(F.leakyRelu(kd.tensor([-1, 2]), 0.5).toArray(), [-0.5, 2]);
      assertClose(F.softmax(kd.zeros(2, 2), 1).dataSync(), [0.5, 0.5, 0.5, 0.5], 1e-7, 'softmax');
      assert.deepEqual(F.dropout(kd.ones(3), { p: 0.5, training: false }).toArray(), [1, 1, 1]);
      assertClose(F.layerNorm(kd.tensor([[1, 3]]), [2]).dataSync(), [-1, 1], 1e-4, 'layerNorm');
      assert.deepEqual(F.embedding([2, 0], kd.tensor([[1, 1], [2, 2], [3, 3]])).toArray(), [[3, 3], [1, 1]]);
      assert.deepEqual(F.embeddingBag(kd.tensor([[0, 1]], { dtype: 'int64' }), kd.tensor([[1, 1], [3, 3]]), { mode: 'sum' }).toArray(), [[4, 4]]);
      const I = nn.init;
      assert.equal(I.calculateGain('tanh'), 5 / 3);
      assert.ok(Math.abs(I.calculateGain('leaky_relu', 0.2) - Math.sqrt(2 / 1.04)) < 1e-12);
      assert.throws(() => I.calculateGain('nope'), kd.errors.ValueError);
      const w = kd.empty(3, 4);
      assert.equal(I.constant_(w, 0.5), w);
      assert.ok(w.dataSync().every((v) => v === 0.5));
      I.eye_(w);
      assert.deepEqual(w.toArray()[1], [0, 1, 0, 0]);
      I.uniform_(w, -0.1, 0.1);
      assert.ok(w.dataSync().every((v) => v >= -0.1 && v <= 0.1));
      I.uniform_(w, { a: 2, b: 3 });
      assert.ok(w.dataSync().every((v) => v >= 2 && v <= 3));
      I.normal_(w, { mean: 5, std: 0 });
      assert.ok(w.dataSync().every((v) => v === 5));
      I.truncNormal_(w, { std: 10, a: -1, b: 1 });
      assert.ok(w.dataSync().every((v) => v >= -1 && v <= 1));
      for (const f of ['xavierUniform_', 'xavierNormal_', 'kaimingUniform_', 'kaimingNormal_', 'orthogonal_', 'zeros_', 'ones_']) I[f](w);
      I.kaimingNormal_(w, { mode: 'fan_out', nonlinearity: 'relu' });
      assert.deepEqual(I.calculateFanInAndFanOut(w), [4, 3]);
      assert.throws(() => I.normal_(w, { sd: 1 }), kd.errors.TypeError);
      assert.throws(() => I.xavierUniform_(kd.empty(3)), kd.errors.ValueError);
      // Options cross as JSON read by the C++ options structs (core/nn/functional_options.h):
      // unknown keys and wrong kinds are TypeErrors naming the function and the key, a bad value
      // C++'s ValueError naming them, a missing required one a TypeError; none changes anything.
      assert.throws(() => F.crossEntropy(kd.zeros(2, 3), [0, 1], { labelSmoothin: 0.1 }), /crossEntropy\(\): unknown option 'labelSmoothin'/);
      assert.throws(() => F.dropout(kd.ones(3), { training: 1 }), (e) => e instanceof kd.errors.TypeError && /dropout\(\): training/.test(e.message));
      assert.throws(() => F.gelu(kd.ones(3), { approximate: 'erf' }), (e) => e instanceof kd.errors.ValueError && /gelu option "approximate"/.test(e.message));
      assert.throws(() => F.embeddingBag(kd.tensor([[0, 1]], { dtype: 'int64' }), kd.ones(2, 2), { mode: 'median' }), /embedding_bag option "mode"/);
      assert.throws(() => I.kaimingUniform_(w, { mode: 'fan_avg' }), /init.kaiming_uniform_ option "mode"/);
      const before = w.dataSync();
      assert.throws(() => I.constant_(w), (e) => e instanceof kd.errors.TypeError && /init.constant_\(\) missing required option "val"/.test(e.message));
      assert.deepEqual(w.dataSync(), before);
      // Options given override the C++ defaults one key at a time.
      assert.equal(F.smoothL1Loss(kd.tensor([0, 3]), kd.tensor([1, 0]), { beta: 2 }).item(), (0.25 + 2) / 2);
      assert.equal(F.leakyRelu(kd.tensor([-2]), { negativeSlope: 0.25 }).item(), -0.5);
      assert.ok(Math.abs(F.leakyRelu(kd.tensor([-2])).item() + 0.02) < 1e-7);
      I.kaimingUniform_(w, 0, 'fanOut', 'relu');
      assert.ok(w.dataSync().every((v) => Math.abs(v) <= Math.sqrt(6 / 3)));
    });

    test('sparse embedding gradients are visible from JS', () => {
      const emb = nn.Embedding(6, 2, { sparse: true });
      emb.call([1, 4, 1]).sum().backward();
      assert.equal(emb.weight.grad, null);
      const g = emb.weight.sparseGrad;
      assert.deepEqual(g.indices.toArray(), [1, 4]);
      assert.deepEqual(g.values.toArray(), [[2, 2], [1, 1]]);
      assert.deepEqual(g.shape, [6, 2]);
      assert.deepEqual(nn.utils.sparseGradToDense(emb.weight).toArray()[1], [2, 2]);
      const opt = new kd.optim.SparseAdam(emb.parameters(), { lr: 0.1 });
      const before = emb.weight.toArray();
      opt.step();
      const after = emb.weight.toArray();
      assert.deepEqual(after[0], before[0], 'rows not used are untouched');
      assert.notDeepEqual(after[1], before[1]);
      emb.zeroGrad({ setToNone: true });
      assert.equal(emb.weight.sparseGrad, null);
    });

    test('errors: type, message, nothing changed, module alive', () => {
      const lin = nn.Linear(3, 2);
      const w = Array.from(lin.weight.dataSync());
      const live = kd.memory().liveTensors;
      assert.throws(() => lin.call(kd.ones(4, 5)), (e) => e instanceof kd.errors.ShapeError && /4x5 and 3x2|shape/.test(e.message));
      assert.throws(() => lin.call('x'), kd.errors.TypeError);
      assert.throws(() => nn.Linear(3.5, 2), kd.errors.TypeError);
      assert.throws(() => nn.Linear(3, 2, { bais: true }), /unknown option 'bais'/);
      assert.throws(() => nn.Embedding(3, 2).call([5]), (e) => e instanceof kd.errors.IndexError && /index out of range in self/.test(e.message));
      assert.throws(() => nn.Dropout(1.5), kd.errors.ValueError);
      assert.throws(() => nn.MultiheadAttention(5, 2), kd.errors.ValueError);
      assert.throws(() => nn.CrossEntropyLoss().call(kd.zeros(2, 3), [0, 7]), kd.errors.IndexError);
      assert.throws(() => new nn.Module().forward(), kd.errors.StateError);
      assert.deepEqual(Array.from(lin.weight.dataSync()), w);
      assert.deepEqual(lin.call(kd.ones(1, 3)).shape, [1, 2], 'still works');
      assert.ok(kd.memory().liveTensors <= live + 1 + 4, 'no handles leaked by the failed calls');
    });
  });
}
