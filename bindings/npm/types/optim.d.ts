// Types of kd.optim: optimizers, LR schedulers and gradient clipping. Hand-written; the
// implementation is bindings/js/optim.mjs.
import type { Tensor } from './tensor.js';
import type { NnUtils } from './nn.js';

export interface SGDOptions { lr: number; momentum?: number; dampening?: number; weightDecay?: number; nesterov?: boolean; maximize?: boolean }
export interface AdamOptions { lr?: number; betas?: [number, number]; eps?: number; weightDecay?: number; amsgrad?: boolean; maximize?: boolean }
export interface AdagradOptions { lr?: number; lrDecay?: number; weightDecay?: number; initialAccumulatorValue?: number; eps?: number; maximize?: boolean }
export interface RMSpropOptions { lr?: number; alpha?: number; eps?: number; weightDecay?: number; momentum?: number; centered?: boolean; maximize?: boolean }
export interface SparseAdamOptions { lr?: number; betas?: [number, number]; eps?: number; maximize?: boolean }

/** A parameter group as given to a constructor: its tensors and options overriding the defaults. */
export type ParamGroupInput<O> = { params: Iterable<Tensor> } & Partial<O>;
export type Params<O> = Iterable<Tensor> | ReadonlyArray<ParamGroupInput<O>>;

/** A live view of a group: reading or writing an option reads or writes the optimizer. */
export type ParamGroup<O> = { readonly params: Tensor[]; initialLr?: number } & Required<Omit<O, never>>;

export interface OptimizerStateDict {
  /** Per parameter index (over all groups in order): step and buffers (camelCase: expAvg, momentumBuffer, ...). Copies. */
  state: Record<number, { step: number; [buffer: string]: Tensor | number }>;
  /** Each group's options (camelCase) and `params`: the indices of its parameters. */
  paramGroups: Array<Record<string, unknown> & { params: number[] }>;
}

export declare class Optimizer<O = Record<string, unknown>> {
  /** One update of every parameter that has a gradient (a closure is called first and its loss returned). */
  step(closure?: () => Tensor): Tensor | undefined;
  zeroGrad(options?: { setToNone?: boolean }): void;
  addParamGroup(group: ParamGroupInput<O>): void;
  readonly paramGroups: Array<ParamGroup<O>>;
  stateDict(): OptimizerStateDict;
  /** Validates everything first; on error nothing changes. */
  loadStateDict(stateDict: OptimizerStateDict): void;
  /** Frees the optimizer's state (not the parameters). */
  dispose(): void;
}
export declare class SGD extends Optimizer<SGDOptions> { constructor(params: Params<SGDOptions>, options: SGDOptions) }
export declare class Adam extends Optimizer<AdamOptions> { constructor(params: Params<AdamOptions>, options?: AdamOptions) }
export declare class AdamW extends Optimizer<AdamOptions> { constructor(params: Params<AdamOptions>, options?: AdamOptions) }
export declare class Adagrad extends Optimizer<AdagradOptions> { constructor(params: Params<AdagradOptions>, options?: AdagradOptions) }
export declare class RMSprop extends Optimizer<RMSpropOptions> { constructor(params: Params<RMSpropOptions>, options?: RMSpropOptions) }
/** Lazy Adam for the sparse gradients of {sparse: true} embeddings. */
export declare class SparseAdam extends Optimizer<SparseAdamOptions> { constructor(params: Params<SparseAdamOptions>, options?: SparseAdamOptions) }

type AnyOptimizer = Optimizer<any>;

/** torch's scheduler state_dict, with torch's keys (base_lrs, last_epoch, _step_count, step_size, ...). */
export type SchedulerState = Record<string, unknown>;

export declare class LRScheduler {
  readonly optimizer: AnyOptimizer;
  step(): void;
  /** The lrs the last step wrote, one per group. */
  getLastLr(): number[];
  readonly lastEpoch: number;
  readonly baseLrs: number[];
  stateDict(): SchedulerState;
  /** Checks every key first; sets the ones given. Load the optimizer's state too, for its lrs. */
  loadStateDict(state: SchedulerState): void;
  dispose(): void;
}
export declare class StepLR extends LRScheduler { constructor(optimizer: AnyOptimizer, stepSize: number, options?: { gamma?: number; lastEpoch?: number }) }
export declare class MultiStepLR extends LRScheduler { constructor(optimizer: AnyOptimizer, milestones: number[], options?: { gamma?: number; lastEpoch?: number }) }
export declare class ExponentialLR extends LRScheduler { constructor(optimizer: AnyOptimizer, gamma: number, options?: { lastEpoch?: number }) }
export declare class CosineAnnealingLR extends LRScheduler { constructor(optimizer: AnyOptimizer, TMax: number, options?: { etaMin?: number; lastEpoch?: number }) }
export declare class LinearLR extends LRScheduler {
  constructor(optimizer: AnyOptimizer, options?: { startFactor?: number; endFactor?: number; totalIters?: number; lastEpoch?: number });
}
export interface OneCycleLROptions {
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  pctStart?: number;
  annealStrategy?: 'cos' | 'linear';
  cycleMomentum?: boolean;
  baseMomentum?: number;
  maxMomentum?: number;
  divFactor?: number;
  finalDivFactor?: number;
  threePhase?: boolean;
  lastEpoch?: number;
}
export declare class OneCycleLR extends LRScheduler { constructor(optimizer: AnyOptimizer, maxLr: number | number[], options?: OneCycleLROptions) }
/** lr = initialLr * lrLambda(epoch); the lambdas run in JS. */
export declare class LambdaLR extends LRScheduler {
  constructor(optimizer: AnyOptimizer, lrLambda: ((epoch: number) => number) | Array<(epoch: number) => number>, options?: { lastEpoch?: number });
}

/** The type of kd.optim. */
export interface OptimApi {
  readonly Optimizer: typeof Optimizer;
  readonly SGD: typeof SGD;
  readonly Adam: typeof Adam;
  readonly AdamW: typeof AdamW;
  readonly Adagrad: typeof Adagrad;
  readonly RMSprop: typeof RMSprop;
  readonly SparseAdam: typeof SparseAdam;
  readonly lrScheduler: {
    readonly LRScheduler: typeof LRScheduler;
    readonly StepLR: typeof StepLR;
    readonly MultiStepLR: typeof MultiStepLR;
    readonly ExponentialLR: typeof ExponentialLR;
    readonly CosineAnnealingLR: typeof CosineAnnealingLR;
    readonly LinearLR: typeof LinearLR;
    readonly OneCycleLR: typeof OneCycleLR;
    readonly LambdaLR: typeof LambdaLR;
  };
  readonly clipGradNorm_: NnUtils['clipGradNorm_'];
  readonly clipGradValue_: NnUtils['clipGradValue_'];
  /** The optimizer's state (and the scheduler's) as safetensors bytes, for a checkpoint. */
  saveState(optimizer: AnyOptimizer, scheduler?: LRScheduler | null): Uint8Array;
  /** Loads saveState()'s bytes; everything is checked first, so an error changes nothing. */
  loadState(bytes: Uint8Array | ArrayBuffer | ArrayBufferView, optimizer: AnyOptimizer, scheduler?: LRScheduler | null): void;
}
