// (j) Training skip-gram word embeddings with negative sampling (word2vec) on a tiny corpus,
// then printing nearest neighbours.
//
// For each (center, context) pair seen within a window, the loss pushes the center vector
// towards the context word's output vector and away from K random "negative" words:
//   loss = -log σ(c·o) - Σ_k log σ(-c·n_k)      (kd.nn.functional.negativeSamplingLoss)
// Both tables are sparse embeddings: each step only touches the rows a batch used, and
// SparseAdam updates just those rows (see `weight.sparseGrad`).
//
// Run: node examples/js/j_skipgram.mjs
import assert from 'node:assert/strict';
import { kindling } from '../../bindings/npm/dist/node.mjs';

const kd = await kindling({ threads: false });
kd.manualSeed(0);
const { nn } = kd;

// ---- a corpus with two topics: words with the same contexts should end up close ----
let seed = 7;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const pick = (list) => list[Math.floor(rand() * list.length)];
const sentences = [];
for (let i = 0; i < 300; i++) {
  if (i % 2) sentences.push(['the', pick(['king', 'queen']), pick(['rules', 'wears', 'guards']), 'the', pick(['kingdom', 'crown', 'palace'])]);
  else sentences.push(['the', pick(['cat', 'dog']), pick(['eats', 'chases', 'sleeps']), 'the', pick(['food', 'ball', 'mat'])]);
}
const words = [...new Set(sentences.flat())];
const id = new Map(words.map((w, i) => [w, i]));

// (center, context) pairs within a window of 2.
const centers = [];
const contexts = [];
for (const s of sentences) {
  s.forEach((w, i) => {
    for (let j = Math.max(0, i - 2); j <= Math.min(s.length - 1, i + 2); j++) {
      if (j !== i) {
        centers.push(id.get(w));
        contexts.push(id.get(s[j]));
      }
    }
  });
}
console.log(`${words.length} words, ${centers.length} training pairs`);

// ---- model: two embedding tables ----
const DIM = 8;
const K = 4;
const inVectors = nn.Embedding(words.length, DIM, { sparse: true });
const outVectors = nn.Embedding(words.length, DIM, { sparse: true });
kd.noGrad(() => {
  inVectors.weight.mul_(0.1);
  outVectors.weight.zero_();
});
const opt = new kd.optim.SparseAdam([...inVectors.parameters(), ...outVectors.parameters()], { lr: 0.05 });

const allCenters = kd.tensor(centers, { dtype: 'int64' });
const allContexts = kd.tensor(contexts, { dtype: 'int64' });
const BATCH = 256;
for (let epoch = 1; epoch <= 20; epoch++) {
  let total = 0;
  let batches = 0;
  for (let start = 0; start < centers.length; start += BATCH) {
    total += kd.tidy(() => {
      const n = Math.min(BATCH, centers.length - start);
      const c = inVectors.call(allCenters.narrow(0, start, n));              // [B, d]
      const o = outVectors.call(allContexts.narrow(0, start, n));            // [B, d]
      const neg = outVectors.call(kd.randint(0, words.length, [n, K]));      // [B, K, d]
      const loss = nn.functional.negativeSamplingLoss(c, o, neg);
      opt.zeroGrad();
      loss.backward();
      opt.step();
      return loss.item();
    });
    batches++;
  }
  if (epoch % 5 === 0) console.log(`epoch ${epoch}: loss ${(total / batches).toFixed(4)}`);
}

// The gradient of a sparse embedding is row-sparse: only the rows of the last batch.
const g = inVectors.weight.sparseGrad;
console.log(`last sparse gradient: ${g.indices.shape[0]} of ${words.length} rows, values ${JSON.stringify(g.values.shape)}`);
assert.equal(inVectors.weight.grad, null);

// ---- nearest neighbours by cosine similarity of the center vectors ----
const table = kd.tidy(() => {
  const w = inVectors.weight;
  const unit = w.div(w.norm(2, 1, { keepdim: true }));
  return unit.matmul(unit.t()).toArray();
});
function neighbours(word, n = 2) {
  return table[id.get(word)].map((c, i) => [words[i], c]).filter(([w]) => w !== word).sort((a, b) => b[1] - a[1]).slice(0, n);
}
for (const w of ['king', 'cat', 'crown', 'eats']) {
  console.log(`${w.padEnd(6)} -> ${neighbours(w).map(([n, c]) => `${n} (${c.toFixed(2)})`).join(', ')}`);
}
// Words of one topic share their contexts, so they cluster: king's nearest neighbour is a
// royal word, cat's a pet word, and king is far closer to queen than to cat.
const ROYAL = ['queen', 'rules', 'wears', 'guards', 'kingdom', 'crown', 'palace'];
const PETS = ['dog', 'eats', 'chases', 'sleeps', 'food', 'ball', 'mat'];
assert.ok(ROYAL.includes(neighbours('king', 1)[0][0]));
assert.ok(PETS.includes(neighbours('cat', 1)[0][0]));
const cosine = (a, b) => table[id.get(a)][id.get(b)];
console.log(`cos(king, queen) = ${cosine('king', 'queen').toFixed(2)}, cos(king, cat) = ${cosine('king', 'cat').toFixed(2)}`);
assert.ok(cosine('king', 'queen') > cosine('king', 'cat') + 0.5);
console.log('ok');
