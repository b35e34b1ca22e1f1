// kd.nn.functional, kd.nn.init, kd.nn.utils and the sparse gradients of embedding weights
// (t.sparseGrad): thin calls into bindings/embind/nn.cpp after the arguments are checked.
import { describe } from './errors.mjs';

export function installFunctional(ctx, kd, nn, nnArgs) {
  const { raw, Tensor, typeError, checkNumber } = ctx;
  const { tensorArg, withInputs, dimArg, optionsJson, EMBEDDING_KINDS } = nnArgs;
  const { address, optionalAddress, result } = ctx;

  // ---- functional ----
  //
  // Each form is one raw call over tensor addresses with its options as JSON text (torch's
  // keyword names), '' when none were given; the defaults are the C++ options structs'
  // (core/nn/functional_options.h). Here: which keys exist and their kinds.

  const REDUCTION = { reduction: 'str' };
  const unary = (rawFn, name) => {
    const what = `${name}(): input`;
    return (x) => (x instanceof Tensor ? result(rawFn(address(x, what))) : withInputs([x], [], (t) => result(rawFn(address(t, what)))));
  };
  // (input, target, opts): the raw function gets the addresses of input, target and the
  // tensor options named in `tensorKeys`, then the JSON.
  const loss2 = (name, rawFn, kinds, tensorKeys = [], targetDtype = 'float32') => {
    const what = `${name}()`;
    const inputWhat = `${name}: input`;
    const targetWhat = `${name}: target`;
    const run = (i, t, opts) => {
      const json = optionsJson(opts, what, kinds);
      const input = address(i, inputWhat);
      const target = address(t, targetWhat);
      if (tensorKeys.length === 0) return result(rawFn(input, target, json));
      const o = opts ?? {};
      if (tensorKeys.length === 1) return result(rawFn(input, target, optionalAddress(o[tensorKeys[0]], `${what}: ${tensorKeys[0]}`), json));
      return result(rawFn(input, target, optionalAddress(o[tensorKeys[0]], `${what}: ${tensorKeys[0]}`),
        optionalAddress(o[tensorKeys[1]], `${what}: ${tensorKeys[1]}`), json));
    };
    return (input, target, opts) => {
      if (input instanceof Tensor && target instanceof Tensor) return run(input, target, opts);
      return withInputs([input, target], ['float32', targetDtype], (i, t) => run(i, t, opts));
    };
  };
  const loss3 = (name, rawFn, kinds) => (a, b, c, opts) => {
    const json = optionsJson(opts, `${name}()`, kinds);
    return withInputs([a, b, c], [], (x, y, z) => result(rawFn(
      address(x, `${name}: input1`), address(y, `${name}: input2`), address(z, `${name}: input3`), json)));
  };

  const functional = {
    linear: (x, weight, bias = null) => result(raw.nnLinear(address(x, 'linear(): input'), address(weight, 'linear(): weight'), optionalAddress(bias, 'linear(): bias'))),
    bilinear: (x1, x2, weight, bias = null) => result(raw.nnBilinear(address(x1, 'bilinear(): input1'), address(x2, 'bilinear(): input2'), address(weight, 'bilinear(): weight'), optionalAddress(bias, 'bilinear(): bias'))),
    relu: unary(raw.nnRelu, 'relu'),
    sigmoid: unary(raw.nnSigmoid, 'sigmoid'),
    tanh: unary(raw.nnTanh, 'tanh'),
    silu: unary(raw.nnSilu, 'silu'),
    /** leakyRelu(x, negativeSlope) or leakyRelu(x, {negativeSlope}). */
    leakyRelu: (x, negativeSlope) => {
      const opts = typeof negativeSlope === 'number' ? { negativeSlope } : negativeSlope;
      const json = optionsJson(opts, 'leakyRelu()', { negativeSlope: 'num' });
      return withInputs([x], [], (t) => result(raw.nnLeakyRelu(address(t, 'leakyRelu(): input'), json)));
    },
    gelu: (x, opts) => {
      const json = optionsJson(opts, 'gelu()', { approximate: 'str' });
      return withInputs([x], [], (t) => result(raw.nnGelu(address(t, 'gelu(): input'), json)));
    },
    softmax: (x, dim) => withInputs([x], [], (t) => result(raw.nnSoftmax(address(t, 'softmax(): input'), dimArg(dim, 'softmax()'), false))),
    logSoftmax: (x, dim) => withInputs([x], [], (t) => result(raw.nnSoftmax(address(t, 'logSoftmax(): input'), dimArg(dim, 'logSoftmax()'), true))),
    /** dropout(x, p, {training}) or dropout(x, {p, training}). */
    dropout: (x, p, opts) => {
      if (typeof p === 'number') opts = { ...ctx.checkOptions(opts, 'dropout()'), p };
      else if (p !== undefined) opts = p;
      const json = optionsJson(opts, 'dropout()', { p: 'num', training: 'bool' });
      return withInputs([x], [], (t) => result(raw.nnDropout(address(t, 'dropout(): input'), json)));
    },
    layerNorm: (x, normalizedShape, opts) => {
      const o = ctx.checkOptions(opts, 'layerNorm()');
      const json = optionsJson({ ...o, normalizedShape }, 'layerNorm()', { normalizedShape: 'shape', weight: 'tensor?', bias: 'tensor?', eps: 'num' });
      return result(raw.nnLayerNorm(address(x, 'layerNorm(): input'), optionalAddress(o.weight, 'layerNorm(): weight'), optionalAddress(o.bias, 'layerNorm(): bias'), json));
    },
    batchNorm: (x, runningMean, runningVar, opts) => {
      const o = ctx.checkOptions(opts, 'batchNorm()');
      const json = optionsJson(o, 'batchNorm()', { weight: 'tensor?', bias: 'tensor?', training: 'bool', momentum: 'num', eps: 'num' });
      const stats = [optionalAddress(runningMean, 'batchNorm(): runningMean'), optionalAddress(runningVar, 'batchNorm(): runningVar'),
        optionalAddress(o.weight, 'batchNorm(): weight'), optionalAddress(o.bias, 'batchNorm(): bias')];
      return result(raw.nnBatchNorm(address(x, 'batchNorm(): input'), stats, json));
    },
    embedding: (input, weight, opts) => {
      const json = optionsJson(opts, 'embedding()', EMBEDDING_KINDS);
      return withInputs([input], ['int64'], (i) => result(raw.nnEmbedding(address(i, 'embedding(): input'), address(weight, 'embedding(): weight'), json)));
    },
    embeddingBag: (input, weight, opts) => {
      const what = 'embeddingBag()';
      const json = optionsJson(opts, what, {
        offsets: 'tensor?', maxNorm: 'num?', normType: 'num', scaleGradByFreq: 'bool', mode: 'str',
        sparse: 'bool', perSampleWeights: 'tensor?', includeLastOffset: 'bool', paddingIdx: 'int?',
      });
      const o = opts ?? {};
      return withInputs([input], ['int64'], (i) => result(raw.nnEmbeddingBag(address(i, `${what}: input`), address(weight, `${what}: weight`),
        optionalAddress(o.offsets, `${what}: offsets`), optionalAddress(o.perSampleWeights, `${what}: perSampleWeights`), json)));
    },
    mseLoss: loss2('mseLoss', raw.nnMseLoss, REDUCTION),
    l1Loss: loss2('l1Loss', raw.nnL1Loss, REDUCTION),
    smoothL1Loss: loss2('smoothL1Loss', raw.nnSmoothL1Loss, { ...REDUCTION, beta: 'num' }),
    nllLoss: loss2('nllLoss', raw.nnNllLoss, { ...REDUCTION, weight: 'tensor?', ignoreIndex: 'int' }, ['weight'], 'int64'),
    crossEntropy: loss2('crossEntropy', raw.nnCrossEntropy, { ...REDUCTION, weight: 'tensor?', ignoreIndex: 'int', labelSmoothing: 'num' }, ['weight'], 'int64'),
    binaryCrossEntropy: loss2('binaryCrossEntropy', raw.nnBinaryCrossEntropy, { ...REDUCTION, weight: 'tensor?' }, ['weight']),
    binaryCrossEntropyWithLogits: loss2('binaryCrossEntropyWithLogits', raw.nnBinaryCrossEntropyWithLogits, { ...REDUCTION, weight: 'tensor?', posWeight: 'tensor?' }, ['weight', 'posWeight']),
    cosineEmbeddingLoss: loss3('cosineEmbeddingLoss', raw.nnCosineEmbeddingLoss, { ...REDUCTION, margin: 'num' }),
    marginRankingLoss: loss3('marginRankingLoss', raw.nnMarginRankingLoss, { ...REDUCTION, margin: 'num' }),
    negativeSamplingLoss: loss3('negativeSamplingLoss', raw.nnNegativeSamplingLoss, REDUCTION),
  };
  if (kd.oneHot) functional.oneHot = kd.oneHot;

  // ---- init ----

  // f(tensor, ...values) or f(tensor, {named options}): PyTorch's positional order (the order
  // of `kinds`), or options. Returns the options as a new object.
  function initOptions(args, what, kinds) {
    if (args.length === 1 && args[0] !== null && typeof args[0] === 'object') return { ...ctx.checkOptions(args[0], what) };
    const keys = Object.keys(kinds);
    if (args.length > keys.length) throw typeError(`${what}: too many arguments`);
    const named = {};
    args.forEach((a, i) => { if (a !== undefined) named[keys[i]] = a; });
    return named;
  }
  // Names given in camelCase are accepted too (init.kaimingNormal_(w, {mode: 'fanOut'})).
  const SNAKE_NAMES = { fanIn: 'fan_in', fanOut: 'fan_out', leakyRelu: 'leaky_relu' };
  const fill = (kind, kinds = {}) => (tensor, ...args) => {
    const what = `init.${kind}()`;
    const named = initOptions(args, what, kinds);
    for (const key of ['mode', 'nonlinearity']) if (Object.hasOwn(SNAKE_NAMES, named[key])) named[key] = SNAKE_NAMES[named[key]];
    const json = optionsJson(named, what, kinds);
    ctx.call(raw.nnInit, kind, address(tensor, `${what}: tensor`), json);
    return tensor;
  };
  const init = {
    /** calculateGain('relu'), calculateGain('leaky_relu', 0.2) (also 'leakyRelu'). */
    calculateGain(nonlinearity, param = null) {
      if (typeof nonlinearity !== 'string') throw typeError(`calculateGain(): nonlinearity must be a string, got ${describe(nonlinearity)}`);
      if (param !== null) checkNumber(param, 'calculateGain(): param');
      return ctx.call(raw.nnCalculateGain, nonlinearity === 'leakyRelu' ? 'leaky_relu' : nonlinearity, param ?? NaN);
    },
    calculateFanInAndFanOut: (tensor) => ctx.call(raw.nnCalculateFanInAndFanOut, address(tensor, 'calculateFanInAndFanOut(): tensor')),
    uniform_: fill('uniform_', { a: 'num', b: 'num' }),
    normal_: fill('normal_', { mean: 'num', std: 'num' }),
    constant_: fill('constant_', { val: 'num' }),
    ones_: fill('ones_'),
    zeros_: fill('zeros_'),
    eye_: fill('eye_'),
    xavierUniform_: fill('xavierUniform_', { gain: 'num' }),
    xavierNormal_: fill('xavierNormal_', { gain: 'num' }),
    kaimingUniform_: fill('kaimingUniform_', { a: 'num', mode: 'str', nonlinearity: 'str' }),
    kaimingNormal_: fill('kaimingNormal_', { a: 'num', mode: 'str', nonlinearity: 'str' }),
    truncNormal_: fill('truncNormal_', { mean: 'num', std: 'num', a: 'num', b: 'num' }),
    orthogonal_: fill('orthogonal_', { gain: 'num' }),
  };

  // ---- sparse gradients ----

  // t.sparseGrad: the row-sparse gradient of an embedding weight built with {sparse: true}
  // (PyTorch's sparse COO .grad), coalesced: {indices: int64 [nnz], values: [nnz, d], shape} of
  // new tensors, or null. t.grad stays null for such a weight. kd.nn.utils.sparseGradToDense(t)
  // gives it as a dense tensor. Assigning {indices, values, shape?} (or null) sets it, as
  // torch's `p.grad = torch.sparse_coo_tensor(...)` (`p.grad = {indices, values}` does too).
  if (!Object.getOwnPropertyDescriptor(Tensor.prototype, 'sparseGrad')) {
    Object.defineProperty(Tensor.prototype, 'sparseGrad', {
      configurable: true,
      get() {
        const g = ctx.call(raw.nnSparseGrad, ctx.unwrap(this));
        if (!g) return null;
        return { indices: ctx.wrap(g.indices), values: ctx.wrap(g.values), shape: g.shape };
      },
      set(g) {
        const self = ctx.unwrap(this);
        if (g === null || g === undefined) {
          ctx.call(raw.nnSetSparseGrad, self, null, null, null);
          return;
        }
        const { indices, values, shape = null, ...rest } = ctx.checkOptions(g, 'sparseGrad');
        if (Object.keys(rest).length) throw typeError(`sparseGrad: unknown key '${Object.keys(rest)[0]}' (expected indices, values, shape)`);
        if (shape !== null) ctx.checkShape(shape, 'sparseGrad: shape');
        ctx.call(raw.nnSetSparseGrad, self, tensorArg(indices, 'sparseGrad: indices'), tensorArg(values, 'sparseGrad: values'), shape);
      },
    });
  }

  const utils = {
    sparseGradToDense: (t) => ctx.wrap(ctx.call(raw.nnSparseGradDense, tensorArg(t, 'sparseGradToDense(): tensor'))),
  };

  nn.functional = functional;
  nn.init = init;
  nn.utils = utils;
}
