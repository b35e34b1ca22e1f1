// Types of the `kindling` package. The default export is the async factory:
//
//   import kindling from 'kindling';
//   const kd = await kindling();            // node: threaded build; browser: threaded when crossOriginIsolated
//   const x = kd.tensor([[1, 2], [3, 4]], { requiresGrad: true });
//
// The tensor API is in types/tensor.d.ts (JS-A); kd.nn and serialization in types/nn.d.ts,
// kd.optim in types/optim.d.ts (JS-B); kd.decomposition, kd.manifold and kd.neighbors in
// types/manifold.d.ts.
import type { Errors, LoadOptions, TensorApi } from './types/tensor.js';
import type { NnApi, SerializeApi } from './types/nn.js';
import type { OptimApi } from './types/optim.js';
import type { DecompositionApi, ManifoldApi, NeighborsApi } from './types/manifold.js';

export * from './types/tensor.js';
export type { NnApi, SerializeApi } from './types/nn.js';
export type { OptimApi } from './types/optim.js';
export type {
  DataInput, DecompositionApi, ManifoldApi, Metric, NeighborsApi, PCA, PCAOptions, TSNE, TSNEOptions, TrustworthinessOptions,
} from './types/manifold.js';

/** A loaded Kindling module: `const kd = await kindling()`. */
export interface Kindling extends TensorApi, SerializeApi, NeighborsApi {
  readonly nn: NnApi;
  readonly optim: OptimApi;
  readonly decomposition: DecompositionApi;
  readonly manifold: ManifoldApi;
}

/** Loads the wasm module and returns its API. */
declare function kindling(options?: LoadOptions): Promise<Kindling>;
export default kindling;
export { kindling };

/** kd.errors, without loading a module: `err instanceof errors.ShapeError`. */
export declare const errors: Errors;
// KindlingError (the base class) is exported by types/tensor.d.ts. Tensor and Parameter are
// types here; at run time use kd.Tensor / kd.Parameter of a loaded module.
