// The op table: every Tensor method, declared once. bindings/optable/generate.mjs turns it into
//   core/tensor/tensor_methods.inc        the C++ Tensor method declarations (inside class Tensor)
//   core/ops/tensor_methods_impl.inc      their bodies, forwarding to the free functions of core/ops
//   bindings/embind/tensor_ops.inc        the raw Embind functions ('Tensor.<name>', by address)
//   bindings/js/tensor_ops.mjs            the JS methods (arguments checked by kind) and kd.<name>
//   bindings/npm/types/tensor_ops.d.ts    their types and doc comments
// The generated files are committed; tests/node/optable.test.mjs fails when one differs from
// what this table makes (regenerate with `make optable`).
//
// An entry:
//   js       the public JS name (PyTorch's, camelCased); the C++ name is its snake_case (`cpp` overrides)
//   args     'kind name = default, ...' (kinds below); C++ names are snake_case, JS names camelCase
//   ret      'Tensor' (default), 'inplace' (Tensor&, JS returns this), 'pair' (two tensors),
//            'int', 'bool', 'double', 'string', 'shape' (an array of ints)
//   cpp      how the C++ method comes about: 'forward' (default: generated, calls kd::<fn>),
//            'member' (declared here, defined by hand in core: tensor.cpp or ops/inplace.cpp),
//            'core' (a member of tensor.h's hand-written part), 'none' (no method: `raw` is the body)
//   fn       the free function a forwarding method calls, when not kd::<cpp name>; `body` a whole expression
//   scalarDirect  the Scalar overload forwards the Scalar itself (kd::mul(t, Scalar)); without it,
//            as a 0-d tensor promoted as PyTorch promotes a Python number (wrapped_scalar)
//   raw      the raw Embind body, when it is not self.<cpp>(args) (`self` is the tensor)
//   overload the raw name's suffix when two entries share a JS name (raw 'Tensor.max.dim')
//   jsKind   'method' (default: generated), 'getter', 'manual' (written by hand in bindings/js/tensor_class.mjs,
//            listed in MANUAL there) or 'raw' (only a raw function, used by a manual method)
//   free     also a free function kd.<js>(x, ...args) (manual methods too)
//   doc      the doc comment of the JS method and its type
//   ts       the TypeScript type of the result, when the kind of `ret` says too little
//
// Argument kinds (JS check -> wire type -> C++ type):
//   tensor          a Tensor                         -> address -> const Tensor&
//   tensor?         a Tensor, or null/undefined      -> address (0: none) -> const Tensor& (undefined)
//   tensor|number   a Tensor or a number/boolean (first argument only): two C++ overloads,
//                   (const Tensor&, the other arguments) and (Scalar) alone; a number calls the raw
//                   'Tensor.<name>.Scalar'. That is the one naming rule of scalar overloads.
//   int, int?       a safe integer (int?: null/undefined -> none) -> double -> int64_t / std::optional<int64_t>
//   number, number? a number (number?: null/undefined -> none)   -> double -> double / std::optional<double>
//   value           a number or a boolean (a fill value)          -> double -> double
//   bool            a boolean                                     -> bool -> bool
//   dtype           'float32' | 'int64' | 'bool'                  -> string -> DType
//   shape           sizes as (2, 3) or ([2, 3]), -1 allowed (the last argument only) -> array -> const Shape&
//   size            an array of non-negative ints                 -> array -> const Shape&
//   ints            an array of ints                              -> array -> const Shape&

const G = (group, entries) => entries.map((e) => ({ group, ...e }));

