// Types of kd.nn (modules, containers, functional, init, utils) and of serialization
// (kd.saveSafetensors, kd.loadSafetensors, kd.readEmbeddingsText). Hand-written; the
// implementation is bindings/js/nn.mjs and bindings/js/serialize.mjs.
import type { NestedArray, Parameter, RemovableHandle, Shape, SparseGradInput, Tensor } from './tensor.js';

/** A tensor, or values that become one (an int64 tensor where indices are expected). */
export type TensorInput = Tensor | NestedArray;
export type Reduction = 'none' | 'mean' | 'sum';

/** A state dict: dotted names to tensors, in order. */
export type StateDict = Record<string, Tensor>;
/** What loadStateDict accepts: an object, a Map or [name, tensor] pairs. */
export type StateDictInput = Record<string, Tensor> | Map<string, Tensor> | ReadonlyArray<readonly [string, Tensor]>;

export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/**
 * Base class of every module. Subclass it in JS:
 *
 *   class Net extends kd.nn.Module {
 *     constructor() { super(); this.w = new kd.nn.Parameter(kd.randn(3, 3)); this.fc = kd.nn.Linear(3, 2); }
 *     forward(x) { return this.fc.call(x.matmul(this.w)); }
 *   }
 *
 * Assigning a Parameter registers a parameter, assigning a Module registers a child; a plain
 * Tensor is a plain attribute (not a parameter, not in the state dict).
 */
export declare class Module {
  constructor();
  /** Whether the module is in training mode (set by train()/eval() for the whole tree; read from C++). */
  readonly training: boolean;
  /** Runs the module. Override it in subclasses. */
  forward(...inputs: any[]): any;
  /** Alias of forward(). */
  call(...inputs: any[]): any;
  /** fn(module, inputs) before forward (forward() and call() alike); an array it returns (or one value) replaces the inputs. */
  registerForwardPreHook(fn: (module: this, inputs: any[]) => any): RemovableHandle;
  /** fn(module, inputs, output) after forward; a value it returns replaces the output. */
  registerForwardHook(fn: (module: this, inputs: any[], output: any) => any): RemovableHandle;
  /**
   * fn(module, gradInput, gradOutput) in backward: one gradInput entry per forward argument
   * (null where no gradient flows), one gradOutput entry per output Tensor. An array it returns
   * replaces gradInput.
   */
  registerFullBackwardHook(
    fn: (module: this, gradInput: (Tensor | null)[], gradOutput: (Tensor | null)[]) => (Tensor | null)[] | void | null | undefined,
  ): RemovableHandle;

  registerParameter(name: string, param: Parameter | null): void;
  registerBuffer(name: string, tensor: Tensor | null, options?: { persistent?: boolean }): void;
  registerModule(name: string, module: Module | null): void;
  addModule(name: string, module: Module | null): void;

  parameters(options?: { recurse?: boolean }): Parameter[];
  namedParameters(options?: { recurse?: boolean }): Array<[string, Parameter]>;
  buffers(options?: { recurse?: boolean }): Tensor[];
  namedBuffers(options?: { recurse?: boolean }): Array<[string, Tensor]>;
  children(): Module[];
  namedChildren(): Array<[string, Module]>;
  modules(): Module[];
  namedModules(prefix?: string): Array<[string, Module]>;
  /** The module, parameter or buffer under a dotted name (PyTorch's get_submodule / get_parameter / get_buffer). */
  getSubmodule(target: string): Module;
  getParameter(target: string): Parameter;
  getBuffer(target: string): Tensor;

  /** Parameters and persistent buffers as new aliases (they share the values). */
  stateDict(): StateDict;
  /** Checks every key and shape before copying anything; PyTorch's error message. */
  loadStateDict(stateDict: StateDictInput, options?: { strict?: boolean }): LoadStateDictResult;

  /** fn on every submodule, children first, then this one. */
  apply(fn: (module: Module) => void): this;
  train(mode?: boolean): this;
  eval(): this;
  requiresGrad_(requiresGrad?: boolean): this;
  zeroGrad(options?: { setToNone?: boolean }): void;

  /** Settings shown by toString() (PyTorch's extra_repr). */
  extraRepr(): string;
  /** PyTorch's repr. */
  toString(): string;
  /** Frees the parameters and buffers of this module and its children, and their C++ modules. */
  dispose(): void;
  [attribute: string]: any;
}

/** A built-in module class: callable with or without `new`. */
export interface BuiltinClass<M extends Module, A extends any[]> {
  new (...args: A): M;
  (...args: A): M;
  readonly prototype: M;
}

