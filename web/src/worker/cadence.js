// How the trainer worker divides its time: training slices between looks at the message queue,
// and snapshots at a pace set by what they cost. Its own module so that the benchmark
// (bench/playground.mjs) reproduces the worker's loop with the very same rule.
export const SLICE_MS = 8;  // training time between two looks at the message queue

// A snapshot's cost grows with the model: the decision surface runs through every layer and
// each hidden unit gets a map. On a loaded 2-core machine it took ~8 ms for the default
// 2-4-2-1 net (10% of the time at one snapshot every 80 ms) and ~100 ms for 8 layers of 64
// (over half). So the next snapshot waits until the last one's cost is at most SNAPSHOT_SHARE
// of the time between their starts; never sooner than SNAPSHOT_MIN_MS (views need no more
// than ~12 a second) and never later than SNAPSHOT_MAX_MS (they must still look live).
export const SNAPSHOT_SHARE = 0.05;
export const SNAPSHOT_MIN_MS = 80;
export const SNAPSHOT_MAX_MS = 500;

/** The time from the start of one snapshot to the start of the next, given what it cost. */
export const snapshotInterval = (costMs) => Math.min(SNAPSHOT_MAX_MS, Math.max(SNAPSHOT_MIN_MS, costMs / SNAPSHOT_SHARE));
