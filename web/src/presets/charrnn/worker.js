// The char-RNN preset, worker side: the text, the run, the samples. Sampling settings
// (temperature, prime, and the step training paused at) are view settings (views.sample):
// changing them draws a new sample from the same model and never restarts training.
import { makeRng } from '../../lib/prng.js';
import { normalize } from './config.js';
import { charRnnExport } from './export.js';
import { CharRnnRun, LN2 } from './model.js';
import { BUNDLED, parseTextFile, prepareText } from './text.js';

const SAMPLE_LENGTH = 240;        // characters per sample
const HEATMAP_CHARS = 60;         // the hidden state is shown over the last this many of them
const SAMPLE_EVERY_MS = 3000;     // while training, a new sample every few seconds
const EVAL_EVERY = 25;            // steps between two held-out losses while training
const MAX_NORMS = 1500;           // gradient norms kept for the chart (thinned by half beyond)

// The two texts of Debian's miscfiles, served next to the page (web/public/texts/).
async function loadBundled() {
  const base = new URL(import.meta.env.BASE_URL, self.location.origin);
  const entries = await Promise.all(Object.entries(BUNDLED).map(async ([id, { label, file }]) => {
    const response = await fetch(new URL(`texts/${file}`, base));
    // A dev or preview server answers a missing file with the app's index.html and a 200:
    // only a text/plain answer is the text.
    const type = response.headers.get('content-type') ?? '';
    if (!response.ok || !type.startsWith('text/plain')) {
      throw new Error(`${file} is missing (HTTP ${response.status}, ${type || 'no type'}): run \`make build\`, which unpacks it from Debian's miscfiles.`);
    }
    return [id, prepareText(await response.text(), label)];
  }));
  return Object.fromEntries(entries);
}
const bundled = await loadBundled();

export function createPresetWorker(kd) {
  let config = null;
  let custom = null;          // the dropped file's text, once one was accepted
  let corpus = null;
  let run = null;
  let step = 0;
  let recent = [];            // losses (nats) since the last snapshot
  let trainBits = NaN;
  let held = { step: -1, bits: NaN };
  let norms = { steps: [], values: [] };
  let sampled = null;         // {key, step, at, payload}

  const corpusOf = (c) => (c.text === 'custom' ? custom : bundled[c.text]);

  function drawSample(settings) {
    const temperature = Math.min(3, Math.max(0.05, Number(settings.temperature) || 1));
    const prime = String(settings.prime ?? '').slice(0, 200);
    // the same model, step and settings draw the same sample
    const rng = makeRng((config.seed * 7919 + step * 104729) >>> 0);
    const s = run.sample({ prime, temperature, length: SAMPLE_LENGTH, keep: HEATMAP_CHARS, rng });
    return { ...s, step, temperature, hidden: config.hidden, chars: [...s.text].slice(-HEATMAP_CHARS) };
  }

  return {
    configure(raw) {
      config = normalize(raw, custom !== null);
      corpus = corpusOf(config);
      return config;
    },

    reset() {
      run?.dispose();
      run = null;
      step = 0;
      recent = [];
      trainBits = NaN;
      held = { step: -1, bits: NaN };
      norms = { steps: [], values: [] };
      sampled = null;
      run = new CharRnnRun(kd, config, corpus);
    },

    step() {
      const loss = run.step();
      step++;
      recent.push(loss);
      norms.steps.push(step);
      norms.values.push(run.lastGradNorm);
      if (norms.steps.length > MAX_NORMS) {
        const even = (_, i) => i % 2 === 1;
        norms = { steps: norms.steps.filter(even), values: norms.values.filter(even) };
      }
      return loss;
    },

    model: () => run.model,
    optimizer: () => run.optimizer,
    setViewMode(mode) { run.viewMode = mode; sampled = null; held.step = -1; },

    snapshot(views) {
      if (recent.length) {
        trainBits = recent.reduce((a, b) => a + b, 0) / recent.length / LN2;
        recent = [];
      }
      // the held-out loss every EVAL_EVERY steps while training, and at the step it paused at
      const paused = views.sample?.pausedAt === step;
      if (held.step < 0 || step - held.step >= EVAL_EVERY || (paused && held.step !== step)) {
        held = { step, bits: run.validationLoss() / LN2 };
      }
      const out = {
        metrics: { trainLoss: trainBits, testLoss: held.bits, heldOutStep: held.step, gradNorm: run.lastGradNorm },
        lr: run.currentLr(),
        norms: { steps: Float64Array.from(norms.steps), values: Float32Array.from(norms.values) },
      };
      const transfer = [out.norms.steps.buffer, out.norms.values.buffer];
      // views.sample.pausedAt is the step the page stopped at: a pause or a single step draws
      // a sample of the model as it is now
      const settings = views.sample ?? { temperature: 1, prime: '', pausedAt: null };
      const key = JSON.stringify([settings.temperature, settings.prime, settings.pausedAt]);
      const now = performance.now();
      const due = !sampled || sampled.key !== key || (sampled.step !== step && now - sampled.at >= SAMPLE_EVERY_MS);
      if (due) {
        sampled = { key, step, at: now };
        out.sample = drawSample(settings);
        transfer.push(out.sample.states.buffer);
      }
      return { payload: out, transfer };
    },

    /** What the text panel shows: the text's name, size and alphabet. */
    data() {
      return {
        payload: {
          name: corpus.name, chars: corpus.ids.length, alphabet: corpus.alphabet.length, alphabetChars: corpus.alphabet,
          excerpt: corpus.text.slice(0, 400), hasCustom: custom !== null, customName: custom?.name ?? null,
        },
        transfer: [],
      };
    },

    config: () => config,

    command(name, args) {
      switch (name) {
        case 'loadText': {
          // parseTextFile throws a message naming what is wrong; nothing changes until it passes
          custom = parseTextFile(args.bytes, args.name);
          config = { ...config, text: 'custom' };
          corpus = custom;
          return { reset: true, note: `${custom.text.length.toLocaleString('en')} characters, ${custom.alphabet.length} different` };
        }
        case 'export': {
          const files = charRnnExport(kd, run);
          // an own buffer: a view of the wasm heap would clone the whole heap into the reply
          return { reset: false, result: { ...files, 'model.safetensors': files['model.safetensors'].slice() } };
        }
        default:
          throw new Error(`unknown command '${name}'`);
      }
    },

    explainNonFinite(loss, at) {
      const where = run.nonFiniteReport();
      const what = where.length ? where.slice(0, 3).join('; ') : 'the loss itself overflowed';
      return `Training paused at step ${at}: the loss became ${loss} (${what}). ` +
        `With a learning rate of ${run.currentLr()}${config.clip > 0 ? '' : ' and no gradient clipping'}, an update overshot until float32 overflowed. ` +
        `Lower the learning rate${config.clip > 0 ? '' : ' or set a max norm for clip_grad_norm_'}, then press Reset.`;
    },
  };
}
