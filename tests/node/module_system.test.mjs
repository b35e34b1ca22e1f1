// One module system: a JS module (a kd.nn.Module subclass) is backed by a C++ module, so its
// registrations, walks, state, modes and repr are the C++ core's, shared with the built-in
// modules it holds. Both builds. Run: node --test tests/node/module_system.test.mjs
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { kindling } from '../../bindings/npm/dist/node.mjs';

for (const build of ['st', 'mt']) {
  describe(`module system (${build})`, () => {
    let kd;
    before(async () => { kd = await kindling({ threads: build === 'mt' }); });
    after(() => kd.shutdown());

    function makeNet() {
      class Block extends kd.nn.Module {
        constructor(width) {
          super();
          this.width = width;
          this.fc = kd.nn.Linear(width, width);
          this.scale = new kd.nn.Parameter(kd.ones(width));
          this.registerBuffer('steps', kd.zeros([], { dtype: 'int64' }));
          this.registerBuffer('cache', kd.zeros(width), { persistent: false });
        }
        forward(x) { return this.fc.forward(x).mul(this.scale); }
        extraRepr() { return `width=${this.width}`; }
      }
      return { Block, net: kd.nn.Sequential(new Block(3), kd.nn.Tanh(), new Block(3)) };
    }

    test('the C++ walks give the dotted names over JS and built-in modules, and the JS objects under them', () => {
      const { net } = makeNet();
      const names = net.namedParameters().map(([n]) => n);
      assert.deepEqual(names, ['0.scale', '0.fc.weight', '0.fc.bias', '2.scale', '2.fc.weight', '2.fc.bias']);
      const block = net.at(0);
      // The same objects as the attributes (identity kept, not new wrappers).
      assert.equal(net.parameters()[0], block.scale);
      assert.equal(net.parameters()[1], block.fc.weight);
      assert.deepEqual(net.namedModules().map(([n, m]) => [n, m.constructor.name]),
        [['', 'Sequential'], ['0', 'Block'], ['0.fc', 'Linear'], ['1', 'Tanh'], ['2', 'Block'], ['2.fc', 'Linear']]);
      assert.equal(net.getSubmodule('2.fc'), net.at(2).fc);
      assert.equal(net.getParameter('0.fc.bias'), block.fc.bias);
      assert.equal(net.getBuffer('0.steps'), block.steps);
      assert.throws(() => net.getSubmodule('0.nope'), kd.errors.IndexError);
      assert.throws(() => net.getParameter('0.fc'), /has no parameter `fc`/);
      // Non-persistent buffers are buffers but not state.
      assert.deepEqual(net.namedBuffers().map(([n]) => n), ['0.steps', '0.cache', '2.steps', '2.cache']);
      assert.deepEqual(Object.keys(net.stateDict()), ['0.scale', '0.steps', '0.fc.weight', '0.fc.bias', '2.scale', '2.steps', '2.fc.weight', '2.fc.bias']);
      net.dispose();
    });

    test('the repr is printed by C++, with a JS module\'s extraRepr() inside it', () => {
      const { net } = makeNet();
      assert.equal(net.toString(), [
        'Sequential(',
        '  (0): Block(',
        '    width=3',
        '    (fc): Linear(in_features=3, out_features=3, bias=True)',
        '  )',
        '  (1): Tanh()',
        '  (2): Block(',
        '    width=3',
        '    (fc): Linear(in_features=3, out_features=3, bias=True)',
        '  )',
        ')',
      ].join('\n'));
      net.dispose();
    });

    test('an extraRepr() that throws reaches the caller of toString() as that same error; nothing breaks', () => {
      class Bad extends kd.nn.Module {
        constructor() {
          super();
          this.fc = kd.nn.Linear(1, 1);
        }
        extraRepr() { throw new RangeError('no repr today'); }
      }
      const bad = new Bad();
      const seq = kd.nn.Sequential(bad);
      assert.throws(() => seq.toString(), (e) => e instanceof RangeError && e.message === 'no repr today');
      class NotAString extends kd.nn.Module {
        extraRepr() { return 42; }
      }
      const odd = new NotAString();
      assert.throws(() => odd.toString(), kd.errors.TypeError);
      assert.equal(kd.nn.Sequential(kd.nn.ReLU()).toString(), 'Sequential(\n  (0): ReLU()\n)');
      seq.dispose();
      odd.dispose();
    });

    test('assignments register in C++: replace, empty, delete, and a refused one changes nothing', () => {
      const { Block } = makeNet();
      const b = new Block(2);
      const names = () => b.namedParameters().map(([n]) => n);
      assert.deepEqual(names(), ['scale', 'fc.weight', 'fc.bias']);
      b.fc = null;  // an empty slot: not walked, still a module slot
      assert.deepEqual(names(), ['scale']);
      assert.equal(b.fc, null);
      assert.throws(() => { b.fc = kd.ones(2); }, kd.errors.TypeError);
      b.fc = kd.nn.Linear(2, 1, { bias: false });
      assert.deepEqual(names(), ['scale', 'fc.weight']);
      delete b.scale;
      assert.deepEqual(names(), ['fc.weight']);
      // A parameter assigned over a buffer's name takes its place (PyTorch's __setattr__).
      b.steps = new kd.nn.Parameter(kd.zeros(1));
      assert.deepEqual(names(), ['steps', 'fc.weight']);
      assert.deepEqual(b.namedBuffers().map(([n]) => n), ['cache']);
      // Replacing a non-persistent buffer keeps it out of the state.
      b.cache = kd.ones(2);
      assert.deepEqual(Object.keys(b.stateDict()), ['steps', 'fc.weight']);
      assert.throws(() => b.registerParameter('a.b', null), /can't contain "\."/);
      assert.throws(() => b.registerModule('self', b), kd.errors.ValueError);
      assert.deepEqual(names(), ['steps', 'fc.weight']);
      b.dispose();
    });

    test('train()/eval(), zeroGrad() and requiresGrad_() run the C++ walk over JS and built-in modules', () => {
      const { net } = makeNet();
      net.eval();
      assert.deepEqual(net.modules().map((m) => m.training), new Array(6).fill(false));
      net.at(0).train();
      assert.deepEqual(net.modules().map((m) => m.training), [false, true, true, false, false, false]);
      net.requiresGrad_(false);
      assert.ok(net.parameters().every((p) => !p.requiresGrad));
      net.requiresGrad_(true);
      net.forward(kd.ones([2, 3])).sum().backward();
      assert.ok(net.parameters().every((p) => p.grad !== null));
      net.zeroGrad({ setToNone: true });
      assert.ok(net.parameters().every((p) => p.grad === null));
      net.dispose();
    });

    test('loadStateDict is the C++ one: PyTorch\'s message naming the JS class, and nothing copied on error', () => {
      const { net, Block } = makeNet();
      const block = new Block(3);
      const sd = block.stateDict();
      delete sd['fc.bias'];
      sd.extra = kd.ones(1);
      const before = block.fc.weight.toArray();
      assert.throws(() => block.loadStateDict(sd), (e) => e instanceof kd.errors.StateError &&
        e.message.startsWith('Error(s) in loading state_dict for Block:') &&
        e.message.includes('Missing key(s) in state_dict: "fc.bias".') && e.message.includes('Unexpected key(s) in state_dict: "extra".'));
      assert.deepEqual(block.fc.weight.toArray(), before);
      const other = net.at(2).stateDict();
      assert.deepEqual(block.loadStateDict(other), { missingKeys: [], unexpectedKeys: [] });
      assert.deepEqual(block.fc.weight.toArray(), net.at(2).fc.weight.toArray());
      for (const t of [...Object.values(sd), ...Object.values(other)]) t.dispose();
      block.dispose();
      net.dispose();
    });

    test('built-in options are built in C++ with its defaults and read back from it', () => {
      const lin = kd.nn.Linear(3, 2, { bias: false });
      assert.deepEqual([lin.inFeatures, lin.outFeatures], [3, 2]);
      assert.equal(lin.bias, null);  // the parameter slot, not the option
      const emb = kd.nn.Embedding(10, 4, { paddingIdx: -1 });
      assert.deepEqual([emb.numEmbeddings, emb.embeddingDim, emb.paddingIdx, emb.maxNorm, emb.normType, emb.sparse], [10, 4, 9, null, 2, false]);
      const bn = kd.nn.BatchNorm1d(5);
      assert.deepEqual([bn.numFeatures, bn.eps, bn.momentum, bn.affine, bn.trackRunningStats], [5, 1e-5, 0.1, true, true]);
      const ln = kd.nn.LayerNorm(4);
      assert.deepEqual(ln.normalizedShape, [4]);
      const lstm = kd.nn.LSTM(3, 4, { numLayers: 2 });
      assert.deepEqual([lstm.inputSize, lstm.hiddenSize, lstm.numLayers, lstm.projSize, lstm.batchFirst], [3, 4, 2, 0, false]);
      const mha = kd.nn.MultiheadAttention(4, 2);
      assert.deepEqual([mha.embedDim, mha.numHeads, mha.kdim, mha.dropout], [4, 2, null, 0]);
      assert.deepEqual([mha.out_proj.inFeatures, mha.out_proj.outFeatures], [4, 4]);  // a C++ child
      const ce = kd.nn.CrossEntropyLoss({ labelSmoothing: 0.1 });
      assert.deepEqual([ce.reduction, ce.ignoreIndex, ce.labelSmoothing], ['mean', -100, 0.1]);
      assert.equal(kd.nn.Dropout(0.2).p, 0.2);
      assert.equal(kd.nn.LeakyReLU({ negativeSlope: 0.3 }).negativeSlope, 0.3);
      assert.equal(kd.nn.Softmax(1).dim, 1);
      for (const m of [lin, emb, bn, ln, lstm, mha, ce]) m.dispose();
    });

    test('bad built-in options: the JS checks, then the C++ ones; nothing is built', () => {
      const before = kd.memory().liveTensors;
      assert.throws(() => kd.nn.Linear(3), { name: 'TypeError', message: 'Linear() missing required option "out_features"' });
      assert.throws(() => kd.nn.Linear(3, 2, 1), { name: 'TypeError', message: 'Linear(): takes at most 2 positional argument(s), got 3' });
      assert.throws(() => kd.nn.Linear(3, 2, { inFeatures: 4 }), /got two values for 'inFeatures'/);
      assert.throws(() => kd.nn.GELU({ approximate: 'fast' }), { name: 'ValueError', message: 'GELU option "approximate" must be one of "none", "tanh", got "fast"' });
      assert.throws(() => kd.nn.MSELoss({ reduction: 'avg' }), kd.errors.ValueError);
      assert.throws(() => kd.nn.Embedding(3, 2, { weight: 'w' }), kd.errors.TypeError);
      assert.throws(() => kd.nn.BatchNorm1d(3, { momentum: '0.1' }), kd.errors.TypeError);
      assert.equal(kd.memory().liveTensors, before);
    });

    test('dispose() frees the tensors of JS and built-in modules alike', () => {
      const before = kd.memory().liveTensors;
      const net = kd.tidy(() => {
        const made = makeNet().net;
        made.forward(kd.ones([1, 3]));
        return made;
      });
      assert.ok(kd.memory().liveTensors > before);
      net.dispose();
      assert.equal(kd.memory().liveTensors, before);
      assert.throws(() => net.parameters(), kd.errors.StateError);
    });
  });
}
