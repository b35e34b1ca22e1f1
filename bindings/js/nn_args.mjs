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

  // ---- options that cross as JSON (built-in modules, the functional forms) ----
  // JS declares only which keys exist and their kinds; the defaults, the range checks and the
  // messages about values are C++'s (util/option_fields.h), which reads the JSON with PyTorch's
  // keyword names (camelCase here, snake_case there).

  const snakeCase = (key) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

  // Checks one option value against its kind ('int', 'num', 'bool', 'str', 'shape', 'tensor';
  // '?' allows null) and returns it as it crosses.
  function checkKind(v, kind, name) {
    if (v === null && kind.endsWith('?')) return null;
    const base = kind.endsWith('?') ? kind.slice(0, -1) : kind;
    if (base === 'int') return checkInt(v, name);
    if (base === 'num') return checkNumber(v, name);
    if (base === 'bool') return checkBool(v, name);
    if (base === 'str') {
      if (typeof v !== 'string') throw typeError(`${name} must be a string, got ${describe(v)}`);
      return v;
    }
    if (base === 'shape') return ctx.shapeArgs([typeof v === 'number' ? [v] : v]);
    return v;  // tensors: checked where their addresses are taken
  }

  // A functional form's options object -> the JSON text of its non-tensor options, '' when there
  // are none (the common call, which then parses nothing in C++). kinds: {key: kind}; unknown
  // keys and wrong kinds are a kd.errors.TypeError naming `what` and the key. Tensor options
  // are read by the caller from the same object (optionalAddress).
  function optionsJson(opts, what, kinds) {
    if (opts === undefined) return '';
    const o = checkOptions(opts, what);
    let out = null;
    for (const key of Object.keys(o)) {
      const kind = kinds[key];
      if (kind === undefined) throw typeError(`${what}: unknown option '${key}' (expected one of ${Object.keys(kinds).join(', ')})`);
      const v = o[key];
      if (v === undefined || kind.startsWith('tensor')) continue;
      (out ??= {})[snakeCase(key)] = checkKind(v, kind, `${what}: ${key}`);
    }
    return out === null ? '' : JSON.stringify(out);
  }

  // Embedding's option kinds (the module's and the functional form's).
  const EMBEDDING_KINDS = { paddingIdx: 'int?', maxNorm: 'num?', normType: 'num', scaleGradByFreq: 'bool', sparse: 'bool' };

  return { EMBEDDING_KINDS, none, optTensor, tensorArg, parseOptions, withInputs, dimArg, checkKind, optionsJson, snakeCase };
}