export declare class Linear extends Module {
  weight: Parameter;
  bias: Parameter | null;
  /** Options, read from the C++ module (every built-in module has its options as read-only camelCase properties). */
  readonly inFeatures: number;
  readonly outFeatures: number;
  forward(input: TensorInput): Tensor;
  call(input: TensorInput): Tensor;
}
export declare class Bilinear extends Module {
  weight: Parameter;
  bias: Parameter | null;
  forward(input1: TensorInput, input2: TensorInput): Tensor;
  call(input1: TensorInput, input2: TensorInput): Tensor;
}
/** One tensor in, one tensor out: activations, Dropout, norms, Flatten, Identity. */
export declare class UnaryModule extends Module {
  forward(input: TensorInput): Tensor;
  call(input: TensorInput): Tensor;
}
export declare class Embedding extends Module {
  weight: Parameter;
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  /** Stored wrapped (non-negative), as PyTorch. */
  readonly paddingIdx: number | null;
  readonly maxNorm: number | null;
  readonly normType: number;
  readonly scaleGradByFreq: boolean;
  readonly sparse: boolean;
  /** int64 indices of any shape -> shape + [embeddingDim]. */
  forward(input: TensorInput): Tensor;
  call(input: TensorInput): Tensor;
}
export interface EmbeddingOptions {
  paddingIdx?: number | null;
  maxNorm?: number | null;
  normType?: number;
  scaleGradByFreq?: boolean;
  sparse?: boolean;
}
export declare class EmbeddingBag extends Module {
  weight: Parameter;
  forward(input: TensorInput, offsets?: TensorInput | null, perSampleWeights?: TensorInput | null): Tensor;
  call(input: TensorInput, offsets?: TensorInput | null, perSampleWeights?: TensorInput | null): Tensor;
}
export declare class RNNLike extends Module {
  /** [output, hN]. */
  forward(input: TensorInput, hx?: Tensor | null): [Tensor, Tensor];
  call(input: TensorInput, hx?: Tensor | null): [Tensor, Tensor];
}
export declare class LSTM extends Module {
  /** [output, [hN, cN]]. */
  forward(input: TensorInput, hx?: [Tensor, Tensor] | null): [Tensor, [Tensor, Tensor]];
  call(input: TensorInput, hx?: [Tensor, Tensor] | null): [Tensor, [Tensor, Tensor]];
}
export declare class CellModule extends Module {
  forward(input: TensorInput, hx?: Tensor | null): Tensor;
  call(input: TensorInput, hx?: Tensor | null): Tensor;
}
export declare class LSTMCell extends Module {
  forward(input: TensorInput, hx?: [Tensor, Tensor] | null): [Tensor, Tensor];
  call(input: TensorInput, hx?: [Tensor, Tensor] | null): [Tensor, Tensor];
}
export interface MultiheadAttentionForwardOptions {
  keyPaddingMask?: Tensor | null;
  needWeights?: boolean;
  attnMask?: Tensor | null;
  averageAttnWeights?: boolean;
}
export declare class MultiheadAttention extends Module {
  /** [output, weights] (weights null with needWeights: false). */
  forward(query: TensorInput, key: TensorInput, value: TensorInput, options?: MultiheadAttentionForwardOptions): [Tensor, Tensor | null];
  call(query: TensorInput, key: TensorInput, value: TensorInput, options?: MultiheadAttentionForwardOptions): [Tensor, Tensor | null];
}
/** forward(input, target). */
export declare class Loss extends Module {
  forward(input: TensorInput, target: TensorInput): Tensor;
  call(input: TensorInput, target: TensorInput): Tensor;
}
/** forward(input1, input2, target) (NegativeSamplingLoss: center, context, negatives). */
export declare class Loss3 extends Module {
  forward(input1: TensorInput, input2: TensorInput, target: TensorInput): Tensor;
  call(input1: TensorInput, input2: TensorInput, target: TensorInput): Tensor;
}

export declare class Sequential extends Module {
  readonly length: number;
  at(index: number): Module;
  append(module: Module): this;
  forward(input: any): any;
  [Symbol.iterator](): Iterator<Module>;
}
export declare class ModuleList extends Module {
  readonly length: number;
  at(index: number): Module;
  append(module: Module): this;
  extend(modules: Iterable<Module>): this;
  [Symbol.iterator](): Iterator<Module>;
}
export declare class ModuleDict extends Module {
  readonly length: number;
  get(key: string): Module;
  set(key: string, module: Module): this;
  has(key: string): boolean;
  keys(): string[];
  values(): Module[];
  items(): Array<[string, Module]>;
  [Symbol.iterator](): Iterator<[string, Module]>;
}

