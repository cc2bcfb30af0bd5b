"""Conversion entry point run inside the asset virtualenv: convert.py KIND IN OUT.

KIND is `tflite` (TFLite flatbuffer -> ONNX), `imgly_fp32` (fp16 ISNet -> fp32,
single `output`) or `imgly_int8` (that fp32 graph quantized to static int8 with
the kept calibration ranges, `isnet_int8.py`).
"""

import sys
from pathlib import Path

import onnx

import isnet_int8
import onnx_fp32
import tflite_to_onnx


def main(argv: list[str]) -> int:
    kind, src, dst = argv
    if kind == "tflite":
        with open(src, "rb") as f:
            model = tflite_to_onnx.convert(f.read())
    elif kind == "imgly_fp32":
        model = onnx_fp32.to_fp32(onnx.load(src), ["output"])
    elif kind == "imgly_int8":
        isnet_int8.to_int8(onnx_fp32.to_fp32(onnx.load(src), ["output"]), Path(dst))
        return 0
    else:
        print(f"unknown conversion {kind}", file=sys.stderr)
        return 2
    onnx.save(model, dst)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
