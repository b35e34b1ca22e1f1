// The playground worker's training loop without the worker's messaging: slices of SLICE_MS of
// optimizer steps and, when asked, after a slice the snapshot work of the page's visible views
// (the preset's and the inspector's) at the pace its cost allows (snapshotInterval), as
// web/src/worker/trainer.worker.js does. No browser or node API: bench/playground.mjs runs it
// in node and, through bench/playground_worker.mjs, in a bare Web Worker of the same Chromium
// as the page.
import { createPresetWorker } from '../web/src/presets/classify2d/worker.js';
import { SLICE_MS, SNAPSHOT_MIN_MS, snapshotInterval } from '../web/src/worker/cadence.js';
import { Inspector } from '../web/src/worker/inspector.js';

// The views the page shows while training: the preset's (presets/classify2d/ui/Preset.svelte)
// and the inspector with its first parameter selected (views/Inspector.svelte).
const VIEWS = { surface: true, network: true, inspector: true };

function trainFor(kd, run, ms, snapshots) {
  const { preset, inspector } = run;
  let steps = 0, snapshotCount = 0, snapshotMs = 0;
  const t0 = performance.now();
  let lastSnapshot = t0;
  let snapshotEvery = SNAPSHOT_MIN_MS;
  let now = t0;
  while (now - t0 < ms) {
    const slice = performance.now();
    while (performance.now() - slice < SLICE_MS) { preset.step(); steps++; run.step++; }
    now = performance.now();
    if (snapshots && now - lastSnapshot >= snapshotEvery) {
      lastSnapshot = now;
      preset.snapshot({ ...VIEWS, selected: run.selected });
      inspector.snapshot(run.step, run.selected);
      kd.memory();  // the worker sends it with every snapshot
      now = performance.now();
      snapshotEvery = snapshotInterval(now - lastSnapshot);
      snapshotMs += now - lastSnapshot;
      snapshotCount++;
    }
  }
  return {
    steps,
    stepsPerSecond: (steps * 1000) / (now - t0),
    snapshotMs: snapshotCount ? snapshotMs / snapshotCount : NaN,  // mean time of one snapshot
    snapshotShare: snapshotMs / (now - t0),                       // the share of time they took
  };
}

/**
 * A fresh run of `config`, trained for warmupMs, then measured for measureMs; mark('start') and
 * mark('end') are called right around the measured part (the caller reads CPU time there).
 */
export function measureTraining(kd, config, { snapshots, warmupMs, measureMs, mark = () => {} }) {
  const preset = createPresetWorker(kd);
  preset.configure(config);
  preset.reset();
  const inspector = new Inspector(kd);
  inspector.attach(preset.model(), preset.optimizer());
  const [[selected]] = preset.model().namedParameters();
  const run = { preset, inspector, selected, step: 0 };
  trainFor(kd, run, warmupMs, snapshots);
  mark('start');
  const result = trainFor(kd, run, measureMs, snapshots);
  mark('end');
  preset.reset();  // frees the measured run; what stays is a fresh untrained one (a few kB)
  return result;
}
