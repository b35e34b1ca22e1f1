// (g) Loading pretrained word vectors from a GloVe-format text file ("word v1 v2 ... vd" per
// line) into an nn.Embedding, frozen, and using them: lookups and nearest neighbours.
//
// The file here (examples/js/data/glove_tiny.txt) is tiny; the same code reads glove.6B.50d.txt.
//
// Run: node examples/js/g_pretrained_glove.mjs
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { kindling } from '../../bindings/npm/dist/node.mjs';

const kd = await kindling({ threads: false });
const { nn } = kd;

const text = readFileSync(new URL('./data/glove_tiny.txt', import.meta.url), 'utf8');
const { vocab, indexToWord, vectors } = kd.readEmbeddingsText(text);
console.log(`${indexToWord.length} words, dim ${vectors.shape[1]}:`, indexToWord.join(' '));
assert.deepEqual(vectors.shape, [8, 4]);

// from_pretrained shares the tensor and, by default, freezes it (requiresGrad false).
const emb = nn.Embedding.fromPretrained(vectors, { paddingIdx: vocab.get('<pad>') });
assert.equal(emb.weight.requiresGrad, false);
console.log(String(emb));

// Look up a sentence.
const ids = 'the king the queen'.split(' ').map((w) => vocab.get(w));
const looked = emb.call(kd.tensor(ids, { dtype: 'int64' }));
assert.deepEqual(looked.shape, [4, 4]);
assert.deepEqual(Array.from(looked.get(1).dataSync()), Array.from(Float32Array.of(0.50451, 0.68607, -0.59517, -0.022801)));

// Nearest neighbours by cosine similarity, computed with tensor ops: normalise the rows, then
// one matmul gives every pairwise cosine.
const unit = emb.weight.div(emb.weight.norm(2, 1, { keepdim: true }).clamp(1e-8));
const cos = unit.matmul(unit.t());
function nearest(word) {
  const row = Array.from(cos.get(vocab.get(word)).dataSync());
  return row.map((c, i) => [indexToWord[i], c])
    .filter(([w]) => w !== word && w !== '<pad>')
    .sort((a, b) => b[1] - a[1])[0][0];
}
for (const w of ['king', 'man', 'cat']) console.log(`nearest to ${w}: ${nearest(w)}`);
assert.equal(nearest('king'), 'queen');
assert.equal(nearest('man'), 'woman');
console.log('ok');
