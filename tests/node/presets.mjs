// The playground's preset models, as the tests train them (determinism.test.mjs checks their
// weights bit for bit across runs, thread counts and builds; long_run.test.mjs trains each for
// 10,000 steps watching memory). Each preset seeds the generator, builds its model and data,
// and returns { step(), weights(), dispose() }: step() runs one training step inside kd.tidy
// and returns the loss; weights() the bytes of every parameter and buffer, in order;
// dropGrads() sets every gradient to none.
//
//   mlp-*       a 2-D point classifier: Linear / BatchNorm1d / ReLU / Dropout / Tanh layers
//   skipgram-*  two Embedding tables and the negative-sampling loss (dense Adam or sparse SparseAdam)
//   char-*      Embedding -> RNN / GRU / LSTM (batchFirst) -> Linear, next-character loss

function bytesOf(tensors) {
  const parts = tensors.map((t) => new Uint8Array(t.dataSync().buffer));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function trainer(kd, modules, optimizer, data, lossOf) {
  const state = () => modules.flatMap((m) => Object.values(m.stateDict()));
  return {
    step: () => kd.tidy(() => {
      optimizer.zeroGrad();
      const loss = lossOf();
      loss.backward();
      optimizer.step();
      return loss.item();
    }),
    weights: () => kd.tidy(() => bytesOf(state())),
    // Drops the gradients (a sparse one's size changes from step to step).
    dropGrads: () => optimizer.zeroGrad({ setToNone: true }),
    dispose() {
      optimizer.dispose();
      for (const m of modules) m.dispose();
      kd.dispose(data);
    },
  };
}

function mlp(kd, optimizerKind) {
  kd.manualSeed(7);
  const { nn } = kd;
  const model = nn.Sequential(nn.Linear(2, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Dropout(0.2), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 3));
  const optimizer = optimizerKind === 'adam'
    ? new kd.optim.Adam(model.parameters(), { lr: 1e-2 })
    : new kd.optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
  const x = kd.keep(kd.randn(128, 2));
  const y = kd.keep(kd.randint(0, 3, [128]));
  return trainer(kd, [model], optimizer, [x, y], () => nn.functional.crossEntropy(model.call(x), y));
}

function skipgram(kd, sparse) {
  kd.manualSeed(11);
  const { nn } = kd;
  const vocab = 200;
  const center = nn.Embedding(vocab, 16, { sparse });
  const context = nn.Embedding(vocab, 16, { sparse });
  const params = [...center.parameters(), ...context.parameters()];
  const optimizer = sparse ? new kd.optim.SparseAdam(params, { lr: 1e-2 }) : new kd.optim.Adam(params, { lr: 1e-2 });
  return trainer(kd, [center, context], optimizer, [], () => {
    const c = kd.randint(0, vocab, [32]);
    const o = kd.randint(0, vocab, [32]);
    const n = kd.randint(0, vocab, [32, 4]);
    return nn.functional.negativeSamplingLoss(center.call(c), context.call(o), context.call(n));
  });
}

function charModel(kd, cell) {
  kd.manualSeed(3);
  const { nn } = kd;
  const [vocab, embed, hidden, batch, time] = [30, 8, 24, 4, 8];
  const embedding = nn.Embedding(vocab, embed);
  const rnn = nn[cell](embed, hidden, { batchFirst: true });
  const head = nn.Linear(hidden, vocab);
  const optimizer = new kd.optim.Adam([...embedding.parameters(), ...rnn.parameters(), ...head.parameters()], { lr: 3e-3 });
  const [text, inputs, targets] = kd.tidy(() => {
    const t = kd.randint(0, vocab, [batch, time + 1]);
    return [t, t.narrow(1, 0, time), t.narrow(1, 1, time).reshape(batch * time)];
  }).map((t) => kd.keep(t));
  return trainer(kd, [embedding, rnn, head], optimizer, [text, inputs, targets], () => {
    const [out] = rnn.call(embedding.call(inputs));
    return nn.functional.crossEntropy(head.call(out).reshape(batch * time, vocab), targets);
  });
}

export const PRESETS = {
  'mlp-sgd': (kd) => mlp(kd, 'sgd'),
  'mlp-adam': (kd) => mlp(kd, 'adam'),
  'skipgram-dense': (kd) => skipgram(kd, false),
  'skipgram-sparse': (kd) => skipgram(kd, true),
  'char-RNN': (kd) => charModel(kd, 'RNN'),
  'char-GRU': (kd) => charModel(kd, 'GRU'),
  'char-LSTM': (kd) => charModel(kd, 'LSTM'),
};
