// The playground's sequence presets outside the browser: the attention classifier (its seeded
// sentences, the padding that gets exactly zero weight, the plain-tensor mask) and the char-RNN
// (text checks, truncated BPTT, clipping, sampling), and for both the export to PyTorch: the
// exported train.py, run by Debian's python3-torch, gives Kindling's outputs to 1e-5, trains
// like Kindling does, and the weights it saves load back into the playground's model. Training runs a bounded number of steps on small models.
// Run: node --test tests/node/sequence.test.mjs (after `make build`).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';

import { kindling } from '../../bindings/npm/dist/node.mjs';
import { makeRng } from '../../web/src/lib/prng.js';
import { buildOptimizer, buildScheduler } from '../../web/src/lib/optim.js';
import * as attentionConfig from '../../web/src/presets/attention/config.js';
import { MAX_LEN, NEGATIVE, PAD, POSITIVE, UNK, VOCAB, makeSentences, tokenize } from '../../web/src/presets/attention/data.js';
import { AttentionRun } from '../../web/src/presets/attention/model.js';
import * as attentionExport from '../../web/src/presets/attention/export.js';
import * as charConfig from '../../web/src/presets/charrnn/config.js';
import { CharRnnRun, LN2, drawIndex } from '../../web/src/presets/charrnn/model.js';
import { MAX_TEXT_BYTES, MIN_CHARS, parseTextFile, prepareText } from '../../web/src/presets/charrnn/text.js';
import * as charExport from '../../web/src/presets/charrnn/export.js';

const constitution = prepareText(gunzipSync(readFileSync('/usr/share/state/us-constitution.gz')).toString('utf8'), 'US Constitution');

/**
 * Writes the exported files, runs `python3 train.py --print-json --train-steps 3 --save ...`,
 * returns its JSON and the weights it saved after training (safetensors bytes).
 */
function runExport(files) {
  const dir = mkdtempSync(join(tmpdir(), 'kd-seq-export-'));
  try {
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
    const saved = join(dir, 'trained.safetensors');
    const py = spawnSync('/usr/bin/python3', [join(dir, 'train.py'), '--print-json', '--train-steps', '3', '--save', saved], { encoding: 'utf8', cwd: dir });
    assert.equal(py.status, 0, `train.py failed:\n${py.stderr}`);
    return { ...JSON.parse(py.stdout), trained: readFileSync(saved) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The weights PyTorch trained, loaded back into a Kindling model (strict). */
const loadTrained = (kd, model, bytes) => kd.tidy(() => model.loadStateDict(kd.loadSafetensors(new Uint8Array(bytes)), { strict: true }));

/** Every number of two nested arrays within `tolerance` (and the same shapes). */
function assertClose(actual, expected, tolerance, path = 'outputs') {
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual) && actual.length === expected.length, `${path}: length ${actual?.length} ≠ ${expected.length}`);
    expected.forEach((e, i) => assertClose(actual[i], e, tolerance, `${path}[${i}]`));
    return;
  }
  assert.ok(Math.abs(actual - expected) <= tolerance, `${path}: ${actual} vs ${expected}`);
}

describe('attention preset: the sentences', () => {
  const config = attentionConfig.normalize({});

  test('seeded: the same seed gives the same sentences, another seed others', () => {
    const a = makeSentences(config);
    assert.deepEqual(makeSentences(config), a);
    assert.notDeepEqual(makeSentences({ ...config, dataSeed: 2 }).sentences, a.sentences);
    assert.equal(a.numTrain, Math.round(config.sentences * config.trainPct / 100));
  });

  test('lengths vary, every row is padded with 0 after its words, labels follow adjective and negation', () => {
    const d = makeSentences(config);
    const lengths = new Set();
    d.sentences.forEach((s, i) => {
      const words = s.split(' ');
      const row = Array.from(d.ids.subarray(i * MAX_LEN, (i + 1) * MAX_LEN));
      lengths.add(words.length);
      assert.deepEqual(row.slice(0, words.length).map((t) => VOCAB[t]), words);
      assert.ok(row.slice(words.length).every((t) => t === PAD));
      const positiveWord = words.some((w) => POSITIVE.includes(w));
      assert.notEqual(positiveWord, words.some((w) => NEGATIVE.includes(w)));
      const negated = words.some((w) => ['not', 'never', 'hardly'].includes(w));
      assert.equal(d.negated[i], negated ? 1 : 0);
      assert.equal(d.labels[i], positiveWord !== negated ? 1 : 0, s);
    });
    assert.ok(Math.min(...lengths) <= 5 && Math.max(...lengths) >= 12, `lengths ${[...lengths]}`);
    assert.ok(d.sentences.some((s) => /\b(very|really|truly|extremely|so|quite)\b/.test(s)));
  });

  test('a typed sentence: lower-cased words, punctuation dropped, unknown words become <unk>', () => {
    const { words, ids } = tokenize('The Movie was NOT good, zorblax!');
    assert.deepEqual(words, ['the', 'movie', 'was', 'not', 'good', 'zorblax']);
    assert.equal(ids.at(-1), UNK);
    assert.deepEqual(ids.slice(0, 5).map((t) => VOCAB[t]), words.slice(0, 5));
  });
});

