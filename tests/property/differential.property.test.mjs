// Differential properties: for random shapes and values, broadcasting element-wise ops,
// reductions and matmul agree with a plain JS reference written here from the definitions.
// Element-wise float32 results must be identical (each IEEE op on float32 inputs computed in
// double and rounded once is the correctly rounded float32 result); sums and products of
// several terms are compared with a bound on the rounding of a float32 sum in any order.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import fc from 'fast-check';

import kindling from '../../bindings/npm/dist/node.mjs';
import { FC_OPTIONS } from './common.mjs';

const f32 = Math.fround;
const numel = (shape) => shape.reduce((a, b) => a * b, 1);
const stridesOf = (shape) => shape.map((_, i) => numel(shape.slice(i + 1)));

// Two shapes that broadcast together: both made from one shape by dropping dims from the front
// or setting dims to 1.
const dimSize = fc.integer({ min: 0, max: 3 });
const broadcastPair = fc.array(dimSize, { maxLength: 4 }).chain((dims) => fc.tuple(
  ...[0, 1].map(() => fc.tuple(fc.integer({ min: 0, max: dims.length }), fc.array(fc.boolean(), { minLength: dims.length, maxLength: dims.length }))
    .map(([drop, ones]) => dims.map((d, i) => (ones[i] ? 1 : d)).slice(drop))),
));
const valueArb = fc.oneof(fc.integer({ min: -9, max: 9 }), fc.float({ min: -100, max: 100, noNaN: true }).map(f32));
const valuesFor = (shape) => fc.array(valueArb, { minLength: numel(shape), maxLength: numel(shape) });

// Reads element `index` (of the broadcast shape `out`) from a row-major operand of `shape`.
function broadcastRead(values, shape, out, index) {
  const offset = out.length - shape.length;
  let flat = 0;
  const strides = stridesOf(shape);
  for (let d = 0; d < shape.length; d++) flat += (shape[d] === 1 ? 0 : index[d + offset]) * strides[d];
  return values[flat];
}
function broadcastShapes(sa, sb) {
  const rank = Math.max(sa.length, sb.length);
  return Array.from({ length: rank }, (_, i) => {
    const da = sa[i - (rank - sa.length)] ?? 1;
    const db = sb[i - (rank - sb.length)] ?? 1;
    return da === 1 ? db : da;
  });
}
function unravel(i, shape) {
  const index = new Array(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    index[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return index;
}

const BINARY = {
  add: (a, b) => f32(a + b),
  sub: (a, b) => f32(a - b),
  mul: (a, b) => f32(a * b),
  div: (a, b) => f32(a / b),
};
const COMPARE = { eq: (a, b) => a === b, lt: (a, b) => a < b, ge: (a, b) => a >= b };

function sameValues(actual, expected, what) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i]) && !(actual[i] === 0 && expected[i] === 0)) {
      assert.fail(`${what}: element ${i} is ${actual[i]}, expected ${expected[i]}`);
    }
  }
}

// |ours - ref| <= 4 * n * eps32 * sum|terms| + 1e-6: the rounding bound of an n-term float32
// sum in any order (ref is exact in double).
function closeSums(actual, expected, magnitudes, terms, what) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  const bound = (i) => 4 * Math.max(terms, 1) * 2 ** -24 * magnitudes[i] + 1e-6;
  for (let i = 0; i < expected.length; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= bound(i))) {
      assert.fail(`${what}: element ${i} is ${actual[i]}, expected ${expected[i]} (bound ${bound(i)})`);
    }
  }
}

