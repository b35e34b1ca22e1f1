// A preset's configuration is a flat list of fields. This one description drives URL encoding,
// validation of whatever a link or a control hands in, and the defaults: each fact in one place.
//
// Field kinds: int, float, bool, enum (value in `options`), ints (comma list of ints),
// enums (comma list of options), set (comma list, a subset of `options`, order kept as there).

const clamp = (v, lo, hi) => Math.min(hi ?? Infinity, Math.max(lo ?? -Infinity, v));

export function coerceField(field, raw) {
  if (raw === undefined || raw === null || raw === '') return structuredClone(field.default);
  switch (field.kind) {
    case 'int': {
      const n = Math.round(Number(raw));
      return Number.isFinite(n) ? clamp(n, field.min, field.max) : field.default;
    }
    case 'float': {
      const n = Number(raw);
      return Number.isFinite(n) ? clamp(n, field.min, field.max) : field.default;
    }
    case 'bool':
      return raw === true || raw === 'true' || raw === '1' || raw === 1;
    case 'enum':
      return field.options.includes(String(raw)) ? String(raw) : field.default;
    case 'ints': {
      const list = (Array.isArray(raw) ? raw : String(raw).split(',')).map((s) => Math.round(Number(s)));
      if (list.some((n) => !Number.isFinite(n))) return structuredClone(field.default);
      return list.slice(0, field.maxLength ?? Infinity).map((n) => clamp(n, field.min, field.max));
    }
    case 'enums': {
      const list = (Array.isArray(raw) ? raw : String(raw).split(',')).map(String);
      return list.slice(0, field.maxLength ?? Infinity).map((s) => (field.options.includes(s) ? s : field.options[0]));
    }
    case 'set': {
      const chosen = new Set(Array.isArray(raw) ? raw : String(raw).split(','));
      return field.options.filter((o) => chosen.has(o));
    }
    default:
      throw new Error(`schema: unknown field kind '${field.kind}'`);
  }
}

export const defaults = (fields) => Object.fromEntries(fields.map((f) => [f.key, structuredClone(f.default)]));

/** Every field of `fields` from `source` (an object or URLSearchParams), validated. */
export function readConfig(fields, source) {
  const get = source instanceof URLSearchParams ? (k) => source.get(k) ?? undefined : (k) => source?.[k];
  return Object.fromEntries(fields.map((f) => [f.key, coerceField(f, get(f.key))]));
}

/** The fields that differ from their defaults, as URL parameters. */
export function writeConfig(fields, config, params = new URLSearchParams()) {
  for (const f of fields) {
    const v = config[f.key];
    const text = Array.isArray(v) ? v.join(',') : String(v);
    const def = f.default;
    if (text !== (Array.isArray(def) ? def.join(',') : String(def))) params.set(f.key, text);
  }
  return params;
}
