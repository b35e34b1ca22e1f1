// The char-RNN and its truncated-BPTT training step as a PyTorch program and as Kindling JS.
// Both define the same module (embedding, rnn, drop, head), so the parameter names match the
// playground's and a state_dict moves between them.
import { num, optimizerCode, schedulerCode } from '../../lib/optim.js';
import { CELLS } from './config.js';

const rnnArgs = (config) => {
  const dropout = config.numLayers > 1 && config.dropout > 0 ? config.dropout : 0;
  return { dropout, layers: config.numLayers };
};

export function pytorchCode(config, alphabet) {
  const { dropout, layers } = rnnArgs(config);
  const sched = schedulerCode(config, 'python');
  return `import torch
from torch import nn

torch.manual_seed(${config.seed})
ALPHABET = ${JSON.stringify(alphabet.join(''))}  # character i of the text is token i


class CharRNN(nn.Module):
    def __init__(self, vocab, embed_dim, hidden, num_layers, dropout):
        super().__init__()
        self.embedding = nn.Embedding(vocab, embed_dim)
        # nn.${CELLS[config.cell]}'s dropout acts between layers only; self.drop also covers the last one
        self.rnn = nn.${CELLS[config.cell]}(embed_dim, hidden, num_layers=num_layers, dropout=dropout if num_layers > 1 else 0.0, batch_first=True)
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, chars, state=None):  # chars: int64 [B, T]
        outputs, state = self.rnn(self.embedding(chars), state)
        return self.head(self.drop(outputs)), state  # logits [B, T, vocab]


model = CharRNN(len(ALPHABET), ${config.embedDim}, ${config.hidden}, ${layers}, ${num(config.dropout)})
loss_fn = nn.CrossEntropyLoss()
optimizer = ${optimizerCode(config, 'model.parameters()', 'python')}
${sched ? `scheduler = ${sched}\n` : ''}

def detach(state):
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


def train_step(chars, targets, state):  # [B, ${config.seqLen}] characters, the ones after them, the carried state
    """One step of truncated backpropagation through time; returns (loss, grad norm, state)."""
    model.train()
    optimizer.zero_grad()
    logits, state = model(chars, state)
    loss = loss_fn(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
    loss.backward()
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), ${config.clip > 0 ? num(config.clip) : "float('inf')"})${config.clip > 0 ? '' : '  # clipping off: the norm is only measured'}
    optimizer.step()${sched ? '\n    scheduler.step()' : ''}
    return loss.item(), norm.item(), detach(state)  # gradients stop here; the state carries on
`;
}

export function kindlingCode(config, alphabet) {
  const { dropout, layers } = rnnArgs(config);
  const sched = schedulerCode(config, 'js');
  return `import kindling from 'kindling';
const kd = await kindling();
kd.manualSeed(${config.seed});
const ALPHABET = ${JSON.stringify(alphabet.join(''))};  // character i of the text is token i

class CharRNN extends kd.nn.Module {
  constructor(vocab, embedDim, hidden, numLayers, dropout) {
    super();
    this.embedding = kd.nn.Embedding(vocab, embedDim);
    this.rnn = kd.nn.${CELLS[config.cell]}(embedDim, hidden, { numLayers, dropout: numLayers > 1 ? dropout : 0, batchFirst: true });
    this.drop = kd.nn.Dropout(dropout);
    this.head = kd.nn.Linear(hidden, vocab);
  }
  forward(chars, state = null) {  // chars: int64 [B, T]
    const [outputs, next] = this.rnn.call(this.embedding.call(chars), state);
    return [this.head.call(this.drop.call(outputs)), next];  // logits [B, T, vocab]
  }
}

const model = new CharRNN(ALPHABET.length, ${config.embedDim}, ${config.hidden}, ${layers}, ${num(config.dropout)});
const lossFn = kd.nn.CrossEntropyLoss();
const optimizer = ${optimizerCode(config, 'model.parameters()', 'js')};
${sched ? `const scheduler = ${sched};\n` : ''}let state = null;  // carried from step to step, detached

// chars, targets: [B][${config.seqLen}] token ids (targets: the characters that follow)
function trainStep(chars, targets) {
  return kd.tidy(() => {
    optimizer.zeroGrad();
    const [logits, next] = model.call(kd.tensor(chars, { dtype: 'int64' }), state);
    const loss = lossFn.call(logits.reshape([-1, ALPHABET.length]), kd.tensor(targets, { dtype: 'int64' }).reshape([-1]));
    loss.backward();
    const norm = kd.nn.utils.clipGradNorm_(model.parameters(), ${config.clip > 0 ? num(config.clip) : 'Infinity'}).item();
    optimizer.step();${sched ? '\n    scheduler.step();' : ''}
    kd.dispose(state === null ? [] : [state].flat());
    state = Array.isArray(next) ? next.map((t) => kd.keep(t.detach())) : kd.keep(next.detach());
    return { loss: loss.item(), norm };
  });
}
`;
}
