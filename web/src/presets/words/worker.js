// The word-embeddings preset, worker side: the corpus, the word2vec run, and the projector's
// work (PCA at every snapshot, t-SNE stepped in the time training leaves, neighbours).
import { generateCorpus, sentencesFromText, topicMap } from './corpus.js';
import { DATA_KEYS, normalize } from './config.js';
import { PAD, WordsRun, buildVocab, checkSize } from './model.js';
import { exportFiles } from './export.js';

const TSNE_SLICE_MS = 6;
const TSNE_DATA_MS = 1000;

export function createPresetWorker(kd) {
  let config = null;
  let corpus = null;          // {sentences, topicOf}
  let pretrained = null;      // {vectors: Float32Array, words: string[], dim, freeze} from a GloVe/word2vec file
  let run = null;
  let dataVersion = 0;
  let losses = [];
  let tsne = null;            // {model: kd.manifold.TSNE, running}
  let tsneOptions = { perplexity: 15, learningRate: 200, angle: 0.5, randomState: 0, metric: 'euclidean' };
  let lastDataUpdate = 0;
  let stepsSinceData = 0;

  const loadCorpus = () => {
    corpus = config.corpus === 'custom' && corpus?.custom ? corpus : generateCorpus(config);
    dataVersion++;
  };

  const tableTensor = () => kd.tensor(run.table(), [run.vocab.words.length, run.config.dim]);

  function startTsne() {
    tsne?.model.dispose?.();
    const model = new kd.manifold.TSNE({ nComponents: 2, ...tsneOptions, init: 'pca' });
    kd.tidy(() => model.start(tableTensor()));
    tsne = { model, running: tsne?.running ?? false };
  }

  return {
    configure(raw) {
      const next = normalize(raw);
      const corpusChanged = !config || DATA_KEYS.some((k) => next[k] !== config[k]);
      config = next;
      if (corpusChanged || !corpus) loadCorpus();
      return config;
    },

    reset() {
      // the new run first: if it cannot be built (too large, no sentences), the old one stays
      const next = new WordsRun(kd, config, corpus, pretrained);
      run?.dispose();
      run = next;
      losses = [];
      if (tsne) startTsne();
    },

    step() {
      const loss = run.step();
      losses.push(loss);
      stepsSinceData++;
      return loss;
    },

    /** The projector's t-SNE runs in the time training leaves; true while it wants more. */
    background() {
      if (!tsne?.running) return false;
      const t0 = performance.now();
      while (performance.now() - t0 < TSNE_SLICE_MS) tsne.model.step(5);
      return true;
    },

    snapshot(views) {
      const transfer = [];
      const mean = losses.length ? losses.reduce((a, b) => a + b, 0) / losses.length : NaN;
      losses = [];
      const out = { metrics: { trainLoss: mean, testLoss: null }, dataVersion };
      const projection = views.projection ?? 'pca';
      kd.tidy(() => {
        const table = tableTensor();
        if (projection === 'tsne' && tsne) {
          // Follow the table as it trains, without restarting the layout. New affinities cost a
          // neighbour search, so at most once a second, and only when the table moved.
          const now = performance.now();
          if (stepsSinceData > 0 && now - lastDataUpdate > TSNE_DATA_MS) {
            tsne.model.updateData(table);
            lastDataUpdate = now;
            stepsSinceData = 0;
          }
          out.coords = tsne.model.embedding.dataSync();
          out.tsne = { iteration: tsne.model.iteration, running: tsne.running, ...tsneOptions };
        } else {
          const [cx, cy] = [views.pcaX ?? 0, views.pcaY ?? 1];
          const n = Math.min(run.config.dim, run.vocab.words.length, Math.max(cx, cy) + 1);
          const pca = new kd.decomposition.PCA({ nComponents: n });
          const all = pca.fitTransform(table).dataSync();
          out.coords = new Float32Array(2 * run.vocab.words.length);
          for (let i = 0; i < run.vocab.words.length; i++) { out.coords[2 * i] = all[i * n + Math.min(cx, n - 1)]; out.coords[2 * i + 1] = all[i * n + Math.min(cy, n - 1)]; }
          out.variance = Array.from(pca.explainedVarianceRatio.dataSync());
          pca.dispose?.();
          if (tsne) out.tsne = { iteration: tsne.model.iteration, running: tsne.running, ...tsneOptions };
        }
      });
      transfer.push(out.coords.buffer);
      out.touched = run.touchedRows();
      transfer.push(out.touched.buffer);
      if (views.selectedWord !== undefined && views.selectedWord !== null && views.selectedWord < run.vocab.words.length) {
        out.neighbors = { of: views.selectedWord, metric: views.metric ?? 'cosine', list: run.neighbors(views.selectedWord, 10, views.metric ?? 'cosine') };
      }
      return { payload: out, transfer };
    },

    data() {
      const topics = run.vocab.words.map((w) => (w === PAD ? 'padding' : corpus.topicOf.get(w) ?? pretrained?.topicOf?.get(w) ?? 'other'));
      return {
        payload: { words: run.vocab.words, counts: run.vocab.counts, topics, version: dataVersion, sentences: run.sentences.length, pretrained: pretrained ? { words: pretrained.words.length, dim: pretrained.dim, freeze: pretrained.freeze } : null },
        transfer: [],
      };
    },

    config: () => config,
    model: () => run.model,
    optimizer: () => run.optimizer,
    setViewMode(mode) { run.viewMode = mode; },

    command(name, args) {
      switch (name) {
        case 'tsne': {
          const { action, ...options } = args;
          for (const [k, v] of Object.entries(options)) if (k in tsneOptions && v !== undefined) tsneOptions[k] = v;
          if (action === 'run') { if (!tsne) startTsne(); tsne.running = true; }
          else if (action === 'pause') { if (tsne) tsne.running = false; }
          else if (action === 'restart') { startTsne(); tsne.running = true; }
          else if (action === 'perturb') {
            // a small random push, relative to the layout's size: shakes a layout out of a poor minimum
            if (!tsne) startTsne();
            kd.tidy(() => {
              const y = tsne.model.embedding;
              tsne.model.embedding = y.add(kd.randnLike(y).mul(0.05 * y.std().item()));
            });
          }
          else throw new Error(`unknown t-SNE action '${action}'`);
          return { reset: false, background: tsne?.running ?? false };
        }
        case 'loadText': {
          const sentences = sentencesFromText(args.text);
          checkSize(config, buildVocab(sentences, config.minCount).words.length);
          corpus = { sentences, topicOf: new Map(), custom: true };
          pretrained = null;
          config = normalize({ ...config, corpus: 'custom' });
          dataVersion++;
          return { reset: true, note: `${sentences.length.toLocaleString('en-US')} sentences` };
        }
        case 'loadEmbeddings': {
          const file = kd.readEmbeddingsText(args.text, { header: 'auto', duplicates: 'keepFirst', maxVocab: 50000 });
          try {
            checkSize({ ...config, dim: file.vectors.shape[1] }, file.indexToWord.length + 1);
            pretrained = { vectors: file.vectors.dataSync(), words: file.indexToWord, dim: file.vectors.shape[1], freeze: args.freeze !== false, topicOf: topicMap() };
          } finally {
            file.vectors.dispose();
          }
          config = normalize({ ...config, dim: pretrained.dim });
          dataVersion++;
          return { reset: true, note: `${pretrained.words.length.toLocaleString('en-US')} vectors of dimension ${pretrained.dim}${pretrained.freeze ? ', frozen' : ''}` };
        }
        case 'exportTable': {
          // the Embedding Projector's vectors.tsv: one row per word, tab-separated (metadata.tsv comes from the page)
          const table = run.table(), d = run.config.dim;
          const lines = run.vocab.words.map((_, r) => Array.from(table.subarray(r * d, r * d + d)).join('\t'));
          return { reset: false, result: { vectors: `${lines.join('\n')}\n` } };
        }
        case 'export':
          return { reset: false, result: exportFiles(kd, run) };
        case 'dropPretrained':
          pretrained = null;
          return { reset: true };
        default:
          throw new Error(`unknown command '${name}'`);
      }
    },

    explainNonFinite(loss, step) {
      return `Training paused at step ${step}: the loss became ${loss}. The learning rate (${run.config.lr}) is too large for these vectors: lower it, then press Reset.`;
    },
  };
}
