// Types of kd.decomposition (PCA), kd.manifold (TSNE, trustworthiness) and kd.neighbors:
// scikit-learn's estimators in camelCase. Hand-written; the implementation is
// bindings/js/manifold.mjs over the C++ core (core/decomposition, core/manifold, core/neighbors).
// Defaults live in C++; getParams() reads every option back, defaults included.
import type { NestedArray, Tensor } from './tensor.js';

/** An estimator's input: a float32 Tensor [nSamples, nFeatures], or rows as nested arrays. */
export type DataInput = Tensor | NestedArray | Float32Array;
export type Metric = 'euclidean' | 'cosine';

export interface PCAOptions {
  /** Components to keep; null (default): min(nSamples, nFeatures). */
  nComponents?: number | null;
}

/** sklearn.decomposition.PCA (svd_solver='full'): covariance + symmetric eigensolver in double. */
export declare class PCA {
  constructor(options?: PCAOptions);
  fit(x: DataInput): this;
  /** (x - mean) @ components^T: [n, nComponents]. */
  transform(x: DataInput): Tensor;
  fitTransform(x: DataInput): Tensor;
  readonly nComponents: number;
  /** [nComponents, nFeatures], orthonormal rows; each flipped so its largest-magnitude entry is positive. New tensor. */
  readonly components: Tensor;
  readonly explainedVariance: Tensor;
  readonly explainedVarianceRatio: Tensor;
  readonly mean: Tensor;
  getParams(): Required<PCAOptions>;
  dispose(): void;
}

export interface TSNEOptions {
  /** default 2; at most 3 with method 'barnes_hut' */
  nComponents?: number;
  /** default 30; must be less than the number of points */
  perplexity?: number;
  /** default 12, for the first 250 iterations */
  earlyExaggeration?: number;
  /** default 200; 'auto': max(n / earlyExaggeration / 4, 50) */
  learningRate?: number | 'auto';
  /** iterations of fitTransform, default 1000 (at least 250) */
  nIter?: number;
  /** Barnes-Hut theta in [0, 1], default 0.5 */
  angle?: number;
  /** default 'euclidean' */
  metric?: Metric;
  /** default 'pca' (deterministic) */
  init?: 'pca' | 'random';
  /** default 'barnes_hut' (O(n k) memory); 'exact' is O(n^2), for small n */
  method?: 'barnes_hut' | 'exact';
  /** seed of the 'random' init; null (default) draws one from kd.manualSeed's generator */
  randomState?: number | null;
}

/**
 * sklearn.manifold.TSNE, plus a stepping form for live use (e.g. a projector in a Web Worker):
 *
 *   const tsne = new kd.manifold.TSNE({ perplexity: 30, randomState: 0 });
 *   tsne.start(table);                                  // P and the initial layout
 *   setInterval(() => {                                 // every ~50 ms
 *     tsne.step(5);
 *     const xy = kd.tidy(() => tsne.embedding.dataSync());   // Float32Array [x0, y0, x1, ...]
 *   }, 50);
 *   tsne.updateData(newTable);                          // same points, new rows: the layout carries on
 */
export declare class TSNE {
  constructor(options?: TSNEOptions);
  /** start(x), then nIter iterations; the embedding [n, nComponents]. */
  fitTransform(x: DataInput): Tensor;
  /** Computes P (kNN + perplexity calibration) and the initial layout; iteration becomes 0. */
  start(x: DataInput): this;
  /** k more iterations (default 1); returns the iteration count after them. */
  step(k?: number): number;
  /** New rows for the same n points: P is recomputed; layout, momentum and iteration carry on. */
  updateData(x: DataInput): this;
  /** Changes options; a new perplexity or metric recomputes P, learningRate/angle/earlyExaggeration apply at the next step. */
  setParams(options: TSNEOptions): this;
  getParams(): Required<TSNEOptions>;
  readonly started: boolean;
  readonly iteration: number;
  /** The current layout: a new float32 Tensor [n, nComponents]. Setting it replaces the layout (e.g. to perturb). */
  embedding: Tensor;
  /** KL(P || Q) of the current layout, computed when read and cached until the layout moves. */
  readonly klDivergence: number;
  dispose(): void;
}

export interface TrustworthinessOptions {
  /** default 5; less than n / 2 */
  nNeighbors?: number;
  /** of the original space (the embedding is always euclidean); default 'euclidean' */
  metric?: Metric;
}

export interface DecompositionApi {
  readonly PCA: typeof PCA;
}

export interface ManifoldApi {
  readonly TSNE: typeof TSNE;
  /** sklearn.manifold.trustworthiness: 1 when every embedded neighbour is an original neighbour. */
  trustworthiness(x: DataInput, embedded: DataInput, options?: TrustworthinessOptions): number;
}

export interface NeighborsApi {
  /**
   * Each row's k nearest other rows (itself excluded), nearest first, ties by index:
   * [indices (int64 [n, k]), distances (float32 [n, k]; cosine: 1 - cos)].
   */
  neighbors(x: DataInput, k: number, options?: { metric?: Metric }): [Tensor, Tensor];
}
