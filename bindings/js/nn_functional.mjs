// kd.nn.functional, kd.nn.init, kd.nn.utils and the sparse gradients of embedding weights
// (t.sparseGrad): thin calls into bindings/embind/nn.cpp after the arguments are checked.
import { describe } from './errors.mjs';

export function installFunctional(ctx, kd, nn, nnArgs) {
  const { raw, Tensor, typeError, checkNumber } = ctx;
  const { parseOptions, optTensor, tensorArg, withInputs, dimArg, REDUCTION, EMBEDDING_OPTS } = nnArgs;

  // ---- functional ----

  const fn1 = (f) => (x, ...rest) => withInputs([x], [], (t) => ctx.wrap(ctx.call(f, tensorArg(t, 'input'), ...rest)));
  const unary = (kind) => fn1((x) => raw.nnUnary(kind, x));
  const loss2 = (kind, spec, targetDtype = 'float32') => {
    const fullSpec = { reduction: REDUCTION, ...spec };
    let defaults;  // the options of a call without any, parsed once (the common case)
    const run = (i, t, o) => ctx.wrapResult(ctx.call(raw.nnLoss2, kind,
      tensorArg(i, `${kind}: input`), tensorArg(t, `${kind}: target`), o.reduction, optTensor(o.weight), optTensor(o.posWeight),
      o.ignoreIndex ?? -100, o.labelSmoothing ?? 0, o.beta ?? 1));
    return (input, target, opts) => {
      const o = opts === undefined ? (defaults ??= parseOptions(opts, `${kind}Loss()`, fullSpec)) : parseOptions(opts, `${kind}Loss()`, fullSpec);
      if (input instanceof Tensor && target instanceof Tensor) return run(input, target, o);
      return withInputs([input, target], ['float32', targetDtype], (i, t) => run(i, t, o));
    };
  };
  const loss3 = (kind, spec = {}) => (a, b, c, opts) => {
    const o = parseOptions(opts, `${kind}Loss()`, { reduction: REDUCTION, ...spec });
    return withInputs([a, b, c], [], (x, y, z) => ctx.wrap(ctx.call(raw.nnLoss3, kind,
      tensorArg(x, `${kind}: input1`), tensorArg(y, `${kind}: input2`), tensorArg(z, `${kind}: input3`), o.reduction, o.margin ?? 0)));
  };

  const functional = {
    linear: (x, weight, bias = null) => ctx.wrap(ctx.call(raw.nnLinear, tensorArg(x, 'linear(): input'), tensorArg(weight, 'linear(): weight'), optTensor(bias, 'linear(): bias'))),
    bilinear: (x1, x2, weight, bias = null) => ctx.wrap(ctx.call(raw.nnBilinear, tensorArg(x1, 'bilinear(): input1'), tensorArg(x2, 'bilinear(): input2'), tensorArg(weight, 'bilinear(): weight'), optTensor(bias, 'bilinear(): bias'))),
    relu: unary('relu'),
    sigmoid: unary('sigmoid'),
    tanh: unary('tanh'),
    silu: unary('silu'),
    leakyRelu: (x, negativeSlope = 0.01) => fn1(raw.nnLeakyRelu)(x, checkNumber(negativeSlope, 'leakyRelu(): negativeSlope')),
    gelu: (x, opts) => fn1(raw.nnGelu)(x, parseOptions(opts, 'gelu()', { approximate: ['str', 'none'] }).approximate),
    softmax: (x, dim) => fn1(raw.nnSoftmax)(x, dimArg(dim, 'softmax()'), false),
    logSoftmax: (x, dim) => fn1(raw.nnSoftmax)(x, dimArg(dim, 'logSoftmax()'), true),
    dropout: (x, p = 0.5, opts) => {
      if (typeof p === 'object' && p !== null) [p, opts] = [p.p ?? 0.5, { training: p.training }];
      const { training } = parseOptions(opts, 'dropout()', { training: ['bool', true] });
      return fn1(raw.nnDropout)(x, checkNumber(p, 'dropout(): p'), training);
    },
    layerNorm: (x, normalizedShape, opts) => {
      const o = parseOptions(opts, 'layerNorm()', { weight: ['tensor?', null], bias: ['tensor?', null], eps: ['num', 1e-5] });
      return ctx.wrap(ctx.call(raw.nnLayerNorm, tensorArg(x, 'layerNorm(): input'), ctx.shapeArgs([typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape]), optTensor(o.weight), optTensor(o.bias), o.eps));
    },
    batchNorm: (x, runningMean, runningVar, opts) => {
      const o = parseOptions(opts, 'batchNorm()', { weight: ['tensor?', null], bias: ['tensor?', null], training: ['bool', false], momentum: ['num', 0.1], eps: ['num', 1e-5] });
      return ctx.wrap(ctx.call(raw.nnBatchNorm, tensorArg(x, 'batchNorm(): input'), optTensor(runningMean, 'batchNorm(): runningMean'), optTensor(runningVar, 'batchNorm(): runningVar'), optTensor(o.weight), optTensor(o.bias), o.training, o.momentum, o.eps));
    },
    embedding: (input, weight, opts) => {
      const o = parseOptions(opts, 'embedding()', EMBEDDING_OPTS);
      return withInputs([input], ['int64'], (i) => ctx.wrap(ctx.call(raw.nnEmbedding, tensorArg(i, 'embedding(): input'), tensorArg(weight, 'embedding(): weight'), o.paddingIdx, o.maxNorm, o.normType, o.scaleGradByFreq, o.sparse)));
    },
    embeddingBag: (input, weight, opts) => {
      const o = parseOptions(opts, 'embeddingBag()', {
        offsets: ['tensor?', null], maxNorm: ['num?', null], normType: ['num', 2], scaleGradByFreq: ['bool', false], mode: ['str', 'mean'],
        sparse: ['bool', false], perSampleWeights: ['tensor?', null], includeLastOffset: ['bool', false], paddingIdx: ['int?', null],
      });
      return withInputs([input], ['int64'], (i) => ctx.wrap(ctx.call(raw.nnEmbeddingBag, tensorArg(i, 'embeddingBag(): input'), tensorArg(weight, 'embeddingBag(): weight'),
        optTensor(o.offsets), o.maxNorm, o.normType, o.scaleGradByFreq, o.mode, o.sparse, optTensor(o.perSampleWeights), o.includeLastOffset, o.paddingIdx)));
    },
    mseLoss: loss2('mse', {}),
    l1Loss: loss2('l1', {}),
    smoothL1Loss: loss2('smoothL1', { beta: ['num', 1] }),
    nllLoss: loss2('nll', { weight: ['tensor?', null], ignoreIndex: ['int', -100] }, 'int64'),
    crossEntropy: loss2('crossEntropy', { weight: ['tensor?', null], ignoreIndex: ['int', -100], labelSmoothing: ['num', 0] }, 'int64'),
    binaryCrossEntropy: loss2('bce', { weight: ['tensor?', null] }),
    binaryCrossEntropyWithLogits: loss2('bceWithLogits', { weight: ['tensor?', null], posWeight: ['tensor?', null] }),
    cosineEmbeddingLoss: loss3('cosineEmbedding', { margin: ['num', 0] }),
    marginRankingLoss: loss3('marginRanking', { margin: ['num', 0] }),
    negativeSamplingLoss: loss3('negativeSampling'),
  };
  if (kd.oneHot) functional.oneHot = kd.oneHot;

  // ---- init ----

  // f(tensor, ...numbers) or f(tensor, {named options}): PyTorch's positional order, or options.
  function initArgs(args, what, spec) {
    if (args.length === 1 && args[0] !== null && typeof args[0] === 'object') return parseOptions(args[0], what, spec);
    const keys = Object.keys(spec);
    if (args.length > keys.length) throw typeError(`${what}: too many arguments`);
    const named = {};
    args.forEach((a, i) => { if (a !== undefined) named[keys[i]] = a; });
    return parseOptions(named, what, spec);
  }
  const fill = (kind, spec) => (tensor, ...args) => {
    const o = initArgs(args, `init.${kind}()`, spec);
    const v = Object.values(o);
    ctx.call(raw.nnInitFill, kind, tensorArg(tensor, `init.${kind}(): tensor`), v[0] ?? 0, v[1] ?? 0, v[2] ?? 0, v[3] ?? 0);
    return tensor;
  };
  const kaiming = (normal) => (tensor, ...args) => {
    const o = initArgs(args, `init.kaiming${normal ? 'Normal' : 'Uniform'}_()`, { a: ['num', 0], mode: ['str', 'fan_in'], nonlinearity: ['str', 'leaky_relu'] });
    const mode = { fanIn: 'fan_in', fanOut: 'fan_out' }[o.mode] ?? o.mode;
    const nonlinearity = o.nonlinearity === 'leakyRelu' ? 'leaky_relu' : o.nonlinearity;
    ctx.call(raw.nnInitKaiming, normal, tensorArg(tensor, 'init.kaiming_(): tensor'), o.a, mode, nonlinearity);
    return tensor;
  };
  const init = {
    /** calculateGain('relu'), calculateGain('leaky_relu', 0.2) (also 'leakyRelu'). */
    calculateGain(nonlinearity, param = null) {
      if (typeof nonlinearity !== 'string') throw typeError(`calculateGain(): nonlinearity must be a string, got ${describe(nonlinearity)}`);
      if (param !== null) checkNumber(param, 'calculateGain(): param');
      return ctx.call(raw.nnCalculateGain, nonlinearity === 'leakyRelu' ? 'leaky_relu' : nonlinearity, param ?? NaN);
    },
    calculateFanInAndFanOut: (tensor) => ctx.call(raw.nnCalculateFanInAndFanOut, tensorArg(tensor, 'calculateFanInAndFanOut(): tensor')),
    uniform_: fill('uniform_', { a: ['num', 0], b: ['num', 1] }),
    normal_: fill('normal_', { mean: ['num', 0], std: ['num', 1] }),
    constant_: fill('constant_', { val: ['num', null] }),
    ones_: fill('ones_', {}),
    zeros_: fill('zeros_', {}),
    eye_: fill('eye_', {}),
    xavierUniform_: fill('xavierUniform_', { gain: ['num', 1] }),
    xavierNormal_: fill('xavierNormal_', { gain: ['num', 1] }),
    kaimingUniform_: kaiming(false),
    kaimingNormal_: kaiming(true),
    truncNormal_: fill('truncNormal_', { mean: ['num', 0], std: ['num', 1], a: ['num', -2], b: ['num', 2] }),
    orthogonal_: fill('orthogonal_', { gain: ['num', 1] }),
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
