// "Export to PyTorch" for word2vec: the tables as model.safetensors and a standalone train.py
// that builds the same module (pytorchCode: inVectors/outVectors, the same options), loads
// the weights, evaluates a sample batch (its loss and the sample words' vectors) and can train on.
import { makeRng } from '../../lib/prng.js';
import { pytorchCode } from './codegen.js';
import { SAFETENSORS_PY } from '../safetensors_py.js';

// the sample batch comes from its own generator: exporting never shifts the run's random stream
const EXPORT_SAMPLE_SEED = 20261130;

/** The files of the export of a WordsRun: {'model.safetensors': Uint8Array, 'train.py': string}. */
export function exportFiles(kd, run, sample = run.batch(makeRng(EXPORT_SAMPLE_SEED))) {
  return {
    'model.safetensors': kd.tidy(() => kd.saveSafetensors(run.model.stateDict())).slice(),
    'train.py': pytorchProgram({ config: run.config, words: run.vocab.words, sample }),
  };
}

/** train.py for a configuration, with `sample` ({inputs, targets, negatives}: ids) embedded. */
export function pytorchProgram({ config, words, sample }) {
  const b = sample.targets.length;
  const inputShape = config.model === 'cbow' ? `(${b}, ${2 * config.window})` : `(${b},)`;
  return `#!/usr/bin/env python3
"""The Kindling playground's word2vec model as a PyTorch program (PyTorch 1.13 or later, with NumPy).

    python3 train.py                        # load model.safetensors (next to this file), evaluate the sample batch
    python3 train.py --print-json           # the same, as one JSON object
    python3 train.py --train-steps 100 --save trained.safetensors
                                            # then train on the sample batch and save the weights
"""
import argparse
import json
import math
from pathlib import Path

import numpy
${pytorchCode(config, words.length)}
# the vocabulary, in the order of the rows of both tables (row 0: padding)
WORDS = ${JSON.stringify(words)}

# A sample batch of the playground's training pairs, as word ids.
SAMPLE_INPUTS = torch.tensor(${JSON.stringify(sample.inputs)}, dtype=torch.int64).reshape${inputShape}
SAMPLE_TARGETS = torch.tensor(${JSON.stringify(sample.targets)}, dtype=torch.int64)
SAMPLE_NEGATIVES = torch.tensor(${JSON.stringify(sample.negatives)}, dtype=torch.int64).reshape(${b}, ${config.negatives})

${SAFETENSORS_PY}

def evaluate():
    """The loss on the sample batch and the input vectors of its target words, without training."""
    model.eval()
    with torch.no_grad():
        loss = model(SAMPLE_INPUTS, SAMPLE_TARGETS, SAMPLE_NEGATIVES).item()
    return loss, model.inVectors.weight[SAMPLE_TARGETS].tolist()


def nearest(word, k=5):
    """The k words whose input vectors are closest to word's by cosine similarity."""
    table = torch.nn.functional.normalize(model.inVectors.weight.detach(), dim=1)
    similarity = table @ table[WORDS.index(word)]
    order = similarity.argsort(descending=True).tolist()
    return [WORDS[i] for i in order if WORDS[i] != word and i != 0][:k]


def main():
    parser = argparse.ArgumentParser(description='The Kindling playground word2vec model in PyTorch.')
    parser.add_argument('weights', nargs='?', default=Path(__file__).with_name('model.safetensors'))
    parser.add_argument('--print-json', action='store_true', help='print one JSON object: the loss and vectors on the sample batch')
    parser.add_argument('--train-steps', type=int, default=0, metavar='N', help='then train N steps on the sample batch')
    parser.add_argument('--save', metavar='PATH', help='at the end, save the weights as safetensors (the playground loads them)')
    args = parser.parse_args()

    state_dict, reader = load_weights(args.weights)
    model.load_state_dict(state_dict, strict=True)
    loss, vectors = evaluate()
    result = {'reader': reader, 'loss': loss, 'vectors': vectors}
    losses = [train_step(SAMPLE_INPUTS, SAMPLE_TARGETS, SAMPLE_NEGATIVES) for _ in range(args.train_steps)]
    if losses:
        result['steps'] = losses
    if args.save:
        write_safetensors(model.state_dict(), args.save)
    if args.print_json:
        print(json.dumps(result))
        return
    print(f'{args.weights}: {len(state_dict)} tensors, read by {reader}; {len(WORDS) - 1} words')
    print(f'the sample batch of {len(SAMPLE_TARGETS)} pairs: loss {loss:.6f}')
    for word in WORDS[1:6]:
        print(f'  {word}: nearest {", ".join(nearest(word))}')
    for i, value in enumerate(losses):
        print(f'step {i + 1}: loss {value:.6g}')


if __name__ == '__main__':
    main()
`;
}
