// The attention preset's data: short movie-review sentences generated from a seeded grammar,
// labelled positive or negative, and the tokenizer shared by the dataset and the text box.
// A sentence is "<subject> <verb> [negation] [intensifier] <adjective> [tail]", sometimes
// after an opener. The adjective decides the label; a negation flips it; an intensifier only
// strengthens it. Every sentence is padded with token 0 to MAX_LEN.
import { makeRng } from '../../lib/prng.js';

export const PAD = 0;
export const UNK = 1;
export const MAX_LEN = 14;
export const CLASSES = ['negative', 'positive'];

const OPENERS = [['honestly'], ['overall'], ['i', 'think'], ['to', 'be', 'fair'], ['in', 'the', 'end']];
const SUBJECTS = [['the', 'movie'], ['this', 'film'], ['the', 'plot'], ['the', 'acting'], ['the', 'ending'],
  ['the', 'music'], ['the', 'script'], ['the', 'cast'], ['this', 'story'], ['the', 'dialogue']];
const VERBS = ['was', 'is', 'felt', 'seemed', 'looked'];
const NEGATIONS = [['not'], ['never'], ['hardly']];
const INTENSIFIERS = ['very', 'really', 'truly', 'extremely', 'so', 'quite'];
export const POSITIVE = ['good', 'great', 'wonderful', 'brilliant', 'charming', 'fun', 'moving', 'clever', 'superb'];
export const NEGATIVE = ['bad', 'boring', 'awful', 'dull', 'terrible', 'weak', 'clumsy', 'bland', 'painful'];
const TAILS = [['to', 'me'], ['at', 'times'], ['from', 'start', 'to', 'finish'], ['for', 'a', 'sequel'], ['as', 'usual']];

/** index → word: padding, unknown, then every word the grammar can produce. */
export const VOCAB = ['<pad>', '<unk>', ...new Set([OPENERS, SUBJECTS, VERBS, NEGATIONS, INTENSIFIERS, POSITIVE, NEGATIVE, TAILS].flat(2))];
const INDEX = new Map(VOCAB.map((w, i) => [w, i]));

/** Lower-case words of a typed sentence (punctuation dropped), each word's token id. */
export function tokenize(text) {
  const words = text.toLowerCase().match(/[a-z']+/g) ?? [];
  return { words, ids: words.map((w) => INDEX.get(w) ?? UNK) };
}

/** Token ids padded with PAD (or cut) to MAX_LEN. */
export const pad = (ids) => Array.from({ length: MAX_LEN }, (_, i) => ids[i] ?? PAD);

/**
 * `count` sentences from `seed`; the last testPct% are held out. Returns {sentences: [words],
 * ids: Int32Array [count, MAX_LEN], labels: Int32Array, negated: Uint8Array, numTrain}.
 * Lengths vary from 4 to MAX_LEN words, so every batch holds padding of different lengths.
 */
export function makeSentences({ sentences: count, dataSeed, trainPct }) {
  const rng = makeRng(dataSeed);
  const pick = (list) => list[rng.int(list.length)];
  const chance = (p) => rng.next() < p;
  const out = { sentences: [], ids: new Int32Array(count * MAX_LEN), labels: new Int32Array(count), negated: new Uint8Array(count) };
  for (let i = 0; i < count; i++) {
    const positive = chance(0.5);
    const negated = chance(0.25);
    const words = [
      ...(chance(0.3) ? pick(OPENERS) : []),
      ...pick(SUBJECTS), pick(VERBS),
      ...(negated ? pick(NEGATIONS) : []),
      ...(chance(0.35) ? [pick(INTENSIFIERS)] : []),
      pick(positive ? POSITIVE : NEGATIVE),
      ...(chance(0.3) ? pick(TAILS) : []),
    ];
    out.sentences.push(words.join(' '));
    out.ids.set(pad(words.map((w) => INDEX.get(w))), i * MAX_LEN);
    out.labels[i] = positive !== negated ? 1 : 0;
    out.negated[i] = negated ? 1 : 0;
  }
  out.numTrain = Math.round((count * trainPct) / 100);
  return out;
}
