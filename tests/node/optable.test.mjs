// The op table (bindings/optable/tensor_ops.mjs) and what is made from it: the committed
// generated files must be what the generator makes now, every method of the table must exist on
// kd.Tensor (generated, or written by hand where the table says so) in both wasm builds (loading
// checks that every raw function of the table is bound).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

import kindling from '../../bindings/npm/dist/node.mjs';
import { TENSOR_OPS } from '../../bindings/optable/tensor_ops.mjs';

const generator = fileURLToPath(new URL('../../bindings/optable/generate.mjs', import.meta.url));

test('the generated files are up to date with the op table', () => {
  const run = spawnSync(process.execPath, [generator, '--check'], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
});

for (const threads of [false, true]) {
  test(`every method of the op table is on kd.Tensor (${threads ? 'mt' : 'st'})`, async () => {
    const kd = await kindling({ threads });
    try {
      for (const op of TENSOR_OPS) {
        if (op.jsKind === 'raw') continue;
        assert.ok(op.js in kd.Tensor.prototype, `Tensor.${op.js} is missing`);
        if (op.free) assert.equal(typeof kd[op.js], 'function', `kd.${op.js} is missing`);
      }
    } finally {
      kd.shutdown();
    }
  });
}
