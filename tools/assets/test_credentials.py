"""Issue 21 item 8: content credentials a viewer trusts, describing the edit.

`xuancai swap` signs with a chain from a test CA made here (openssl,
tools/testca.py); the C2PA SDK's own validator (PyPI c2pa-python) given that
CA as its trust anchor reports every output (JPEG, PNG, WebP) `Trusted`, the
edit recorded as `c2pa.opened` on the original (the parent ingredient) then
`c2pa.edited`, in a created (signer-attributed) assertion. Without the
anchor, or with another CA's, the same file is only `Valid`; a changed byte
makes it `Invalid`. An opaque WebP result is lossy (VP8) without alpha."""

import json
import os
import subprocess
import sys
from pathlib import Path

import c2pa
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(Path(__file__).parent))
import fetch  # noqa: E402
import testca  # noqa: E402

BIN = Path(os.environ.get("XUANCAI_BIN") or ROOT / "target" / "ci" / "xuancai")
MIME = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


def state_and_manifest(path: Path, anchor: str | None):
    settings = {"verify": {"verify_trust": True}}
    if anchor is not None:
        settings["trust"] = {"trust_anchors": anchor}
    ctx = c2pa.Context(c2pa.Settings.from_dict(settings))
    with open(path, "rb") as f:
        reader = c2pa.Reader(MIME[path.suffix[1:]], f, context=ctx)
        data = json.loads(reader.json())
        return reader.get_validation_state(), data["manifests"][data["active_manifest"]]


@pytest.fixture(scope="module")
def signed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("c2pa")
    ca, chain, key = testca.make_chain(tmp / "ca")
    other_ca, _, _ = testca.make_chain(tmp / "other")
    testdata = fetch.asset_dir() / "testdata"
    outs = {}
    for ext in MIME:
        out = tmp / f"swapped.{ext}"
        run = subprocess.run([str(BIN), "swap", "--source", str(testdata / "astronaut.png"),
                              "--target", str(testdata / "faceapi-sample3.jpg"), "-o", str(out),
                              "--subject-consent", "--signing-cert", str(chain), "--signing-key", str(key),
                              "--json"], capture_output=True, text=True)
        assert run.returncode == 0, run.stderr
        assert json.loads(run.stdout)["signer"] == "configured"
        outs[ext] = out
    return ca.read_text(), other_ca.read_text(), outs


@pytest.mark.parametrize("ext", list(MIME))
def test_trusted_with_the_operator_ca_and_the_edit_described(signed, ext):
    ca, other_ca, outs = signed
    state, manifest = state_and_manifest(outs[ext], ca)
    assert state == "Trusted", state
    actions = [a for a in manifest["assertions"] if a["label"].startswith("c2pa.actions")]
    assert len(actions) == 1 and actions[0].get("created") is True, actions
    names = [a["action"] for a in actions[0]["data"]["actions"]]
    assert names == ["c2pa.opened", "c2pa.edited"], names
    edited = actions[0]["data"]["actions"][1]
    assert edited["digitalSourceType"].endswith("compositeWithTrainedAlgorithmicMedia")
    parents = [i for i in manifest["ingredients"] if i["relationship"] == "parentOf"]
    assert len(parents) == 1 and parents[0]["format"] == "image/jpeg", manifest["ingredients"]
    assert parents[0]["title"] == "original photo", "the original's file name is not recorded"
    assert "thumbnail" not in parents[0], "no picture of the original rides along"
    assert manifest["signature_info"]["common_name"] == "Xuancai Test Signer"
    # The trust comes from the anchor, not from the file.
    assert state_and_manifest(outs[ext], None)[0] == "Valid"
    assert state_and_manifest(outs[ext], other_ca)[0] == "Valid"


def test_a_changed_byte_is_invalid(signed, tmp_path):
    ca, _, outs = signed
    data = bytearray(outs["jpg"].read_bytes())
    data[len(data) // 2] ^= 0xFF
    tampered = tmp_path / "tampered.jpg"
    tampered.write_bytes(bytes(data))
    assert state_and_manifest(tampered, ca)[0] == "Invalid"


def test_an_opaque_webp_result_is_lossy_without_alpha(signed):
    _, _, outs = signed
    data = outs["webp"].read_bytes()
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    chunks, i = [], 12
    while i + 8 <= len(data):
        tag, size = data[i:i + 4], int.from_bytes(data[i + 4:i + 8], "little")
        chunks.append(tag)
        i += 8 + size + (size & 1)
    assert b"VP8 " in chunks and b"VP8L" not in chunks and b"ALPH" not in chunks, chunks
    assert len(data) < 2 * outs["jpg"].stat().st_size, (len(data), outs["jpg"].stat().st_size)
