// Argument helpers shared by the kd.nn files: options objects, optional tensors, and JS values
// converted to tensors for the length of one call.
import { describe } from './errors.mjs';

export function makeNnArgs(ctx) {
  const { raw, Tensor, typeError, checkInt, checkNumber, checkBool, checkOptions } = ctx;

  let undefinedHandle = null;  // the raw undefined tensor: "not given" for optional tensor args
  const none = () => (undefinedHandle ??= raw.nnUndefinedTensor());
  ctx.onShutdown(() => {
    undefinedHandle?.delete();
    undefinedHandle = null;
  });
  const optTensor = (t, what) => {
    if (t === undefined || t === null) return none();
    if (!(t instanceof Tensor)) throw typeError(`${what} must be a Tensor or null, got ${describe(t)}`);
    return ctx.unwrap(t);
  };
  const tensorArg = (t, what) => {
    if (!(t instanceof Tensor)) throw typeError(`${what} must be a Tensor, got ${describe(t)}`);
    return ctx.unwrap(t);
  };

  // Options objects: spec is {name: [kind, default]}; unknown keys and wrong types are a
  // kd.errors.TypeError before anything reaches C++. Kinds: int, num, bool, str, tensor, shape,
  // with '?' allowing null (returned as NaN for numbers, null for tensors).
  function parseOptions(opts, what, spec) {
    const o = checkOptions(opts, what);
    for (const key of Object.keys(o)) {
      if (!(key in spec)) {
        throw typeError(`${what}: unknown option '${key}' (expected one of ${Object.keys(spec).join(', ')})`);
      }
    }
    const out = {};
    for (const [key, [kind, dflt]] of Object.entries(spec)) {
      let v = o[key] === undefined ? dflt : o[key];
      const nullable = kind.endsWith('?');
      const base = nullable ? kind.slice(0, -1) : kind;
      const name = `${what}: ${key}`;
      if (v === null || v === undefined) {
        if (!nullable) throw typeError(`${name} is required`);
        out[key] = base === 'int' || base === 'num' ? NaN : null;
        continue;
      }
      if (base === 'int') checkInt(v, name);
      else if (base === 'num') checkNumber(v, name);
      else if (base === 'bool') checkBool(v, name);
      else if (base === 'str' && typeof v !== 'string') throw typeError(`${name} must be a string, got ${describe(v)}`);
      else if (base === 'tensor' && !(v instanceof Tensor)) throw typeError(`${name} must be a Tensor, got ${describe(v)}`);
      else if (base === 'shape') v = ctx.shapeArgs([typeof v === 'number' ? [v] : v]);
      out[key] = v;
    }
    return out;
  }

  // Runs fn with JS numbers/arrays converted to tensors (disposed afterwards).
  function withInputs(values, dtypes, fn) {
    const made = [];
    try {
      // Converted inside the try: a later value failing to convert frees the earlier ones.
      const tensors = values.map((v, i) => {
        if (v === undefined || v === null || v instanceof Tensor) return v;
        const t = ctx.toTensor(v, dtypes[i]);
        made.push(t);
        return t;
      });
      return fn(...tensors);
    } finally {
      for (const t of made) t.dispose();
    }
  }

  // A dim argument: a number, null/undefined (NaN: "not given"), or {dim}.
  const dimArg = (dim, what) => {
    if (dim !== null && typeof dim === 'object') dim = parseOptions(dim, what, { dim: ['int?', null] }).dim;
    return dim === undefined || dim === null || Number.isNaN(dim) ? NaN : checkInt(dim, `${what}: dim`);
  };

  // Embedding's options (the module's and the functional form's).
  const EMBEDDING_OPTS = { paddingIdx: ['int?', null], maxNorm: ['num?', null], normType: ['num', 2], scaleGradByFreq: ['bool', false], sparse: ['bool', false] };

  return { EMBEDDING_OPTS, none, optTensor, tensorArg, parseOptions, withInputs, dimArg, REDUCTION: ['str', 'mean'] };
}
