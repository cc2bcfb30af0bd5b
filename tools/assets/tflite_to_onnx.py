"""Convert the MediaPipe TFLite models Xuancai uses into ONNX graphs.

PyPI's `tflite2onnx` lacks operators these models need (HARD_SWISH, fp16
DEQUANTIZE, PRELU and MediaPipe's custom `Convolution2DTransposeBias`), so this
is a small converter of our own over the `tflite` (flatbuffer schema) and `onnx`
packages. It supports exactly the operator set of the models we ship and fails
loudly on anything else.

Layout: TFLite is NHWC, ONNX convolutions are NCHW. Graph inputs and outputs
keep the TFLite (NHWC) layout so callers see the same tensors as with the
TFLite interpreter; every 4-D activation inside the graph is NCHW. Constant
tensors (including fp16 weights behind DEQUANTIZE) are folded to fp32
initialisers at conversion time.

Usage: python tflite_to_onnx.py IN.tflite OUT.onnx
"""

from __future__ import annotations

import struct
import sys

import numpy as np
import onnx
import tflite
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
_OPNAMES = {v: k for k, v in tflite.BuiltinOperator.__dict__.items() if not k.startswith("_")}
_DTYPES = {
    tflite.TensorType.FLOAT32: np.float32,
    tflite.TensorType.FLOAT16: np.float16,
    tflite.TensorType.INT32: np.int32,
    tflite.TensorType.INT64: np.int64,
    tflite.TensorType.UINT8: np.uint8,
    tflite.TensorType.INT8: np.int8,
}
NHWC_TO_NCHW = [0, 3, 1, 2]
NCHW_TO_NHWC = [0, 2, 3, 1]


class UnsupportedModel(Exception):
    """The model uses an operator or option this converter does not handle."""


