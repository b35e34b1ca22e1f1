// kd.autograd: grad() and backward() (torch.autograd.grad / backward, with createGraph for
// higher-order gradients) and anomaly detection (torch.autograd.detect_anomaly). The work is in
// C++ (core/autograd/); this file validates arguments and converts them.
import { describe } from './errors.mjs';

export function installAutogradApi(ctx, kd) {
  const { raw, typeError, Tensor } = ctx;

  // A Tensor or an array of Tensors -> an array of Tensors.
  function tensorList(x, what, { nullable = false } = {}) {
    const list = x instanceof Tensor ? [x] : x;
    if (!Array.isArray(list)) throw typeError(`${what} must be a Tensor or an array of Tensors, got ${describe(x)}`);
    for (const t of list) {
      if (t instanceof Tensor || (nullable && (t === null || t === undefined))) continue;
      throw typeError(`${what} must contain only Tensors${nullable ? ' (or null)' : ''}, got ${describe(t)}`);
    }
    return list;
  }
  const handles = (list) => list.map((t) => (t instanceof Tensor ? ctx.unwrap(t) : null));
  function flags(opts, what) {
    const o = ctx.checkOptions(opts, what);
    const allowed = what.startsWith('grad') ? ['gradOutputs', 'retainGraph', 'createGraph', 'allowUnused'] : ['gradTensors', 'retainGraph', 'createGraph'];
    for (const key of Object.keys(o)) {
      if (!allowed.includes(key)) throw typeError(`${what}: unknown option '${key}' (expected one of ${allowed.join(', ')})`);
    }
    const { createGraph = false, retainGraph = createGraph, allowUnused = false } = o;
    ctx.checkBool(createGraph, `${what}: createGraph`);
    ctx.checkBool(retainGraph, `${what}: retainGraph`);
    ctx.checkBool(allowUnused, `${what}: allowUnused`);
    return { o, createGraph, retainGraph, allowUnused };
  }
  // Seeds: omitted, or one per output (null: ones, for a one-element output).
  function seeds(given, outputs, what) {
    if (given === undefined || given === null) return [];
    const list = tensorList(given, what, { nullable: true });
    if (list.length !== outputs.length) throw new ctx.errors.ValueError(`${what}: got ${list.length} gradients for ${outputs.length} outputs`);
    return list;
  }

  /**
   * grad(outputs, inputs, {gradOutputs, retainGraph, createGraph, allowUnused}) -> (Tensor | null)[]:
   * the gradients of `outputs` with respect to `inputs`, returned (no .grad changes). With
   * createGraph they have a history of their own, for a gradient penalty or a Hessian-vector
   * product. null for an input the outputs do not use (with allowUnused; otherwise an error).
   */
  function grad(outputs, inputs, opts) {
    const outs = tensorList(outputs, 'grad(): outputs');
    const ins = tensorList(inputs, 'grad(): inputs');
    const { o, createGraph, retainGraph, allowUnused } = flags(opts, 'grad()');
    const gradOutputs = seeds(o.gradOutputs, outs, 'grad(): gradOutputs');
    const result = ctx.withHookErrors(() => ctx.call(raw.autogradGrad, handles(outs), handles(ins), handles(gradOutputs),
      retainGraph ? 1 : 0, createGraph, allowUnused));
    return result.map((h) => ctx.wrap(h));
  }

  /** backward(tensors, {gradTensors, retainGraph, createGraph}): backward() from several roots at once. */
  function backward(tensors, opts) {
    const roots = tensorList(tensors, 'backward(): tensors');
    const { o, createGraph, retainGraph } = flags(opts, 'backward()');
    const gradTensors = seeds(o.gradTensors, roots, 'backward(): gradTensors');
    ctx.withHookErrors(() => ctx.call(raw.autogradBackward, handles(roots), handles(gradTensors), retainGraph ? 1 : 0, createGraph));
  }

  /**
   * detectAnomaly(fn): runs fn synchronously with anomaly detection on, then restores the
   * previous mode (also when fn throws). Inside, an op whose output holds NaN or Inf, or a
   * backward node returning a NaN or Inf gradient, throws a kd.errors.ValueError naming it
   * ("Function 'DivBackward0' returned nan values in its 0th output ..."). Returns fn's result.
   */
  function detectAnomaly(fn) {
    return ctx.runWithMode(raw.isAnomalyEnabled, raw.setAnomalyEnabled, true, fn, 'detectAnomaly()');
  }

  kd.autograd = Object.freeze({
    grad,
    backward,
    detectAnomaly,
    isAnomalyEnabled: () => ctx.call(raw.isAnomalyEnabled),
    setDetectAnomaly(enabled) {
      if (typeof enabled !== 'boolean') throw typeError(`setDetectAnomaly(): enabled must be a boolean, got ${describe(enabled)}`);
      ctx.call(raw.setAnomalyEnabled, enabled);
    },
  });
}
