// The optimizer and LR scheduler of a scheduler row of tests/fixtures/optim/optim_golden.json
// (tests/fixtures/optim/generate_optim.py builds the same in torch), shared by optim.test.mjs
// (the lr sequences) and checkpoint.test.mjs (stateDict and resuming).
const camel = (k) => (k === 'T_max' ? 'TMax' : k.replace(/_([a-z])/g, (_, c) => c.toUpperCase()));
const camelKeys = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [camel(k), v]));

/** {opt, sched, dispose}: two groups ([a] with the defaults, [b] with lr 0.05) and the row's scheduler. */
export function fixtureScheduler(kd, c) {
  const a = new kd.nn.Parameter(kd.zeros(2));
  const b = new kd.nn.Parameter(kd.zeros(2));
  const groups = [{ params: [a] }, { params: [b], lr: 0.05 }];
  const opt = c.optimizer === 'sgd' ? new kd.optim.SGD(groups, { lr: 0.1, momentum: 0.9 }) : new kd.optim.Adam(groups, { lr: 0.1 });
  const S = kd.optim.lrScheduler;
  const spec = camelKeys(c.spec ?? {});
  let sched;
  switch (c.name) {
    case 'step': sched = new S.StepLR(opt, spec.stepSize, { gamma: spec.gamma }); break;
    case 'multistep': sched = new S.MultiStepLR(opt, spec.milestones, { gamma: spec.gamma }); break;
    case 'exponential': sched = new S.ExponentialLR(opt, spec.gamma); break;
    case 'cosine': sched = new S.CosineAnnealingLR(opt, spec.TMax, { etaMin: spec.etaMin }); break;
    case 'linear': sched = new S.LinearLR(opt, { startFactor: spec.startFactor, endFactor: spec.endFactor, totalIters: spec.totalIters }); break;
    case 'lambda': sched = new S.LambdaLR(opt, (e) => 0.95 ** e + 0.01 * e); break;
    default: {
      const { maxLr, anneal, ...rest } = spec;
      sched = new S.OneCycleLR(opt, maxLr.length === 1 ? maxLr[0] : maxLr, { ...rest, ...(anneal ? { annealStrategy: anneal } : {}) });
    }
  }
  return { opt, sched, dispose: () => { sched.dispose(); opt.dispose(); a.dispose(); b.dispose(); } };
}
