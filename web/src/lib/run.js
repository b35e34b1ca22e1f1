// What every preset's training run needs around its model, written once.

/**
 * Runs fn without grad, with `model` in the views' mode: 'eval' (Dropout off, BatchNorm on its
 * running statistics) or 'train' (to show what those layers do while training). A train()
 * forward would update BatchNorm's running statistics: they are put back, so looking never
 * changes the model. (Dropout's masks do draw from the generator.) Tensors made inside are freed.
 */
export function evaluating(kd, model, viewMode, fn) {
  const wasTraining = model.training;
  const inTrainMode = viewMode === 'train';
  const saved = inTrainMode ? kd.noGrad(() => model.namedBuffers().map(([, b]) => [b, b.clone()])) : [];
  model.train(inTrainMode);
  try {
    return kd.noGrad(() => kd.tidy(fn));
  } finally {
    model.train(wasTraining);
    kd.noGrad(() => saved.forEach(([b, copy]) => { b.copy_(copy); copy.dispose(); }));
  }
}

/** After a non-finite loss: which parameters or gradients hold NaN or ±Infinity. */
export function nonFiniteReport(model) {
  const found = [];
  for (const [name, p] of model.namedParameters()) {
    const bad = (t) => t && t.dataSync().some((v) => !Number.isFinite(v));
    if (bad(p)) found.push(`${name} holds non-finite values`);
    else if (bad(p.grad)) found.push(`${name}'s gradient is non-finite`);
  }
  return found;
}
