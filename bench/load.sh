#!/usr/bin/env bash
# Load benchmark (docs/BENCHMARKS.md): authenticated listings and the public
# feed under wrk on loopback, against `xuancai serve` on its embedded default
# (SQLite file + local blobs). wrk and the server share the machine's cores.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 2; }
PYTHON=${PYTHON:-python3}
$PYTHON tools/assets/fetch.py
ASSETS=$($PYTHON tools/assets/fetch.py --print-dir)
BIN_DIR=${BENCH_BIN_DIR:-target/release}
OUT_DIR=${BENCH_OUT:-bench-out}
[ -n "${BENCH_BIN_DIR:-}" ] || cargo build --release -p xuancai-cli
DATA=$(mktemp -d)
trap 'kill $PID 2>/dev/null || true; rm -rf "$DATA"' EXIT
"$BIN_DIR/xuancai" serve --dev --listen 127.0.0.1:0 --data-dir "$DATA/data" 2> "$DATA/log" &
PID=$!
for _ in $(seq 100); do grep -q "listening on" "$DATA/log" 2>/dev/null && break; sleep 0.1; done
BASE=$(grep -o "http://127.0.0.1:[0-9]*" "$DATA/log" | head -n1)
json() { $PYTHON -c "import json,sys; print(json.load(sys.stdin)$1)"; }
AGREE=$(curl -sf "$BASE/api/v1/documents" | $PYTHON -c "import json,sys; d=json.load(sys.stdin); print(json.dumps({x['kind']: x['current']['version'] for x in d['documents'] if x['kind'] in ('user_agreement','privacy_policy')}))")
curl -sf -X POST "$BASE/api/v1/auth/code" -H 'content-type: application/json' -d "{\"phone\":\"13800138000\",\"agree\":$AGREE,\"sensitive\":[\"phone\"]}" >/dev/null
CODE=$(tail -n1 "$DATA/data/sms-outbox.log" | cut -d' ' -f2)
TOKEN=$(curl -sf -X POST "$BASE/api/v1/auth/login" -H 'content-type: application/json' \
  -d "{\"phone\":\"13800138000\",\"code\":\"$CODE\",\"agree\":$AGREE,\"sensitive\":[\"phone\"]}" | json "['token']")
AUTH="Authorization: Bearer $TOKEN"
ALBUM=$(curl -sf -X POST "$BASE/api/v1/albums" -H "$AUTH" -H 'content-type: application/json' -d '{"name":"bench"}' | json "['id']")
IDS=()
for f in "$ASSETS"/testdata/*; do
  for i in $(seq "${BENCH_COPIES:-5}"); do
    # Distinct content per copy: append bytes after the image data (decoders ignore them).
    cp "$f" "$DATA/upload"; printf 'copy %s' "$i" >> "$DATA/upload"
    IDS+=("$(curl -sf -X POST "$BASE/api/v1/photos" -H "$AUTH" -F "file=@$DATA/upload;filename=$(basename "$f")" | json "['photo']['id']")")
  done
done
LIST=$(printf '"%s",' "${IDS[@]}"); LIST="[${LIST%,}]"
curl -sf -X POST "$BASE/api/v1/albums/$ALBUM/photos" -H "$AUTH" -H 'content-type: application/json' \
  -d "{\"photo_ids\":$LIST}" >/dev/null
# Twenty of them published as works with titles: the public feed opens each
# title with its owner's data key (issue 19 item 16).
for id in "${IDS[@]:0:20}"; do
  curl -sf -X POST "$BASE/api/v1/works" -H "$AUTH" -H 'content-type: application/json' \
    -d "{\"photo\":\"$id\",\"title\":\"咖啡时光 $id\",\"visibility\":\"public\"}" >/dev/null
done
echo "== ${#IDS[@]} photos in album $ALBUM, $(( ${#IDS[@]} < 20 ? ${#IDS[@]} : 20 )) public works"
mkdir -p "$OUT_DIR"
RESULTS="[]"
for path in "/api/v1/albums/$ALBUM/photos?limit=50" "/api/v1/albums" "/api/v1/me" "/api/v1/works/feed?limit=20"; do
  OUT=$(wrk -t2 -c32 -d${BENCH_SECONDS:-15}s --latency -H "$AUTH" "$BASE$path")
  echo "$OUT"
  RPS=$(echo "$OUT" | awk '/Requests\/sec/ {print $2}')
  P99=$(echo "$OUT" | awk '$1=="99%" {print $2}')
  ERRS=$(echo "$OUT" | awk '/Non-2xx/ {print $5}')
  RESULTS=$($PYTHON -c "import json,sys; r=json.loads(sys.argv[1]); r.append({'path': sys.argv[2], 'rps': float(sys.argv[3]), 'p99': sys.argv[4], 'non_2xx': sys.argv[5] or '0'}); print(json.dumps(r))" \
    "$RESULTS" "$path" "$RPS" "$P99" "${ERRS:-}")
done
echo "$RESULTS" | $PYTHON -m json.tool | tee "$OUT_DIR/load.json"
