// The word2vec model and its training step as PyTorch and as Kindling JS (same module names).
const num = (v) => `${Number(v.toPrecision(6))}`;

export function pytorchCode(c, vocabSize) {
  const opts = [c.maxNorm > 0 ? `max_norm=${num(c.maxNorm)}` : '', c.padding ? 'padding_idx=0' : '', c.sparse ? 'sparse=True' : ''].filter(Boolean);
  const inVectors = c.model === 'cbow'
    ? `nn.EmbeddingBag(${vocabSize}, ${c.dim}, mode="mean"${opts.length ? `, ${opts.join(', ')}` : ''})`
    : `nn.Embedding(${vocabSize}, ${c.dim}${opts.length ? `, ${opts.join(', ')}` : ''})`;
  return `import torch
from torch import nn
import torch.nn.functional as F

torch.manual_seed(${c.seed})

class Word2Vec(nn.Module):  # ${c.model === 'cbow' ? 'CBOW' : 'skip-gram'} with negative sampling
    def __init__(self):
        super().__init__()
        self.inVectors = ${inVectors}
        self.outVectors = nn.Embedding(${vocabSize}, ${c.dim}${c.sparse ? ', sparse=True' : ''})
        with torch.no_grad():
            nn.init.uniform_(self.inVectors.weight, -0.5 / ${c.dim}, 0.5 / ${c.dim})${c.padding ? '\n            self.inVectors.weight[0].zero_()' : ''}
            self.outVectors.weight.zero_()

    def forward(self, inputs, targets, negatives):
        # inputs: ${c.model === 'cbow' ? `[B, ${2 * c.window}] context ids (0 = padding)` : '[B] center ids'}; targets: [B]; negatives: [B, ${c.negatives}]
        h = self.inVectors(inputs)
        pos = (h * self.outVectors(targets)).sum(-1)
        neg = torch.bmm(self.outVectors(negatives), h.unsqueeze(2)).squeeze(2)
        return -(F.logsigmoid(pos) + F.logsigmoid(-neg).sum(-1)).mean()

model = Word2Vec()
optimizer = torch.optim.${c.sparse ? 'SparseAdam' : 'Adam'}(model.parameters(), lr=${num(c.lr)})

def train_step(inputs, targets, negatives):  # batches of ${c.batchSize}; negatives drawn ∝ count^0.75
    optimizer.zero_grad()
    loss = model(inputs, targets, negatives)
    loss.backward()
    optimizer.step()
    return loss.item()
`;
}

export function kindlingCode(c, vocabSize) {
  const opts = [c.maxNorm > 0 ? `maxNorm: ${num(c.maxNorm)}` : '', c.padding ? 'paddingIdx: 0' : '', c.sparse ? 'sparse: true' : ''].filter(Boolean);
  const inVectors = c.model === 'cbow'
    ? `kd.nn.EmbeddingBag(${vocabSize}, ${c.dim}, { mode: 'mean'${opts.length ? `, ${opts.join(', ')}` : ''} })`
    : `kd.nn.Embedding(${vocabSize}, ${c.dim}${opts.length ? `, { ${opts.join(', ')} }` : ''})`;
  return `import kindling from 'kindling';
const kd = await kindling();
kd.manualSeed(${c.seed});

class Word2Vec extends kd.nn.Module {  // ${c.model === 'cbow' ? 'CBOW' : 'skip-gram'} with negative sampling
  constructor() {
    super();
    this.inVectors = ${inVectors};
    this.outVectors = kd.nn.Embedding(${vocabSize}, ${c.dim}${c.sparse ? ', { sparse: true }' : ''});
    kd.noGrad(() => {
      kd.nn.init.uniform_(this.inVectors.weight, -0.5 / ${c.dim}, 0.5 / ${c.dim});${c.padding ? '\n      this.inVectors.weight.select(0, 0).zero_();' : ''}
      this.outVectors.weight.zero_();
    });
  }
  forward(inputs, targets, negatives) {
    const h = this.inVectors.call(inputs);
    return kd.nn.functional.negativeSamplingLoss(h, this.outVectors.call(targets), this.outVectors.call(negatives));
  }
}

const model = new Word2Vec();
const optimizer = new kd.optim.${c.sparse ? 'SparseAdam' : 'Adam'}(model.parameters(), { lr: ${num(c.lr)} });

function trainStep(inputs, targets, negatives) {  // int64 tensors
  return kd.tidy(() => {
    optimizer.zeroGrad();
    const loss = model.call(inputs, targets, negatives);
    loss.backward();
    optimizer.step();
    return loss.item();
  });
}
`;
}
