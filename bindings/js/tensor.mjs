// The tensor part of `kd`: the classes (tensor_class.mjs, with the generated methods of
// tensor_ops.mjs), the factories (factories.mjs), grad mode and memory scopes (runtime.mjs), and
// the free-function forms of the table's methods (kd.add(a, b), kd.sum(x, 1), ...).
import { describe } from './errors.mjs';
import { DTYPES } from './checks.mjs';
import { makeFactories } from './factories.mjs';
import { makeRuntime } from './runtime.mjs';
import { FREE_FUNCTIONS } from './tensor_ops.mjs';

export { makeTensorClasses } from './tensor_class.mjs';

export function installTensorApi(ctx, kd) {
  const { Tensor, Parameter, typeError } = ctx;
  const factories = makeFactories(ctx);
  const runtime = makeRuntime(ctx);

  Object.assign(kd, {
    Tensor,
    Parameter,
    KindlingError: ctx.KindlingError,
    errors: ctx.errors,
    dtypes: DTYPES.slice(),
    ...factories,
    ...runtime,
  });

  // kd.<name>(x, ...args) is x.<name>(...args); the first argument must be a Tensor.
  for (const name of FREE_FUNCTIONS) {
    kd[name] = (x, ...args) => {
      if (!(x instanceof Tensor)) throw typeError(`${name}(): input must be a Tensor, got ${describe(x)}`);
      return x[name](...args);
    };
  }

  if (ctx.build === 'mt' && ctx.numThreads !== undefined) runtime.setNumThreads(ctx.numThreads);
}