describe('attention preset: the model', () => {
  let kd;
  before(async () => { kd = await kindling({ threads: false }); });
  after(() => kd.shutdown());
  const runOf = (over = {}) => {
    const c = attentionConfig.normalize(over);
    return new AttentionRun(kd, c, makeSentences(c), { rng: makeRng(c.seed) });
  };

  test('it learns: the loss falls and held-out accuracy beats 80%; padding gets exactly zero weight', () => {
    const run = runOf();
    const before_ = run.evaluate();
    for (let i = 0; i < 300; i++) run.step();
    const after_ = run.evaluate();
    assert.ok(after_.trainLoss < 0.6 * before_.trainLoss, `${before_.trainLoss} → ${after_.trainLoss}`);
    assert.ok(after_.testAccuracy > 0.8, `held-out accuracy ${after_.testAccuracy}`);
    const { ids, weights, probs } = run.probe(tokenize('the acting was really wonderful').ids);
    assert.equal(ids.filter((t) => t !== PAD).length, 5);
    ids.forEach((t, i) => { if (t === PAD) assert.equal(weights[i], 0, `padding position ${i}`); else assert.ok(weights[i] > 0); });
    assert.ok(Math.abs(weights.reduce((a, b) => a + b, 0) - 1) < 1e-5);
    assert.ok(probs[1] > 0.5, `P(positive) ${probs[1]}`);
    assert.ok(weights[4] > 0.5, `the adjective gets the most weight: ${Array.from(weights).slice(0, 5)}`);
    // each word on its own: an adjective alone decides, a negation alone cannot
    const { scores, positive } = run.lexicon();
    assert.equal(scores.length, VOCAB.length - 2);
    const alone = (w) => positive[VOCAB.indexOf(w) - 2];
    assert.ok(alone('superb') > 0.9 && alone('awful') < 0.1, `superb ${alone('superb')}, awful ${alone('awful')}`);
    assert.ok(scores[VOCAB.indexOf('superb') - 2] > scores[VOCAB.indexOf('the') - 2], 'an adjective draws more attention than "the"');
    run.dispose();
  });

  test('W, b, q are parameters; the mask is a plain attribute: not trained, not in the state_dict', () => {
    const run = runOf();
    run.step();
    assert.deepEqual(run.model.namedParameters().map(([n]) => n), ['embedding.weight', 'attention.W', 'attention.b', 'attention.q', 'out.weight', 'out.bias']);
    assert.ok(run.model.attention.mask instanceof kd.Tensor && !(run.model.attention.mask instanceof kd.nn.Parameter));
    assert.deepEqual(run.model.attention.mask.shape, [run.config.batchSize, MAX_LEN]);
    assert.ok(!Object.keys(kd.tidy(() => run.model.stateDict())).some((k) => k.includes('mask')));
    // padding_idx: the embedding row of token 0 never gets a gradient, so it stays zero
    assert.ok(run.model.embedding.weight.get(PAD).dataSync().every((v) => v === 0));
    run.dispose();
  });

  test('the same seed and configuration give bit-identical losses', () => {
    const trace = () => { const run = runOf({ optimizer: 'sgd', lr: 0.5 }); const l = Array.from({ length: 20 }, () => run.step()); run.dispose(); return l; };
    assert.deepEqual(trace(), trace());
  });

  test('export: train.py gives Kindling\'s logits and attention to 1e-5, and trains like Kindling', () => {
    const run = runOf({ optimizer: 'adam', lr: 0.02 });
    for (let i = 0; i < 40; i++) run.step();
    const files = attentionExport.attentionExport(kd, run);
    const sample = attentionExport.exportSample(run.data);
    const ours = attentionExport.kindlingOutputs(kd, run, sample);
    const py = runExport(files);
    assertClose(py.outputs.logits, ours.logits, 1e-5, 'logits');
    assertClose(py.outputs.attention, ours.attention, 1e-5, 'attention');
    assert.ok(py.outputs.attention.flat().every((w, i) => sample.ids.flat()[i] !== PAD || w === 0), 'padding has zero weight in PyTorch too');
    // three full-batch steps on the sample with a fresh optimizer of the same settings
    const optimizer = buildOptimizer(kd, run.config, run.model.parameters());
    const x = kd.tensor(sample.ids, { dtype: 'int64' }), y = kd.tensor(sample.labels, { dtype: 'int64' });
    const losses = Array.from({ length: 3 }, () => kd.tidy(() => {
      optimizer.zeroGrad();
      const loss = run.lossFn.call(run.model.call(x), y);
      loss.backward();
      optimizer.step();
      return loss.item();
    }));
    assertClose(py.losses, losses, 1e-5, 'losses');
    kd.dispose([x, y]);
    // the way back: the weights train.py saved after training load into the playground's model
    loadTrained(kd, run.model, py.trained);
    const back = attentionExport.kindlingOutputs(kd, run, sample);
    assertClose(back.logits, py.trained_outputs.logits, 1e-5, 'logits after loading torch\'s weights');
    run.dispose();
  });
});

