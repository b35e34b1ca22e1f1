// The word-embeddings preset outside the browser: the seeded corpus, word2vec batches (skip-gram
// and CBOW with padding), learning that puts a word near its topic, reproducibility, pretrained
// vectors, and the worker's projector work (PCA, t-SNE stepping, neighbours, exports).
// Run: node --test tests/node/playground_words.test.mjs (after `make build`).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { kindling } from '../../bindings/npm/dist/node.mjs';
import { generateCorpus, sentencesFromText } from '../../web/src/presets/words/corpus.js';
import { normalize } from '../../web/src/presets/words/config.js';
import { buildVocab, WordsRun } from '../../web/src/presets/words/model.js';
import { kindlingCode } from '../../web/src/presets/words/codegen.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createPresetWorker } from '../../web/src/presets/words/worker.js';

/** The share of each topic word's k nearest neighbours (cosine) that share its topic. */
function purity(run, k = 5) {
  let same = 0, total = 0;
  run.vocab.words.forEach((w, r) => {
    const t = run.topicOf.get(w);
    if (!t || t === 'function') return;
    for (const [n] of run.neighbors(r, k, 'cosine')) { total++; if (run.topicOf.get(run.vocab.words[n]) === t) same++; }
  });
  return same / total;
}

describe('the corpus', () => {
  test('the same seed writes the same sentences; every topic word has its topic', () => {
    const a = generateCorpus(normalize({ sentences: 400 }));
    assert.deepEqual(generateCorpus(normalize({ sentences: 400 })).sentences, a.sentences);
    assert.notDeepEqual(generateCorpus(normalize({ sentences: 400, corpusSeed: 2 })).sentences, a.sentences);
    const topics = new Set([...a.topicOf.values()]);
    assert.ok(topics.size >= 9, `${topics.size} topics`);  // eight topics and the function words
    const vocab = buildVocab(a.sentences, 2);
    assert.equal(vocab.words[0], '<pad>');
    assert.ok(vocab.counts.slice(1).every((c) => c >= 2));
  });
  test('a text file becomes sentences; a tiny one is refused with a reason', () => {
    assert.deepEqual(sentencesFromText('The cat sat. The dog ran!\n'.repeat(5)).slice(0, 2), [['the', 'cat', 'sat'], ['the', 'dog', 'ran']]);
    assert.throws(() => sentencesFromText('one. two.'), /at least 10 are needed/);
  });
});

