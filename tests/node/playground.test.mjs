// The playground's 2-D preset outside the browser: the data generators and CSV reader, the
// model/optimizer it builds from kd.nn/kd.optim, reproducibility, the non-finite diagnosis,
// and the generated Kindling code, which must train exactly like the preset.
// Run: node --test tests/node/playground.test.mjs (after `make build`).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { kindling } from '../../bindings/npm/dist/node.mjs';
import { makeRng } from '../../web/src/lib/prng.js';
import { DATASETS, FIELDS, normalize } from '../../web/src/presets/classify2d/config.js';
import { makeDataset, parseCsv, EXTENT } from '../../web/src/presets/classify2d/data.js';
import { Classify2dRun } from '../../web/src/presets/classify2d/model.js';
import { kindlingCode } from '../../web/src/presets/classify2d/codegen.js';
import { readConfig, writeConfig } from '../../web/src/lib/schema.js';

const config = (over = {}) => normalize({ ...readConfig(FIELDS, {}), ...over });

describe('datasets', () => {
  for (const name of Object.keys(DATASETS).filter((d) => d !== 'custom')) {
    test(`${name}: n points on the plane, labels fit the task, the seed decides`, () => {
      const c = config({ dataset: name, points: 300, classes: 4, noise: 20 });
      const d = makeDataset(c);
      assert.equal(d.points.length, 600);
      assert.ok(d.points.every((v) => Math.abs(v) <= EXTENT));
      const nTest = d.isTest.reduce((a, b) => a + b, 0);
      assert.equal(nTest, 150);
      if (d.task === 'regression') assert.ok(d.labels.some((v) => !Number.isInteger(v)));
      else assert.deepEqual([...new Set(d.labels)].sort(), [...Array(d.numClasses).keys()]);
      assert.deepEqual(makeDataset(c), d, 'same seed, same data');
      assert.notDeepEqual(makeDataset({ ...c, dataSeed: c.dataSeed + 1 }).points, d.points);
    });
  }
});

describe('CSV', () => {
  test('a header, comments and blank lines are skipped; 3 classes found', () => {
    const d = parseCsv('x,y,label\n# mine\n1,2,0\n\n-1,-2,1\n3,3,2\n', 50);
    assert.equal(d.points.length / 2, 3);
    assert.equal(d.task, 'multiclass');
    assert.equal(d.numClasses, 3);
  });
  test('bad rows are named by line', () => {
    assert.throws(() => parseCsv('x,y,label\n1,2,0\n1,two,1\n', 50), /Line 3: y is not a finite number: "two"/);
    assert.throws(() => parseCsv('1,2,0\n1,2\n', 50), /Line 2: expected 3 values "x,y,label", found 2/);
    assert.throws(() => parseCsv('1,2,0\n', 50), /at least 2 are needed/);
    assert.throws(() => parseCsv('1,2,0\n3,4,NaN\n', 50), /Line 2: label is not a finite number/);
  });
  test('real-valued labels make a regression; far points are scaled to fit', () => {
    const d = parseCsv('0,0,0.5\n12,-3,1.25\n', 50);
    assert.equal(d.task, 'regression');
    assert.match(d.note, /scaled by 0\.500/);
    assert.ok(d.points.every((v) => Math.abs(v) <= EXTENT));
  });
});

describe('URL round trip', () => {
  test('a configuration survives writeConfig → readConfig; defaults are left out', () => {
    const c = config({ dataset: 'spirals', classes: 5, layers: [8, 8, 3], activations: ['relu', 'gelu', 'silu'], lr: 0.1, features: ['x1', 'sinx2'] });
    const params = writeConfig(FIELDS, c);
    assert.equal(params.get('noise'), null);
    assert.deepEqual(normalize(readConfig(FIELDS, new URLSearchParams(params.toString()))), c);
  });
  test('nonsense is clamped or replaced by defaults', () => {
    const c = normalize(readConfig(FIELDS, new URLSearchParams('layers=500,0,x&lr=-3&dataset=nope&features=&batchSize=1e9')));
    assert.deepEqual(c.layers, config().layers);
    assert.equal(c.lr, 1e-6);
    assert.equal(c.dataset, 'circle');
    assert.deepEqual(c.features, ['x1', 'x2']);
    assert.equal(c.batchSize, 512);
  });
});

