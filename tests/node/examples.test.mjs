// Runs every examples/js/*.mjs in its own node process; each example asserts its own outcome
// and exits non-zero when it fails. Run: node --test tests/node/examples.test.mjs
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const dir = fileURLToPath(new URL('../../examples/js/', import.meta.url));
const examples = readdirSync(dir).filter((f) => f.endsWith('.mjs')).sort();

test('there are examples to run', () => assert.ok(examples.length >= 10, `found ${examples.length}`));

for (const file of examples) {
  test(`examples/js/${file}`, () => {
    const r = spawnSync(process.execPath, [dir + file], { encoding: 'utf8', timeout: 120000 });
    assert.equal(r.status, 0, `${file} exited with ${r.status}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
    assert.match(r.stdout, /\bok\s*$/, `${file} did not finish with "ok"`);
  });
}