export const TENSOR_OPS = [
  ...G('geometry', [
    { js: 'shape', ret: 'shape', cpp: 'core', jsKind: 'getter', doc: 'The sizes, as an array of numbers (a new array each time).' },
    { js: 'strides', ret: 'shape', cpp: 'core', jsKind: 'raw' },
    { js: 'dtype', ret: 'string', cpp: 'core', raw: 'kd::dtype_name(self.dtype())', jsKind: 'getter', ts: 'DType', doc: '\'float32\', \'int64\' or \'bool\'.' },
    { js: 'dim', ret: 'int', cpp: 'core', doc: 'The number of dimensions.' },
    { js: 'numel', ret: 'int', cpp: 'core', doc: 'The number of elements.' },
    { js: 'storageOffset', ret: 'int', cpp: 'core', doc: 'The offset of the first element in the storage, in elements.' },
    { js: 'isContiguous', ret: 'bool', cpp: 'core', doc: 'Whether the elements lie in row-major order without gaps.' },
  ]),
  ...G('values out', [
    { js: 'item', ret: 'double', cpp: 'core', raw: 'self.item<double>()', jsKind: 'manual' },
    { js: 'toString', ret: 'string', cpp: 'core', raw: 'self.to_string()', jsKind: 'manual' },
  ]),
  ...G('autograd', [
    { js: 'requiresGrad', ret: 'bool', cpp: 'core', jsKind: 'manual' },
    { js: 'requiresGrad_', args: 'bool requires_grad = true', ret: 'inplace', cpp: 'member', doc: 'Sets requires_grad (default true); only on leaves.' },
    { js: 'grad', cpp: 'member', jsKind: 'manual' },
    { js: 'setGrad', cpp: 'core', args: 'tensor? grad', ret: 'inplace', raw: 'self.set_grad(grad)', jsKind: 'manual' },
    { js: 'isLeaf', ret: 'bool', cpp: 'core', jsKind: 'getter', doc: 'True for a tensor no recorded op made (an input or a parameter).' },
    { js: 'gradFnName', ret: 'string', cpp: 'none', raw: 'self.grad_fn() ? self.grad_fn()->name() : std::string()', jsKind: 'raw' },
    { js: 'version', ret: 'int', cpp: 'core', jsKind: 'getter', doc: 'The version counter (torch\'s x._version): in-place ops bump it.' },
    { js: 'retainsGrad', ret: 'bool', cpp: 'none', raw: 'self.defined() && self.impl()->retains_grad', jsKind: 'getter', doc: 'Whether retainGrad() was called on this non-leaf.' },
    { js: 'retainGrad', ret: 'inplace', cpp: 'core', doc: 'Keeps .grad for this non-leaf tensor at the next backward.' },
    { js: 'backward', args: 'tensor? gradient, bool retain_graph, bool create_graph', ret: 'inplace', cpp: 'core', jsKind: 'manual' },
    { js: 'detach', cpp: 'member', free: true, doc: 'Shares storage and version counter, no autograd history.' },
    { js: 'detach_', ret: 'inplace', cpp: 'member', doc: 'Detaches this tensor from its history in place (not on views).' },
    { js: 'data', cpp: 'member', jsKind: 'getter', doc: 'torch\'s .data: shares the values, no history, changes invisible to autograd.' },
  ]),
  ...G('views (share storage)', [
    { js: 'view', args: 'shape shape', free: true, doc: 'The same values with another shape (one size may be -1); no copy, so the strides must allow it.' },
    { js: 'reshape', args: 'shape shape', free: true, doc: 'view() when the strides allow it, else a copy with the new shape.' },
    { js: 'contiguous', doc: 'This tensor if row-major already, else a row-major copy.' },
    { js: 'transpose', args: 'int dim0, int dim1', free: true, doc: 'dim0 and dim1 swapped (a view).' },
    { js: 'permute', args: 'shape dims', free: true, doc: 'The dims in the given order (a view).' },
    { js: 't', free: true, doc: 'The transpose of a 2-d tensor (a 0-d or 1-d one as it is).' },
    { js: 'unsqueeze', args: 'int dim', free: true, doc: 'A size-1 dim inserted at `dim` (a view).' },
    { js: 'squeeze', jsKind: 'manual', free: true },
    { js: 'squeeze', overload: 'dim', args: 'int dim', jsKind: 'raw' },
    { js: 'expand', args: 'shape shape', free: true, doc: 'Size-1 dims repeated to `shape` without copying (-1 keeps a size).' },
    { js: 'expandAs', args: 'tensor other', body: 'kd::expand(*this, other.shape())', doc: 'expand(other.shape).' },
    { js: 'narrow', args: 'int dim, int start, int length', free: true, doc: '`length` elements from `start` along `dim` (a view).' },
    { js: 'select', args: 'int dim, int index', free: true, doc: 'The slice at `index` along `dim`, without that dim (a view).' },
    { js: 'slice', args: 'int dim, int? start = null, int? end = null, int step = 1', doc: 'x[start:end:step] along `dim` (null start or end: from the beginning / to the end).' },
    { js: 'flatten', args: 'int start_dim = 0, int end_dim = -1', free: true, doc: 'The dims from startDim to endDim merged into one.' },
    { js: 'asStrided', args: 'size size, ints stride, int storage_offset = 0', doc: 'A view with the given sizes, strides and storage offset (elements).' },
  ]),
  ...G('copies and indexing', [
    { js: 'clone', free: true, doc: 'A copy with its own storage; gradients flow back to this tensor.' },
    { js: 'to', args: 'dtype dtype', fn: 'to_dtype', doc: 'The values converted to `dtype`.' },
    { js: 'indexSelect', args: 'int dim, tensor index', free: true, doc: 'The entries of `index` (int64, 1-d) along `dim`.' },
    { js: 'gather', args: 'int dim, tensor index', free: true, doc: 'out[i][j] = this[index[i][j]][j] for dim 0 (and likewise for other dims).' },
    { js: 'scatterAdd', args: 'int dim, tensor index, tensor src', free: true, doc: 'A copy with src added at the positions `index` names along `dim`.' },
    { js: 'maskedFill', args: 'tensor mask, value value', free: true, doc: 'A copy with `value` where the bool `mask` (broadcast) is true.' },
  ]),
  ...G('element-wise', [
    { js: 'add', args: 'tensor|number other, number alpha = 1', jsKind: 'manual', free: true },
    { js: 'sub', args: 'tensor|number other, number alpha = 1', jsKind: 'manual', free: true },
    { js: 'rsub', overload: 'Scalar', args: 'number other', cpp: 'none', raw: 'kd::Scalar::from_js_number(other) - self', jsKind: 'manual', free: true },
    { js: 'rdiv', overload: 'Scalar', args: 'number other', cpp: 'none', raw: 'kd::Scalar::from_js_number(other) / self', jsKind: 'manual' },
    { js: 'mul', args: 'tensor|number other', scalarDirect: true, free: true, doc: 'this * other, broadcast; other may be a number.' },
    { js: 'div', args: 'tensor|number other', scalarDirect: true, free: true, doc: 'this / other (true division), broadcast; other may be a number.' },
    { js: 'pow', args: 'tensor|number exponent', scalarDirect: true, free: true, doc: 'this ** exponent, broadcast; the exponent may be a number.' },
    { js: 'neg', free: true, doc: '-x, element-wise.' },
    { js: 'exp', free: true, doc: 'e^x, element-wise.' },
    { js: 'log', free: true, doc: 'The natural logarithm, element-wise.' },
    { js: 'sqrt', free: true, doc: 'The square root, element-wise.' },
    { js: 'square', free: true, doc: 'x * x, element-wise (torch.square); an integral tensor stays int64.' },
    { js: 'abs', free: true, doc: '|x|, element-wise.' },
    { js: 'tanh', free: true, doc: 'tanh(x), element-wise.' },
    { js: 'sigmoid', free: true, doc: '1 / (1 + e^-x), element-wise.' },
    { js: 'relu', free: true, doc: 'max(x, 0), element-wise.' },
    { js: 'gelu', free: true, doc: 'x·Φ(x) (the exact GELU), element-wise.' },
    { js: 'clamp', args: 'number? min, number? max', jsKind: 'manual', free: true },
    { js: 'eq', args: 'tensor|number other', free: true, doc: 'this == other, element-wise (bool); other may be a number.' },
    { js: 'ne', args: 'tensor|number other', free: true, doc: 'this != other, element-wise (bool); other may be a number.' },
    { js: 'lt', args: 'tensor|number other', free: true, doc: 'this < other, element-wise (bool); other may be a number.' },
    { js: 'le', args: 'tensor|number other', free: true, doc: 'this <= other, element-wise (bool); other may be a number.' },
    { js: 'gt', args: 'tensor|number other', free: true, doc: 'this > other, element-wise (bool); other may be a number.' },
    { js: 'ge', args: 'tensor|number other', free: true, doc: 'this >= other, element-wise (bool); other may be a number.' },
    { js: 'logicalNot', free: true, doc: 'The logical not, element-wise (bool).' },
  ]),
  ...G('reductions', [
    { js: 'sum', jsKind: 'manual', free: true },
    { js: 'sum', overload: 'dims', args: 'ints dims, bool keepdim = false', jsKind: 'raw' },
    { js: 'mean', jsKind: 'manual', free: true },
    { js: 'mean', overload: 'dims', args: 'ints dims, bool keepdim = false', jsKind: 'raw' },
    { js: 'max', jsKind: 'manual', free: true },
    { js: 'max', overload: 'dim', args: 'int dim, bool keepdim = false', ret: 'pair', jsKind: 'raw' },
    { js: 'min', jsKind: 'manual', free: true },
    { js: 'min', overload: 'dim', args: 'int dim, bool keepdim = false', ret: 'pair', jsKind: 'raw' },
    { js: 'argmax', args: 'int? dim = null, bool keepdim = false', jsKind: 'manual', free: true },
    { js: 'argmin', args: 'int? dim = null, bool keepdim = false', jsKind: 'manual', free: true },
    { js: 'var', args: 'ints? dims = null, bool unbiased = true, bool keepdim = false', jsKind: 'manual', free: true },
    { js: 'std', args: 'ints? dims = null, bool unbiased = true, bool keepdim = false', jsKind: 'manual', free: true },
    { js: 'norm', args: 'number p = 2, ints? dims = null, bool keepdim = false', jsKind: 'manual', free: true },
    { js: 'softmax', args: 'int dim', free: true, doc: 'exp(x) / sum(exp(x)) along `dim`.' },
    { js: 'logSoftmax', args: 'int dim', free: true, doc: 'log(softmax(x)) along `dim`, computed stably.' },
  ]),
  ...G('linear algebra', [
    { js: 'matmul', args: 'tensor other', free: true, doc: 'The matrix product with PyTorch\'s rules for 1-d, 2-d and batched (broadcast) operands.' },
    { js: 'mm', args: 'tensor other', free: true, doc: 'The product of two 2-d tensors.' },
    { js: 'bmm', args: 'tensor other', free: true, doc: 'The batched product of two 3-d tensors.' },
  ]),
  ...G('in place (bump the version counter; return this)', [
    { js: 'add_', args: 'tensor|number other, number alpha = 1', ret: 'inplace', cpp: 'member', jsKind: 'manual' },
    { js: 'sub_', args: 'tensor other, number alpha = 1', ret: 'inplace', cpp: 'member', jsKind: 'manual' },
    { js: 'mul_', args: 'tensor|number other', ret: 'inplace', cpp: 'member', doc: 'this *= other in place; other may be a number.' },
    { js: 'div_', args: 'tensor|number other', ret: 'inplace', cpp: 'member', doc: 'this /= other in place; other may be a number.' },
    { js: 'zero_', ret: 'inplace', cpp: 'member', doc: 'Fills with zeros in place.' },
    { js: 'fill_', args: 'value value', ret: 'inplace', cpp: 'member', doc: 'Fills with `value` in place.' },
    { js: 'copy_', args: 'tensor src', ret: 'inplace', cpp: 'member', doc: 'Copies src\'s values (broadcast) into this tensor in place.' },
    { js: 'normal_', args: 'number mean = 0, number std = 1', ret: 'inplace', cpp: 'member', jsKind: 'manual' },
    { js: 'uniform_', args: 'number from = 0, number to = 1', ret: 'inplace', cpp: 'member', jsKind: 'manual' },
    { js: 'clamp_', args: 'number? min, number? max', ret: 'inplace', cpp: 'member', jsKind: 'manual' },
    { js: 'maskedFill_', args: 'tensor mask, value value', ret: 'inplace', cpp: 'member', doc: 'Writes `value` where the bool `mask` (broadcast) is true, in place.' },
  ]),
];
