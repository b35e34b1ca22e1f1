// The optimizer and LR schedule of a preset's configuration, built from kd.optim, and the same
// two as PyTorch and Kindling JS source lines. Fields read: optimizer, lr, weightDecay,
// momentum, nesterov (optional: 0 / false), schedule, schedulePeriod, scheduleGamma.

export const OPTIMIZER_NAMES = { sgd: 'SGD', adam: 'Adam', adamw: 'AdamW', adagrad: 'Adagrad', rmsprop: 'RMSprop' };
export const SCHEDULE_NAMES = { constant: 'Constant', step: 'StepLR', exponential: 'ExponentialLR', cosine: 'CosineAnnealingLR' };

const settings = (config) => ({ lr: config.lr, weightDecay: config.weightDecay ?? 0, momentum: config.momentum ?? 0, nesterov: (config.nesterov ?? false) && (config.momentum ?? 0) > 0 });

export function buildOptimizer(kd, config, params) {
  const { lr, weightDecay, momentum, nesterov } = settings(config);
  const O = kd.optim;
  switch (config.optimizer) {
    case 'sgd': return new O.SGD(params, { lr, momentum, nesterov, weightDecay });
    case 'adam': return new O.Adam(params, { lr, weightDecay });
    case 'adamw': return new O.AdamW(params, { lr, weightDecay });
    case 'adagrad': return new O.Adagrad(params, { lr, weightDecay });
    case 'rmsprop': return new O.RMSprop(params, { lr, momentum, weightDecay });
    default: throw new Error(`unknown optimizer '${config.optimizer}'`);
  }
}

/** The scheduler steps once per optimizer step; `schedulePeriod` is counted in steps. */
export function buildScheduler(kd, config, optimizer) {
  const S = kd.optim.lrScheduler;
  const { schedulePeriod: period, scheduleGamma: gamma } = config;
  switch (config.schedule ?? 'constant') {
    case 'constant': return null;
    case 'step': return new S.StepLR(optimizer, period, { gamma });
    case 'exponential': return new S.ExponentialLR(optimizer, gamma ** (1 / period));
    case 'cosine': return new S.CosineAnnealingLR(optimizer, period);
    default: throw new Error(`unknown schedule '${config.schedule}'`);
  }
}

export const num = (v) => (Number.isInteger(v) ? `${v}` : `${Number(v.toPrecision(6))}`);

/** `torch.optim.X(params, ...)` (python) or `new kd.optim.X(params, {...})` (js). */
export function optimizerCode(config, params, language) {
  const { lr, weightDecay, momentum, nesterov } = settings(config);
  const args = [['lr', lr]];
  if ((config.optimizer === 'sgd' || config.optimizer === 'rmsprop') && momentum > 0) args.push(['momentum', momentum]);
  if (config.optimizer === 'sgd' && nesterov) args.push(['nesterov', true]);
  if (weightDecay > 0) args.push(['weightDecay', weightDecay]);
  const name = OPTIMIZER_NAMES[config.optimizer];
  if (language === 'python') {
    const py = args.map(([k, v]) => `${k === 'weightDecay' ? 'weight_decay' : k}=${v === true ? 'True' : num(v)}`);
    return `torch.optim.${name}(${params}, ${py.join(', ')})`;
  }
  return `new kd.optim.${name}(${params}, { ${args.map(([k, v]) => `${k}: ${v === true ? 'true' : num(v)}`).join(', ')} })`;
}

/** The scheduler's constructor as source, or null for a constant rate. */
export function schedulerCode(config, language) {
  const { schedulePeriod: p, scheduleGamma: g } = config;
  const py = language === 'python';
  switch (config.schedule ?? 'constant') {
    case 'step': return py ? `torch.optim.lr_scheduler.StepLR(optimizer, step_size=${p}, gamma=${num(g)})` : `new kd.optim.lrScheduler.StepLR(optimizer, ${p}, { gamma: ${num(g)} })`;
    case 'exponential': return py ? `torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=${num(g)} ** (1 / ${p}))` : `new kd.optim.lrScheduler.ExponentialLR(optimizer, ${num(g)} ** (1 / ${p}))`;
    case 'cosine': return py ? `torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=${p})` : `new kd.optim.lrScheduler.CosineAnnealingLR(optimizer, ${p})`;
    default: return null;
  }
}
