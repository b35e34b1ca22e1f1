// Export to PyTorch (web/src/presets/classify2d/export.js), both directions, for the 2-D
// preset's model in several configurations: the exported train.py runs under Debian's
// python3-torch, its eval-mode outputs match Kindling's and its training steps match the
// exported Kindling JS, and what it saves loads back; a torch state_dict saved as safetensors
// loads into the preset's model.
// Needs /usr/bin/python3 with torch (`make deps` installs python3-torch); fails without it.
// Run: node --test tests/node/export.test.mjs (after `make build`).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { kindling } from '../../bindings/npm/dist/node.mjs';
import { makeRng } from '../../web/src/lib/prng.js';
import { readConfig } from '../../web/src/lib/schema.js';
import { FEATURES, FIELDS, normalize } from '../../web/src/presets/classify2d/config.js';
import { featurize, makeDataset, split } from '../../web/src/presets/classify2d/data.js';
import { Classify2dRun } from '../../web/src/presets/classify2d/model.js';
import { kindlingCode } from '../../web/src/presets/classify2d/codegen.js';
import { exportFiles, exportSample, pytorchProgram } from '../../web/src/presets/classify2d/export.js';

const PYTHON = '/usr/bin/python3';
const TORCH_STATE_DICT = fileURLToPath(new URL('../fixtures/playground/torch_state_dict.py', import.meta.url));
const KINDLING_NODE = new URL('../../bindings/npm/dist/node.mjs', import.meta.url).href;
const TOLERANCE = 1e-5;
const PRESET_STEPS = 25;  // trained in Kindling before the export, so the weights are not the initial ones
const TORCH_STEPS = 3;    // trained by train.py after loading, then replayed by the exported Kindling JS

const config = (over = {}) => normalize({ ...readConfig(FIELDS, {}), ...over });

const CONFIGURATIONS = {
  'default': {},
  'BatchNorm and dropout': { dataset: 'spiral', layers: [8, 6], batchNorm: true, dropout: 0.3, optimizer: 'adam' },
  'three hidden layers: ReLU, GELU, SiLU': { layers: [6, 5, 4], activations: ['relu', 'gelu', 'silu'], optimizer: 'sgd', momentum: 0.9, nesterov: true },
  'three hidden layers: tanh, sigmoid, linear': { layers: [6, 5, 4], activations: ['tanh', 'sigmoid', 'linear'], optimizer: 'rmsprop', momentum: 0.5, schedule: 'exponential', schedulePeriod: 4 },
  'multi-class cross-entropy, BatchNorm': { dataset: 'blobs', classes: 4, loss: 'ce', batchNorm: true, optimizer: 'adagrad', weightDecay: 0.01 },
  'regression, MSE': { dataset: 'bumps', layers: [8, 8], activations: ['relu', 'relu'], optimizer: 'adamw', weightDecay: 0.1, schedule: 'step', schedulePeriod: 2 },
  'all features, L1': { features: Object.keys(FEATURES), l1: 0.001, optimizer: 'adam', schedule: 'cosine', schedulePeriod: 10 },
  'no hidden layer, two-class cross-entropy': { layers: [], loss: 'ce' },
};
// the other direction, for the layers whose state differs: plain, BatchNorm's buffers, multi-class
const FROM_TORCH = ['default', 'BatchNorm and dropout', 'multi-class cross-entropy, BatchNorm'];