export interface RecurrentOptions {
  numLayers?: number;
  bias?: boolean;
  batchFirst?: boolean;
  dropout?: number;
  bidirectional?: boolean;
}

export interface LossOptions { reduction?: Reduction }
export interface WeightedLossOptions extends LossOptions { weight?: Tensor | null; ignoreIndex?: number }

export interface Functional {
  linear(input: Tensor, weight: Tensor, bias?: Tensor | null): Tensor;
  bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias?: Tensor | null): Tensor;
  relu(input: TensorInput): Tensor;
  sigmoid(input: TensorInput): Tensor;
  tanh(input: TensorInput): Tensor;
  silu(input: TensorInput): Tensor;
  leakyRelu(input: TensorInput, negativeSlope?: number): Tensor;
  gelu(input: TensorInput, options?: { approximate?: 'none' | 'tanh' }): Tensor;
  softmax(input: TensorInput, dim?: number | null): Tensor;
  logSoftmax(input: TensorInput, dim?: number | null): Tensor;
  dropout(input: TensorInput, p?: number | { p?: number; training?: boolean }, options?: { training?: boolean }): Tensor;
  layerNorm(input: Tensor, normalizedShape: number | Shape, options?: { weight?: Tensor | null; bias?: Tensor | null; eps?: number }): Tensor;
  batchNorm(input: Tensor, runningMean: Tensor | null, runningVar: Tensor | null,
    options?: { weight?: Tensor | null; bias?: Tensor | null; training?: boolean; momentum?: number; eps?: number }): Tensor;
  embedding(input: TensorInput, weight: Tensor, options?: EmbeddingOptions): Tensor;
  embeddingBag(input: TensorInput, weight: Tensor, options?: {
    offsets?: Tensor | null; maxNorm?: number | null; normType?: number; scaleGradByFreq?: boolean; mode?: 'sum' | 'mean' | 'max';
    sparse?: boolean; perSampleWeights?: Tensor | null; includeLastOffset?: boolean; paddingIdx?: number | null;
  }): Tensor;
  mseLoss(input: TensorInput, target: TensorInput, options?: LossOptions): Tensor;
  l1Loss(input: TensorInput, target: TensorInput, options?: LossOptions): Tensor;
  smoothL1Loss(input: TensorInput, target: TensorInput, options?: LossOptions & { beta?: number }): Tensor;
  nllLoss(input: TensorInput, target: TensorInput, options?: WeightedLossOptions): Tensor;
  crossEntropy(input: TensorInput, target: TensorInput, options?: WeightedLossOptions & { labelSmoothing?: number }): Tensor;
  binaryCrossEntropy(input: TensorInput, target: TensorInput, options?: LossOptions & { weight?: Tensor | null }): Tensor;
  binaryCrossEntropyWithLogits(input: TensorInput, target: TensorInput,
    options?: LossOptions & { weight?: Tensor | null; posWeight?: Tensor | null }): Tensor;
  cosineEmbeddingLoss(input1: TensorInput, input2: TensorInput, target: TensorInput, options?: LossOptions & { margin?: number }): Tensor;
  marginRankingLoss(input1: TensorInput, input2: TensorInput, target: TensorInput, options?: LossOptions & { margin?: number }): Tensor;
  /** word2vec: -log σ(c·o) - Σ_k log σ(-c·n_k); center [B, d], context [B, d], negatives [B, K, d]. */
  negativeSamplingLoss(center: TensorInput, context: TensorInput, negatives: TensorInput, options?: LossOptions): Tensor;
  oneHot?(tensor: Tensor, numClasses?: number): Tensor;
}

export type Nonlinearity = 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'conv_transpose1d' | 'conv_transpose2d'
  | 'conv_transpose3d' | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'leakyRelu' | 'selu';

