// --pre-js of the node builds. Node 20 has a global fetch, and the 3.1.6 glue then tries to
// fetch the .wasm by file path and fails; so the main thread reads it with fs and hands it
// over. Pthread workers receive the compiled module by message and skip this.
if (typeof process === 'object' && typeof require === 'function' && typeof __filename === 'string' &&
    !Module['wasmBinary'] && !Module['wasmModule'] && !Module['ENVIRONMENT_IS_PTHREAD']) {
  Module['wasmBinary'] = require('fs').readFileSync(__filename.replace(/\.js$/, '.wasm'));
}
