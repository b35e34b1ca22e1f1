// How the trainer worker divides its time: training slices between looks at the message queue,
// and the shortest interval between two snapshots. Its own module so that the node benchmark
// (bench/playground.mjs) reproduces the worker's loop with the very same numbers.
export const SLICE_MS = 8;        // training time between two looks at the message queue
export const SNAPSHOT_MS = 80;    // at most ~12 snapshots a second, however fast training runs
