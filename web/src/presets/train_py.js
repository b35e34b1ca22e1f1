// "Export to PyTorch" for a preset: model.safetensors (the state_dict) and a standalone
// train.py. The preset gives its model and training code (its codegen's pytorchCode), a sample
// of its data as Python constants, and two functions: evaluate() → {name: outputs} on the
// sample, and train_on_sample(steps) → [losses]. This file adds the safetensors reader
// (safetensors_py.js) and a command line; the attention and char-RNN presets use it.
import { SAFETENSORS_PY } from './safetensors_py.js';

/** {'model.safetensors': bytes, 'train.py': text} for a model and the program text. */
export function exportFiles(kd, model, program) {
  // stateDict() makes aliases of the weights: the tidy frees them, the bytes stay
  return { 'model.safetensors': kd.tidy(() => kd.saveSafetensors(model.stateDict())), 'train.py': program };
}

/** The text of train.py: `title` (one line), `code` (modules, loss, optimizer, train_step), `sample` and `run` (Python). */
export function trainPy({ title, code, sample, run }) {
  return `#!/usr/bin/env python3
"""${title}, exported from the Kindling playground (PyTorch 1.13 or later).

    python3 train.py                       # load model.safetensors (next to this file), evaluate the sample
    python3 train.py weights.safetensors   # load other weights
    python3 train.py --print-json          # the same, as one JSON object
    python3 train.py --train-steps 200 --save trained.safetensors
                                           # then train on the sample and save the weights

The weights are read by safetensors.torch when it is installed, else by read_safetensors
below. Training starts a fresh optimizer with the playground's settings: the optimizer's
state (momentum, Adam's averages) is not in model.safetensors. A file saved with --save
loads back into the playground (Inspector, "Load state_dict").
"""
import argparse
import json
import math
from pathlib import Path

import numpy
${code}
# ---- a sample of the playground's data ----
${sample}
# ---- evaluating and training on the sample ----
${run}
# ---- reading and writing safetensors ----
${SAFETENSORS_PY}

def main():
    parser = argparse.ArgumentParser(description='Load the playground weights, evaluate the sample, train on.')
    parser.add_argument('weights', nargs='?', default=Path(__file__).with_name('model.safetensors'),
                        help='the safetensors file to load (default: model.safetensors next to this script)')
    parser.add_argument('--print-json', action='store_true', help='print one JSON object: the outputs on the sample (and the losses of training)')
    parser.add_argument('--train-steps', type=int, default=0, metavar='N', help='then train N optimizer steps on the sample')
    parser.add_argument('--save', metavar='PATH', help='at the end, save the weights as safetensors (the playground loads them)')
    args = parser.parse_args()

    state_dict, reader = load_weights(args.weights)
    model.load_state_dict(state_dict, strict=True)
    result = {'reader': reader, 'outputs': evaluate()}
    if args.train_steps > 0:
        result['losses'] = train_on_sample(args.train_steps)
        result['trained_outputs'] = evaluate()
    if args.save:
        write_safetensors(model.state_dict(), args.save)
    if args.print_json:
        print(json.dumps(result))
        return
    print(f'weights: {args.weights} (read by {reader})')
    for name, value in result['outputs'].items():
        print(f'{name}: {value}')
    for i, loss in enumerate(result.get('losses', []), 1):
        print(f'step {i}: loss {loss:.6f}')
    if args.save:
        print(f'saved the weights to {args.save}')


if __name__ == '__main__':
    main()
`;
}
