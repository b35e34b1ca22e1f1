// The current model and training setup as a PyTorch program and as Kindling JS. Both build the
// same nn.Sequential (the same parameter names) with the same optimizer and schedule.
import { FEATURES, LOSSES } from './config.js';
import { outputsFor } from './model.js';

// torch.nn and kd.nn share the class names, so one list of layers serves both programs.
const ACTIVATION_CLASSES = { relu: 'ReLU', tanh: 'Tanh', sigmoid: 'Sigmoid', gelu: 'GELU', silu: 'SiLU', linear: 'Identity' };
const PY_FEATURE = { x1: 'x1', x2: 'x2', x1sq: 'x1 ** 2', x2sq: 'x2 ** 2', x1x2: 'x1 * x2', sinx1: 'torch.sin(x1)', sinx2: 'torch.sin(x2)' };
const JS_FEATURE = { x1: 'x1', x2: 'x2', x1sq: 'x1 * x1', x2sq: 'x2 * x2', x1x2: 'x1 * x2', sinx1: 'Math.sin(x1)', sinx2: 'Math.sin(x2)' };
const PY_OPT = { sgd: 'SGD', adam: 'Adam', adamw: 'AdamW', adagrad: 'Adagrad', rmsprop: 'RMSprop' };
const num = (v) => (Number.isInteger(v) ? `${v}` : `${Number(v.toPrecision(6))}`);

/**
 * The preset's nn.Sequential as rows [class name, ...constructor arguments], in order:
 * Linear, [BatchNorm1d], activation, [Dropout] per hidden layer, then the output Linear.
 */
function sequentialLayers(config, numClasses) {
  const layers = [];
  let inF = config.features.length;
  config.layers.forEach((units, i) => {
    layers.push(['Linear', inF, units]);
    if (config.batchNorm) layers.push(['BatchNorm1d', units]);
    layers.push([ACTIVATION_CLASSES[config.activations[i]]]);
    if (config.dropout > 0) layers.push(['Dropout', config.dropout]);
    inF = units;
  });
  layers.push(['Linear', inF, outputsFor(config.loss, numClasses)]);
  return layers;
}

function optimizerArgs(config, camel) {
  const args = [`lr=${num(config.lr)}`];
  if ((config.optimizer === 'sgd' || config.optimizer === 'rmsprop') && config.momentum > 0) args.push(`momentum=${num(config.momentum)}`);
  if (config.optimizer === 'sgd' && config.nesterov && config.momentum > 0) args.push(camel ? 'nesterov=true' : 'nesterov=True');
  if (config.weightDecay > 0) args.push(`${camel ? 'weightDecay' : 'weight_decay'}=${num(config.weightDecay)}`);
  return camel ? `{ ${args.map((a) => a.replace('=', ': ')).join(', ')} }` : args.join(', ');
}

function pySchedule(config) {
  const { schedulePeriod: p, scheduleGamma: g } = config;
  switch (config.schedule) {
    case 'step': return `torch.optim.lr_scheduler.StepLR(optimizer, step_size=${p}, gamma=${num(g)})`;
    case 'exponential': return `torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=${num(g)} ** (1 / ${p}))`;
    case 'cosine': return `torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=${p})`;
    default: return null;
  }
}
function jsSchedule(config) {
  const { schedulePeriod: p, scheduleGamma: g } = config;
  switch (config.schedule) {
    case 'step': return `new kd.optim.lrScheduler.StepLR(optimizer, ${p}, { gamma: ${num(g)} })`;
    case 'exponential': return `new kd.optim.lrScheduler.ExponentialLR(optimizer, ${num(g)} ** (1 / ${p}))`;
    case 'cosine': return `new kd.optim.lrScheduler.CosineAnnealingLR(optimizer, ${p})`;
    default: return null;
  }
}

export function pytorchCode(config, numClasses) {
  const layers = sequentialLayers(config, numClasses).map(([name, ...a]) => `    nn.${name}(${a.map(num).join(', ')}),`);
  const sched = pySchedule(config);
  const target = config.loss === 'ce' ? 'labels.long()  # class indices' : 'labels.float().unsqueeze(1)  # [N, 1], as the output';
  return `import torch
from torch import nn

torch.manual_seed(${config.seed})

def features(points):  # points: [N, 2] float tensor of (x1, x2)
    x1, x2 = points[:, 0], points[:, 1]
    return torch.stack([${config.features.map((f) => PY_FEATURE[f]).join(', ')}], dim=1)

model = nn.Sequential(
${layers.join('\n')}
)
loss_fn = nn.${LOSSES[config.loss]}()
optimizer = torch.optim.${PY_OPT[config.optimizer]}(model.parameters(), ${optimizerArgs(config, false)})
${sched ? `scheduler = ${sched}\n` : ''}
def targets(labels):  # labels: [N] tensor, as the loss takes them
    return ${target}

def train_step(points, labels):  # one minibatch of ${config.batchSize} points and their labels
    model.train()
    optimizer.zero_grad()
    loss = loss_fn(model(features(points)), targets(labels))
    ${config.l1 > 0 ? `l1 = sum(m.weight.abs().sum() for m in model if isinstance(m, nn.Linear))
    (loss + ${num(config.l1)} * l1).backward()  # the L1 penalty on the Linear weights` : 'loss.backward()'}
    optimizer.step()${sched ? '\n    scheduler.step()' : ''}
    return loss.item()
`;
}

export function kindlingCode(config, numClasses) {
  const layers = sequentialLayers(config, numClasses).map(([name, ...a]) => `  kd.nn.${name}(${a.map(num).join(', ')}),`);
  const sched = jsSchedule(config);
  const featureJs = config.features.map((f) => JS_FEATURE[f]).join(', ');
  const linears = sequentialLayers(config, numClasses).flatMap(([name], i) => (name === 'Linear' ? [i] : []));
  return `import kindling from 'kindling';
const kd = await kindling();
kd.manualSeed(${config.seed});

// each point (x1, x2) becomes [${config.features.map((f) => FEATURES[f][0]).join(', ')}]
const features = ([x1, x2]) => [${featureJs}];

const model = kd.nn.Sequential(
${layers.join('\n')}
);
const lossFn = kd.nn.${LOSSES[config.loss]}();
const optimizer = new kd.optim.${PY_OPT[config.optimizer]}(model.parameters(), ${optimizerArgs(config, true)});
${sched ? `const scheduler = ${sched};\n` : ''}
// points: an array of [x1, x2]; labels: numbers (${config.loss === 'ce' ? 'class indices' : config.loss === 'bce' ? '0 or 1' : 'targets'})
function trainStep(points, labels) {
  return kd.tidy(() => {
    optimizer.zeroGrad();
    const x = kd.tensor(points.map(features));
    const y = ${config.loss === 'ce' ? "kd.tensor(labels, { dtype: 'int64' })" : 'kd.tensor(labels.map((v) => [v]))'};
    const loss = lossFn.call(model.call(x), y);
    ${config.l1 > 0 ? `const l1 = [${linears.join(', ')}].map((i) => model.at(i).weight.abs().sum()).reduce((a, b) => a.add(b));
    loss.add(l1.mul(${num(config.l1)})).backward();  // the L1 penalty on the Linear weights` : 'loss.backward();'}
    optimizer.step();${sched ? '\n    scheduler.step();' : ''}
    return loss.item();
  });
}
`;
}