for (const build of ['st', 'mt']) {
  describe(`the preset's model (${build})`, () => {
    let kd;
    before(async () => { kd = await kindling({ threads: build === 'mt' }); });
    after(() => kd.shutdown());

    const runOf = (c) => new Classify2dRun(kd, c, makeDataset(c), { rng: makeRng(c.seed) });

    test('the default run learns the circle: the loss falls and accuracy rises', () => {
      const run = runOf(config({ optimizer: 'adam', lr: 0.03, layers: [8, 8] }));
      const before_ = run.evaluate();
      for (let i = 0; i < 600; i++) run.step();
      const after_ = run.evaluate();
      assert.ok(after_.trainLoss < 0.5 * before_.trainLoss, `${before_.trainLoss} → ${after_.trainLoss}`);
      assert.ok(after_.testAccuracy > 0.9, `test accuracy ${after_.testAccuracy}`);
      run.dispose();
    });

    test('the same seed and configuration give bit-identical losses and weights', () => {
      const c = config({ dataset: 'spiral', layers: [8, 6], dropout: 0.2, batchNorm: true, optimizer: 'adam' });
      const trace = () => {
        const run = runOf(c);
        const losses = Array.from({ length: 60 }, () => run.step());
        const w = run.weights().layers.map((l) => Array.from(l.weight));
        run.dispose();
        return { losses, w };
      };
      assert.deepEqual(trace(), trace());
    });

    if (build === 'mt') {
      test('1 and 2 threads train bit-identically', () => {
        const c = config({ layers: [64, 64], batchSize: 64, points: 1000 });
        const trace = (n) => {
          kd.setNumThreads(n);
          const run = runOf(c);
          const losses = Array.from({ length: 20 }, () => run.step());
          run.dispose();
          return losses;
        };
        assert.deepEqual(trace(1), trace(2));
      });
    }

    test('every activation, optimizer, schedule and loss builds and steps', () => {
      const cases = [
        ...['relu', 'tanh', 'sigmoid', 'gelu', 'silu', 'linear'].map((a) => ({ activations: [a, a] })),
        ...['sgd', 'adam', 'adamw', 'adagrad', 'rmsprop'].map((o) => ({ optimizer: o, momentum: 0.9, nesterov: true, weightDecay: 1e-3 })),
        ...['step', 'exponential', 'cosine'].map((s) => ({ schedule: s, schedulePeriod: 2 })),
        { dataset: 'blobs', classes: 5 }, { dataset: 'plane' }, { loss: 'ce' }, { l1: 0.01 }, { layers: [] },
        { dropout: 0.5, batchNorm: true }, { features: ['x1sq', 'x2sq', 'x1x2', 'sinx1', 'sinx2'] },
      ];
      for (const over of cases) {
        const c = config(over);
        const run = runOf(c);
        const losses = [run.step(), run.step(), run.step()];
        assert.ok(losses.every(Number.isFinite), `${JSON.stringify(over)}: ${losses}`);
        const s = run.surface(8);
        assert.equal(s.values.length, 64 * s.channels);
        run.dispose();
      }
    });

    test('the schedule moves the learning rate', () => {
      const run = runOf(config({ schedule: 'step', schedulePeriod: 2, scheduleGamma: 0.5, lr: 0.4 }));
      run.step(); run.step();
      assert.equal(run.currentLr(), 0.2);
      run.dispose();
    });

    test('a learning rate of 100 blows up and the report names the parameters', () => {
      const run = runOf(config({ lr: 100, optimizer: 'sgd', dataset: 'plane', layers: [8, 8], activations: ['relu', 'relu'] }));
      let loss = 0, steps = 0;
      while (Number.isFinite(loss) && steps < 500) { loss = run.step(); steps++; }
      assert.ok(!Number.isFinite(loss), 'the loss stayed finite');
      const report = run.nonFiniteReport();
      assert.ok(report.length > 0 && /^\d+\.(weight|bias)/.test(report[0]), report.join('; '));
      run.dispose();
    });

    test('setParameter writes one weight, under no_grad, and refuses non-finite values', () => {
      const run = runOf(config());
      run.setParameter({ layer: 0, kind: 'weight', row: 1, col: 0, value: 2.5 });
      run.setParameter({ layer: 1, kind: 'bias', row: 0, value: -1 });
      const w = run.weights().layers;
      assert.equal(w[0].weight[1 * w[0].in + 0], 2.5);
      assert.equal(w[1].bias[0], -1);
      assert.throws(() => run.setParameter({ layer: 0, kind: 'weight', row: 0, col: 0, value: NaN }), /finite/);
      assert.ok(Number.isFinite(run.step()));
      run.dispose();
    });

    test('the generated Kindling JS code trains exactly like the preset', async () => {
      const c = config({ layers: [5, 3], activations: ['relu', 'gelu'], optimizer: 'sgd', momentum: 0.9, l1: 0.001, schedule: 'step', schedulePeriod: 3, batchNorm: true, dropout: 0.1, features: ['x1', 'x2', 'x1x2'] });
      const data = makeDataset(c);
      const run = new Classify2dRun(kd, c, data, { rng: makeRng(c.seed) });
      // the batches the preset draws, replayed through the generated code
      const batches = [];
      const rng = makeRng(c.seed);
      const trainRows = [...data.isTest.keys()].filter((i) => data.isTest[i] === 0);
      let order = [];
      for (let s = 0; s < 5; s++) {
        if (order.length < c.batchSize) order.push(...rng.shuffle([...trainRows.keys()]));
        batches.push(order.splice(0, c.batchSize).map((k) => trainRows[k]));
      }
      const ours = batches.map(() => run.step());
      run.dispose();

      const dir = mkdtempSync(join(tmpdir(), 'kd-codegen-'));
      try {
        const code = kindlingCode(c, data.numClasses)
          .replace("import kindling from 'kindling';", `import { kindling } from ${JSON.stringify(pathToFileURL(join(process.cwd(), 'bindings/npm/dist/node.mjs')).href)};`)
          .replace('const kd = await kindling();', `const kd = await kindling({ threads: ${build === 'mt'} });`);
        const points = batches.map((b) => b.map((i) => [data.points[2 * i], data.points[2 * i + 1]]));
        const labels = batches.map((b) => b.map((i) => data.labels[i]));
        const file = join(dir, 'generated.mjs');
        writeFileSync(file, `${code}\nexport const losses = ${JSON.stringify(points)}.map((p, i) => trainStep(p, ${JSON.stringify(labels)}[i]));\nkd.shutdown();\n`);
        const { losses } = await import(pathToFileURL(file).href);
        assert.deepEqual(losses, ours);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
