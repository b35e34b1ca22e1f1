// A corpus with topics by construction: eight topics, each with its own nouns, verbs and
// adjectives, written into sentences by a handful of templates with shared function words,
// negation and an occasional word from another topic. Seeded: the same seed writes the same
// corpus. Every word's topic is known, so the projector can colour by it and a test can check
// that neighbours share a topic.
import { makeRng } from '../../lib/prng.js';

export const TOPICS = {
  animals: { nouns: ['cat', 'dog', 'horse', 'rabbit', 'tiger', 'lion', 'wolf', 'fox', 'bear', 'mouse', 'owl', 'deer'], verbs: ['hunts', 'sleeps', 'runs', 'growls'], adjectives: ['wild', 'furry', 'hungry'] },
  food: { nouns: ['bread', 'cheese', 'apple', 'soup', 'rice', 'pasta', 'cake', 'salad', 'butter', 'honey', 'pepper', 'onion'], verbs: ['tastes', 'cooks', 'bakes', 'melts'], adjectives: ['sweet', 'salty', 'fresh'] },
  music: { nouns: ['guitar', 'piano', 'drum', 'violin', 'song', 'melody', 'chord', 'rhythm', 'choir', 'trumpet', 'flute', 'concert'], verbs: ['plays', 'sings', 'echoes', 'tunes'], adjectives: ['loud', 'melodic', 'harmonic'] },
  sports: { nouns: ['football', 'tennis', 'goal', 'referee', 'stadium', 'match', 'team', 'coach', 'racket', 'league', 'score', 'athlete'], verbs: ['wins', 'scores', 'trains', 'kicks'], adjectives: ['fast', 'fit', 'competitive'] },
  space: { nouns: ['planet', 'star', 'galaxy', 'rocket', 'orbit', 'comet', 'moon', 'telescope', 'asteroid', 'nebula', 'astronaut', 'satellite'], verbs: ['orbits', 'launches', 'shines', 'drifts'], adjectives: ['distant', 'cosmic', 'stellar'] },
  weather: { nouns: ['rain', 'storm', 'cloud', 'snow', 'thunder', 'wind', 'fog', 'hail', 'sunshine', 'drizzle', 'frost', 'breeze'], verbs: ['falls', 'blows', 'clears', 'pours'], adjectives: ['cold', 'humid', 'stormy'] },
  computers: { nouns: ['keyboard', 'server', 'compiler', 'kernel', 'database', 'network', 'processor', 'memory', 'browser', 'program', 'pixel', 'cache'], verbs: ['computes', 'crashes', 'compiles', 'boots'], adjectives: ['digital', 'binary', 'virtual'] },
  ocean: { nouns: ['wave', 'shark', 'coral', 'tide', 'whale', 'reef', 'harbor', 'sailor', 'anchor', 'dolphin', 'seaweed', 'lighthouse'], verbs: ['swims', 'sails', 'dives', 'floats'], adjectives: ['deep', 'salty', 'tidal'] },
};
// 'salty' belongs to two topics on purpose: an ambiguous word lands between its clusters.

const FUNCTION_WORDS = ['the', 'a', 'and', 'is', 'near', 'with', 'of', 'not', 'very', 'every'];

const TEMPLATES = [
  (t, r) => ['the', pick(r, t.adjectives), pick(r, t.nouns), pick(r, t.verbs), 'near', 'the', pick(r, t.nouns)],
  (t, r) => ['a', pick(r, t.nouns), 'and', 'a', pick(r, t.nouns), pick(r, t.verbs)],
  (t, r) => ['the', pick(r, t.nouns), 'is', 'not', pick(r, t.adjectives)],
  (t, r) => ['every', pick(r, t.nouns), pick(r, t.verbs), 'with', 'the', 'very', pick(r, t.adjectives), pick(r, t.nouns)],
  (t, r) => ['the', pick(r, t.nouns), 'of', 'the', pick(r, t.nouns), 'is', pick(r, t.adjectives)],
];
const pick = (rng, list) => list[rng.int(list.length)];

/** {sentences: string[][], topicOf: Map<word, topic | 'function'>} */
export function generateCorpus({ sentences: count, corpusSeed, crossTopic = 0.05 }) {
  const rng = makeRng(corpusSeed);
  const names = Object.keys(TOPICS);
  const sentences = [];
  for (let i = 0; i < count; i++) {
    const topic = TOPICS[names[i % names.length]];
    const words = TEMPLATES[rng.int(TEMPLATES.length)](topic, rng);
    // now and then a word from another topic: real text is never clean
    if (rng.next() < crossTopic) {
      const other = TOPICS[names[rng.int(names.length)]];
      words[words.length - 1] = pick(rng, other.nouns);
    }
    sentences.push(words);
  }
  return { sentences, topicOf: topicMap() };
}

export function topicMap() {
  const topicOf = new Map(FUNCTION_WORDS.map((w) => [w, 'function']));
  for (const [name, t] of Object.entries(TOPICS)) for (const w of [...t.nouns, ...t.verbs, ...t.adjectives]) if (!topicOf.has(w)) topicOf.set(w, name);
  return topicOf;
}

/** Sentences from a text file: lower-cased words, one sentence per line or per . ! ? */
export function sentencesFromText(text, { maxBytes = 8 << 20 } = {}) {
  if (typeof text !== 'string') throw new Error('The file is not text.');
  if (text.length > maxBytes) throw new Error(`The text has ${text.length.toLocaleString('en-US')} characters; the limit is ${maxBytes.toLocaleString('en-US')}.`);
  const sentences = text.toLowerCase().split(/[.!?\n]+/).map((s) => s.match(/[a-z']+/g) ?? []).filter((s) => s.length >= 2);
  if (sentences.length < 10) throw new Error(`The text has ${sentences.length} sentences of two words or more; at least 10 are needed.`);
  return sentences;
}
