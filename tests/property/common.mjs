// What the property tests share: the run count and seed, and a deep snapshot of JS values
// (Tensors by their dtype, shape, values and flags) to check that a throwing call changed nothing.

// `make test` runs RUNS cases per property with a fixed seed; `make test-property-long` sets
// KD_PROPERTY_RUNS higher. A failing case prints its seed and path: rerun it with
// KD_PROPERTY_SEED=<seed> (fast-check replays the same cases).
export const RUNS = Number(process.env.KD_PROPERTY_RUNS ?? 300);
export const SEED = Number(process.env.KD_PROPERTY_SEED ?? 20261130);
export const FC_OPTIONS = { seed: SEED, numRuns: RUNS, includeErrorInReport: true };

const isTensor = (v) => typeof v?.dataSync === 'function' && 'isDisposed' in v;
const isModule = (v) => typeof v?.parameters === 'function' && typeof v?.namedParameters === 'function';

function tensorSnapshot(t) {
  if (t.isDisposed) return { tensor: 'disposed' };
  const grad = t.grad;  // a new wrapper each time: freed at once, so kd.memory() is unchanged
  const hasGrad = grad !== null && grad !== undefined;
  grad?.dispose();
  return {
    tensor: t.dtype,
    shape: t.shape,
    values: Array.from(t.dataSync()),
    requiresGrad: t.requiresGrad,
    hasGrad,
  };
}

/** A structure that deepStrictEqual can compare; never runs getters or user code. */
export function snapshot(value, seen = new Set()) {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) {
    return typeof value === 'symbol' || typeof value === 'bigint' ? String(value) : value;
  }
  if (typeof value === 'function') return `function ${value.name}`;
  if (seen.has(value)) return 'cycle';
  seen.add(value);
  if (isTensor(value)) return tensorSnapshot(value);
  if (isModule(value)) {
    let params;
    try {
      params = value.parameters().map(tensorSnapshot);
    } catch {
      params = 'disposed';
    }
    return { module: value.constructor.name, training: value.training, params };
  }
  if (ArrayBuffer.isView(value)) {
    return { typed: value.constructor.name, bytes: Array.from(new Uint8Array(value.buffer, value.byteOffset, value.byteLength)) };
  }
  if (value instanceof Map) return { map: [...value.entries()].map(([k, v]) => [snapshot(k, seen), snapshot(v, seen)]) };
  if (value instanceof Set) return { set: [...value].map((v) => snapshot(v, seen)) };
  if (value instanceof Date) return { date: value.getTime() };
  if (value instanceof Promise) return 'Promise';
  const out = { proto: Object.getPrototypeOf(value)?.constructor?.name ?? null, frozen: Object.isFrozen(value) };
  for (const [k, d] of Object.entries(Object.getOwnPropertyDescriptors(value))) {
    out[k] = 'value' in d ? snapshot(d.value, seen) : 'accessor';
  }
  return out;
}
