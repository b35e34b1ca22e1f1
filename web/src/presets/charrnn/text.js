// The char-RNN's text: the two public-domain texts Debian's miscfiles installs
// (/usr/share/state/us-*.gz, unpacked into web/public/texts/ by `make build`), or a file the
// user drops, checked here (in the worker) so a bad file is refused with a reason and the
// current model stays. The alphabet is the text's own characters, sorted.

export const BUNDLED = {
  constitution: { label: 'US Constitution', file: 'us-constitution.txt' },
  declaration: { label: 'Declaration of Independence', file: 'us-declaration.txt' },
};

export const MAX_TEXT_BYTES = 2 * 1024 * 1024;
export const MIN_CHARS = 500;
export const MAX_ALPHABET = 160;
export const VALIDATION_SHARE = 0.1;

/** Line endings made \n, trailing spaces dropped: the model learns the text, not the file. */
export const cleanText = (raw) => raw.replace(/\r\n?/g, '\n').replace(/[ \t]+\n/g, '\n');

/**
 * {text, alphabet, ids: Int32Array, numTrain} from text that passed the checks; the last
 * VALIDATION_SHARE of the characters are held out for the validation loss.
 */
export function prepareText(raw, name) {
  const text = cleanText(raw);
  const alphabet = [...new Set(text)].sort();
  const index = new Map(alphabet.map((c, i) => [c, i]));
  const ids = Int32Array.from(text, (c) => index.get(c));
  return { name, text, alphabet, ids, numTrain: Math.floor(ids.length * (1 - VALIDATION_SHARE)) };
}

/** A dropped file's bytes → prepareText's result, or an Error whose message says what is wrong. */
export function parseTextFile(bytes, name) {
  if (bytes.byteLength > MAX_TEXT_BYTES) {
    throw new RangeError(`It is ${(bytes.byteLength / 1048576).toFixed(1)} MB; the limit is ${MAX_TEXT_BYTES / 1048576} MB.`);
  }
  let raw;
  try {
    raw = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new TypeError('It is not UTF-8 text (is it a binary file, or another encoding?).');
  }
  if (raw.includes('\0')) throw new TypeError('It holds NUL bytes: it looks like a binary file, not text.');
  const chars = [...cleanText(raw)].length;
  if (chars < MIN_CHARS) throw new RangeError(`It has ${chars} characters; at least ${MIN_CHARS} are needed to learn from.`);
  const prepared = prepareText(raw, name);
  if (prepared.alphabet.length > MAX_ALPHABET) {
    throw new RangeError(`It uses ${prepared.alphabet.length} different characters; at most ${MAX_ALPHABET} are allowed (the output layer has one logit per character).`);
  }
  return prepared;
}
