// The safetensors reader and writer every exported train.py carries (PyTorch programs need no
// `safetensors` package: Debian has none), and load_weights, which prefers the package when it
// is installed. Python text, spliced into each preset's program.
export const SAFETENSORS_PY = `# safetensors dtype -> numpy's little-endian type
SAFETENSORS_DTYPES = {'F32': '<f4', 'F64': '<f8', 'I32': '<i4', 'I64': '<i8', 'BOOL': '|b1'}


def read_safetensors(path):
    """{name: tensor} from a safetensors file: an 8-byte little-endian length n, n bytes of
    JSON {name: {"dtype", "shape", "data_offsets": [begin, end]}} (and "__metadata__"),
    then the raw little-endian data, the offsets counted from its start."""
    data = Path(path).read_bytes()
    n = int.from_bytes(data[:8], 'little')
    if len(data) < 8 or 8 + n > len(data):
        raise ValueError(f'{path}: the header runs past the end of the file ({len(data)} bytes)')
    header = json.loads(data[8:8 + n])
    header.pop('__metadata__', None)
    tensors = {}
    for name, entry in header.items():
        if entry['dtype'] not in SAFETENSORS_DTYPES:
            raise ValueError(f'{path}: tensor {name!r} is {entry["dtype"]}; this reader knows {", ".join(SAFETENSORS_DTYPES)}')
        dtype = numpy.dtype(SAFETENSORS_DTYPES[entry['dtype']])
        begin, end = entry['data_offsets']
        count = math.prod(entry['shape'])
        if end - begin != count * dtype.itemsize or 8 + n + end > len(data):
            raise ValueError(f'{path}: tensor {name!r}: data_offsets {[begin, end]} do not hold its shape {entry["shape"]} in the file')
        values = numpy.frombuffer(data, dtype, count, 8 + n + begin).reshape(entry['shape'])
        tensors[name] = torch.from_numpy(values.astype(dtype.newbyteorder('=')))
    return tensors


def write_safetensors(tensors, path):
    """Writes {name: tensor} in the format read_safetensors reads."""
    names = {numpy.dtype(t): name for name, t in SAFETENSORS_DTYPES.items()}
    header, chunks, offset = {}, [], 0
    for name, tensor in tensors.items():
        values = tensor.detach().cpu().contiguous().numpy()
        values = values.astype(values.dtype.newbyteorder('<'))
        chunk = values.tobytes()
        header[name] = {'dtype': names[values.dtype], 'shape': list(values.shape), 'data_offsets': [offset, offset + len(chunk)]}
        chunks.append(chunk)
        offset += len(chunk)
    text = json.dumps(header, separators=(',', ':')).encode()
    text += b' ' * (-len(text) % 8)  # the data starts 8-byte aligned
    Path(path).write_bytes(len(text).to_bytes(8, 'little') + text + b''.join(chunks))


def load_weights(path):
    """{name: tensor} from a safetensors file, and which reader read it."""
    try:
        from safetensors.torch import load_file
    except ImportError:
        return read_safetensors(path), 'read_safetensors in train.py'
    return load_file(path), 'safetensors.torch'
`;
