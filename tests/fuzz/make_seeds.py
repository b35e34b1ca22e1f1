"""Writes the seed corpora of the libFuzzer targets: tests/fuzz/corpus/<target>/seed-*.

Valid and broken inputs for each reader, so that fuzzing starts from the formats' real shapes
and `make test` (which replays the corpora) checks both paths. Crashes found by `make fuzz` are
added next to them by hand as crash-<what> files, each with a regression test in
tests/native/test_hardening_regressions.cpp. Run: python3 tests/fuzz/make_seeds.py
"""
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def safetensors(tensors, metadata=None, header_override=None, pad=True):
    header = {}
    data = b""
    for name, (dtype, shape, payload) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(payload)]}
        data += payload
    if metadata is not None:
        header["__metadata__"] = metadata
    text = header_override if header_override is not None else json.dumps(header)
    raw = text.encode()
    if pad:
        raw += b" " * (-len(raw) % 8)
    return struct.pack("<Q", len(raw)) + raw + data


def f32(*values):
    return struct.pack(f"<{len(values)}f", *values)


SAFETENSORS = {
    "weights": safetensors({"layer.weight": ("F32", [2, 2], f32(1, 2, 3, 4)), "layer.bias": ("F32", [2], f32(0.5, -1))}),
    "int64-bool": safetensors({"idx": ("I64", [3], struct.pack("<3q", 0, 5, -1)), "mask": ("BOOL", [2], b"\x01\x00")},
                              metadata={"format": "pt"}),
    "scalar-and-empty": safetensors({"s": ("F32", [], f32(7)), "e": ("F32", [0, 3], b"")}),
    "empty-file": safetensors({}),
    "truncated-data": safetensors({"w": ("F32", [4], f32(1, 2, 3, 4))})[:-5],
    "offsets-past-end": safetensors({}, header_override='{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,64]}}'),
    "shape-mismatch": safetensors({}, header_override='{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,4]}}') + f32(1),
    "huge-shape": safetensors({}, header_override='{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}') + f32(1),
    "unknown-dtype": safetensors({}, header_override='{"w":{"dtype":"F8","shape":[1],"data_offsets":[0,1]}}') + b"\x00",
    "overlap": safetensors({}, header_override='{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},'
                                                '"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}') + f32(1),
    "header-too-long": struct.pack("<Q", 2 ** 40) + b"{}",
    "not-json": safetensors({}, header_override="{nope"),
    "short": b"\x08\x00\x00",
}

EMBEDDINGS = {  # first byte: options (see fuzz_embeddings_text.cpp)
    "glove": b"\x02the 0.1 0.2 0.3\ncat -1 2.5e-3 .5\n",
    "word2vec": b"\x00" + b"2 3\nthe 0.1 0.2 0.3\ncat 1 2 3\n",
    "crlf-tabs": b"\x02a\t1\t2\r\nb 3 4 \r\n",
    "nonfinite-allowed": b"\x0ax nan inf\ny -Infinity 1\n",
    "nonfinite-refused": b"\x02x nan inf\n",
    "ragged": b"\x02a 1 2\nb 1\n",
    "duplicate-keep-first": b"\x06a 1\na 2\n",
    "header-count-wrong": b"\x01" + b"3 1\na 1\n",
    "bad-number": b"\x02a 1.0abc\n",
    "blank-line": b"\x02a 1\n\nb 2\n",
    "overflow": b"\x02a 1e39\n",
}

JSON = {
    "object": b'{"a": [1, 2.5, -3e-2, true, false, null], "b": {"c": "\\u00e9\\n"}}',
    "numbers": b"[0, -0, 1e308, 123456789012345678, 0.1, 5e-324]",
    "deep": b"[" * 70 + b"]" * 70,
    "unterminated": b'{"a": [1, 2',
    "trailing-comma": b"[1, 2,]",
    "bad-escape": b'"\\x41"',
    "lone-surrogate": b'"\\ud800"',
    "control-char": b'"a\x01b"',
    "leading-zero": b"[01]",
    "duplicate-keys": b'{"a": 1, "a": 2}',
    "two-values": b"1 2",
    "big-exponent": b"1e999",
}

