// "Export to PyTorch": the run's weights as model.safetensors and a standalone train.py that
// builds the same nn.Sequential (pytorchCode: the same parameter names, loss, optimizer and
// schedule), loads the weights, evaluates a sample batch of the data and can train on.
import { pytorchCode } from './codegen.js';
import { SAFETENSORS_PY } from '../safetensors_py.js';

const SAMPLE_SIZE = 8;

/**
 * The points exported with the model, as {points: [[x1, x2], ...], labels: [...]}: the first
 * test points, or the first training points when there are no test points.
 */
export function exportSample(data) {
  const rows = (test) => [...data.isTest.keys()].filter((i) => (data.isTest[i] === 1) === test);
  const testRows = rows(true);
  const chosen = (testRows.length > 0 ? testRows : rows(false)).slice(0, SAMPLE_SIZE);
  return {
    points: chosen.map((i) => [data.points[2 * i], data.points[2 * i + 1]]),
    labels: chosen.map((i) => data.labels[i]),
  };
}

/** The files of the export of a Classify2dRun: {'model.safetensors': Uint8Array, 'train.py': string}. */
export function exportFiles(kd, run) {
  const { config, data, model } = run;
  return {
    // stateDict() makes aliases of the weights: the tidy frees them, the bytes stay
    'model.safetensors': kd.tidy(() => kd.saveSafetensors(model.stateDict())),
    'train.py': pytorchProgram({ config, numClasses: data.numClasses, sample: exportSample(data) }),
  };
}

/** The text of train.py for a configuration; `sample` ({points, labels}) is embedded in it. */
export function pytorchProgram({ config, numClasses, sample }) {
  return `#!/usr/bin/env python3
"""The Kindling playground's model as a PyTorch program (PyTorch 1.13 or later, with NumPy).

    python3 train.py                        # load model.safetensors (next to this file), evaluate the sample batch
    python3 train.py weights.safetensors    # load other weights
    python3 train.py --print-json           # the same, as one JSON object
    python3 train.py --train-steps 200 --save trained.safetensors
                                            # then train on the sample batch and save the weights

The weights are read by safetensors.torch when it is installed, else by read_safetensors
below. Training starts a fresh optimizer with the playground's settings: the optimizer's state
(momentum, Adam's averages) and the schedule's position are not in model.safetensors. A file
saved with --save loads back into the playground.
"""
import argparse
import json
import math
from pathlib import Path

import numpy
${pytorchCode(config, numClasses)}
# A sample of the playground's data: points (x1, x2) and their labels.
SAMPLE_POINTS = ${JSON.stringify(sample.points)}
SAMPLE_LABELS = ${JSON.stringify(sample.labels)}
BATCH_SIZE = min(${config.batchSize}, len(SAMPLE_POINTS))
${PROGRAM_TAIL}`;
}

// The part of train.py that is the same for every configuration.
const PROGRAM_TAIL = `
${SAFETENSORS_PY}
def evaluate(points):
    """The outputs in eval mode: Dropout off, BatchNorm on its running statistics."""
    model.eval()
    with torch.no_grad():
        return model(features(points))


def main():
    parser = argparse.ArgumentParser(description='The Kindling playground model in PyTorch: load its weights, evaluate the sample batch, train on.')
    parser.add_argument('weights', nargs='?', default=Path(__file__).with_name('model.safetensors'),
                        help='the safetensors file to load (default: model.safetensors next to this script)')
    parser.add_argument('--print-json', action='store_true',
                        help="print one JSON object: the outputs and loss on the sample batch; with --train-steps each step's rows and loss, and the outputs after training")
    parser.add_argument('--train-steps', type=int, default=0, metavar='N',
                        help=f'then train N steps on minibatches of {BATCH_SIZE} rows of the sample batch, reshuffled each pass')
    parser.add_argument('--save', metavar='PATH', help='at the end, save the weights as safetensors (the playground loads them)')
    args = parser.parse_args()
    if args.train_steps > 0 and not SAMPLE_POINTS:
        parser.error('--train-steps: the playground had no points, so there is no sample batch to train on')

    state_dict, reader = load_weights(args.weights)
    model.load_state_dict(state_dict, strict=True)
    points = torch.tensor(SAMPLE_POINTS, dtype=torch.float32).reshape(-1, 2)
    labels = torch.tensor(SAMPLE_LABELS, dtype=torch.float32)
    outputs = evaluate(points)
    loss = loss_fn(outputs, targets(labels)).item() if SAMPLE_POINTS else None  # the mean of nothing is no loss
    result = {'reader': reader, 'outputs': outputs.tolist(), 'loss': loss}

    steps, order = [], []
    for _ in range(args.train_steps):
        if len(order) < BATCH_SIZE:
            order += torch.randperm(len(points)).tolist()
        rows, order = order[:BATCH_SIZE], order[BATCH_SIZE:]
        steps.append({'rows': rows, 'loss': train_step(points[rows], labels[rows])})
    if steps:
        result['steps'] = steps
        result['trained_outputs'] = evaluate(points).tolist()
    if args.save:
        write_safetensors(model.state_dict(), args.save)

    if args.print_json:
        print(json.dumps(result))
        return
    print(f'{args.weights}: {len(state_dict)} tensors, read by {reader}')
    print(f'the sample batch of {len(SAMPLE_POINTS)} points, eval mode: loss {loss}')
    for point, label, output in zip(SAMPLE_POINTS, SAMPLE_LABELS, result['outputs']):
        print(f'  ({point[0]:+.4f}, {point[1]:+.4f})  label {label:.4g}  output {", ".join(f"{v:+.5f}" for v in output)}')
    for i, step in enumerate(steps):
        print(f'step {i + 1}: loss {step["loss"]:.6g}')
    if args.save:
        print(f'saved the weights to {args.save}')


if __name__ == '__main__':
    main()
`;