/** torch.nn.init: each fills its tensor in place (no grad) and returns it. Options or PyTorch's positional numbers. */
export interface Init {
  calculateGain(nonlinearity: Nonlinearity, param?: number | null): number;
  calculateFanInAndFanOut(tensor: Tensor): [number, number];
  uniform_<T extends Tensor>(tensor: T, a?: number | { a?: number; b?: number }, b?: number): T;
  normal_<T extends Tensor>(tensor: T, mean?: number | { mean?: number; std?: number }, std?: number): T;
  constant_<T extends Tensor>(tensor: T, val: number | { val: number }): T;
  ones_<T extends Tensor>(tensor: T): T;
  zeros_<T extends Tensor>(tensor: T): T;
  eye_<T extends Tensor>(tensor: T): T;
  xavierUniform_<T extends Tensor>(tensor: T, gain?: number | { gain?: number }): T;
  xavierNormal_<T extends Tensor>(tensor: T, gain?: number | { gain?: number }): T;
  kaimingUniform_<T extends Tensor>(tensor: T, a?: number | KaimingOptions, mode?: string, nonlinearity?: Nonlinearity): T;
  kaimingNormal_<T extends Tensor>(tensor: T, a?: number | KaimingOptions, mode?: string, nonlinearity?: Nonlinearity): T;
  truncNormal_<T extends Tensor>(tensor: T, mean?: number | { mean?: number; std?: number; a?: number; b?: number }, std?: number, a?: number, b?: number): T;
  orthogonal_<T extends Tensor>(tensor: T, gain?: number | { gain?: number }): T;
}
export interface KaimingOptions {
  a?: number;
  mode?: 'fan_in' | 'fan_out' | 'fanIn' | 'fanOut';
  nonlinearity?: Nonlinearity;
}

/** The row-sparse gradient of a {sparse: true} embedding weight (`weight.sparseGrad`). */
export interface SparseGrad {
  indices: Tensor;
  values: Tensor;
  shape: number[];
}

export interface NnUtils {
  /** Scales gradients so their total norm is at most maxNorm; returns the total norm (0-d). */
  clipGradNorm_(params: Tensor | Iterable<Tensor>, maxNorm: number, options?: { normType?: number | 'inf'; errorIfNonfinite?: boolean }): Tensor;
  clipGradValue_(params: Tensor | Iterable<Tensor>, clipValue: number): void;
  /** A parameter's sparse gradient as a dense tensor, or null. */
  sparseGradToDense(tensor: Tensor): Tensor | null;
}

