// Serialization from JS: safetensors bytes (round trip, metadata, file order, dtypes, errors)
// and pretrained word vectors from text. Single-threaded build (the code is the same in both).
// Run: node --test tests/node/serialize.test.mjs
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { kindling } from '../../bindings/npm/dist/node.mjs';

describe('serialization', () => {
  let kd;
  before(async () => { kd = await kindling({ threads: false }); });
  after(() => kd.shutdown());

  test('safetensors round trip: values, dtypes, order, metadata', () => {
    const tensors = {
      'b.weight': kd.tensor([[1.5, -2], [3, 4.25]]),
      'a.index': kd.tensor([1, 2, 9007199254740991], { dtype: 'int64' }),
      'c.mask': kd.tensor([true, false], { dtype: 'bool' }),
      'd.transposed': kd.arange(6).float().view(2, 3).t(),
    };
    const bytes = kd.saveSafetensors(tensors, { format: 'pt' });
    assert.ok(bytes instanceof Uint8Array);
    const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
    assert.deepEqual(header.__metadata__, { format: 'pt' });
    assert.equal(header['b.weight'].dtype, 'F32');
    const back = kd.loadSafetensors(bytes);
    assert.deepEqual(back.__metadata__, { format: 'pt' });
    assert.ok(!Object.keys(back).includes('__metadata__'));
    // File order: by dtype alignment (I64, F32, BOOL), then name.
    assert.deepEqual(Object.keys(back), ['a.index', 'b.weight', 'd.transposed', 'c.mask']);
    for (const [k, t] of Object.entries(tensors)) {
      assert.equal(back[k].dtype, t.dtype, k);
      assert.deepEqual(back[k].toArray(), t.toArray(), k);
    }
    // Same bytes from an ArrayBuffer or a Buffer.
    assert.deepEqual(Object.keys(kd.loadSafetensors(bytes.slice().buffer)), Object.keys(back));
    assert.deepEqual(Object.keys(kd.loadSafetensors(Buffer.from(bytes))), Object.keys(back));
  });

  test('safetensors errors', () => {
    assert.throws(() => kd.loadSafetensors(new Uint8Array(4)), (e) => e instanceof kd.errors.ValueError && /^safetensors:/.test(e.message));
    const bytes = kd.saveSafetensors({ x: kd.ones(2) });
    assert.throws(() => kd.loadSafetensors(bytes.subarray(0, bytes.length - 1)), kd.errors.ValueError);
    assert.throws(() => kd.saveSafetensors({ x: 3 }), kd.errors.TypeError);
    assert.throws(() => kd.saveSafetensors({ __metadata__: kd.ones(1) }), kd.errors.ValueError);
    assert.throws(() => kd.saveSafetensors({ x: kd.ones(1) }, { n: 1 }), kd.errors.TypeError);
    assert.throws(() => kd.loadSafetensors('bytes'), kd.errors.TypeError);
    assert.equal(kd.loadSafetensors(bytes).x.numel(), 2, 'still works after errors');
  });

  test('readEmbeddingsText: GloVe and word2vec text, strict errors', () => {
    const glove = kd.readEmbeddingsText('the 1 2 3\ncat 0.5 -1 2e1\n');
    assert.deepEqual(glove.indexToWord, ['the', 'cat']);
    assert.equal(glove.vocab.get('cat'), 1);
    assert.deepEqual(glove.vectors.toArray(), [[1, 2, 3], [0.5, -1, 20]]);
    assert.equal(glove.hadHeader, false);
    const w2v = kd.readEmbeddingsText('2 2\na 1 2\nb 3 4\n');
    assert.equal(w2v.hadHeader, true);
    assert.deepEqual(w2v.vectors.shape, [2, 2]);
    assert.throws(() => kd.readEmbeddingsText('a 1 2\nb 1\n'), (e) => e instanceof kd.errors.ValueError && /^embeddings text line 2:/.test(e.message));
    assert.throws(() => kd.readEmbeddingsText('a 1\na 2\n'), /line 2/);
    assert.deepEqual(kd.readEmbeddingsText('a 1\na 2\n', { duplicates: 'keepFirst' }).vectors.toArray(), [[1]]);
    assert.throws(() => kd.readEmbeddingsText('a 1\n', { header: 'maybe' }), kd.errors.ValueError);
    assert.throws(() => kd.readEmbeddingsText('a 1\n', { headers: 'auto' }), kd.errors.TypeError);
    assert.throws(() => kd.readEmbeddingsText(42), kd.errors.TypeError);
    assert.throws(() => kd.readEmbeddingsText(new Uint8Array([0x61, 0x20, 0xff, 0x0a])),
      { name: 'ValueError', message: 'readEmbeddingsText(): the bytes are not valid UTF-8' });
  });
});
