// "Export to PyTorch" for the char-RNN: model.safetensors and a train.py that defines the same
// module (codegen.js), evaluates a sample of held-out text (logits and bits per character)
// and can train on it with the same optimizer, clipping and schedule.
import { exportFiles, trainPy } from '../train_py.js';
import { pytorchCode } from './codegen.js';

const SAMPLE_ROWS = 2;
const SAMPLE_LENGTH = 48;

/** Two rows of held-out characters (and the characters that follow them) as token ids. */
export function exportSample(corpus) {
  const start = corpus.ids.length >= corpus.numTrain + SAMPLE_ROWS * SAMPLE_LENGTH + 1 ? corpus.numTrain : 0;
  const row = (r, shift) => Array.from(corpus.ids.subarray(start + r * SAMPLE_LENGTH + shift, start + (r + 1) * SAMPLE_LENGTH + shift));
  const rows = [...Array(SAMPLE_ROWS).keys()];
  return { chars: rows.map((r) => row(r, 0)), targets: rows.map((r) => row(r, 1)) };
}

/** What train.py prints as its outputs, computed by Kindling (the export's round trip compares them). */
export function kindlingOutputs(kd, run, sample) {
  return run.evaluating(() => {
    const [logits] = run.model.call(kd.tensor(sample.chars, { dtype: 'int64' }));
    const flat = logits.reshape([-1, run.vocab]);
    const bits = run.lossFn.call(flat, kd.tensor(sample.targets, { dtype: 'int64' }).reshape([-1])).item() / Math.LN2;
    return { logits: logits.tolist(), bits_per_char: bits };
  });
}

export function pytorchProgram(config, corpus, sample) {
  return trainPy({
    title: `A character-level ${config.cell.toUpperCase()} language model of ${corpus.name}`,
    code: pytorchCode(config, corpus.alphabet),
    sample: `SAMPLE_CHARS = torch.tensor(${JSON.stringify(sample.chars)}, dtype=torch.int64)
SAMPLE_TARGETS = torch.tensor(${JSON.stringify(sample.targets)}, dtype=torch.int64)  # the characters that follow
# as text: ${JSON.stringify(sample.chars.map((r) => r.map((i) => corpus.alphabet[i]).join('')))}
`,
    run: `
def evaluate():
    """Logits of the sample in eval mode, from a zero state, and the loss in bits per character."""
    model.eval()
    with torch.no_grad():
        logits, _ = model(SAMPLE_CHARS)
        nats = loss_fn(logits.reshape(-1, logits.shape[-1]), SAMPLE_TARGETS.reshape(-1)).item()
    return {'logits': logits.tolist(), 'bits_per_char': nats / math.log(2)}


def train_on_sample(steps):
    """Truncated BPTT over the sample: the state carries on between steps, detached."""
    losses, state = [], None
    for _ in range(steps):
        loss, norm, state = train_step(SAMPLE_CHARS, SAMPLE_TARGETS, state)
        losses.append(loss)
    return losses
`,
  });
}

export const charRnnExport = (kd, run) => exportFiles(kd, run.model, pytorchProgram(run.config, run.corpus, exportSample(run.corpus)));
