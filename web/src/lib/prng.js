// A small seeded generator for data and shuffling (mulberry32): the same seed gives the same
// dataset and batch order in every browser and in node. Model initialisation and dropout draw
// from Kindling's own generator (kd.manualSeed), so a run is reproducible end to end.

export function makeRng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    /** uniform in [0, 1) */
    next,
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    /** standard normal (Box–Muller; one of the pair is dropped to keep the stream simple) */
    normal: (mean = 0, std = 1) => {
      const u = 1 - next();
      const v = next();
      return mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
    int: (n) => Math.floor(next() * n),
    /** Fisher–Yates, in place */
    shuffle: (array) => {
      for (let i = array.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [array[i], array[j]] = [array[j], array[i]];
      }
      return array;
    },
  };
}
