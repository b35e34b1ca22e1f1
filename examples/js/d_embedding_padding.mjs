// (d) nn.Embedding: looking rows up by index, the padding row (starts at zero, never gets a
// gradient, and can be changed by hand under noGrad), and maxNorm (rows used are rescaled in
// place so that their norm is at most maxNorm).
//
// Run: node examples/js/d_embedding_padding.mjs
import assert from 'node:assert/strict';
import { kindling } from '../../bindings/npm/dist/node.mjs';

const kd = await kindling({ threads: false });
kd.manualSeed(0);
const { nn } = kd;

// A lookup: an int64 tensor of indices of any shape -> that shape + [embeddingDim].
const emb = nn.Embedding(10, 3);
const batch = kd.tensor([[1, 2, 4, 5], [4, 3, 2, 9]], { dtype: 'int64' });
const out = emb.call(batch);
assert.deepEqual(out.shape, [2, 4, 3]);
assert.deepEqual(out.get(0).get(1).toArray(), emb.weight.get(2).toArray(), 'row 2 of the table');

// paddingIdx: row 0 starts at zero and receives no gradient.
const padded = nn.Embedding(10, 3, { paddingIdx: 0 });
assert.deepEqual(padded.weight.get(0).toArray(), [0, 0, 0]);
const input = kd.tensor([[0, 2, 0, 5]], { dtype: 'int64' });
padded.call(input).sum().backward();
const grad = padded.weight.grad;
assert.deepEqual(grad.get(0).toArray(), [0, 0, 0], 'no gradient for the padding row');
assert.deepEqual(grad.get(2).toArray(), [1, 1, 1]);
console.log('gradient rows 0..2:', grad.narrow(0, 0, 3).toArray());

// The padding vector can be changed by hand (outside autograd), e.g. to all ones.
kd.noGrad(() => padded.weight.get(0).fill_(1));
assert.deepEqual(padded.call(kd.tensor([0], { dtype: 'int64' })).toArray(), [[1, 1, 1]]);

// maxNorm: every row looked up is renormalised in place to norm <= maxNorm.
const capped = nn.Embedding(10, 3, { maxNorm: 1 });
kd.noGrad(() => capped.weight.mul_(10));  // make every row long
capped.call(kd.tensor([1, 2], { dtype: 'int64' }));
const norms = capped.weight.norm(2, 1).dataSync();
assert.ok(norms[1] <= 1 + 1e-5 && norms[2] <= 1 + 1e-5, 'rows 1 and 2 were rescaled');
assert.ok(norms[3] > 1, 'row 3 was not looked up, so it was not touched');
console.log('row norms after the lookup:', Array.from(norms, (n) => n.toFixed(3)).join(' '));
console.log('ok');
