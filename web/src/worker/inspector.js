// What the inspector shows of any preset's model, worker side: the module tree, every
// parameter, buffer and plain tensor attribute with its statistics, freezing, the optimizer's
// param_groups, one parameter up close, the state_dict, and what each layer outputs and the
// gradient that comes back into it (recorded with hooks). Works on any kd.nn.Module, so every
// preset gets it by handing over its model and optimizer.

const asBits = (a) => new Uint32Array(a.buffer, a.byteOffset, a.length);
const sameBits = (a, b) => a.length === b.length && asBits(a).every((v, i) => v === asBits(b)[i]);
const norm = (a) => Math.sqrt(a.reduce((s, v) => s + v * v, 0));

export class Inspector {
  constructor(kd) {
    this.kd = kd;
    this.model = null;
    this.optimizer = null;
    this.previous = new Map();   // name → values at the last snapshot, for |Δw|/|w|
    this.previousStep = 0;
    this.frozen = new Map();     // name → {step, values} captured when requires_grad was turned off
    this.activations = null;     // {step, rows} from the last captureActivations()
  }

  attach(model, optimizer) {
    this.model = model;
    this.optimizer = optimizer;
    this.previous.clear();
    this.previousStep = 0;
    this.frozen.clear();
    this.activations = null;
  }

  /**
   * Records, while the model trains one step, what every leaf module outputs and the gradient
   * of the loss with respect to that output: a forward hook per module, which puts a hook on
   * the output tensor. Both only read (they return nothing), and neither adds a node to the
   * graph, so the step computes exactly what it computes without them. A module called several
   * times in the step (a shared layer) is summarised over all its calls. Returns the function
   * that removes the hooks and keeps the summary for the next snapshot.
   */
  captureActivations(step) {
    const { Tensor } = this.kd;
    const seen = new Map();  // module name → {type, shape, values[], gradSquares, gradCount}
    const handles = [];
    for (const [name, module] of this.model.namedModules()) {
      if (module.children().length > 0) continue;
      handles.push(module.registerForwardHook((m, inputs, out) => {
        const y = out instanceof Tensor ? out : Array.isArray(out) ? out.find((t) => t instanceof Tensor) : null;
        if (!y || y.dtype !== 'float32') return;
        const entry = seen.get(name) ?? { type: m.constructor.name, shape: y.shape, values: [], gradSquares: 0, gradCount: 0 };
        entry.values.push(y.dataSync());
        seen.set(name, entry);
        if (y.requiresGrad) {
          y.registerHook((g) => {
            const values = g.dataSync();
            for (const v of values) entry.gradSquares += v * v;
            entry.gradCount += values.length;
          });
        }
      }));
    }
    return () => {
      for (const h of handles) h.remove();
      const rows = [...seen].map(([name, e]) => ({
        name, type: e.type, shape: e.shape, calls: e.values.length, ...activationStats(e.values, e.shape, e.type),
        gradRms: e.gradCount > 0 ? Math.sqrt(e.gradSquares / e.gradCount) : null,
      }));
      this.activations = { step, rows };
    };
  }

  /** requires_grad_(flag) on the named parameters (a module's name freezes all of its own). */
  setRequiresGrad(names, flag, step) {
    const params = new Map(this.model.namedParameters());
    for (const name of names) {
      const p = params.get(name);
      if (!p) throw new RangeError(`There is no parameter named '${name}'.`);
      p.requiresGrad_(flag);
      if (flag) {
        this.frozen.delete(name);
      } else {
        // A frozen parameter keeps no gradient: an optimizer skips parameters whose .grad is
        // None, while a zero .grad would still feed momentum and weight decay and move it.
        p.grad = null;
        this.frozen.set(name, { step, values: p.dataSync() });
      }
    }
  }

