// (e) A text classifier with additive attention, written as a JS module.
//
// Each sentence is a row of token ids, padded with 0 to a fixed length. The model embeds the
// tokens, scores each position with tanh(x W + b) · q, hides the padded positions by filling
// their scores with -1e32 before the softmax (so they get zero weight), pools the embeddings
// with those weights (a batched matmul), and maps the pooled vector to class scores.
//
// The synthetic task: a sentence is positive when it contains one of the "good" tokens and
// negative when it contains a "bad" one; every other token is filler. Attention has to find
// the one token that matters, wherever it is.
//
// Run: node examples/js/e_attention_classifier.mjs
import assert from 'node:assert/strict';
import { kindling } from '../../bindings/npm/dist/node.mjs';

const kd = await kindling({ threads: false });
kd.manualSeed(0);
const { nn } = kd;

// ---- data ----
const PAD = 0;
const GOOD = [1, 2, 3];
const BAD = [4, 5, 6];
const VOCAB = 30;     // tokens 7..29 are filler
const MAX_LEN = 10;

let seed = 42;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const pick = (list) => list[Math.floor(rand() * list.length)];

function makeDataset(n) {
  const tokens = [];
  const labels = [];
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    const length = 3 + Math.floor(rand() * (MAX_LEN - 2));  // 3..MAX_LEN real tokens
    const row = Array.from({ length }, () => 7 + Math.floor(rand() * (VOCAB - 7)));
    row[Math.floor(rand() * length)] = pick(label ? GOOD : BAD);
    while (row.length < MAX_LEN) row.push(PAD);
    tokens.push(row);
    labels.push(label);
  }
  return { x: kd.tensor(tokens, { dtype: 'int64' }), y: kd.tensor(labels, { dtype: 'int64' }) };
}
const train = makeDataset(400);
const test = makeDataset(200);

// ---- model ----
class AttentionClassifier extends nn.Module {
  constructor(vocab, dim, hidden, classes) {
    super();
    this.embedding = nn.Embedding(vocab, dim, { paddingIdx: PAD });
    this.W = new nn.Parameter(kd.randn(dim, hidden).mul(0.1));  // learnable weight
    this.b = new nn.Parameter(kd.zeros(hidden));                // learnable bias
    this.q = new nn.Parameter(kd.randn(hidden).mul(0.1));       // learnable query
    this.out = nn.Linear(dim, classes);
  }

  // tokens: int64 [B, L] -> class scores [B, classes] (and the attention weights [B, L]).
  forward(tokens) {
    const x = this.embedding.call(tokens);                         // [B, L, d]
    const scores = x.matmul(this.W).add(this.b).tanh().matmul(this.q);  // [B, L]
    const masked = scores.maskedFill(tokens.eq(PAD), -1e32);       // padding never wins
    const alpha = masked.softmax(1);                                // [B, L], rows sum to 1
    const pooled = alpha.unsqueeze(1).bmm(x).squeeze(1);           // [B, 1, L] @ [B, L, d] -> [B, d]
    this.lastAttention = alpha;                                     // a plain attribute, not a parameter
    return this.out.call(pooled);
  }
}

const model = new AttentionClassifier(VOCAB, 16, 16, 2);
console.log(String(model));
console.log('parameters:', model.namedParameters().map(([n, p]) => `${n} ${JSON.stringify(p.shape)}`).join(', '));

const lossFn = nn.CrossEntropyLoss();
const opt = new kd.optim.Adam(model.parameters(), { lr: 0.02 });

const accuracy = (data) => kd.tidy(() => {
  model.eval();
  const predicted = model.call(data.x).argmax(1);
  model.train();
  return predicted.eq(data.y).float().mean().item();
});

for (let step = 1; step <= 150; step++) {
  const loss = kd.tidy(() => {
    opt.zeroGrad();
    const l = lossFn.call(model.call(train.x), train.y);
    l.backward();
    opt.step();
    return l.item();
  });
  if (step % 30 === 0) console.log(`step ${step}: loss ${loss.toFixed(4)}, train acc ${accuracy(train).toFixed(3)}`);
}

const testAccuracy = accuracy(test);
console.log(`held-out accuracy: ${testAccuracy.toFixed(3)}`);
assert.ok(testAccuracy >= 0.95, `held-out accuracy ${testAccuracy} < 0.95`);

// The attention of the first test sentence is highest on its signal token, and zero on padding.
kd.tidy(() => {
  model.call(test.x.narrow(0, 0, 1));
  const alpha = model.lastAttention.get(0).dataSync();
  const tokens = test.x.get(0).dataSync();
  const best = alpha.indexOf(Math.max(...alpha));
  console.log('tokens   :', Array.from(tokens).join(' '));
  console.log('attention:', Array.from(alpha, (a) => a.toFixed(2)).join(' '));
  assert.ok([...GOOD, ...BAD].includes(tokens[best]), 'attends to the signal token');
  tokens.forEach((t, i) => { if (t === PAD) assert.equal(alpha[i], 0); });
});
model.dispose();
console.log('ok');
