// Module hooks that let node load tfjs-core's ES module files (dist/*.js with extension-less
// imports, in a package not marked "type": "module"). Needed because tfjs-core registers its
// gradients only from dist/register_all_gradients.js; its CommonJS bundle has none, so on
// tfjs-core alone no gradient, and no training step, would run.
const TFJS_CORE_DIST = /\/node_modules\/@tensorflow\/tfjs-core\/dist\//;

export async function resolve(specifier, context, next) {
  if (specifier.startsWith('.') && TFJS_CORE_DIST.test(context.parentURL ?? '') && !/\.(m?js|json)$/.test(specifier)) {
    for (const suffix of ['.js', '/index.js']) {
      try {
        return await next(specifier + suffix, context);
      } catch { /* try the next form */ }
    }
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (TFJS_CORE_DIST.test(url) && url.endsWith('.js')) return next(url, { ...context, format: 'module' });
  return next(url, context);
}
