// Types of the tensor side of Kindling: Tensor, Parameter, factories, autograd, grad mode,
// memory scopes, errors, backend. Hand-written to match bindings/js/, except the methods made
// from the op table, which tensor_ops.d.ts holds (generated) and Tensor and TensorApi extend.
import type { TensorOpFunctions, TensorOps } from './tensor_ops.js';

/** The three element types. int64 values cross as JS numbers (exact up to 2^53). */
export type DType = 'float32' | 'int64' | 'bool';

/** Sizes: `kd.zeros(2, 3)` or `kd.zeros([2, 3])`. */
export type Shape = readonly number[];

/** Nested JS arrays of numbers or booleans (any depth). */
export type NestedArray = number | boolean | readonly NestedArray[];

/** What `x.toArray()` returns: a number/boolean for 0-d, else nested arrays. */
export type TensorArray = number | boolean | TensorArray[];

/** x.dataSync(): Float32Array for float32, Float64Array for int64, Uint8Array for bool. */
export type TypedValues = Float32Array | Float64Array | Uint8Array;

export interface FactoryOptions {
  /** default 'float32' (int64 for randint/randperm, and arange with all-integer arguments) */
  dtype?: DType;
  /** default false */
  requiresGrad?: boolean;
}

export interface TensorOptions extends FactoryOptions {
  /** The shape of flat (typed-array) data; default [length]. */
  shape?: Shape;
}

export interface KeepdimOptions { keepdim?: boolean }
export interface VarOptions { unbiased?: boolean; keepdim?: boolean }
export interface AlphaOptions { alpha?: number }
export interface BackwardOptions {
  /** Keep the graph's saved tensors for another backward; defaults to createGraph. */
  retainGraph?: boolean;
  /** Record the backward pass too, so the gradients can be differentiated again. */
  createGraph?: boolean;
}
export interface GradOptions extends BackwardOptions {
  /** The gradient of each output (null: ones, for a one-element output); default ones. */
  gradOutputs?: Tensor | (Tensor | null)[];
  /** Give null for an input the outputs do not use, instead of raising. */
  allowUnused?: boolean;
}
export interface MultiBackwardOptions extends BackwardOptions {
  gradTensors?: Tensor | (Tensor | null)[];
}
/** What register*Hook returns: remove() takes the hook out (a second call does nothing). */
export interface RemovableHandle { remove(): void }

/** A tensor, a number, or (nested) arrays: where an op also accepts plain values. */
export type TensorLike = Tensor | number | boolean | NestedArray | Float32Array | Float64Array | Int32Array;

/** x.max(dim) / x.min(dim): destructurable as [values, indices], or by name. */
export type ValuesIndices = [Tensor, Tensor] & { values: Tensor; indices: Tensor };

/**
 * A tensor: a handle to C++ values in the wasm heap. Free it with dispose(), or create it
 * inside kd.tidy(). Methods follow PyTorch (camelCase), keyword arguments in a trailing
 * options object: `x.sum(1, { keepdim: true })`.
 */
/** A row-sparse gradient to assign (torch's `p.grad = sparse_coo_tensor(...)`): rows `indices` (int64 [nnz], repeats add up) hold `values` ([nnz, ...p.shape[1:]]); `shape`, if given, must be p's. */
export interface SparseGradInput {
  indices: Tensor;
  values: Tensor;
  shape?: number[];
}

export declare class Tensor {
  /** Tensors come from factories (kd.tensor, kd.zeros, ...) and ops; not from `new`. */
  protected constructor(handle: never, token: never);

  // ---- geometry ----
  readonly ndim: number;
  size(): number[];
  size(dim: number): number;
  stride(): number[];
  stride(dim: number): number;
  /** True once dispose() ran. Any other use of a disposed tensor throws StateError. */
  readonly isDisposed: boolean;

  // ---- values out ----
  /** The value of a one-element tensor (boolean for bool). */
  item(): number | boolean;
  /** Nested arrays (torch's tolist()); a 0-d tensor gives a number (boolean for bool). */
  toArray(): TensorArray;
  tolist(): TensorArray;
  /** A row-major copy: Float32Array (float32), Float64Array (int64), Uint8Array (bool). */
  dataSync(): TypedValues;
  /** PyTorch's repr, e.g. "tensor([1., 2.], requires_grad=True)"; console.log prints it too. */
  toString(): string;
  toJSON(): TensorArray;

