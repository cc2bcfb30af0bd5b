# Sourced by the bench scripts: assets, and the benchmark venv with the peer tools.
PYTHON=${PYTHON:-python3}
$PYTHON tools/assets/fetch.py
ASSETS=$($PYTHON tools/assets/fetch.py --print-dir)
VENV="$ASSETS/bench-venv"
if ! cmp -s bench/requirements.txt "$VENV/.requirements" 2>/dev/null; then
  $PYTHON -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r bench/requirements.txt
  cp bench/requirements.txt "$VENV/.requirements"
fi
