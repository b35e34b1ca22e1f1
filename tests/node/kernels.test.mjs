// The kernel tests of tests/native/test_kernels.cpp, compiled to wasm (build-wasm/tests/): every
// kernel table there (scalar and wasm SIMD) against the scalar reference, at sizes below, at
// and above the vector width. Natively the same file tests the AVX2 table.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const program = path.resolve(here, '../../build-wasm/tests/kindling_kernel_tests.js');

test('wasm kernel tables match the scalar reference (Catch2 in wasm)', () => {
  // node 20's fetch cannot load the .wasm by path: the glue reads it with fs without it.
  const run = spawnSync(process.execPath, ['--no-experimental-fetch', program, '[kernels]', '--use-colour', 'no'], { encoding: 'utf8' });
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /All tests passed \(\d+ assertions in \d+ test cases\)/);
});
