// "Export to PyTorch" for the attention classifier: model.safetensors and a train.py that
// defines the same modules (codegen.js), evaluates a sample of held-out sentences (logits and
// attention weights) and can train on with the same optimizer settings.
import { exportFiles, trainPy } from '../train_py.js';
import { pytorchCode } from './codegen.js';
import { MAX_LEN } from './data.js';

const SAMPLE_SIZE = 8;

/** The first held-out sentences (or training ones when none is held out): {text, ids, labels}. */
export function exportSample(data) {
  const n = data.labels.length;
  const from = data.numTrain < n ? data.numTrain : 0;
  const rows = [...Array(Math.min(SAMPLE_SIZE, n - from)).keys()].map((k) => from + k);
  return {
    text: rows.map((i) => data.sentences[i]),
    ids: rows.map((i) => Array.from(data.ids.subarray(i * MAX_LEN, (i + 1) * MAX_LEN))),
    labels: rows.map((i) => data.labels[i]),
  };
}

/** What train.py prints as its outputs, computed by Kindling (the export's round trip compares them). */
export function kindlingOutputs(kd, run, sample) {
  return run.evaluating(() => {
    const { logits, weights } = run.model.attend(kd.tensor(sample.ids, { dtype: 'int64' }));
    return { logits: logits.tolist(), attention: weights.tolist() };
  });
}

export function pytorchProgram(config, sample) {
  return trainPy({
    title: 'An additive-attention sentiment classifier',
    code: pytorchCode(config),
    sample: `${sample.text.map((t, i) => `# ${i}: "${t}"`).join('\n')}
SAMPLE_TOKENS = torch.tensor(${JSON.stringify(sample.ids)}, dtype=torch.int64)
SAMPLE_LABELS = torch.tensor(${JSON.stringify(sample.labels)}, dtype=torch.int64)  # 0 negative, 1 positive
`,
    run: `
def evaluate():
    """Logits and attention weights of the sample in eval mode."""
    model.eval()
    with torch.no_grad():
        logits, weights = model.attend(SAMPLE_TOKENS)
    return {'logits': logits.tolist(), 'attention': weights.tolist()}


def train_on_sample(steps):
    return [train_step(SAMPLE_TOKENS, SAMPLE_LABELS) for _ in range(steps)]
`,
  });
}

export const attentionExport = (kd, run) => exportFiles(kd, run.model, pytorchProgram(run.config, exportSample(run.data)));
