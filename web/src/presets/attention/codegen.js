// The attention classifier and its training setup as a PyTorch program and as Kindling JS.
// Both define the same modules, so the parameter names (embedding.weight, attention.W, ...,
// out.bias) are the same as in the playground, and a state_dict moves between them.
import { num, optimizerCode } from '../../lib/optim.js';
import { CLASSES, PAD, VOCAB } from './data.js';

export function pytorchCode(config) {
  return `import torch
from torch import nn

torch.manual_seed(${config.seed})
PAD = ${PAD}  # token 0 pads every sentence to the same length


class AdditiveAttention(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.W = nn.Parameter(torch.randn(dim, hidden) / dim ** 0.5)
        self.b = nn.Parameter(torch.zeros(hidden))
        self.q = nn.Parameter(torch.randn(hidden) / hidden ** 0.5)
        self.mask = None  # a plain tensor attribute: not a parameter, not in the state_dict

    def forward(self, x, mask):  # x [B, L, d], mask [B, L] (True at padding)
        self.mask = mask
        scores = torch.tanh(x @ self.W + self.b) @ self.q                 # [B, L]
        weights = scores.masked_fill(mask, float('-inf')).softmax(dim=1)  # padding gets exactly 0
        pooled = torch.bmm(weights.unsqueeze(1), x).squeeze(1)            # [B, d]
        return pooled, weights


class AttentionClassifier(nn.Module):
    def __init__(self, vocab, dim, hidden, num_classes):
        super().__init__()
        self.embedding = nn.Embedding(vocab, dim, padding_idx=PAD)
        self.attention = AdditiveAttention(dim, hidden)
        self.out = nn.Linear(dim, num_classes)

    def attend(self, tokens):  # tokens: int64 [B, L]
        pooled, weights = self.attention(self.embedding(tokens), tokens == PAD)
        return self.out(pooled), weights

    def forward(self, tokens):
        return self.attend(tokens)[0]


model = AttentionClassifier(${VOCAB.length}, ${config.embedDim}, ${config.attnDim}, ${CLASSES.length})  # ${VOCAB.length} words, classes ${CLASSES.join(', ')}
loss_fn = nn.CrossEntropyLoss()
optimizer = ${optimizerCode(config, 'model.parameters()', 'python')}


def train_step(tokens, labels):  # a minibatch of ${config.batchSize} padded sentences and their labels
    model.train()
    optimizer.zero_grad()
    loss = loss_fn(model(tokens), labels)
    loss.backward()
    optimizer.step()
    return loss.item()
`;
}

export function kindlingCode(config) {
  return `import kindling from 'kindling';
const kd = await kindling();
kd.manualSeed(${config.seed});
const PAD = ${PAD};  // token 0 pads every sentence to the same length

class AdditiveAttention extends kd.nn.Module {
  constructor(dim, hidden) {
    super();
    this.W = new kd.nn.Parameter(kd.randn(dim, hidden).mul(1 / Math.sqrt(dim)));
    this.b = new kd.nn.Parameter(kd.zeros(hidden));
    this.q = new kd.nn.Parameter(kd.randn(hidden).mul(1 / Math.sqrt(hidden)));
    this.mask = null;  // a plain tensor attribute: not a parameter, not in the state_dict
  }
  forward(x, mask) {  // x [B, L, d], mask [B, L] (true at padding)
    this.mask?.dispose();
    this.mask = kd.keep(mask.clone());
    const scores = x.matmul(this.W).add(this.b).tanh().matmul(this.q);    // [B, L]
    const weights = scores.maskedFill(mask, -Infinity).softmax(1);        // padding gets exactly 0
    const pooled = weights.unsqueeze(1).bmm(x).squeeze(1);                // [B, d]
    return [pooled, weights];
  }
}

class AttentionClassifier extends kd.nn.Module {
  constructor(vocab, dim, hidden, numClasses) {
    super();
    this.embedding = kd.nn.Embedding(vocab, dim, { paddingIdx: PAD });
    this.attention = new AdditiveAttention(dim, hidden);
    this.out = kd.nn.Linear(dim, numClasses);
  }
  forward(tokens) {  // tokens: int64 [B, L]
    const [pooled] = this.attention.call(this.embedding.call(tokens), tokens.eq(PAD));
    return this.out.call(pooled);
  }
}

const model = new AttentionClassifier(${VOCAB.length}, ${config.embedDim}, ${config.attnDim}, ${CLASSES.length});
const lossFn = kd.nn.CrossEntropyLoss();
const optimizer = ${optimizerCode(config, 'model.parameters()', 'js')};

// tokens: arrays of ${num(config.batchSize)} padded token-id rows; labels: 0 (${CLASSES[0]}) or 1 (${CLASSES[1]})
function trainStep(tokens, labels) {
  return kd.tidy(() => {
    optimizer.zeroGrad();
    const loss = lossFn.call(model.call(kd.tensor(tokens, { dtype: 'int64' })), kd.tensor(labels, { dtype: 'int64' }));
    loss.backward();
    optimizer.step();
    return loss.item();
  });
}
`;
}
