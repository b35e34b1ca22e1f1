// kd.nn: modules (built-in ones backed by C++, and modules written in JS), containers,
// kd.nn.functional, kd.nn.init and kd.nn.utils. The parts:
//   nn_args.mjs        options objects and tensor arguments, shared by the others
//   nn_module.mjs      kd.nn.Module: registration, the C++ walks, hooks, state, printing
//   nn_layers.mjs      the built-in modules and the containers
//   nn_functional.mjs  kd.nn.functional, kd.nn.init, kd.nn.utils, t.sparseGrad
import { makeNnArgs } from './nn_args.mjs';
import { makeModuleClass } from './nn_module.mjs';
import { installLayers } from './nn_layers.mjs';
import { installFunctional } from './nn_functional.mjs';

export function installNnApi(ctx, kd) {
  const nnArgs = makeNnArgs(ctx);
  const modules = makeModuleClass(ctx, kd, nnArgs);
  const nn = { Module: modules.Module, Parameter: ctx.Parameter };
  installLayers(ctx, nn, nnArgs, modules);
  installFunctional(ctx, kd, nn, nnArgs);
  kd.nn = nn;
  // Shared with optim.mjs (clipGradNorm_ lives in kd.nn.utils as in PyTorch) and serialize.mjs.
  const { parseOptions, tensorArg, optTensor, withInputs, optionsJson } = nnArgs;
  ctx.nn = { Module: modules.Module, parseOptions, tensorArg, optTensor, withInputs, optionsJson };
}