class _Converter:
    def __init__(self, data: bytes):
        self.model = tflite.Model.GetRootAsModel(data, 0)
        if self.model.SubgraphsLength() != 1:
            raise UnsupportedModel("only single-subgraph models are supported")
        self.g = self.model.Subgraphs(0)
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []
        self.consts: dict[int, np.ndarray] = {}
        self.counter = 0
        for i in range(self.g.TensorsLength()):
            t = self.g.Tensors(i)
            buf = self.model.Buffers(t.Buffer())
            if buf is not None and buf.DataLength() > 0:
                dtype = _DTYPES.get(t.Type())
                if dtype is None:
                    raise UnsupportedModel(f"tensor type {t.Type()} of {t.Name()!r}")
                arr = np.frombuffer(buf.DataAsNumpy().tobytes(), dtype=dtype)
                self.consts[i] = arr.reshape(t.ShapeAsNumpy().tolist())

    # -- helpers -----------------------------------------------------------
    def shape(self, idx: int) -> list[int]:
        return self.g.Tensors(idx).ShapeAsNumpy().tolist()

    def name(self, idx: int) -> str:
        return f"t{idx}_" + self.g.Tensors(idx).Name().decode().replace(";", "_")

    def fresh(self, hint: str) -> str:
        self.counter += 1
        return f"_{hint}_{self.counter}"

    def const(self, arr: np.ndarray, hint: str = "c") -> str:
        n = self.fresh(hint)
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), n))
        return n

    def node(self, op: str, ins: list[str], outs: list[str], **attrs) -> None:
        self.nodes.append(helper.make_node(op, ins, outs, name=self.fresh(op), **attrs))

    def operand(self, idx: int, other_rank: int = 4) -> str:
        """An input of an elementwise op: activations by name, constants laid out NCHW."""
        if idx in self.consts:
            arr = self.consts[idx].astype(np.float32)
            if other_rank == 4:
                if arr.ndim == 4:
                    arr = arr.transpose(NHWC_TO_NCHW)
                elif arr.ndim == 3:
                    arr = arr.transpose(2, 0, 1)
                elif arr.ndim == 1 and arr.size > 1:
                    arr = arr.reshape(-1, 1, 1)
            return self.const(arr)
        return self.name(idx)

    def activation(self, fused: int, out: str) -> tuple[str, str | None]:
        """Returns (name the op should write, activation op type or None)."""
        if fused == tflite.ActivationFunctionType.NONE:
            return out, None
        act = {
            tflite.ActivationFunctionType.RELU: "Relu",
            tflite.ActivationFunctionType.RELU6: "Relu6",
        }.get(fused)
        if act is None:
            raise UnsupportedModel(f"fused activation {fused}")
        return self.fresh("preact"), act

    def finish_activation(self, pre: str, act: str | None, out: str) -> None:
        if act == "Relu":
            self.node("Relu", [pre], [out])
        elif act == "Relu6":
            self.node("Clip", [pre, self.const(np.float32(0)), self.const(np.float32(6))], [out])

    @staticmethod
    def same_pads(in_hw, k_hw, s_hw, d_hw=(1, 1)) -> list[int]:
        """TensorFlow SAME padding: the odd pixel goes at the end."""
        pads_begin, pads_end = [], []
        for n, k, s, d in zip(in_hw, k_hw, s_hw, d_hw):
            eff = (k - 1) * d + 1
            out = -(-n // s)
            total = max((out - 1) * s + eff - n, 0)
            pads_begin.append(total // 2)
            pads_end.append(total - total // 2)
        return pads_begin + pads_end

    # -- operators ---------------------------------------------------------
    def convert(self) -> onnx.ModelProto:
        g = self.g
        inputs, outputs = [], []
        for i in range(g.InputsLength()):
            idx = g.Inputs(i)
            shp = self.shape(idx)
            ext = self.g.Tensors(idx).Name().decode()
            inputs.append(helper.make_tensor_value_info(ext, TensorProto.FLOAT, shp))
            if len(shp) == 4:
                self.node("Transpose", [ext], [self.name(idx)], perm=NHWC_TO_NCHW)
            else:
                self.node("Identity", [ext], [self.name(idx)])
        for i in range(g.OperatorsLength()):
            self.op(g.Operators(i))
        for i in range(g.OutputsLength()):
            idx = g.Outputs(i)
            shp = self.shape(idx)
            ext = self.g.Tensors(idx).Name().decode()
            outputs.append(helper.make_tensor_value_info(ext, TensorProto.FLOAT, shp))
            if len(shp) == 4:
                self.node("Transpose", [self.name(idx)], [ext], perm=NCHW_TO_NHWC)
            else:
                self.node("Identity", [self.name(idx)], [ext])
        graph = helper.make_graph(self.nodes, "xuancai", inputs, outputs, self.inits)
        model = helper.make_model(
            graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="xuancai-tflite2onnx"
        )
        model.ir_version = 8
        onnx.checker.check_model(model)
        return model

    @staticmethod
    def op_kind(oc) -> str:
        code = max(oc.BuiltinCode(), oc.DeprecatedBuiltinCode())
        return _OPNAMES.get(code, str(code))

    def op(self, op) -> None:  # noqa: C901 - one branch per operator is the clearest form
        oc = self.model.OperatorCodes(op.OpcodeIndex())
        kind = self.op_kind(oc)
        ins = op.InputsAsNumpy().tolist()
        outs = op.OutputsAsNumpy().tolist()
        out = self.name(outs[0])

        if kind == "DEQUANTIZE":
            if ins[0] not in self.consts:
                raise UnsupportedModel("DEQUANTIZE of a non-constant tensor")
            self.consts[outs[0]] = self.consts[ins[0]].astype(np.float32)
            return
        if all(i in self.consts for i in ins if i >= 0) and kind not in ("CUSTOM",):
            raise UnsupportedModel(f"{kind} on constants only (constant folding not implemented)")

        if kind in ("CONV_2D", "DEPTHWISE_CONV_2D"):
            opts_cls = tflite.Conv2DOptions if kind == "CONV_2D" else tflite.DepthwiseConv2DOptions
            opts = opts_cls()
            opts.Init(op.BuiltinOptions().Bytes, op.BuiltinOptions().Pos)
            w = self.consts[ins[1]].astype(np.float32)
            in_shape = self.shape(ins[0])
            if kind == "CONV_2D":
                weight = w.transpose(0, 3, 1, 2)  # OHWI -> OIHW
                group = 1
            else:
                weight = w.transpose(3, 0, 1, 2)  # 1HW(C*M) -> (C*M)1HW
                group = in_shape[3]
            k = list(weight.shape[2:])
            strides = [opts.StrideH(), opts.StrideW()]
            dil = [opts.DilationHFactor(), opts.DilationWFactor()]
            if opts.Padding() == tflite.Padding.SAME:
                pads = self.same_pads(in_shape[1:3], k, strides, dil)
            else:
                pads = [0, 0, 0, 0]
            node_ins = [self.name(ins[0]), self.const(weight, "w")]
            if len(ins) > 2 and ins[2] >= 0:
                node_ins.append(self.const(self.consts[ins[2]].astype(np.float32), "b"))
            pre, act = self.activation(opts.FusedActivationFunction(), out)
            self.node(
                "Conv", node_ins, [pre], kernel_shape=k, strides=strides, dilations=dil, pads=pads, group=group
            )
            self.finish_activation(pre, act, out)
        elif kind == "CUSTOM" and oc.CustomCode() == b"Convolution2DTransposeBias":
            padding, stride_w, stride_h = struct.unpack("<iii", op.CustomOptionsAsNumpy().tobytes()[:12])
            w = self.consts[ins[1]].astype(np.float32)  # O H W I
            weight = w.transpose(3, 0, 1, 2)  # I O H W
            bias = self.consts[ins[2]].astype(np.float32)
            in_hw = self.shape(ins[0])[1:3]
            out_hw = self.shape(outs[0])[1:3]
            k = list(weight.shape[2:])
            strides = [stride_h, stride_w]
            pads_b, pads_e = [], []
            for n, o, kk, s in zip(in_hw, out_hw, k, strides):
                total = (n - 1) * s + kk - o
                pads_b.append(total // 2)
                pads_e.append(total - total // 2)
            del padding  # the output shape fixes the padding
            self.node(
                "ConvTranspose",
                [self.name(ins[0]), self.const(weight, "w"), self.const(bias, "b")],
                [out],
                kernel_shape=k,
                strides=strides,
                pads=pads_b + pads_e,
            )
        elif kind in ("ADD", "MUL"):
            opts = tflite.AddOptions() if kind == "ADD" else tflite.MulOptions()
            fused = tflite.ActivationFunctionType.NONE
            if op.BuiltinOptions() is not None:
                opts.Init(op.BuiltinOptions().Bytes, op.BuiltinOptions().Pos)
                fused = opts.FusedActivationFunction()
            rank = len(self.shape(outs[0]))
            pre, act = self.activation(fused, out)
            self.node(
                "Add" if kind == "ADD" else "Mul",
                [self.operand(ins[0], rank), self.operand(ins[1], rank)],
                [pre],
            )
            self.finish_activation(pre, act, out)
        elif kind in ("RELU", "LOGISTIC", "HARD_SWISH", "RELU6"):
            onnx_op = {"RELU": "Relu", "LOGISTIC": "Sigmoid", "HARD_SWISH": "HardSwish"}.get(kind)
            if kind == "RELU6":
                self.finish_activation(self.name(ins[0]), "Relu6", out)
            else:
                self.node(onnx_op, [self.name(ins[0])], [out])
        elif kind == "PRELU":
            alpha = self.consts[ins[1]].astype(np.float32)
            alpha = alpha.reshape(-1, 1, 1) if alpha.size > 1 else alpha.reshape(1)
            self.node("PRelu", [self.name(ins[0]), self.const(alpha, "alpha")], [out])
        elif kind in ("AVERAGE_POOL_2D", "MAX_POOL_2D"):
            opts = tflite.Pool2DOptions()
            opts.Init(op.BuiltinOptions().Bytes, op.BuiltinOptions().Pos)
            k = [opts.FilterHeight(), opts.FilterWidth()]
            strides = [opts.StrideH(), opts.StrideW()]
            in_hw = self.shape(ins[0])[1:3]
            pads = self.same_pads(in_hw, k, strides) if opts.Padding() == tflite.Padding.SAME else [0, 0, 0, 0]
            pre, act = self.activation(opts.FusedActivationFunction(), out)
            onnx_op = "AveragePool" if kind == "AVERAGE_POOL_2D" else "MaxPool"
            self.node(onnx_op, [self.name(ins[0])], [pre], kernel_shape=k, strides=strides, pads=pads)
            self.finish_activation(pre, act, out)
        elif kind == "MEAN":
            axes = [[0, 2, 3, 1][a] for a in self.consts[ins[1]].reshape(-1).tolist()]
            keep = len(self.shape(outs[0])) == 4
            if not keep:
                raise UnsupportedModel("MEAN without keep_dims")
            self.node("ReduceMean", [self.name(ins[0])], [out], axes=axes, keepdims=1)
        elif kind == "RESIZE_BILINEAR":
            opts = tflite.ResizeBilinearOptions()
            opts.Init(op.BuiltinOptions().Bytes, op.BuiltinOptions().Pos)
            if opts.AlignCorners():
                mode = "align_corners"
            elif opts.HalfPixelCenters():
                mode = "half_pixel"
            else:
                mode = "asymmetric"
            n, h, w, c = self.shape(outs[0])
            sizes = self.const(np.array([n, c, h, w], dtype=np.int64), "sizes")
            self.node(
                "Resize",
                [self.name(ins[0]), "", "", sizes],
                [out],
                mode="linear",
                coordinate_transformation_mode=mode,
            )
        elif kind == "PAD":
            p = self.consts[ins[1]].astype(np.int64)  # [rank, 2]
            if p.shape[0] == 4:
                p = p[NHWC_TO_NCHW]
            pads = np.concatenate([p[:, 0], p[:, 1]])
            self.node("Pad", [self.name(ins[0]), self.const(pads, "pads")], [out], mode="constant")
        elif kind == "RESHAPE":
            src = self.name(ins[0])
            if len(self.shape(ins[0])) == 4:
                nhwc = self.fresh("nhwc")
                self.node("Transpose", [src], [nhwc], perm=NCHW_TO_NHWC)
                src = nhwc
            new_shape = self.shape(outs[0])
            if len(new_shape) == 4:
                tmp = self.fresh("reshaped")
                self.node("Reshape", [src, self.const(np.array(new_shape, np.int64), "shape")], [tmp])
                self.node("Transpose", [tmp], [out], perm=NHWC_TO_NCHW)
            else:
                self.node("Reshape", [src, self.const(np.array(new_shape, np.int64), "shape")], [out])
        elif kind == "CONCATENATION":
            opts = tflite.ConcatenationOptions()
            opts.Init(op.BuiltinOptions().Bytes, op.BuiltinOptions().Pos)
            rank = len(self.shape(outs[0]))
            axis = opts.Axis() % rank
            if rank == 4:
                axis = [0, 2, 3, 1][axis]
            pre, act = self.activation(opts.FusedActivationFunction(), out)
            self.node("Concat", [self.operand(i, rank) for i in ins], [pre], axis=axis)
            self.finish_activation(pre, act, out)
        else:
            extra = f" ({oc.CustomCode().decode()})" if kind == "CUSTOM" else ""
            raise UnsupportedModel(f"operator {kind}{extra}")


def convert(data: bytes) -> onnx.ModelProto:
    """Convert a TFLite flatbuffer to an ONNX model (NHWC inputs and outputs)."""
    return _Converter(data).convert()


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    with open(argv[1], "rb") as f:
        model = convert(f.read())
    onnx.save(model, argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
