// (i) An embedding lookup is a matrix product with one-hot vectors: oneHot(indices) @ W picks
// the rows of W, exactly what nn.functional.embedding does (without building the big matrix).
//
// Run: node examples/js/i_one_hot_matmul.mjs
import assert from 'node:assert/strict';
import { kindling } from '../../bindings/npm/dist/node.mjs';

const kd = await kindling({ threads: false });
kd.manualSeed(0);

const W = kd.randn(5, 3);                                   // 5 words, 3 features
const indices = kd.tensor([2, 0, 4, 2], { dtype: 'int64' });

const oneHot = kd.oneHot(indices, 5);                       // int64 [4, 5]
console.log('oneHot:', oneHot.toArray());
const viaMatmul = oneHot.float().matmul(W);                 // [4, 5] @ [5, 3] -> [4, 3]
const viaLookup = kd.nn.functional.embedding(indices, W);   // rows 2, 0, 4, 2 of W

assert.deepEqual(viaMatmul.shape, [4, 3]);
assert.deepEqual(Array.from(viaMatmul.dataSync()), Array.from(viaLookup.dataSync()));
console.log('oneHot(indices) @ W == embedding(indices, W):', viaLookup.toArray());
console.log('ok');
