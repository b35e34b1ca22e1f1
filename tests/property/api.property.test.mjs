// Property-based tests of the whole JS API (fast-check): arbitrary JS values — numbers
// including NaN, ±Infinity, -0 and huge ones, strings, null/undefined, bigints, symbols,
// functions, nested and ragged arrays, typed arrays, objects with odd prototypes, options
// objects, disposed tensors and tensors of every dtype and shape — fed to every public
// function and method. For each call:
//   - it returns, or it throws a kd.KindlingError subclass or a JS TypeError, with a message
//     (never a bare number, never another kind of error, never an abort);
//   - when it throws, its arguments are as they were and kd.memory() is unchanged;
//   - afterwards the module still works (and grad mode and anomaly mode are as they were).
//
// Bounded and seeded in `make test`; `make test-property-long` runs many more cases. Set
// KD_PROPERTY_RUNS / KD_PROPERTY_SEED to change them; a failure prints its seed and path.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import fc from 'fast-check';

import kindling from '../../bindings/npm/dist/node.mjs';
import { FC_OPTIONS, RUNS, snapshot } from './common.mjs';

// ---- arbitrary values, as recipes (tensors and modules are made inside the run) ----

const specialNumber = fc.constantFrom(NaN, Infinity, -Infinity, -0, 0, 1, -1, 2, 3, 0.5, -2.5, 1e-300,
  2 ** 31, 2 ** 32, 2 ** 53, -(2 ** 53), 1e308, -1e308, Number.MAX_VALUE, Number.MIN_VALUE);
const smallInt = fc.integer({ min: -4, max: 8 });
const word = fc.constantFrom('float32', 'int64', 'bool', 'mean', 'sum', 'none', 'relu', 'tanh', 'linear',
  'weight', 'bias', '0.weight', 'lr', 'params', 'auto', '', 'nan', '__proto__', 'constructor');
const scalar = fc.oneof(
  { weight: 4, arbitrary: smallInt },
  { weight: 3, arbitrary: specialNumber },
  { weight: 1, arbitrary: fc.double({ noDefaultInfinity: false }) },
  { weight: 2, arbitrary: fc.boolean() },
  { weight: 2, arbitrary: word },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
  { weight: 1, arbitrary: fc.constantFrom(null, undefined) },
  { weight: 1, arbitrary: fc.bigInt({ min: -5n, max: 5n }) },
);

const shapeArb = fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 4 });
const tensorRecipe = fc.record({
  $tensor: fc.constant(true),
  shape: shapeArb,
  dtype: fc.constantFrom('float32', 'int64', 'bool'),
  fill: fc.constantFrom('ramp', 'special', 'zeros', 'indices'),
  layout: fc.constantFrom('contiguous', 'contiguous', 'transposed', 'expanded', 'narrowed'),
  requiresGrad: fc.boolean(),
  disposed: fc.boolean(),
});
const typedRecipe = fc.record({
  $typed: fc.constantFrom('Float32Array', 'Float64Array', 'Int32Array', 'Uint8Array', 'Int8Array', 'BigInt64Array', 'DataView'),
  length: fc.integer({ min: 0, max: 6 }),
});
const oddRecipe = fc.record({
  $odd: fc.constantFrom('nullProto', 'arrayLike', 'classInstance', 'getterThrows', 'symbol', 'function', 'throwingFunction',
    'asyncFunction', 'date', 'map', 'set', 'promise', 'proxy', 'boxedNumber', 'frozenArray', 'iterableOfTensors'),
});
const moduleRecipe = fc.record({ $module: fc.constantFrom('Linear', 'Embedding', 'Sequential', 'GRU', 'BatchNorm1d') });

const { value: valueArb } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 6, arbitrary: scalar },
    { weight: 4, arbitrary: tensorRecipe },
    { weight: 2, arbitrary: tie('array') },
    { weight: 2, arbitrary: tie('object') },
    { weight: 1, arbitrary: typedRecipe },
    { weight: 1, arbitrary: oddRecipe },
    { weight: 1, arbitrary: moduleRecipe },
  ),
  // Nested arrays, ragged or not: rows of numbers, rows of rows, mixed.
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.dictionary(
    fc.constantFrom('dtype', 'requiresGrad', 'shape', 'dim', 'keepdim', 'lr', 'momentum', 'betas', 'weightDecay',
      'reduction', 'paddingIdx', 'maxNorm', 'bias', 'batchFirst', 'numLayers', 'p', 'alpha', 'eps', 'params',
      'ignoreIndex', 'weight', 'header', 'format', 'mode', 'nonlinearity', 'inplace', 'min', 'max', 'value'),
    tie('value'), { maxKeys: 3 }).map((o) => ({ $object: o })),
}));

// ---- making the values ----