for (const build of ['st', 'mt']) {
  describe(`differential: results against a plain JS reference (${build})`, () => {
    let kd;
    before(async () => {
      kd = await kindling({ threads: build === 'mt' });
    });
    after(() => kd.shutdown());

    test('broadcasting element-wise ops and comparisons', () => {
      const cases = broadcastPair.chain(([sa, sb]) => fc.tuple(fc.constant(sa), fc.constant(sb),
        valuesFor(sa), valuesFor(sb), fc.constantFrom(...Object.keys(BINARY), ...Object.keys(COMPARE))));
      fc.assert(fc.property(cases, ([sa, sb, va, vb, op]) => kd.tidy(() => {
        const a = kd.tensor(va, { shape: sa });
        const b = kd.tensor(vb, { shape: sb });
        const result = a[op](b);
        const out = broadcastShapes(sa, sb);
        assert.deepEqual(result.shape, out, `${op} ${JSON.stringify(sa)} ${JSON.stringify(sb)}: shape`);
        const expected = Array.from({ length: numel(out) }, (_, i) => {
          const index = unravel(i, out);
          const x = broadcastRead(va.map(f32), sa, out, index);
          const y = broadcastRead(vb.map(f32), sb, out, index);
          return BINARY[op] ? BINARY[op](x, y) : Number(COMPARE[op](x, y));
        });
        sameValues(Array.from(result.dataSync()), expected, `${op} ${JSON.stringify(sa)} ${JSON.stringify(sb)}`);
      })), FC_OPTIONS);
    });

    test('reductions over a dim: sum, mean, max, min (keepdim or not)', () => {
      const cases = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }).chain((shape) => fc.tuple(
        fc.constant(shape), valuesFor(shape), fc.integer({ min: -shape.length, max: shape.length - 1 }),
        fc.boolean(), fc.constantFrom('sum', 'mean', 'max', 'min')));
      fc.assert(fc.property(cases, ([shape, values, dim, keepdim, op]) => kd.tidy(() => {
        const x = kd.tensor(values, { shape });
        const d = dim < 0 ? dim + shape.length : dim;
        const outShape = shape.map((s, i) => (i === d ? 1 : s));
        const n = shape[d];
        const expected = [];
        const magnitudes = [];
        for (let i = 0; i < numel(outShape); i++) {
          const index = unravel(i, outShape);
          const terms = Array.from({ length: n }, (_, k) => {
            index[d] = k;
            return f32(values[index.reduce((acc, v, j) => acc + v * stridesOf(shape)[j], 0)]);
          });
          const total = terms.reduce((a, b) => a + b, 0);
          expected.push(op === 'sum' ? total : op === 'mean' ? total / n : op === 'max' ? Math.max(...terms) : Math.min(...terms));
          magnitudes.push(terms.reduce((a, b) => a + Math.abs(b), 0) / (op === 'mean' ? n : 1));
        }
        const result = op === 'max' || op === 'min' ? x[op](dim, keepdim)[0] : x[op](dim, keepdim);
        const wantShape = keepdim ? outShape : shape.filter((_, i) => i !== d);
        assert.deepEqual(result.shape, wantShape, `${op}(${dim}, ${keepdim}) of ${JSON.stringify(shape)}: shape`);
        if (op === 'max' || op === 'min') sameValues(Array.from(result.dataSync()), expected, `${op} of ${JSON.stringify(shape)}`);
        else closeSums(Array.from(result.dataSync()), expected, magnitudes, n, `${op}(${dim}) of ${JSON.stringify(shape)}`);
      })), FC_OPTIONS);
    });

    test('matmul: 1-d, 2-d and batched with broadcasting, including empty dims', () => {
      const size = fc.integer({ min: 0, max: 5 });
      const cases = fc.tuple(size, size, size, fc.constantFrom([], [2], [1], [3, 1]), fc.constantFrom([], [2], [1]), fc.constantFrom('mm', 'vec-mat', 'mat-vec', 'dot'))
        .chain(([n, k, m, ba, bb, form]) => {
          const sa = form === 'vec-mat' || form === 'dot' ? [k] : [...ba, n, k];
          const sb = form === 'mat-vec' || form === 'dot' ? [k] : [...bb, k, m];
          return fc.tuple(fc.constant(sa), fc.constant(sb), valuesFor(sa), valuesFor(sb));
        });
      fc.assert(fc.property(cases, ([sa, sb, va, vb]) => kd.tidy(() => {
        const a = kd.tensor(va, { shape: sa });
        const b = kd.tensor(vb, { shape: sb });
        // Reference: promote 1-d operands to matrices, broadcast the batch dims, multiply, drop.
        const A = sa.length === 1 ? [1, ...sa] : sa;
        const B = sb.length === 1 ? [...sb, 1] : sb;
        const [n, k] = A.slice(-2);
        const m = B[B.length - 1];
        const batchA = A.slice(0, -2);
        const batchB = B.slice(0, -2);
        const batch = broadcastShapes(batchA, batchB);
        const expected = [];
        const magnitudes = [];
        for (let bi = 0; bi < numel(batch); bi++) {
          const index = unravel(bi, batch);
          for (let i = 0; i < n; i++) {
            for (let j = 0; j < m; j++) {
              let total = 0;
              let mag = 0;
              for (let p = 0; p < k; p++) {
                const x = f32(broadcastRead(va, [...batchA, n, k], [...batch, n, k], [...index, i, p]));
                const y = f32(broadcastRead(vb, [...batchB, k, m], [...batch, k, m], [...index, p, j]));
                total += x * y;
                mag += Math.abs(x * y);
              }
              expected.push(total);
              magnitudes.push(mag);
            }
          }
        }
        let outShape = [...batch, n, m];
        if (sa.length === 1) outShape = outShape.filter((_, i) => i !== outShape.length - 2);
        if (sb.length === 1) outShape = outShape.slice(0, -1);
        const result = a.matmul(b);
        assert.deepEqual(result.shape, outShape, `matmul ${JSON.stringify(sa)} @ ${JSON.stringify(sb)}: shape`);
        closeSums(Array.from(result.dataSync()), expected, magnitudes, k, `matmul ${JSON.stringify(sa)} @ ${JSON.stringify(sb)}`);
      })), FC_OPTIONS);
    });
  });
}