OPTIONS = {  # first byte: optimizer kind + require_all + state-dict mode (see fuzz_options.cpp)
    "sgd": b"\x00" + b'{"lr": 0.1, "momentum": 0.9, "nesterov": true, "dampening": 0}',
    "adam-betas": b"\x01" + b'{"lr": 0.001, "betas": [0.9, 0.999], "eps": 1e-8, "amsgrad": false}',
    "adamw-all": b"\x08" + b'{"lr": 0.001, "betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0.01, "amsgrad": false, "maximize": false}',
    "adagrad": b"\x03" + b'{"lr_decay": 0, "initial_accumulator_value": 0.5}',
    "rmsprop-centered": b"\x04" + b'{"alpha": 0.99, "centered": true, "momentum": 0.5}',
    "sparse-adam": b"\x05" + b'{"betas": [0.5, 0.5]}',
    "negative-lr": b"\x00" + b'{"lr": -1}',
    "unknown-key": b"\x01" + b'{"lr": 0.1, "bogus": 1}',
    "wrong-type": b"\x01" + b'{"betas": "fast"}',
    "bad-beta": b"\x01" + b'{"betas": [1.5, 0.9]}',
    "nesterov-no-momentum": b"\x00" + b'{"nesterov": true}',
    "not-object": b"\x02" + b"[1, 2]",
    "state-dict-groups": b"\x0c" + b'[{"lr": 0.5, "momentum": 0.9, "dampening": 0, "weight_decay": 0, "nesterov": false, "maximize": false, "params": [0, 1]}]',
    "state-dict-bad-params": b"\x0d" + b'[{"lr": 0.5, "params": [0, 0]}]',
    "state-dict-not-array": b"\x0e" + b'{"params": [0, 1]}',
}


def tensor_data(dtype, dims, ops, values):
    """[dtype][rank][dims][op count][3 bytes per op][values] (see fuzz_tensor_data.cpp)."""
    head = bytes([dtype, len(dims)]) + bytes(d & 0xFF for d in dims) + bytes([len(ops)])
    return head + b"".join(bytes(x & 0xFF for x in op) for op in ops) + values


TENSOR_DATA = {
    "matrix-views": tensor_data(0, [2, 3], [(2, 3, 4), (10, 3, 3), (11, 3, 0)], f32(*range(6))),
    "int64-index": tensor_data(1, [4], [(12, 3, 4), (13, 1, 0)], struct.pack("<4q", 1, -2, 3, 2 ** 62)),
    "bool-mask": tensor_data(2, [2, 2], [(16, 5, 0), (0, 5, 5)], b"\x01\x00\x01\x01"),
    "wrong-count": tensor_data(0, [3, 3], [], f32(1, 2)),
    "negative-dim": tensor_data(0, [-1, 2], [], f32(1, 2)),
    "empty": tensor_data(0, [0, 4], [(1, 3, 3), (6, 5, 3)], b""),
    "strided": tensor_data(0, [6], [(14, 4, 5), (8, 3, 4)], f32(*range(6))),
    "scalar": tensor_data(0, [], [(4, 3, 0), (9, 3, 5)], f32(3.5)),
}


def main():
    targets = {"fuzz_safetensors": SAFETENSORS, "fuzz_embeddings_text": EMBEDDINGS, "fuzz_json": JSON,
               "fuzz_options": OPTIONS, "fuzz_tensor_data": TENSOR_DATA}
    for target, seeds in targets.items():
        folder = os.path.join(HERE, "corpus", target)
        os.makedirs(folder, exist_ok=True)
        for name, data in seeds.items():
            with open(os.path.join(folder, f"seed-{name}"), "wb") as f:
                f.write(data)
        print(f"{target}: {len(seeds)} seeds")


if __name__ == "__main__":
    main()
