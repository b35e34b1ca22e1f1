// Kindling's t-SNE next to scikit-learn 1.2's on the fixture data sets
// (tests/fixtures/manifold/manifold_golden.json): the KL divergence and trustworthiness (k = 5)
// after the same iterations with the same options, and PCA's largest component difference.
// The tests assert the bounds (KL within 10%, trustworthiness at most 0.02 below); this prints
// the figures. Run (after `make build`): node bench/js/tsne_vs_sklearn.mjs
import { readFileSync } from 'node:fs';

import kindling from '../../bindings/npm/dist/node.mjs';

const golden = JSON.parse(readFileSync(new URL('../../tests/fixtures/manifold/manifold_golden.json', import.meta.url), 'utf8'));
const kd = await kindling();
console.log(`scikit-learn ${golden.sklearn}, Kindling wasm (${kd.backend().build}, ${kd.backend().numThreads} threads)`);
console.log('data set   n     method      KL sklearn  KL kindling  trust sklearn  trust kindling  PCA max |diff|');
for (const [name, set] of Object.entries(golden.datasets)) {
  kd.tidy(() => {
    const x = kd.tensor(set.x, { dtype: 'float32' }).view(set.shape);
    const tsne = new kd.manifold.TSNE({ method: set.tsne.method, randomState: 0 });
    tsne.start(x);
    tsne.step(set.tsne.n_iter);
    const trust = kd.manifold.trustworthiness(x, tsne.embedding, { nNeighbors: 5 });
    const pca = new kd.decomposition.PCA({ nComponents: set.pca.n_components }).fit(x);
    const components = pca.components.dataSync();
    const pcaDiff = Math.max(...set.pca.components.map((v, i) => Math.abs(v - components[i])));
    console.log(`${name.padEnd(10)} ${String(set.shape[0]).padEnd(5)} ${set.tsne.method.padEnd(11)} ${set.tsne.kl_divergence.toFixed(4).padStart(10)} ${tsne.klDivergence.toFixed(4).padStart(12)} ${set.tsne.trustworthiness.toFixed(4).padStart(14)} ${trust.toFixed(4).padStart(15)} ${pcaDiff.toExponential(1).padStart(15)}`);
    tsne.dispose();
    pca.dispose();
  });
}
kd.shutdown();