  // ---- autograd ----
  requiresGrad: boolean;
  /** The gradient (a new wrapper each read), or null; assign a Tensor, a sparse gradient (as `sparseGrad`) or null. */
  get grad(): Tensor | null;
  set grad(g: Tensor | SparseGradInput | null);
  setGrad(g: Tensor | null): this;
  /** Name of the node that made this tensor ('MulBackward0'), or null for a leaf. */
  readonly gradFn: string | null;
  backward(gradient?: TensorLike | null, options?: BackwardOptions): void;
  backward(options: BackwardOptions): void;
  /**
   * fn(grad) runs each time a gradient for this tensor is computed (backward() or
   * kd.autograd.grad()); a Tensor it returns (same shape) replaces the gradient.
   */
  registerHook(fn: (grad: Tensor) => Tensor | void | null | undefined): RemovableHandle;

  // ---- views ----
  viewAs(other: Tensor): Tensor;
  /** All dims reversed. */
  readonly T: Tensor;
  squeeze(dim?: number): Tensor;
  /** x[index] of PyTorch: select(0, index). */
  get(index: number): Tensor;

  // ---- copies ----
  float(): Tensor;
  long(): Tensor;
  bool(): Tensor;

  // ---- element-wise ----
  add(other: Tensor | number, options?: AlphaOptions): Tensor;
  sub(other: Tensor | number, options?: AlphaOptions): Tensor;
  /** other - this (torch.rsub). */
  rsub(other: Tensor | number, options?: AlphaOptions): Tensor;
  /** other / this. */
  rdiv(other: Tensor | number): Tensor;
  clamp(min?: number | null, max?: number | null): Tensor;
  clamp(bounds: { min?: number | null; max?: number | null }): Tensor;

  // ---- reductions ----
  sum(options?: KeepdimOptions): Tensor;
  sum(dim: number | readonly number[], options?: KeepdimOptions | boolean): Tensor;
  mean(options?: KeepdimOptions): Tensor;
  mean(dim: number | readonly number[], options?: KeepdimOptions | boolean): Tensor;
  max(): Tensor;
  max(dim: number, options?: KeepdimOptions | boolean): ValuesIndices;
  min(): Tensor;
  min(dim: number, options?: KeepdimOptions | boolean): ValuesIndices;
  argmax(dim?: number | null, options?: KeepdimOptions | boolean): Tensor;
  argmax(options: KeepdimOptions): Tensor;
  argmin(dim?: number | null, options?: KeepdimOptions | boolean): Tensor;
  argmin(options: KeepdimOptions): Tensor;
  var(dim?: number | readonly number[] | null, options?: VarOptions): Tensor;
  var(options: VarOptions): Tensor;
  std(dim?: number | readonly number[] | null, options?: VarOptions): Tensor;
  std(options: VarOptions): Tensor;
  norm(p?: number, dim?: number | readonly number[] | null, options?: KeepdimOptions | boolean): Tensor;

  // ---- in place (bump the version; return this) ----
  add_(other: Tensor | number, options?: AlphaOptions): this;
  sub_(other: Tensor | number, options?: AlphaOptions): this;
  normal_(mean?: number, std?: number): this;
  normal_(options: { mean?: number; std?: number }): this;
  uniform_(from?: number, to?: number): this;
  uniform_(options: { from?: number; to?: number }): this;
  clamp_(min?: number | null, max?: number | null): this;
  clamp_(bounds: { min?: number | null; max?: number | null }): this;

  // ---- memory ----
  /** Frees this handle (values live on while other tensors use them). Idempotent. */
  dispose(): void;
  /** Same as kd.keep(this). */
  keep(): this;
}
/** The methods made from the op table (tensor_ops.d.ts): views, copies, element-wise, ... */
export interface Tensor extends TensorOps {}

/**
 * nn.Parameter: shares `data`'s storage, is a leaf, prints "Parameter containing:", and is not
 * freed by kd.tidy (dispose it, or its module, explicitly).
 */
export declare class Parameter extends Tensor {
  constructor(data: Tensor, options?: { requiresGrad?: boolean });
}

// ---- errors ----

/** Base class of every Kindling error; `name` and `kind` are the kind. */
export declare class KindlingError extends Error {
  constructor(kind: string, message: string);
  readonly kind: ErrorKind;
}
export type ErrorKind = 'IndexError' | 'ShapeError' | 'ValueError' | 'StateError' | 'TypeError' | 'MemoryError' | 'RuntimeError';
export interface ErrorClass<K extends ErrorKind> {
  new (message: string): KindlingError & { readonly kind: K; readonly name: K };
  prototype: KindlingError;
}
/** kd.errors.ShapeError etc. (errors.TypeError is not the global TypeError). */
export interface Errors {
  readonly IndexError: ErrorClass<'IndexError'>;
  readonly ShapeError: ErrorClass<'ShapeError'>;
  readonly ValueError: ErrorClass<'ValueError'>;
  readonly StateError: ErrorClass<'StateError'>;
  readonly TypeError: ErrorClass<'TypeError'>;
  readonly MemoryError: ErrorClass<'MemoryError'>;
  readonly RuntimeError: ErrorClass<'RuntimeError'>;
}