/** The type of kd.nn. */
export interface NnApi {
  readonly Module: typeof Module;
  readonly Parameter: typeof Parameter;
  readonly Identity: BuiltinClass<UnaryModule, []>;
  readonly Linear: BuiltinClass<Linear, [inFeatures: number, outFeatures: number, options?: { bias?: boolean }]>;
  readonly Bilinear: BuiltinClass<Bilinear, [in1Features: number, in2Features: number, outFeatures: number, options?: { bias?: boolean }]>;
  readonly ReLU: BuiltinClass<UnaryModule, []>;
  readonly Tanh: BuiltinClass<UnaryModule, []>;
  readonly Sigmoid: BuiltinClass<UnaryModule, []>;
  readonly SiLU: BuiltinClass<UnaryModule, []>;
  readonly LeakyReLU: BuiltinClass<UnaryModule, [negativeSlope?: number | { negativeSlope?: number }]>;
  readonly GELU: BuiltinClass<UnaryModule, [options?: { approximate?: 'none' | 'tanh' }]>;
  readonly Softmax: BuiltinClass<UnaryModule, [dim?: number | null | { dim?: number | null }]>;
  readonly LogSoftmax: BuiltinClass<UnaryModule, [dim?: number | null | { dim?: number | null }]>;
  readonly Dropout: BuiltinClass<UnaryModule, [p?: number | { p?: number; inplace?: boolean }, options?: { inplace?: boolean }]>;
  readonly BatchNorm1d: BuiltinClass<UnaryModule, [numFeatures: number, options?: { eps?: number; momentum?: number | null; affine?: boolean; trackRunningStats?: boolean }]>;
  readonly LayerNorm: BuiltinClass<UnaryModule, [normalizedShape: number | Shape, options?: { eps?: number; elementwiseAffine?: boolean }]>;
  readonly Flatten: BuiltinClass<UnaryModule, [startDim?: number | { startDim?: number; endDim?: number }, endDim?: number]>;
  readonly Embedding: BuiltinClass<Embedding, [numEmbeddings: number, embeddingDim: number, options?: EmbeddingOptions & { weight?: Tensor | null }]> & {
    /** Shares `embeddings` as the weight; frozen (requiresGrad false) unless freeze: false. */
    fromPretrained(embeddings: Tensor, options?: EmbeddingOptions & { freeze?: boolean }): Embedding;
  };
  readonly EmbeddingBag: BuiltinClass<EmbeddingBag, [numEmbeddings: number, embeddingDim: number, options?: {
    maxNorm?: number | null; normType?: number; scaleGradByFreq?: boolean; mode?: 'sum' | 'mean' | 'max'; sparse?: boolean;
    includeLastOffset?: boolean; paddingIdx?: number | null; weight?: Tensor | null;
  }]>;
  readonly RNN: BuiltinClass<RNNLike, [inputSize: number, hiddenSize: number, options?: RecurrentOptions & { nonlinearity?: 'tanh' | 'relu' }]>;
  readonly GRU: BuiltinClass<RNNLike, [inputSize: number, hiddenSize: number, options?: RecurrentOptions]>;
  readonly LSTM: BuiltinClass<LSTM, [inputSize: number, hiddenSize: number, options?: RecurrentOptions & { projSize?: number }]>;
  readonly RNNCell: BuiltinClass<CellModule, [inputSize: number, hiddenSize: number, options?: { bias?: boolean; nonlinearity?: 'tanh' | 'relu' }]>;
  readonly GRUCell: BuiltinClass<CellModule, [inputSize: number, hiddenSize: number, options?: { bias?: boolean }]>;
  readonly LSTMCell: BuiltinClass<LSTMCell, [inputSize: number, hiddenSize: number, options?: { bias?: boolean }]>;
  readonly MultiheadAttention: BuiltinClass<MultiheadAttention, [embedDim: number, numHeads: number, options?: {
    dropout?: number; bias?: boolean; addBiasKv?: boolean; addZeroAttn?: boolean; kdim?: number | null; vdim?: number | null; batchFirst?: boolean;
  }]>;
  readonly MSELoss: BuiltinClass<Loss, [options?: LossOptions]>;
  readonly L1Loss: BuiltinClass<Loss, [options?: LossOptions]>;
  readonly SmoothL1Loss: BuiltinClass<Loss, [options?: LossOptions & { beta?: number }]>;
  readonly CrossEntropyLoss: BuiltinClass<Loss, [options?: WeightedLossOptions & { labelSmoothing?: number }]>;
  readonly NLLLoss: BuiltinClass<Loss, [options?: WeightedLossOptions]>;
  readonly BCELoss: BuiltinClass<Loss, [options?: LossOptions & { weight?: Tensor | null }]>;
  readonly BCEWithLogitsLoss: BuiltinClass<Loss, [options?: LossOptions & { weight?: Tensor | null; posWeight?: Tensor | null }]>;
  readonly CosineEmbeddingLoss: BuiltinClass<Loss3, [options?: LossOptions & { margin?: number }]>;
  readonly MarginRankingLoss: BuiltinClass<Loss3, [options?: LossOptions & { margin?: number }]>;
  readonly NegativeSamplingLoss: BuiltinClass<Loss3, [options?: LossOptions]>;
  readonly Sequential: BuiltinClass<Sequential, Module[] | [Record<string, Module> | Map<string, Module>]>;
  readonly ModuleList: BuiltinClass<ModuleList, [modules?: Iterable<Module>]>;
  readonly ModuleDict: BuiltinClass<ModuleDict, [modules?: Record<string, Module> | Map<string, Module>]>;
  readonly functional: Functional;
  readonly init: Init;
  readonly utils: NnUtils;
}

export interface PretrainedEmbeddings {
  vocab: Map<string, number>;
  indexToWord: string[];
  /** float32 [V, d]. */
  vectors: Tensor;
  hadHeader: boolean;
}

export interface EmbeddingsTextOptions {
  header?: 'auto' | 'present' | 'absent';
  duplicates?: 'error' | 'keepFirst';
  allowNonfinite?: boolean;
  maxLineLength?: number;
  maxVocab?: number;
  maxDim?: number;
}

/** Serialization, merged into kd. */
export interface SerializeApi {
  /** safetensors bytes of the tensors (e.g. model.stateDict()), with optional string metadata. */
  saveSafetensors(tensors: StateDictInput, metadata?: Record<string, string>): Uint8Array;
  /** {name: Tensor} in file order; the header's metadata as the non-enumerable `__metadata__`. */
  loadSafetensors(bytes: Uint8Array | ArrayBuffer | ArrayBufferView): StateDict & { readonly __metadata__: Record<string, string> };
  /** GloVe or word2vec text vectors. */
  readEmbeddingsText(text: string | Uint8Array | ArrayBuffer, options?: EmbeddingsTextOptions): PretrainedEmbeddings;
}

declare module './tensor.js' {
  interface Tensor {
    /** The row-sparse gradient of a {sparse: true} embedding weight, or null (then `grad` is null too). Assignable, as torch's `p.grad = sparse_coo_tensor(...)`. */
    get sparseGrad(): SparseGrad | null;
    set sparseGrad(g: SparseGradInput | null);
  }
}
