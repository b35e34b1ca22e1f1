// A JS number next to a tensor against PyTorch 1.13 (tests/fixtures/promotion/promotion.json,
// made by tests/fixtures/promotion/generate_promotion.py), both builds: the result's dtype and
// values, or torch's error kind and message. JS cannot tell 2 from 2.0, so a whole number is
// an int here: the fixture's rows with a whole float (torch: float32) are C++'s only
// (tests/native/test_promotion.cpp); every other row runs.
// Run: node --test tests/node/promotion.test.mjs
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';

import { kindling } from '../../bindings/npm/dist/node.mjs';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/promotion/promotion.json', import.meta.url), 'utf8'));
const rows = fixture.rows.filter((r) => r.scalar_kind === 'int' || !Number.isInteger(r.scalar));

const OPS = {
  add: (t, s) => t.add(s),
  sub: (t, s) => t.sub(s),
  rsub: (t, s) => t.rsub(s),
  mul: (t, s) => t.mul(s),
  div: (t, s) => t.div(s),
  rdiv: (t, s) => t.rdiv(s),
  pow: (t, s) => t.pow(s),
  eq: (t, s) => t.eq(s),
  ne: (t, s) => t.ne(s),
  lt: (t, s) => t.lt(s),
  le: (t, s) => t.le(s),
  gt: (t, s) => t.gt(s),
  ge: (t, s) => t.ge(s),
  add_: (t, s) => t.add_(s),
  mul_: (t, s) => t.mul_(s),
  div_: (t, s) => t.div_(s),
};

for (const build of ['st', 'mt']) {
  describe(`promotion of JS numbers (${build})`, () => {
    let kd;
    before(async () => { kd = await kindling({ threads: build === 'mt' }); });
    after(() => kd.shutdown());

    test(`${rows.length} rows: torch's dtype and values, or its error`, () => {
      assert.ok(rows.length > 150);
      for (const row of rows) {
        const what = `${row.op} ${row.dtype} tensor, ${row.scalar_kind} ${row.scalar}`;
        kd.tidy(() => {
          const t = kd.tensor(row.values.map(Number), { dtype: row.dtype });
          if (row.error) {
            assert.throws(() => OPS[row.op](t, row.scalar), (e) => e.name === row.error.kind && e.message.includes(row.error.message), what);
            return;
          }
          const out = OPS[row.op](t, row.scalar);
          assert.equal(out.dtype, row.result_dtype, what);
          const got = Array.from(out.toArray(), Number);
          row.result.map(Number).forEach((w, i) => assert.ok(Math.abs(got[i] - w) <= 1e-6 * Math.abs(w), `${what}[${i}]: ${got[i]} != ${w}`));
        });
      }
    });
  });
}