// What the user's own code (a getter, a callback) throws: it reaches the caller as it is.
class UserCodeError extends Error {}

function makeTensor(kd, r) {
  const numel = r.shape.reduce((a, b) => a * b, 1);
  const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, 1e30, -3];
  let values = Array.from({ length: numel }, (_, i) => {
    if (r.fill === 'ramp') return i * 0.37 - 1;
    if (r.fill === 'special') return SPECIAL[i % SPECIAL.length];
    if (r.fill === 'indices') return i % 3;
    return 0;
  });
  if (r.dtype === 'int64') values = values.map((v) => (Number.isSafeInteger(Math.trunc(v)) ? Math.trunc(v) : 1));
  if (r.dtype === 'bool') values = values.map((v) => v !== 0);
  let t = kd.tensor(values, { shape: r.shape, dtype: r.dtype });
  if (r.layout === 'transposed' && r.shape.length >= 2) t = t.transpose(0, r.shape.length - 1);
  else if (r.layout === 'expanded') t = t.unsqueeze(0).expand([2, ...r.shape]);
  else if (r.layout === 'narrowed' && r.shape.length >= 1 && r.shape[0] >= 1) t = t.narrow(0, 0, r.shape[0] - 1);
  if (r.requiresGrad && r.dtype === 'float32' && t.isContiguous()) t.requiresGrad_(true);
  if (r.disposed) t.dispose();
  return t;
}

function makeModule(kd, kind) {
  switch (kind) {
    case 'Linear': return kd.nn.Linear(3, 2);
    case 'Embedding': return kd.nn.Embedding(5, 3, { paddingIdx: 0 });
    case 'Sequential': return kd.nn.Sequential(kd.nn.Linear(2, 4), kd.nn.ReLU(), kd.nn.Dropout(0.5), kd.nn.Linear(4, 2));
    case 'GRU': return kd.nn.GRU(2, 3);
    default: return kd.nn.BatchNorm1d(3);
  }
}

function makeOdd(kd, kind, made) {
  switch (kind) {
    case 'nullProto': return Object.assign(Object.create(null), { lr: 0.1, dtype: 'float32' });
    case 'arrayLike': return { length: 2, 0: 1, 1: 2 };
    case 'classInstance': return new (class Options { constructor() { this.lr = 0.1; } })();
    case 'getterThrows': return Object.defineProperty({}, 'lr', { enumerable: true, get() { throw new UserCodeError('thrown by a getter'); } });
    case 'symbol': return Symbol('odd');
    case 'function': return () => 1;
    case 'throwingFunction': return () => { throw new UserCodeError('thrown by a user function'); };
    case 'asyncFunction': return async () => 1;
    case 'date': return new Date(0);
    case 'map': return new Map([['a', 1]]);
    case 'set': return new Set([1, 2]);
    case 'promise': { const p = Promise.resolve(1); return p; }
    case 'proxy': return new Proxy([1, 2], {});
    case 'boxedNumber': return Object(3);
    case 'frozenArray': return Object.freeze([1, 2, 3]);
    default: {
      const t = kd.ones(2, 2);
      made.push(t);
      return new Set([t]);
    }
  }
}

// Materializes a recipe; every Tensor and module made is listed in `made` for disposal.
function materialize(kd, r, made) {
  if (r === null || typeof r !== 'object') return r;
  if (Array.isArray(r)) return r.map((x) => materialize(kd, x, made));
  if (r.$tensor) {
    const t = makeTensor(kd, r);
    made.push(t);
    return t;
  }
  if (r.$typed) {
    if (r.$typed === 'DataView') return new DataView(new ArrayBuffer(r.length));
    if (r.$typed === 'BigInt64Array') return BigInt64Array.from({ length: r.length }, (_, i) => BigInt(i));
    return globalThis[r.$typed].from({ length: r.length }, (_, i) => i);
  }
  if (r.$odd) return makeOdd(kd, r.$odd, made);
  if (r.$module) {
    const m = makeModule(kd, r.$module);
    made.push(m);
    return m;
  }
  if (r.$object) return Object.fromEntries(Object.entries(r.$object).map(([k, v]) => [k, materialize(kd, v, made)]));
  return r;
}

// ---- the surface: every public function and method ----

const SKIP_TOP = new Set(['shutdown', 'Tensor', 'Parameter', 'KindlingError']);

function functionsOf(obj, prefix, skip = new Set()) {
  return Object.entries(obj)
    .filter(([k, v]) => typeof v === 'function' && !skip.has(k) && !/^[A-Z]/.test(k))
    .map(([k, v]) => ({ name: `${prefix}${k}`, call: (args) => v(...args) }));
}

function constructorsOf(obj, prefix) {
  return Object.entries(obj)
    .filter(([k, v]) => typeof v === 'function' && /^[A-Z]/.test(k))
    .map(([k, v]) => ({ name: `new ${prefix}${k}`, call: (args) => new v(...args) }));
}