// ---- runtime ----

export interface MemoryInfo {
  /** JS Tensor wrappers not yet disposed. */
  liveTensors: number;
  /** C++ storages (blocks of values) alive. */
  liveStorages: number;
  /** Bytes held by those storages. */
  bytes: number;
  peakBytes: number;
  /** Freed tensor buffers the allocator keeps, by size class, for the next allocation of that size (at most 64 MB). */
  cachedBytes: number;
  /** How many such buffers. */
  cachedBlocks: number;
  /** Buffer allocations served from the cache since the module loaded. */
  reusedBlocks: number;
  /** Buffer allocations that went to malloc since the module loaded. */
  freshBlocks: number;
  /** malloc'd bytes in the wasm heap (all users). */
  heapUsed: number;
  /** Size of the wasm memory. */
  wasmHeapBytes: number;
}

export interface BackendInfo {
  build: 'mt' | 'st';
  simd: boolean;
  threads: boolean;
  numThreads: number;
  maxThreads: number;
  /** Ops shared out over the worker threads since the module loaded (small ops run on the caller). */
  pooledJobs: number;
}

export interface LoadOptions {
  /** node: default true where worker_threads exist; browser: 'auto' (threads when crossOriginIsolated). */
  threads?: boolean | 'auto';
  /** Threads to use (threaded build), default min(cores, 4). */
  numThreads?: number;
}

/** Anything kd.tidy may return; Tensors inside arrays/objects survive the scope. */
export type TidyResult = unknown;

/** The tensor part of a loaded module (`kd`). */
export interface TensorApi extends TensorOpFunctions {
  readonly Tensor: typeof Tensor;
  readonly Parameter: typeof Parameter;
  readonly KindlingError: typeof KindlingError;
  readonly errors: Errors;
  readonly dtypes: DType[];

  // ---- factories ----
  tensor(data: NestedArray | ArrayLike<number> | BigInt64Array, options?: TensorOptions): Tensor;
  tensor(data: ArrayLike<number> | readonly number[], shape: Shape, options?: FactoryOptions): Tensor;
  scalar(value: number | boolean, options?: FactoryOptions): Tensor;
  scalarTensor(value: number | boolean, options?: FactoryOptions): Tensor;
  empty(...sizes: Array<number | FactoryOptions>): Tensor;
  empty(sizes: Shape, options?: FactoryOptions): Tensor;
  zeros(...sizes: Array<number | FactoryOptions>): Tensor;
  zeros(sizes: Shape, options?: FactoryOptions): Tensor;
  ones(...sizes: Array<number | FactoryOptions>): Tensor;
  ones(sizes: Shape, options?: FactoryOptions): Tensor;
  randn(...sizes: Array<number | FactoryOptions>): Tensor;
  randn(sizes: Shape, options?: FactoryOptions): Tensor;
  rand(...sizes: Array<number | FactoryOptions>): Tensor;
  rand(sizes: Shape, options?: FactoryOptions): Tensor;
  full(size: number | Shape, fillValue: number | boolean, options?: FactoryOptions): Tensor;
  emptyLike(t: Tensor, options?: FactoryOptions): Tensor;
  zerosLike(t: Tensor, options?: FactoryOptions): Tensor;
  onesLike(t: Tensor, options?: FactoryOptions): Tensor;
  fullLike(t: Tensor, fillValue: number | boolean, options?: FactoryOptions): Tensor;
  randnLike(t: Tensor, options?: FactoryOptions): Tensor;
  randLike(t: Tensor, options?: FactoryOptions): Tensor;
  /** PyTorch's dtype rule: all-integer arguments give int64, else float32. */
  arange(end: number, options?: FactoryOptions): Tensor;
  arange(start: number, end: number, options?: FactoryOptions): Tensor;
  arange(start: number, end: number, step: number, options?: FactoryOptions): Tensor;
  linspace(start: number, end: number, steps: number, options?: FactoryOptions): Tensor;
  eye(n: number, options?: FactoryOptions): Tensor;
  eye(n: number, m?: number, options?: FactoryOptions): Tensor;
  randint(high: number, size: number | Shape, options?: FactoryOptions): Tensor;
  randint(low: number, high: number, size: number | Shape, options?: FactoryOptions): Tensor;
  randperm(n: number, options?: FactoryOptions): Tensor;
  manualSeed(seed: number): void;

