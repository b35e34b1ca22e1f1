// "Export to PyTorch" for a preset: model.safetensors (the state_dict) and a standalone
// train.py. The preset gives its model and training code (its codegen's pytorchCode), a sample
// of its data as Python constants, and two functions: evaluate() → {name: outputs} on the
// sample, and train_on_sample(steps) → [losses]. This file adds the safetensors reader and the
// command line that is the same for every preset.

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
SAFETENSORS_DTYPES = {'F32': '<f4', 'F64': '<f8', 'I32': '<i4', 'I64': '<i8', 'BOOL': '|b1'}


def read_safetensors(path):
    """{name: tensor} from a safetensors file: an 8-byte little-endian length n, n bytes of
    JSON {name: {"dtype", "shape", "data_offsets": [begin, end]}}, then the raw little-endian
    data, the offsets counted from its start."""
    data = Path(path).read_bytes()
    n = int.from_bytes(data[:8], 'little')
    if len(data) < 8 or 8 + n > len(data):
        raise ValueError(f'{path}: the header runs past the end of the file ({len(data)} bytes)')
    header = json.loads(data[8:8 + n])
    header.pop('__metadata__', None)
    tensors = {}
    for name, entry in header.items():
        if entry['dtype'] not in SAFETENSORS_DTYPES:
            raise ValueError(f'{path}: tensor {name!r} is {entry["dtype"]}; this reader knows {", ".join(SAFETENSORS_DTYPES)}')
        dtype = numpy.dtype(SAFETENSORS_DTYPES[entry['dtype']])
        begin, end = entry['data_offsets']
        count = math.prod(entry['shape'])
        if end - begin != count * dtype.itemsize or 8 + n + end > len(data):
            raise ValueError(f'{path}: tensor {name!r}: data_offsets {[begin, end]} do not hold its shape {entry["shape"]}')
        values = numpy.frombuffer(data, dtype, count, 8 + n + begin).reshape(entry['shape'])
        tensors[name] = torch.from_numpy(values.astype(dtype.newbyteorder('=')))
    return tensors


def write_safetensors(tensors, path):
    """Writes {name: tensor} in the format read_safetensors reads."""
    names = {numpy.dtype(t): name for name, t in SAFETENSORS_DTYPES.items()}
    header, chunks, offset = {}, [], 0
    for name, tensor in tensors.items():
        values = tensor.detach().cpu().contiguous().numpy()
        values = values.astype(values.dtype.newbyteorder('<'))
        chunk = values.tobytes()
        header[name] = {'dtype': names[values.dtype], 'shape': list(values.shape), 'data_offsets': [offset, offset + len(chunk)]}
        chunks.append(chunk)
        offset += len(chunk)
    text = json.dumps(header, separators=(',', ':')).encode()
    text += b' ' * (-len(text) % 8)  # the data starts 8-byte aligned
    Path(path).write_bytes(len(text).to_bytes(8, 'little') + text + b''.join(chunks))


def load_weights(path):
    try:
        from safetensors.torch import load_file
    except ImportError:
        return read_safetensors(path), 'read_safetensors in train.py'
    return load_file(path), 'safetensors.torch'


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