for (const build of ['st', 'mt']) {
  describe(`word2vec (${build})`, () => {
    let kd;
    before(async () => { kd = await kindling({ threads: build === 'mt' }); });
    after(() => kd.shutdown());

    test('CBOW batches pad windows that leave the sentence with id 0', () => {
      const config = normalize({ model: 'cbow', window: 3, batchSize: 64, sentences: 400 });
      const run = new WordsRun(kd, config, generateCorpus(config));
      const { inputs, targets, negatives } = run.batch();
      assert.equal(inputs.length, 64 * 6);
      assert.ok(inputs.includes(0), 'no padding in 64 windows of 3 around words of 5–8-word sentences');
      assert.ok(targets.every((t) => t > 0) && negatives.every((t) => t > 0));
      run.dispose();
    });

    for (const model of ['skipgram', 'cbow']) {
      test(`${model}: after training, a word's nearest neighbours are mostly from its topic`, () => {
        const config = normalize({ model, sentences: 2000 });
        const run = new WordsRun(kd, config, generateCorpus(config));
        const before_ = purity(run);
        const first = run.step();
        let last = first;
        for (let i = 0; i < 800; i++) last = run.step();
        const after_ = purity(run);
        assert.ok(last < first, `loss ${first} → ${last}`);
        assert.ok(after_ > 0.8 && after_ > before_ + 0.3, `purity ${before_.toFixed(3)} → ${after_.toFixed(3)}`);
        run.dispose();
      });
    }

    test('the same seed trains bit-identically (sparse and dense)', () => {
      for (const sparse of [true, false]) {
        const config = normalize({ sparse, maxNorm: 1, sentences: 400 });
        const trace = () => {
          const run = new WordsRun(kd, config, generateCorpus(config));
          const losses = Array.from({ length: 15 }, () => run.step());
          const table = Array.from(run.table());
          run.dispose();
          return { losses, table };
        };
        assert.deepEqual(trace(), trace());
      }
    });

    for (const over of [{}, { model: 'cbow', sparse: true, maxNorm: 0.1 }]) {
      test(`the generated Kindling JS trains exactly like the preset ${JSON.stringify(over)}`, async () => {
        const config = normalize({ sentences: 400, batchSize: 32, ...over });
        const run = new WordsRun(kd, config, generateCorpus(config));
        const batches = [];
        // the preset's own steps, recording each batch it drew
        const original = run.batch.bind(run);
        run.batch = (rng) => { const b = original(rng); batches.push(b); return b; };
        const losses = [0, 1, 2, 3].map(() => run.step());
        const V = run.vocab.words.length;
        run.dispose();
        const dir = mkdtempSync(join(tmpdir(), 'kd-words-code-'));
        try {
          const code = kindlingCode(config, V)
            .replace("import kindling from 'kindling';", `import { kindling } from ${JSON.stringify(new URL('../../bindings/npm/dist/node.mjs', import.meta.url).href)};`)
            .replace('const kd = await kindling();', `const kd = await kindling({ threads: ${build === 'mt'} });`);
          const w = config.window, k = config.negatives;
          const file = join(dir, 'generated.mjs');
          writeFileSync(file, `${code}
const batches = ${JSON.stringify(batches)};
export const losses = batches.map(({ inputs, targets, negatives }) => trainStep(
  kd.tensor(inputs, ${config.model === 'cbow' ? `[targets.length, ${2 * w}]` : '[targets.length]'}, { dtype: 'int64' }),
  kd.tensor(targets, [targets.length], { dtype: 'int64' }),
  kd.tensor(negatives, [targets.length, ${k}], { dtype: 'int64' })));
kd.shutdown();
`);
          const generated = await import(pathToFileURL(file).href);
          assert.deepEqual(generated.losses, losses);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
    }

    test('a model too large for the playground is refused before it is built, with the estimate', () => {
      const words = Array.from({ length: 40000 }, (_, i) => `w${i}`);
      const sentences = Array.from({ length: 20000 }, (_, i) => [words[(2 * i) % words.length], words[(2 * i + 1) % words.length]]);
      const config = normalize({ dim: 256, minCount: 1 });
      const live = kd.memory().liveTensors;
      assert.throws(() => new WordsRun(kd, config, { sentences, topicOf: new Map() }), /would need about 313 MB \(40,001 words × 256 dimensions × 2 tables.*more than the 256 MB/);
      assert.equal(kd.memory().liveTensors, live);
    });

    test('pretrained vectors go in through Embedding.fromPretrained; frozen, they stay bit-identical', () => {
      const worker = createPresetWorker(kd);
      worker.configure(normalize({ sentences: 400 }));
      worker.reset();
      const glove = ['cat 0.1 0.2 0.3', 'dog 0.2 0.1 0.3', 'tiger 0.3 0.3 0.1', 'bread 0.9 -0.5 0.0', 'the 0 0 1'].join('\n');
      const reply = worker.command('loadEmbeddings', { text: glove, freeze: true });
      assert.equal(reply.reset, true);
      assert.match(reply.note, /5 vectors of dimension 3, frozen/);
      worker.configure({ ...worker.config() });
      worker.reset();
      const before_ = Array.from(worker.model().inVectors.weight.dataSync());
      assert.deepEqual(before_.slice(0, 6).map((v) => Math.round(v * 10) / 10), [0, 0, 0, 0.1, 0.2, 0.3]);
      for (let i = 0; i < 10; i++) worker.step();
      assert.deepEqual(Array.from(worker.model().inVectors.weight.dataSync()), before_);
      assert.equal(worker.model().inVectors.weight.requiresGrad, false);
      assert.throws(() => worker.command('loadEmbeddings', { text: 'cat 0.1 0.2\ndog 0.1 oops\n' }), /line 2/i);
      worker.model().dispose();
    });

    test('the projector: PCA every snapshot, t-SNE stepped in the background and following the table, exports', () => {
      const worker = createPresetWorker(kd);
      worker.configure(normalize({ sentences: 1000 }));
      worker.reset();
      for (let i = 0; i < 200; i++) worker.step();
      const data = worker.data().payload;
      const pca = worker.snapshot({ projection: 'pca', pcaX: 0, pcaY: 1, selectedWord: 5, metric: 'cosine' }).payload;
      assert.equal(pca.coords.length, 2 * data.words.length);
      assert.ok(pca.variance.length >= 2 && pca.variance[0] >= pca.variance[1] && pca.variance[0] > 0);
      assert.equal(pca.neighbors.list.length, 10);
      assert.ok(pca.touched.length > 0, 'the last step touched no row');

      worker.command('tsne', { action: 'run', perplexity: 10, randomState: 3 });
      for (let i = 0; i < 5; i++) assert.equal(worker.background(), true);
      const t1 = worker.snapshot({ projection: 'tsne' }).payload;
      assert.ok(t1.tsne.iteration > 0 && t1.coords.every(Number.isFinite));
      worker.command('tsne', { action: 'pause' });
      assert.equal(worker.background(), false);
      const table = worker.command('exportTable', {}).result.vectors.trim().split('\n');
      assert.equal(table.length, data.words.length);
      assert.equal(table[1].split('\t').length, 16);
      worker.model().dispose();
    });
  });
}