/** python3 with `args` in `cwd`; {status, stdout, stderr}. */
function python(args, cwd) {
  const r = spawnSync(PYTHON, args, { cwd, encoding: 'utf8' });
  if (r.error) throw r.error;
  return r;
}
function pythonJson(args, cwd) {
  const r = python(args, cwd);
  assert.equal(r.status, 0, `python3 ${args.join(' ')} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

function maxDiff(a, b) {
  assert.equal(a.length, b.length, 'as many values');
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
}

function writeExport(files) {
  const dir = mkdtempSync(join(tmpdir(), 'kd-export-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

/** The exported Kindling JS for `c`, loaded with the weights in `weightsFile`, trained on the given rows of the sample. */
async function trainKindlingCode(c, numClasses, weightsFile, sample, batches, dir) {
  const header = "import kindling from 'kindling';\nconst kd = await kindling();";
  const code = kindlingCode(c, numClasses);
  assert.ok(code.startsWith(header), 'the generated code starts by loading Kindling');
  const file = join(dir, 'generated.mjs');
  writeFileSync(file, `import { kindling } from ${JSON.stringify(KINDLING_NODE)};
import { readFileSync } from 'node:fs';
const kd = await kindling({ threads: false });${code.slice(header.length)}
kd.tidy(() => model.loadStateDict(kd.loadSafetensors(readFileSync(${JSON.stringify(weightsFile)})), { strict: true }));
const points = ${JSON.stringify(sample.points)};
const labels = ${JSON.stringify(sample.labels)};
export const losses = ${JSON.stringify(batches)}.map((rows) => trainStep(rows.map((i) => points[i]), rows.map((i) => labels[i])));
model.eval();
export const outputs = kd.noGrad(() => kd.tidy(() => Array.from(model.call(kd.tensor(points.map(features))).dataSync())));
kd.shutdown();
`);
  return import(pathToFileURL(file).href);
}

describe('export to PyTorch', () => {
  let kd;
  before(async () => {
    const r = spawnSync(PYTHON, ['-c', 'import numpy, torch'], { encoding: 'utf8' });
    if (r.error || r.status !== 0) {
      throw new Error(`${PYTHON} with torch is needed: apt-get install python3-torch (make deps installs it)\n${r.error?.message ?? r.stderr}`);
    }
    kd = await kindling({ threads: false });
  });
  after(() => kd?.shutdown());

  const runOf = (c, data = makeDataset(c)) => new Classify2dRun(kd, c, data, { rng: makeRng(c.seed) });

  /** Kindling's eval-mode outputs on the sample, flat; the model goes back to train mode. */
  const kindlingOutputs = (run, sample) => {
    const { features } = run.config;
    const x = featurize(Float32Array.from(sample.points.flat()), features);
    run.model.eval();
    try {
      return kd.noGrad(() => kd.tidy(() => Array.from(run.model.call(kd.tensor(x, [sample.points.length, features.length])).dataSync())));
    } finally {
      run.model.train();
    }
  };

  test('the sample is the first 8 test points, or the training points when there are none', () => {
    const data = makeDataset(config());
    const sample = exportSample(data);
    const firstTest = data.isTest.indexOf(1);
    assert.equal(sample.points.length, 8);
    assert.equal(sample.labels.length, 8);
    assert.deepEqual(sample.points[0], [data.points[2 * firstTest], data.points[2 * firstTest + 1]]);
    assert.equal(sample.labels[0], data.labels[firstTest]);

    const allTrain = split([[1, 2], [3, -4], [-5, 0.5]], [0, 1, 1], 'binary', 2, 100);
    assert.equal(allTrain.isTest.indexOf(1), -1);
    const fallback = exportSample(allTrain);
    const rows = fallback.points.map(([x1, x2], i) => JSON.stringify([x1, x2, fallback.labels[i]]));
    assert.deepEqual(rows.sort(), [[1, 2, 0], [3, -4, 1], [-5, 0.5, 1]].map((r) => JSON.stringify(r)).sort());
  });

  for (const [name, over] of Object.entries(CONFIGURATIONS)) {
    test(`${name}: train.py's outputs match Kindling's; it trains on as the exported Kindling JS does; what it saves loads back`, async (t) => {
      const c = config(over);
      const run = runOf(c);
      for (let i = 0; i < PRESET_STEPS; i++) run.step();
      const files = exportFiles(kd, run);
      assert.deepEqual(Object.keys(files), ['model.safetensors', 'train.py']);
      assert.ok(files['model.safetensors'] instanceof Uint8Array);
      const sample = exportSample(run.data);
      const dir = writeExport(files);
      try {
        const py = pythonJson(['train.py', '--print-json', '--train-steps', String(TORCH_STEPS), '--save', 'trained.safetensors'], dir);
        assert.equal(py.outputs.length, sample.points.length);
        const ours = kindlingOutputs(run, sample);
        const diff = maxDiff(py.outputs.flat(), ours);
        t.diagnostic(`${name}: eval outputs, max |torch − Kindling| = ${diff.toExponential(2)}`);
        assert.ok(diff <= TOLERANCE, `eval outputs differ by ${diff}: torch ${py.outputs.flat()} vs Kindling ${ours}`);

        // Dropout draws from each library's own generator, so training only matches without it.
        if (c.dropout === 0) {
          const batches = py.steps.map((s) => s.rows);
          const js = await trainKindlingCode(c, run.data.numClasses, join(dir, 'model.safetensors'), sample, batches, dir);
          const lossDiff = maxDiff(py.steps.map((s) => s.loss), js.losses);
          const trainedDiff = maxDiff(py.trained_outputs.flat(), js.outputs);
          t.diagnostic(`${name}: ${TORCH_STEPS} steps in torch vs the exported Kindling JS, losses ${lossDiff.toExponential(2)}, outputs ${trainedDiff.toExponential(2)}`);
          assert.ok(lossDiff <= TOLERANCE, `training losses differ by ${lossDiff}`);
          assert.ok(trainedDiff <= TOLERANCE, `outputs after training differ by ${trainedDiff}`);
        }

        // what train.py saved after training loads back into the preset's model
        assert.ok(maxDiff(py.trained_outputs.flat(), ours) > TOLERANCE, 'training in torch moved the outputs');
        kd.tidy(() => run.model.loadStateDict(kd.loadSafetensors(readFileSync(join(dir, 'trained.safetensors'))), { strict: true }));
        const backDiff = maxDiff(kindlingOutputs(run, sample), py.trained_outputs.flat());
        t.diagnostic(`${name}: torch-trained weights back in Kindling, max |torch − Kindling| = ${backDiff.toExponential(2)}`);
        assert.ok(backDiff <= TOLERANCE, `the weights train.py saved give outputs that differ by ${backDiff}`);
      } finally {
        run.dispose();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  for (const name of FROM_TORCH) {
    test(`${name}: a torch state_dict saved as safetensors loads into the preset's model`, (t) => {
      const c = config(CONFIGURATIONS[name]);
      const run = runOf(c);
      const dir = writeExport(exportFiles(kd, run));
      try {
        const torchFile = join(dir, 'torch.safetensors');
        const { outputs } = pythonJson([TORCH_STATE_DICT, dir, torchFile], dir);
        const sample = exportSample(run.data);
        const torchOutputs = outputs.flat();
        assert.ok(maxDiff(kindlingOutputs(run, sample), torchOutputs) > 1e-3, "torch's initialization differs from Kindling's");
        kd.tidy(() => run.model.loadStateDict(kd.loadSafetensors(readFileSync(torchFile)), { strict: true }));
        const diff = maxDiff(kindlingOutputs(run, sample), torchOutputs);
        t.diagnostic(`${name}: torch's state_dict in Kindling, max |torch − Kindling| = ${diff.toExponential(2)}`);
        assert.ok(diff <= TOLERANCE, `outputs differ by ${diff}`);
        if (c.batchNorm) assert.equal(kd.tidy(() => run.model.stateDict()['1.num_batches_tracked'].item()), 3);
      } finally {
        run.dispose();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  test("train.py's reader and writer: Kindling's file read and written back holds the same tensors", () => {
    const c = config(CONFIGURATIONS['BatchNorm and dropout']);
    const run = runOf(c);
    run.step();
    const dir = writeExport(exportFiles(kd, run));
    try {
      const r = python(['-c', "import train; train.write_safetensors(train.read_safetensors('model.safetensors'), 'copy.safetensors')"], dir);
      assert.equal(r.status, 0, r.stderr);
      kd.tidy(() => {
        const original = kd.loadSafetensors(readFileSync(join(dir, 'model.safetensors')));
        const copy = kd.loadSafetensors(readFileSync(join(dir, 'copy.safetensors')));
        assert.deepEqual(Object.keys(copy).sort(), Object.keys(original).sort());
        assert.ok(Object.values(original).some((v) => v.dtype === 'int64'), 'num_batches_tracked is int64');
        for (const [k, v] of Object.entries(original)) {
          assert.equal(copy[k].dtype, v.dtype, k);
          assert.deepEqual(copy[k].shape, v.shape, k);
          assert.deepEqual(copy[k].dataSync(), v.dataSync(), k);
        }
      });
    } finally {
      run.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a run without points exports a train.py that evaluates nothing and refuses to train', () => {
    const c = config({ dataset: 'custom' });
    const run = runOf(c, split([], [], 'binary', 2, c.trainPct));
    const dir = writeExport(exportFiles(kd, run));
    try {
      assert.deepEqual(pythonJson(['train.py', '--print-json'], dir).outputs, []);
      const training = python(['train.py', '--train-steps', '1'], dir);
      assert.equal(training.status, 2);
      assert.match(training.stderr, /--train-steps: the playground had no points, so there is no sample batch to train on/);
    } finally {
      run.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('train.py refuses a truncated file and weights of another model, with their reasons', () => {
    const run = runOf(config());
    const files = exportFiles(kd, run);
    const bytes = files['model.safetensors'];
    const dir = writeExport({
      ...files,
      'header-cut.safetensors': bytes.subarray(0, 20),
      'data-cut.safetensors': bytes.subarray(0, bytes.length - 4),
      // layers [4, 3] where the weights have [4, 2]
      'train.py': pytorchProgram({ config: config({ layers: [4, 3] }), numClasses: 2, sample: exportSample(run.data) }),
    });
    try {
      const read = (file) => python(['-c', `import train; train.read_safetensors('${file}')`], dir);
      const headerCut = read('header-cut.safetensors');
      assert.notEqual(headerCut.status, 0);
      assert.match(headerCut.stderr, /header-cut\.safetensors: the header runs past the end of the file \(20 bytes\)/);
      const dataCut = read('data-cut.safetensors');
      assert.notEqual(dataCut.status, 0);
      assert.match(dataCut.stderr, /tensor '\d\.(weight|bias)': data_offsets \[\d+, \d+\] do not hold its shape \[\d+(, \d+)?\] in the file/);

      const mismatch = python(['train.py', '--print-json'], dir);
      assert.notEqual(mismatch.status, 0);
      assert.match(mismatch.stderr, /Error\(s\) in loading state_dict for Sequential/);
      assert.match(mismatch.stderr, /size mismatch for 2\.weight: copying a param with shape torch\.Size\(\[2, 4\]\) from checkpoint, the shape in current model is torch\.Size\(\[3, 4\]\)/);
    } finally {
      run.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