  // ---- free functions ----
  cat(tensors: readonly Tensor[], dim?: number): Tensor;
  concat(tensors: readonly Tensor[], dim?: number): Tensor;
  stack(tensors: readonly Tensor[], dim?: number): Tensor;
  where(condition: Tensor, x: Tensor | number, y: Tensor | number): Tensor;
  oneHot(indices: Tensor, numClasses?: number): Tensor;
  add(a: Tensor, b: Tensor | number, options?: AlphaOptions): Tensor;
  sub(a: Tensor, b: Tensor | number, options?: AlphaOptions): Tensor;
  rsub(a: Tensor, b: Tensor | number, options?: AlphaOptions): Tensor;
  clamp(x: Tensor, min?: number | null, max?: number | null): Tensor;
  sum(x: Tensor, dim?: number | readonly number[], options?: KeepdimOptions | boolean): Tensor;
  mean(x: Tensor, dim?: number | readonly number[], options?: KeepdimOptions | boolean): Tensor;
  max(x: Tensor): Tensor;
  max(x: Tensor, dim: number, options?: KeepdimOptions | boolean): ValuesIndices;
  min(x: Tensor): Tensor;
  min(x: Tensor, dim: number, options?: KeepdimOptions | boolean): ValuesIndices;
  argmax(x: Tensor, dim?: number | null, options?: KeepdimOptions | boolean): Tensor;
  argmin(x: Tensor, dim?: number | null, options?: KeepdimOptions | boolean): Tensor;
  var(x: Tensor, dim?: number | readonly number[] | null, options?: VarOptions): Tensor;
  std(x: Tensor, dim?: number | readonly number[] | null, options?: VarOptions): Tensor;
  norm(x: Tensor, p?: number, dim?: number | readonly number[] | null, options?: KeepdimOptions | boolean): Tensor;
  squeeze(x: Tensor, dim?: number): Tensor;

  // ---- grad mode (fn must be synchronous; the mode is restored also when fn throws) ----
  noGrad<T>(fn: () => T): T;
  enableGrad<T>(fn: () => T): T;
  isGradEnabled(): boolean;
  setGradEnabled(enabled: boolean): void;
  readonly autograd: AutogradApi;

  // ---- memory ----
  /**
   * Runs fn synchronously and disposes every tensor created inside except those it returns
   * (a Tensor, or Tensors inside a returned array/object/Map) and those passed to kd.keep().
   * Also when fn throws. Scopes nest. An async fn is refused (TypeError).
   */
  tidy<T>(fn: () => T): T;
  tidy<T>(name: string, fn: () => T): T;
  /** Survives every enclosing tidy scope (dispose it yourself). */
  keep<T extends Tensor>(t: T): T;
  /** Disposes a Tensor, or every Tensor inside an array/object. */
  dispose(value: unknown): void;
  memory(): MemoryInfo;

  // ---- runtime ----
  backend(): BackendInfo;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  /** Joins the threads, ends the workers; the module refuses calls afterwards. Idempotent. */
  shutdown(): void;
}

/** kd.autograd: gradients of chosen inputs, higher-order gradients, anomaly detection. */
export interface AutogradApi {
  /**
   * The gradients of `outputs` with respect to `inputs` (torch.autograd.grad), returned rather
   * than accumulated into .grad; null for an unused input when allowUnused. With createGraph
   * they can be differentiated again (gradient penalties, Hessian-vector products).
   */
  grad(outputs: Tensor | Tensor[], inputs: Tensor | Tensor[], options?: GradOptions): (Tensor | null)[];
  /** backward() from several roots at once (torch.autograd.backward). */
  backward(tensors: Tensor | Tensor[], options?: MultiBackwardOptions): void;
  /**
   * Runs fn synchronously with anomaly detection on (restored afterwards, also when fn throws).
   * Inside, an op whose output holds NaN or Inf, or a backward node returning a NaN or Inf
   * gradient, throws a kd.errors.ValueError naming it, as PyTorch's
   * "Function 'DivBackward0' returned nan values in its 0th output". Off by default; free when off.
   */
  detectAnomaly<T>(fn: () => T): T;
  isAnomalyEnabled(): boolean;
  setDetectAnomaly(enabled: boolean): void;
}
