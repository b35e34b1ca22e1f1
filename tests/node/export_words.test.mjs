// "Export to PyTorch" for the word-embeddings preset: train.py, run by Debian's python3-torch,
// loads the exported tables and gets Kindling's loss and vectors on the same sample batch to
// 1e-5; its training steps match Kindling's; the tables it saves load back into the preset.
// Needs /usr/bin/python3 with torch (`make deps` installs python3-torch); fails without it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { kindling } from '../../bindings/npm/dist/node.mjs';
import { makeRng } from '../../web/src/lib/prng.js';
import { normalize } from '../../web/src/presets/words/config.js';
import { generateCorpus } from '../../web/src/presets/words/corpus.js';
import { exportFiles } from '../../web/src/presets/words/export.js';
import { WordsRun } from '../../web/src/presets/words/model.js';

const TOLERANCE = 1e-5;
const CONFIGURATIONS = {
  'skip-gram, dense Adam': {},
  'skip-gram, sparse SparseAdam, max_norm': { sparse: true, maxNorm: 0.05 },
  'CBOW with padding': { model: 'cbow', window: 3 },
  'no padding row': { padding: false, dim: 8 },
};

function pythonJson(args, cwd) {
  const r = spawnSync('/usr/bin/python3', args, { cwd, encoding: 'utf8' });
  if (r.error) throw r.error;
  assert.equal(r.status, 0, `python3 ${args.join(' ')} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout);
}
const maxDiff = (a, b) => {
  assert.equal(a.length, b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
};

describe('the word-embeddings export runs under PyTorch', () => {
  let kd;
  before(async () => {
    const probe = spawnSync('/usr/bin/python3', ['-c', 'import torch, numpy'], { encoding: 'utf8' });
    assert.equal(probe.status, 0, `/usr/bin/python3 with torch is needed: apt-get install python3-torch (make deps installs it)\n${probe.stderr ?? probe.error}`);
    kd = await kindling({ threads: false });
  });
  after(() => kd?.shutdown());

  for (const [name, over] of Object.entries(CONFIGURATIONS)) {
    test(name, () => {
      const config = normalize({ sentences: 600, batchSize: 64, ...over });
      const run = new WordsRun(kd, config, generateCorpus(config));
      for (let i = 0; i < 20; i++) run.step();
      const sample = run.batch(makeRng(99));
      const files = exportFiles(kd, run, sample);
      const dir = mkdtempSync(join(tmpdir(), 'kd-words-export-'));
      try {
        for (const [file, content] of Object.entries(files)) writeFileSync(join(dir, file), content);
        const torch = pythonJson(['train.py', '--print-json', '--train-steps', '3', '--save', 'trained.safetensors'], dir);

        // Kindling on the same batch, in eval mode, without training; the vectors are read after
        // the forward pass, as train.py does (with max_norm the lookup renormalises rows in place)
        const evaluate = () => kd.tidy(() => {
          run.model.eval();
          const b = sample.targets.length;
          const x = config.model === 'cbow' ? kd.tensor(sample.inputs, [b, 2 * config.window], { dtype: 'int64' }) : kd.tensor(sample.inputs, [b], { dtype: 'int64' });
          const targets = kd.tensor(sample.targets, [b], { dtype: 'int64' });
          const loss = kd.noGrad(() => run.model.call(x, targets, kd.tensor(sample.negatives, [b, config.negatives], { dtype: 'int64' }))).item();
          const vectors = run.model.inVectors.weight.indexSelect(0, targets).dataSync();
          run.model.train();
          return { loss, vectors };
        });
        const ours = evaluate();
        assert.ok(Math.abs(torch.loss - ours.loss) <= TOLERANCE, `loss: torch ${torch.loss}, Kindling ${ours.loss}`);
        assert.ok(maxDiff(torch.vectors.flat(), Array.from(ours.vectors)) <= TOLERANCE);
        assert.equal(torch.steps.length, 3);
        assert.ok(torch.steps[2] < torch.steps[0], `torch's training on the sample: ${torch.steps}`);

        // the same three steps in Kindling: a fresh run (fresh optimizer, as train.py has) with the exported tables
        const fresh = new WordsRun(kd, config, generateCorpus(config));
        const exported = kd.loadSafetensors(files['model.safetensors']);
        fresh.model.loadStateDict(exported, { strict: true });
        kd.dispose(Object.values(exported));
        const b = sample.targets.length;
        const steps = [0, 1, 2].map(() => kd.tidy(() => {
          const x = config.model === 'cbow' ? kd.tensor(sample.inputs, [b, 2 * config.window], { dtype: 'int64' }) : kd.tensor(sample.inputs, [b], { dtype: 'int64' });
          fresh.optimizer.zeroGrad();
          const loss = fresh.model.call(x, kd.tensor(sample.targets, [b], { dtype: 'int64' }), kd.tensor(sample.negatives, [b, config.negatives], { dtype: 'int64' }));
          loss.backward();
          fresh.optimizer.step();
          return loss.item();
        }));
        fresh.dispose();
        assert.ok(maxDiff(torch.steps, steps) <= TOLERANCE, `training losses: torch ${torch.steps}, Kindling ${steps}`);

        // the tables torch trained load back into the preset's model, strictly
        const trained = kd.loadSafetensors(new Uint8Array(readFileSync(join(dir, 'trained.safetensors'))));
        run.model.loadStateDict(trained, { strict: true });
        kd.dispose(Object.values(trained));
        const again = pythonJson(['train.py', 'trained.safetensors', '--print-json'], dir);
        const back = evaluate();
        assert.ok(Math.abs(again.loss - back.loss) <= TOLERANCE, `trained loss: torch ${again.loss}, Kindling ${back.loss}`);
        assert.ok(maxDiff(again.vectors.flat(), Array.from(back.vectors)) <= TOLERANCE);
      } finally {
        rmSync(dir, { recursive: true, force: true });
        run.dispose();
      }
    });
  }
});
