// (h) view vs reshape on a transposed tensor. A view reinterprets the same memory, so it needs
// compatible strides: after a transpose the elements are no longer laid out row by row, and
// view throws (with PyTorch's message). reshape copies when it has to, so it always works.
//
// Run: node examples/js/h_view_vs_reshape.mjs
import assert from 'node:assert/strict';
import { kindling } from '../../bindings/npm/dist/node.mjs';

const kd = await kindling({ threads: false });

const x = kd.arange(6).view(2, 3);  // [[0, 1, 2], [3, 4, 5]], contiguous
const t = x.t();                     // [[0, 3], [1, 4], [2, 5]], a view with swapped strides
console.log('t =', t.toArray(), 'contiguous:', t.isContiguous());
assert.equal(t.isContiguous(), false);

// view cannot flatten it: no single stride walks 0, 3, 1, 4, 2, 5 through memory.
assert.throws(() => t.view(6), (e) => {
  console.log(`view threw ${e.name}: ${e.message}`);
  return e instanceof kd.errors.ShapeError
    && e.message.includes("view size is not compatible with input tensor's size and stride")
    && e.message.includes('Use .reshape(...) instead.');
});

// reshape does (it copies here); contiguous().view() is the same thing spelled out.
assert.deepEqual(t.reshape(6).toArray(), [0, 3, 1, 4, 2, 5]);
assert.deepEqual(t.contiguous().view(6).toArray(), [0, 3, 1, 4, 2, 5]);
// On a contiguous tensor, reshape returns a view: it shares memory with x.
const r = x.reshape(3, 2);
kd.noGrad(() => x.get(0).fill_(7));
assert.deepEqual(r.toArray(), [[7, 7], [7, 3], [4, 5]]);
console.log('ok');