  /** Every tensor of the model, its statistics since the last snapshot, and the groups. */
  snapshot(step, selected) {
    // stateDict() and .grad hand out new tensor handles: the scope frees them
    return this.kd.tidy(() => this.#snapshot(step, selected));
  }

  #snapshot(step, selected) {
    const { model } = this;
    const stateKeys = Object.keys(model.stateDict());
    const persistent = new Set(stateKeys);
    const steps = Math.max(1, step - this.previousStep);
    const rows = [];
    for (const [name, p] of model.namedParameters()) {
      const values = p.dataSync();
      const grad = p.grad?.dataSync() ?? null;
      const prev = this.previous.get(name);
      const w = norm(values);
      let ratio = null;
      if (prev && prev.length === values.length) {
        let d = 0;
        for (let i = 0; i < values.length; i++) d += (values[i] - prev[i]) ** 2;
        ratio = w > 0 ? Math.sqrt(d) / w / steps : null;
      }
      this.previous.set(name, values);
      const frozen = this.frozen.get(name);
      rows.push({
        name, kind: 'parameter', shape: p.shape, dtype: p.dtype, requiresGrad: p.requiresGrad, norm: w,
        gradNorm: grad ? norm(grad) : null, ratio,
        frozenAt: frozen?.step ?? null, unchanged: frozen ? sameBits(frozen.values, values) : null,
      });
    }
    const bufferNames = new Set();
    for (const [name, b] of model.namedBuffers()) {
      bufferNames.add(name);
      rows.push({ name, kind: 'buffer', persistent: persistent.has(name), shape: b.shape, dtype: b.dtype, requiresGrad: false, norm: b.dtype === 'float32' ? norm(b.dataSync()) : null });
    }
    // Plain tensor attributes of (JS) modules: assigned, but neither Parameter nor buffer.
    const { Tensor, nn } = this.kd;
    for (const [prefix, m] of model.namedModules()) {
      for (const [attr, v] of Object.entries(m)) {
        const name = prefix ? `${prefix}.${attr}` : attr;
        if (v instanceof Tensor && !(v instanceof nn.Parameter) && !bufferNames.has(name) && !v.isDisposed) {
          rows.push({ name, kind: 'plain', shape: v.shape, dtype: v.dtype, requiresGrad: v.requiresGrad, norm: null });
        }
      }
    }
    // A parameter shared by several modules is listed once, under its first name, with the
    // others. named_modules() visits a shared module once, so walk every attribute instead.
    const aliases = new Map();
    const walk = (prefix, m, depth) => {
      for (const [n, p] of m.namedParameters({ recurse: false })) {
        const list = aliases.get(p) ?? [];
        list.push(`${prefix}${n}`);
        aliases.set(p, list);
      }
      if (depth > 32) return;  // a module that contains itself
      const children = new Map(m.namedChildren());
      for (const [n, v] of Object.entries(m)) if (v instanceof nn.Module) children.set(n, v);
      for (const [n, child] of children) walk(`${prefix}${n}.`, child, depth + 1);
    };
    walk('', model, 0);
    const paramRows = new Map(rows.filter((r) => r.kind === 'parameter').map((r) => [r.name, r]));
    for (const list of aliases.values()) {
      const row = paramRows.get(list[0]);
      if (row && list.length > 1) row.aliases = list.slice(1);
    }
    this.previousStep = step;
    const modules = model.namedModules().map(([name, m]) => ({
      name, type: m.constructor.name, repr: m.toString().split('\n')[0].replace(/\($/, ''), training: m.training,
      params: m.namedParameters({ recurse: false }).map(([n]) => (name ? `${name}.${n}` : n)),
    }));
    const names = new Map(model.namedParameters().map(([n, p]) => [p, n]));
    const groups = this.optimizer.paramGroups.map((g) => ({ lr: g.lr, params: g.params.map((p) => names.get(p) ?? '?') }));
    const stateDict = stateKeys.map((key) => {
      const row = rows.find((r) => r.name === key);
      return { key, shape: row?.shape ?? [], dtype: row?.dtype ?? 'float32' };
    });
    const transfer = [];
    let detail = null;
    const target = selected && model.namedParameters().find(([n]) => n === selected)?.[1];
    if (target) {
      const values = target.dataSync();
      const sparse = target.sparseGrad;
      const grad = sparse ? this.kd.nn.utils.sparseGradToDense(target).dataSync() : target.grad?.dataSync() ?? null;
      detail = { name: selected, shape: target.shape, values, grad, embedding: embeddingFacts(model, selected, values, grad, sparse) };
      transfer.push(values.buffer);
      if (grad) transfer.push(grad.buffer);
    }
    return { payload: { rows, modules, groups, stateDict, detail, training: model.training, activations: this.activations }, transfer };
  }

  /** The state_dict as safetensors bytes. */
  saveStateDict() {
    return this.kd.tidy(() => this.kd.saveSafetensors(this.model.stateDict()));
  }

  /**
   * Loads safetensors bytes into the model. Strict: any missing, unexpected or misshapen key
   * raises PyTorch's message and changes nothing. Not strict: returns the keys it skipped.
   */
  loadStateDict(bytes, strict) {
    const { kd } = this;
    return kd.tidy(() => {
      const sd = kd.loadSafetensors(bytes);
      const result = this.model.loadStateDict(sd, { strict });
      this.previous.clear();
      return { missingKeys: result.missingKeys, unexpectedKeys: result.unexpectedKeys };
    });
  }
}

/**
 * Summary of a layer's outputs (one Float32Array per call): mean and standard deviation; the
 * share of exact zeros; for ReLU, the units (last dim) that were zero for every example (dead
 * for this batch: no gradient reaches their weights); for Tanh and Sigmoid, the share of
 * outputs within 0.03 of a bound (saturated: their gradient is nearly zero).
 */
function activationStats(calls, shape, type) {
  let n = 0, sum = 0, squares = 0, zeros = 0, saturated = 0;
  const units = shape.length >= 2 ? shape[shape.length - 1] : 0;
  const alive = type === 'ReLU' && units > 0 ? new Uint8Array(units) : null;
  const [lo, hi] = type === 'Tanh' ? [-1, 1] : type === 'Sigmoid' ? [0, 1] : [null, null];
  for (const values of calls) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      n++;
      sum += v;
      squares += v * v;
      if (v === 0) zeros++;
      else if (alive) alive[i % units] = 1;
      if (lo !== null && (v - lo < 0.03 || hi - v < 0.03)) saturated++;
    }
  }
  const mean = n ? sum / n : 0;
  return {
    mean,
    std: n ? Math.sqrt(Math.max(0, squares / n - mean * mean)) : 0,
    zeroFraction: n ? zeros / n : 0,
    deadUnits: alive ? alive.reduce((dead, a) => dead + (a ? 0 : 1), 0) : null,
    units: alive ? units : null,
    saturatedFraction: lo !== null && n ? saturated / n : null,
  };
}