function methodNames(proto) {
  const names = new Set();
  for (let p = proto; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const k of Object.getOwnPropertyNames(p)) {
      const d = Object.getOwnPropertyDescriptor(p, k);
      if (k !== 'constructor' && typeof d.value === 'function') names.add(k);
    }
  }
  return [...names].sort();
}

function surface(kd) {
  const calls = [
    ...functionsOf(kd, 'kd.', SKIP_TOP),
    ...functionsOf(kd.autograd, 'kd.autograd.'),
    ...functionsOf(kd.nn.functional, 'kd.nn.functional.'),
    ...functionsOf(kd.nn.init, 'kd.nn.init.'),
    ...functionsOf(kd.nn.utils, 'kd.nn.utils.'),
    ...constructorsOf(kd.nn, 'kd.nn.'),
    ...constructorsOf(kd.optim, 'kd.optim.'),
    ...constructorsOf(kd.decomposition, 'kd.decomposition.'),
    ...constructorsOf(kd.manifold, 'kd.manifold.'),
    ...functionsOf(kd.manifold, 'kd.manifold.'),
  ];
  return calls;
}

const TENSOR_SKIP = new Set(['dispose']);  // disposes its receiver by design: covered by the disposed recipes
const tensorMethods = (kd) => methodNames(kd.Tensor.prototype).filter((k) => !TENSOR_SKIP.has(k));

// ---- the property ----

function expectGoodError(kd, e, what) {
  assert.ok(e instanceof kd.KindlingError || e instanceof TypeError || e instanceof UserCodeError,
    `${what} threw ${e?.constructor?.name ?? typeof e}: ${String(e?.message ?? e)}`);
  assert.equal(typeof e.message, 'string', `${what}: error without a message`);
  assert.ok(e.message.length > 0, `${what}: empty message`);
}

function memoryCounts(kd) {
  const { liveTensors, liveStorages, bytes } = kd.memory();
  return { liveTensors, liveStorages, bytes };
}

function checkStillWorks(kd, what) {
  assert.equal(kd.isGradEnabled(), true, `${what} left grad mode off`);
  assert.equal(kd.autograd.isAnomalyEnabled(), false, `${what} left anomaly mode on`);
  const probe = kd.tensor([[1, 2], [3, 4]]);
  const out = probe.matmul(probe).sum();
  assert.equal(out.item(), 54, `${what}: the module stopped working`);
  kd.dispose([probe, out]);
}

// Runs call(); `inputs` are its receiver and arguments. Checks the property; results go to `made`.
function runCall(kd, what, call, inputs, made) {
  const inputsBefore = snapshot(inputs);
  const memBefore = memoryCounts(kd);
  let result;
  try {
    result = call();
  } catch (e) {
    expectGoodError(kd, e, what);
    assert.deepEqual(snapshot(inputs), inputsBefore, `${what} threw ${e.name}: ${e.message}, and changed its inputs`);
    assert.deepEqual(memoryCounts(kd), memBefore, `${what} threw ${e.name}: ${e.message}, and changed kd.memory()`);
    return;
  } finally {
    // Undo legitimate global side effects of a successful call, then check the module.
    kd.setGradEnabled(true);
    kd.autograd.setDetectAnomaly(false);
  }
  if (result && typeof result.then === 'function') result.then(() => {}, () => {});
  made.push(result);
}

function disposeAll(kd, made) {
  for (const m of made) {
    try {
      if (m && typeof m.dispose === 'function') m.dispose();
      else kd.dispose(m);
    } catch {
      // a result that is not disposable
    }
  }
}

