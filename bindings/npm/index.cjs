// The CommonJS entry: `const kindling = require('kindling'); const kd = await kindling();`.
// The library itself is ESM; CommonJS can still load it with a dynamic import, which the
// factory is async anyway. Error classes are on the instance: `kd.errors.ShapeError`.
'use strict';

function kindling(options) {
  return import('./dist/node.mjs').then((module) => module.default(options));
}

module.exports = kindling;
module.exports.default = kindling;