/**
 * For an nn.Embedding's weight: its padding_idx row (never has a gradient), the rows the last
 * step touched (with sparse=True only those rows have a gradient at all) and the rows at
 * max_norm (renormalised when looked up). The options are read from its repr, as printed.
 */
function embeddingFacts(model, name, values, grad, sparse) {
  const owner = name.endsWith('.weight') ? name.slice(0, -'.weight'.length) : name === 'weight' ? '' : null;
  if (owner === null) return null;
  const module = model.namedModules().find(([n]) => n === owner)?.[1];
  if (module?.constructor.name !== 'Embedding') return null;
  const repr = module.toString();
  const option = (key) => repr.match(new RegExp(`${key}=([^,)]+)`))?.[1];
  const paddingIdx = option('padding_idx') !== undefined ? Number(option('padding_idx')) : null;
  const maxNorm = option('max_norm') !== undefined ? Number(option('max_norm')) : null;
  const [rows, dim] = module.weight.shape;
  const touched = [];
  if (sparse) touched.push(...Array.from(sparse.indices.dataSync(), Number));
  else if (grad) for (let r = 0; r < rows; r++) { for (let c = 0; c < dim; c++) if (grad[r * dim + c] !== 0) { touched.push(r); break; } }
  const atMaxNorm = [];
  if (maxNorm !== null) {
    for (let r = 0; r < rows; r++) {
      let n = 0;
      for (let c = 0; c < dim; c++) n += values[r * dim + c] ** 2;
      if (Math.sqrt(n) >= maxNorm * (1 - 1e-4)) atMaxNorm.push(r);
    }
  }
  return { paddingIdx, maxNorm, sparse: Boolean(sparse) || /sparse=True/.test(repr), touched, atMaxNorm };
}
