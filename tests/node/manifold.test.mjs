// kd.decomposition.PCA, kd.manifold.TSNE, kd.neighbors through JS, in both builds, against
// scikit-learn 1.2 (tests/fixtures/manifold/manifold_golden.json, made by
// tests/fixtures/manifold/generate_manifold.py); the stepping form as the projector calls it;
// bit-identical layouts across builds and thread counts; errors that change nothing.
// Run: node --test tests/node/manifold.test.mjs
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';

import { kindling } from '../../bindings/npm/dist/node.mjs';

const golden = JSON.parse(readFileSync(new URL('../fixtures/manifold/manifold_golden.json', import.meta.url), 'utf8'));
const { blobs, digits } = golden.datasets;

function assertClose(actual, expected, rtol, atol, what) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= atol + rtol * Math.abs(expected[i]), `${what}[${i}]: ${actual[i]} != ${expected[i]}`);
  }
}

const layouts = {};  // build -> the layout of one seeded run, compared across builds below

for (const build of ['st', 'mt']) {
  describe(`kd.decomposition / kd.manifold / kd.neighbors (${build})`, () => {
    let kd;
    // In a tidy: the flat tensor the view is made from is freed at once (it would hold the storage).
    const data = (set) => kd.tidy(() => kd.tensor(set.x, { dtype: 'float32' }).view(set.shape));
    before(async () => { kd = await kindling({ threads: build === 'mt' }); });
    after(() => kd.shutdown());

    test('PCA matches sklearn; options and state read back', () => {
      kd.tidy(() => {
        const pca = new kd.decomposition.PCA({ nComponents: 5 });
        assert.deepEqual(pca.getParams(), { nComponents: 5 });
        assert.deepEqual(new kd.decomposition.PCA().getParams(), { nComponents: null });
        const y = pca.fitTransform(data(blobs));
        assert.deepEqual(y.shape, [300, 5]);
        assert.equal(pca.nComponents, 5);
        assertClose(pca.components.dataSync(), blobs.pca.components, 0, 1e-4, 'components');
        assertClose(pca.explainedVarianceRatio.dataSync(), blobs.pca.explained_variance_ratio, 0, 1e-4, 'ratio');
        assertClose(pca.explainedVariance.dataSync(), blobs.pca.explained_variance, 1e-4, 1e-6, 'variance');
        assertClose(pca.mean.dataSync(), blobs.pca.mean, 1e-5, 1e-5, 'mean');
        assertClose(y.narrow(0, 0, 10).dataSync(), blobs.pca.transform, 1e-4, 1e-4, 'transform');
        pca.dispose();
      });
    });

    test('kd.neighbors matches sklearn (euclidean and cosine); arrays are accepted', () => {
      kd.tidy(() => {
        for (const expected of digits.neighbors) {
          const [indices, distances] = kd.neighbors(data(digits), expected.k, { metric: expected.metric });
          assert.equal(indices.dtype, 'int64');
          assert.deepEqual(indices.shape, [400, expected.k]);
          assert.deepEqual(Array.from(indices.narrow(0, 0, expected.rows).toArray().flat()), expected.indices);
          assertClose(distances.narrow(0, 0, expected.rows).dataSync(), expected.distances, 1e-5, 1e-6, expected.metric);
        }
        const [indices] = kd.neighbors([[0, 0], [1, 0], [5, 5]], 1);
        assert.deepEqual(indices.toArray(), [[1], [0], [1]]);
      });
    });

    test('TSNE.fitTransform: KL within 10% of sklearn and trustworthiness no more than 0.02 below', () => {
      kd.tidy(() => {
        const x = data(blobs);
        const tsne = new kd.manifold.TSNE({ randomState: 0 });
        const y = tsne.fitTransform(x);
        assert.deepEqual(y.shape, [300, 2]);
        assert.equal(tsne.iteration, 1000);
        const kl = tsne.klDivergence;
        const trust = kd.manifold.trustworthiness(x, y, { nNeighbors: 5 });
        assert.ok(Math.abs(kl - blobs.tsne.kl_divergence) <= 0.1 * blobs.tsne.kl_divergence, `KL ${kl} vs sklearn ${blobs.tsne.kl_divergence}`);
        assert.ok(trust >= blobs.tsne.trustworthiness - 0.02, `trustworthiness ${trust} vs sklearn ${blobs.tsne.trustworthiness}`);
        tsne.dispose();
      });
    });

    test('the stepping form: start, step(k), embedding, iteration, updateData, setParams', () => {
      kd.tidy(() => {
        const x = data(digits);
        const tsne = new kd.manifold.TSNE({ init: 'random', randomState: 3, learningRate: 'auto' });
        assert.equal(tsne.getParams().learningRate, 'auto');
        assert.equal(tsne.getParams().perplexity, 30);
        assert.equal(tsne.started, false);
        tsne.start(x);
        assert.equal(tsne.started, true);
        assert.equal(tsne.iteration, 0);
        assert.equal(tsne.step(), 1);
        assert.equal(tsne.step(49), 50);
        const y = tsne.embedding;
        assert.deepEqual(y.shape, [400, 2]);
        assert.ok(y.dataSync().every(Number.isFinite));
        // The same points with new rows: the layout stays where it is and the count goes on.
        tsne.updateData(x.mul(1.5));
        assert.equal(tsne.iteration, 50);
        assert.deepEqual(Array.from(tsne.embedding.dataSync()), Array.from(y.dataSync()));
        tsne.setParams({ learningRate: 100, angle: 0.8 });
        assert.equal(tsne.getParams().angle, 0.8);
        assert.equal(tsne.step(10), 60);
        // Perturbing: set the layout, then go on from there.
        tsne.embedding = y.mul(2);
        assert.deepEqual(Array.from(tsne.embedding.dataSync()), Array.from(y.mul(2).dataSync()));
        assert.ok(tsne.klDivergence > 0);
        tsne.dispose();
      });
    });

    test('same randomState: a bit-identical layout, at 1 and 2 threads and in both builds', () => {
      kd.tidy(() => {
        const run = () => {
          const tsne = new kd.manifold.TSNE({ init: 'random', randomState: 11, nIter: 300 });
          const y = Array.from(tsne.fitTransform(data(blobs)).dataSync());
          tsne.dispose();
          return y;
        };
        const first = run();
        assert.deepEqual(run(), first);
        if (build === 'mt') {
          kd.setNumThreads(1);
          const one = run();
          kd.setNumThreads(2);
          assert.deepEqual(one, first);
        }
        layouts[build] = first;
        if (layouts.st && layouts.mt) assert.deepEqual(layouts.st, layouts.mt);
      });
    });

    test('bad input and options: Errors naming the op and shapes, nothing changed, nothing leaked', () => {
      const before = kd.memory();
      const x = kd.tidy(() => data(blobs));  // returned from the scope: kept
      const tsne = new kd.manifold.TSNE({ nIter: 250 });
      assert.throws(() => tsne.step(1), { name: 'StateError', message: 'TSNE.step(): this TSNE has no data yet; call start(x) or fit_transform(x) first' });
      kd.tidy(() => {
        assert.throws(() => tsne.start(x.narrow(0, 0, 20)), {
          name: 'ValueError', message: 'TSNE.start(): perplexity must be less than n_samples, got perplexity=30.0 for x of shape [20, 10]',
        });
        tsne.start(x);
        tsne.step(5);
        const layout = Array.from(tsne.embedding.dataSync());
        assert.throws(() => tsne.updateData(x.narrow(0, 0, 100)), { name: 'ShapeError', message: /TSNE.update_data\(\): the layout has 300 points, but x has shape \[100, 10\]/ });
        const bad = x.clone();
        bad.narrow(0, 7, 1).fill_(NaN);
        assert.throws(() => tsne.updateData(bad), { name: 'ValueError', message: 'TSNE.update_data(): input contains NaN or infinity (row 7, column 0 of shape [300, 10])' });
        assert.throws(() => tsne.start(x.view(3000)), { name: 'ShapeError', message: 'TSNE.start(): expected a 2-D float32 tensor [n_samples, n_features], got shape [3000]' });
        assert.throws(() => tsne.setParams({ angle: 3 }), { name: 'ValueError', message: 'TSNE: angle must be in [0, 1], got 3.0' });
        assert.throws(() => tsne.step(1.5), { name: 'TypeError' });
        assert.equal(tsne.iteration, 5);
        assert.equal(tsne.getParams().angle, 0.5);
        assert.deepEqual(Array.from(tsne.embedding.dataSync()), layout);
        assert.throws(() => kd.neighbors(x, 300), { name: 'ValueError', message: /neighbors\(\): k must be in \[1, n_samples - 1\] = \[1, 299\]/ });
        assert.throws(() => kd.neighbors(x, 3, { metric: 'manhattan' }), { name: 'ValueError', message: 'neighbors() option "metric" must be one of "euclidean", "cosine", got "manhattan"' });
        assert.throws(() => new kd.decomposition.PCA({ nComponents: 20 }).fit(x), { name: 'ValueError', message: /n_components=20 must be between 1 and min\(n_samples, n_features\)=10/ });
      });
      assert.throws(() => new kd.manifold.TSNE({ perplexity: 'high' }), { name: 'ValueError', message: 'TSNE option "perplexity" must be a number, got string' });
      assert.throws(() => new kd.manifold.TSNE({ nIter: 100 }), { name: 'ValueError', message: 'TSNE: n_iter should be at least 250, got 100' });
      assert.throws(() => new kd.manifold.TSNE({ perplexity: NaN }), { name: 'ValueError' });
      assert.throws(() => new kd.manifold.TSNE({ verbose: 1 }), { name: 'ValueError', message: 'TSNE has no option named "verbose"' });
      assert.throws(() => new kd.manifold.TSNE({ method: 'fast' }), { name: 'ValueError', message: 'TSNE option "method" must be one of "barnes_hut", "exact", got "fast"' });
      tsne.dispose();
      assert.throws(() => tsne.step(1), { name: 'StateError', message: 'this TSNE was disposed' });
      x.dispose();
      const end = kd.memory();
      assert.equal(end.liveTensors, before.liveTensors);
      assert.equal(end.liveStorages, before.liveStorages);
      // The module keeps working.
      kd.tidy(() => assert.deepEqual(kd.neighbors([[0], [1], [3]], 1)[0].toArray(), [[1], [0], [1]]));
    });
  });
}