describe('char-RNN preset: the text', () => {
  const bytes = (s) => new TextEncoder().encode(s);

  test('the constitution from Debian\'s miscfiles: its alphabet, 10% held out', () => {
    assert.ok(constitution.ids.length > 40000);
    assert.equal(constitution.alphabet.length, new Set(constitution.text).size);
    assert.equal(constitution.numTrain, Math.floor(constitution.ids.length * 0.9));
    assert.ok(!constitution.text.includes('\r'));
  });

  test('a dropped file is checked: size, encoding, binary, length, alphabet', () => {
    assert.throws(() => parseTextFile(new Uint8Array(MAX_TEXT_BYTES + 1), 'big.txt'), /It is 2\.0 MB; the limit is 2 MB\./);
    assert.throws(() => parseTextFile(new Uint8Array([0x66, 0xff, 0xfe, 0x41]), 'latin.txt'), /It is not UTF-8 text/);
    assert.throws(() => parseTextFile(bytes(`${'a'.repeat(600)}\0`), 'nul.txt'), /NUL bytes: it looks like a binary file/);
    assert.throws(() => parseTextFile(bytes('too short'), 'short.txt'), new RegExp(`It has 9 characters; at least ${MIN_CHARS} are needed`));
    const wide = Array.from({ length: 300 }, (_, i) => String.fromCodePoint(0x4e00 + i)).join('').repeat(2);
    assert.throws(() => parseTextFile(bytes(wide), 'wide.txt'), /It uses 300 different characters; at most 160 are allowed/);
    const ok = parseTextFile(bytes('to be or not to be\r\n'.repeat(40)), 'hamlet.txt');
    assert.equal(ok.name, 'hamlet.txt');
    assert.deepEqual(ok.alphabet, ['\n', ' ', 'b', 'e', 'n', 'o', 'r', 't']);
  });

  test('drawIndex follows the cumulative probabilities', () => {
    assert.equal(drawIndex([0.2, 0.5, 0.3], 0), 0);
    assert.equal(drawIndex([0.2, 0.5, 0.3], 0.25), 1);
    assert.equal(drawIndex([0.2, 0.5, 0.3], 0.75), 2);
    assert.equal(drawIndex([0, 0, 1], 0.999), 2);
  });
});