for (const build of ['st', 'mt']) {
  describe(`every public function and method, arbitrary arguments (${build})`, () => {
    let kd;
    let calls;
    before(async () => {
      kd = await kindling({ threads: build === 'mt' });
      kd.manualSeed(0);
      calls = surface(kd);
    });
    after(() => kd.shutdown());

    // The threaded build runs a quarter of the cases: the JS layer is the same, the pool is not.
    const runs = build === 'st' ? RUNS : Math.max(10, Math.floor(RUNS / 4));

    test(`kd.* functions and constructors (${runs} cases)`, () => {
      const names = surface(kd).map((c) => c.name);
      console.log(`# [${build}] ${names.length} functions and constructors`);
      fc.assert(fc.property(fc.nat(names.length - 1), fc.array(valueArb, { maxLength: 4 }), (i, recipes) => {
        const made = [];
        try {
          const args = materialize(kd, recipes, made);
          runCall(kd, calls[i].name, () => calls[i].call(args), args, made);
          checkStillWorks(kd, calls[i].name);
        } finally {
          disposeAll(kd, made);
        }
      }), { ...FC_OPTIONS, numRuns: runs });
    });

    test(`Tensor methods (${runs} cases)`, () => {
      const names = tensorMethods(kd);
      console.log(`# [${build}] ${names.length} Tensor methods`);
      fc.assert(fc.property(tensorRecipe, fc.nat(names.length - 1), fc.array(valueArb, { maxLength: 3 }), (recv, i, recipes) => {
        const made = [];
        try {
          const self = materialize(kd, recv, made);
          const args = materialize(kd, recipes, made);
          const what = `Tensor.${names[i]}`;
          runCall(kd, what, () => self[names[i]](...args), [self, ...args], made);
          checkStillWorks(kd, what);
        } finally {
          disposeAll(kd, made);
        }
      }), { ...FC_OPTIONS, numRuns: runs });
    });

    test(`kd.tensor: rectangular nested data round-trips, ragged data is a ValueError naming the dim (${runs} cases)`, () => {
      const nest = (shape, values) => (shape.length === 0 ? values[0]
        : Array.from({ length: shape[0] }, (_, i) => nest(shape.slice(1), values.slice(i * (values.length / shape[0]), (i + 1) * (values.length / shape[0])))));
      const cases = fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 4 }).chain((shape) => fc.tuple(
        fc.constant(shape),
        fc.array(fc.float({ noNaN: false }), { minLength: shape.reduce((a, b) => a * b, 1), maxLength: shape.reduce((a, b) => a * b, 1) }),
        fc.array(fc.nat(), { minLength: shape.length, maxLength: shape.length }),  // where to make it ragged
        fc.constantFrom('push', 'pop', 'deeper', 'shallower')));
      fc.assert(fc.property(cases, ([shape, values, path, how]) => {
        const data = nest(shape, values);
        const t = kd.tensor(data);
        assert.deepEqual(t.shape, shape);
        assert.deepEqual(Array.from(t.dataSync()), values);
        t.dispose();
        // Make one sub-array (or element) ragged, then expect a ValueError naming a dim.
        const depth = path[0] % shape.length;
        let parent = data;
        for (let d = 0; d < depth; d++) parent = parent[path[d + 1] % parent.length];
        const at = path[depth] % parent.length;
        if (how === 'push') parent.push(depth === shape.length - 1 ? 1 : parent[0]);
        else if (how === 'pop') parent.pop();
        else if (how === 'deeper') parent[at] = [parent[at]];
        else parent[at] = depth === shape.length - 1 ? 1 : 2;
        // Ragged only when the changed array or element has siblings at its level.
        const parents = shape.slice(0, depth).reduce((a, b) => a * b, 1);
        const elements = parents * shape[depth];
        const changesShape = how === 'push' || how === 'pop' ? parents > 1
          : how === 'deeper' ? elements > 1 : depth < shape.length - 1 && elements > 1;
        const before = memoryCounts(kd);
        if (!changesShape) {
          kd.tensor(data).dispose();  // still rectangular
          return;
        }
        assert.throws(() => kd.tensor(data), (e) => e instanceof kd.errors.ValueError &&
          /^expected (sequence of length \d+ at dim \d+ \(got .+\)|a number at dim \d+ \(got a sequence of length \d+ at index \[[\d, ]+\]\))$/.test(e.message));
        assert.deepEqual(memoryCounts(kd), before);
      }), { ...FC_OPTIONS, numRuns: runs });
    });

    test(`Module, Optimizer, PCA and TSNE methods (${runs} cases)`, () => {
      fc.assert(fc.property(moduleRecipe, fc.nat(1000), fc.array(valueArb, { maxLength: 3 }), (recv, pick, recipes) => {
        const made = [];
        try {
          const module = materialize(kd, recv, made);
          const optimizer = new kd.optim.Adam(module.parameters(), { lr: 0.01 });
          made.push(optimizer);
          const pca = new kd.decomposition.PCA({ nComponents: 2 });
          made.push(pca);
          const tsne = new kd.manifold.TSNE({ perplexity: 2, randomState: 0 });
          made.push(tsne);
          const receivers = [['Module', module], ['Optimizer', optimizer], ['PCA', pca], ['TSNE', tsne]]
            .map(([kind, self]) => [kind, self, methodNames(Object.getPrototypeOf(self))]);
          const [kind, self, names] = receivers[pick % receivers.length];
          const name = names[Math.floor(pick / receivers.length) % names.length];
          const args = materialize(kd, recipes, made);
          runCall(kd, `${kind}.${name}`, () => self[name](...args), [self, ...args], made);
          checkStillWorks(kd, `${kind}.${name}`);
        } finally {
          disposeAll(kd, made);
        }
      }), { ...FC_OPTIONS, numRuns: runs });
    });
  });
}
