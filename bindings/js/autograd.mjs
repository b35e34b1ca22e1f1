// kd.autograd: anomaly detection (torch.autograd.detect_anomaly). The checks themselves are in
// C++ (core/autograd/anomaly_mode.h); this file only scopes the mode around a function.
import { describe } from './api.mjs';

export function installAutogradApi(ctx, kd) {
  const { raw, typeError } = ctx;

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
    detectAnomaly,
    isAnomalyEnabled: () => ctx.call(raw.isAnomalyEnabled),
    setDetectAnomaly(enabled) {
      if (typeof enabled !== 'boolean') throw typeError(`setDetectAnomaly(): enabled must be a boolean, got ${describe(enabled)}`);
      ctx.call(raw.setAnomalyEnabled, enabled);
    },
  });
}