describe('char-RNN preset: the model', () => {
  let kd;
  before(async () => { kd = await kindling({ threads: false }); });
  after(() => kd.shutdown());
  const small = { hidden: 32, embedDim: 8, seqLen: 16, batchSize: 8, lr: 0.01 };
  const runOf = (over = {}) => new CharRnnRun(kd, charConfig.normalize({ ...small, ...over }), constitution);

  test('it learns: held-out bits per character fall well below log2 of the alphabet', () => {
    const run = runOf();
    const start = run.validationLoss() / LN2;
    assert.ok(Math.abs(start - Math.log2(constitution.alphabet.length)) < 0.3, `an untrained model is near uniform: ${start}`);
    for (let i = 0; i < 120; i++) run.step();
    const end = run.validationLoss() / LN2;
    assert.ok(end < start - 2, `${start} → ${end} bits per character`);
    run.dispose();
    assert.equal(kd.memory().liveTensors, 0, 'the run and its carried state are freed');
  });

  test('every cell, layers and dropout build and step; the gradient norm is measured; the state carries between steps', () => {
    for (const over of [{ cell: 'rnn' }, { cell: 'gru', numLayers: 2, dropout: 0.2 }, { cell: 'lstm', numLayers: 3, dropout: 0.1, optimizer: 'sgd', momentum: 0.9, schedule: 'step', schedulePeriod: 2 }]) {
      const run = runOf(over);
      const losses = [run.step(), run.step(), run.step()];
      assert.ok(losses.every(Number.isFinite), `${JSON.stringify(over)}: ${losses}`);
      assert.ok(run.lastGradNorm > 0);
      assert.equal(run.position, 3 * small.seqLen);
      const states = Array.isArray(run.state) ? run.state : [run.state];
      states.forEach((s) => assert.deepEqual(s.shape, [run.config.numLayers, run.batch, small.hidden]));
      assert.equal(states[0].requiresGrad, false, 'the carried state is detached');
      run.dispose();
    }
  });

  test('clip_grad_norm_ caps the update: a tiny max norm moves the weights far less than none', () => {
    const moved = (clip) => {
      const run = runOf({ clip, optimizer: 'sgd', lr: 1 });
      const w0 = run.model.head.weight.dataSync();
      run.step();
      const w1 = run.model.head.weight.dataSync();
      run.dispose();
      return Math.sqrt(w0.reduce((s, v, i) => s + (v - w1[i]) ** 2, 0));
    };
    const free = moved(0), clipped = moved(0.01);
    assert.ok(clipped <= 0.01 + 1e-6, `with max norm 0.01 the head moved ${clipped}`);
    assert.ok(free > 10 * clipped, `${free} vs ${clipped}`);
  });

  test('sampling: the same generator draws the same text; the temperature changes it; the hidden state is kept per character', () => {
    const run = runOf();
    for (let i = 0; i < 30; i++) run.step();
    const draw = (temperature, seed = 5) => run.sample({ prime: 'We the People', temperature, length: 80, keep: 20, rng: makeRng(seed) });
    const a = draw(1);
    assert.equal(a.text.length, 80);
    assert.equal(a.prime, 'We the People');
    assert.deepEqual(draw(1), a);
    assert.notEqual(draw(0.2).text, a.text);
    assert.equal(a.states.length, 20 * small.hidden);
    assert.ok(a.states.every((v) => Math.abs(v) <= 1), 'GRU outputs lie in [-1, 1]');
    assert.equal(run.sample({ prime: '€€', temperature: 1, length: 5, keep: 5, rng: makeRng(1) }).prime, '', 'characters outside the alphabet are skipped');
    run.dispose();
  });

  for (const over of [{ cell: 'lstm', numLayers: 2 }, { cell: 'rnn', clip: 0, schedule: 'exponential', schedulePeriod: 10 }, { cell: 'gru', optimizer: 'rmsprop', momentum: 0.5, dropout: 0.3 }]) {
    test(`export (${over.cell}): train.py gives Kindling's logits to 1e-5 and trains like Kindling`, () => {
      const run = runOf(over);
      for (let i = 0; i < 10; i++) run.step();
      const sample = charExport.exportSample(run.corpus);
      const ours = charExport.kindlingOutputs(kd, run, sample);
      const py = runExport(charExport.charRnnExport(kd, run));
      assertClose(py.outputs.logits, ours.logits, 1e-5, 'logits');
      assertClose(py.outputs.bits_per_char, ours.bits_per_char, 1e-5, 'bits per character');
      if (run.config.dropout > 0) return;  // dropout masks come from two different generators
      // three steps of truncated BPTT on the sample, the state carried, with a fresh optimizer
      const optimizer = buildOptimizer(kd, run.config, run.model.parameters());
      const scheduler = buildScheduler(kd, run.config, optimizer);
      const x = kd.tensor(sample.chars, { dtype: 'int64' }), y = kd.tensor(sample.targets, { dtype: 'int64' }).reshape([-1]);
      let state = null;
      run.model.train();
      const losses = Array.from({ length: 3 }, () => kd.tidy(() => {
        optimizer.zeroGrad();
        const [logits, next] = run.model.call(x, state);
        const loss = run.lossFn.call(logits.reshape([-1, run.vocab]), y);
        loss.backward();
        kd.nn.utils.clipGradNorm_(run.model.parameters(), run.config.clip > 0 ? run.config.clip : Infinity);
        optimizer.step();
        scheduler?.step();
        kd.dispose(state === null ? [] : [state].flat());
        state = Array.isArray(next) ? next.map((t) => kd.keep(t.detach())) : kd.keep(next.detach());
        return loss.item();
      }));
      kd.dispose([x, y, ...[state].flat()]);
      assertClose(py.losses, losses, 1e-5, 'losses');
      // the way back: the weights train.py saved after training load into the playground's model
      loadTrained(kd, run.model, py.trained);
      assertClose(charExport.kindlingOutputs(kd, run, sample).logits, py.trained_outputs.logits, 1e-5, 'logits after loading torch\'s weights');
      run.dispose();
    });
  }
});
