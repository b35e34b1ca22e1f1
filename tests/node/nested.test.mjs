// kd.tensor on nested arrays, against torch.tensor (tests/fixtures/nested/nested.json): the same
// shape for rectangular data; for ragged lengths the same ValueError, word for word. Where
// Kindling differs on purpose, the case says why. Also: ragged depths, non-numbers, typed
// arrays inside arrays, self-containing arrays, and that a refused input leaks nothing.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';

import kindling from '../../bindings/npm/dist/node.mjs';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/nested/nested.json', import.meta.url), 'utf8'));

// Cases where Kindling deliberately does not do what torch 1.13 does, and what it does instead.
const DIFFERENT = {
  // torch skips the walk when a tensor has no elements, so it never sees the ragged row.
  'non-empty after empty': ['ValueError', 'expected sequence of length 0 at dim 1 (got 1)'],
  // torch raises TypeErrors that say neither where nor what ("not a sequence", "'list' object
  // cannot be interpreted as an integer"); a ragged depth is a ValueError naming dim and index.
  'number where a row is expected': ['ValueError', 'expected sequence of length 2 at dim 1 (got the number 3 at index [1])'],
  'row where a number is expected': ['ValueError', 'expected a number at dim 1 (got a sequence of length 1 at index [1])'],
  'deeper row where a number is expected': ['ValueError', 'expected a number at dim 2 (got a sequence of length 1 at index [1, 1])'],
  'number at the front, rows after': ['ValueError', 'expected a number at dim 1 (got a sequence of length 2 at index [1])'],
};

function outcome(kd, data) {
  const before = kd.memory();
  try {
    const t = kd.tensor(data);
    const shape = t.shape;
    t.dispose();
    return { shape };
  } catch (e) {
    assert.ok(e instanceof kd.KindlingError, `not a KindlingError: ${e}`);
    assert.deepEqual(kd.memory(), before, 'a refused input changed kd.memory()');
    return { error: e.name, message: e.message };
  }
}

for (const build of ['mt', 'st']) {
  describe(`kd.tensor on nested arrays (${build})`, () => {
    let kd;
    before(async () => {
      kd = await kindling({ threads: build === 'mt' });
    });
    after(() => kd.shutdown());

    for (const { name, data, torch } of fixture.cases) {
      test(`${name}: ${JSON.stringify(data)}`, () => {
        const got = outcome(kd, data);
        if (DIFFERENT[name]) {
          const [error, message] = DIFFERENT[name];
          assert.notDeepEqual(torch, { error, message }, 'torch now agrees: move the case out of DIFFERENT');
          assert.deepEqual(got, { error, message });
        } else {
          assert.deepEqual(got, torch);
        }
      });
    }

    test('values, and dtype inferred as before: numbers float32, booleans bool', () => {
      const t = kd.tensor([[1.5, -2], [NaN, -0]]);
      assert.equal(t.dtype, 'float32');
      assert.deepEqual([...t.dataSync()], [1.5, -2, NaN, -0]);
      assert.ok(Object.is(t.dataSync()[3], -0));
      const b = kd.tensor([[true], [false]]);
      assert.equal(b.dtype, 'bool');
      assert.deepEqual(b.toArray(), [[true], [false]]);
      assert.equal(kd.tensor([true, 1]).dtype, 'float32');
      kd.dispose([t, b]);
    });

    test('typed arrays count as sequences inside nested arrays', () => {
      const t = kd.tensor([new Float32Array([1, 2]), new Int32Array([3, 4])]);
      assert.deepEqual(t.toArray(), [[1, 2], [3, 4]]);
      t.dispose();
      const big = kd.tensor([[new BigInt64Array([5n, 6n])]], { dtype: 'int64' });
      assert.deepEqual(big.toArray(), [[[5, 6]]]);
      big.dispose();
      assert.throws(() => kd.tensor([new Float32Array(2), new Float32Array(3)]),
        { name: 'ValueError', message: 'expected sequence of length 2 at dim 1 (got 3)' });
    });

    test('non-numbers are a TypeError naming their index', () => {
      assert.throws(() => kd.tensor([[1, 2], [3, 'a']]),
        { name: 'TypeError', message: 'tensor(): expected a number or a boolean at index [1, 1], got "a"' });
      assert.throws(() => kd.tensor([1, null]),
        { name: 'TypeError', message: 'tensor(): expected a number or a boolean at index [1], got null' });
      // eslint-disable-next-line no-sparse-arrays
      assert.throws(() => kd.tensor([1, , 3]),
        { name: 'TypeError', message: 'tensor(): expected a number or a boolean at index [1], got undefined' });
      assert.throws(() => kd.tensor([[1], { length: 1, 0: 2 }]),
        { name: 'TypeError', message: 'tensor(): expected a sequence at index [1], got Object' });
    });

    test('a self-containing array is refused, not walked forever', () => {
      const cyclic = [[0]];
      cyclic[0][0] = cyclic;
      assert.throws(() => kd.tensor(cyclic), { name: 'ValueError', message: 'tensor(): too many dimensions (more than 128)' });
      let deep = [1];
      for (let i = 0; i < 127; i++) deep = [deep];
      const t = kd.tensor(deep);  // 128 dims is the most torch accepts too
      assert.equal(t.dim(), 128);
      t.dispose();
    });
  });
}
