#!/usr/bin/env bash
# Demo step 10: scrape every class of classes.toml with the real google engine code and a real
# headless Chromium, from the offline sandbox site on 127.0.0.1 (no internet). The sandbox serves
# images from a pool: $DEMO_POOL if set, else the shared real photos (+ muxspace, yalefaces).
# Rerunning the demo adds nothing twice: finished queries reuse their saved result lists and
# every image already recorded is skipped.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY="${PY:-.venv/bin/python}"
DEMO_CORPUS="${DEMO_CORPUS:-datasets/demo}"
SHARED_DATA="${SHARED_DATA:-../shared/data}"
MAX_RESULTS="${DEMO_SCRAPE_RESULTS:-20}"

POOL_ARGS=()
if [ -n "${DEMO_POOL:-}" ]; then
  POOL_ARGS=(--pool "$DEMO_POOL")
elif [ ! -d "$SHARED_DATA/photos" ]; then
  echo "No image pool for the search sandbox: $SHARED_DATA/photos is absent." >&2
  echo "Point it at a folder of your own photos (searched recursively), e.g." >&2
  echo "  DEMO_POOL=~/Pictures make demo      or   $PY -m scraper sandbox --pool ~/Pictures" >&2
  exit 1
fi

LOG="$(mktemp)"
SANDBOX_PID=""
trap '[ -n "$SANDBOX_PID" ] && kill "$SANDBOX_PID" 2>/dev/null; rm -f "$LOG"' EXIT

# A fixed port keeps result URLs stable, so a second demo run reuses the saved result lists;
# when that port is taken, any free port will do.
# --e500-fails 4: the sandbox's "500" results answer 500 to one run's 4 tries (1 + 3 retries),
# then their image, like a server that comes back.
start_sandbox() {
  "$PY" -m scraper sandbox --port "$1" --shared-data "$SHARED_DATA" "${POOL_ARGS[@]}" \
    --e500-fails 4 >"$LOG" 2>&1 &
  SANDBOX_PID=$!
  for _ in $(seq 150); do
    URL="$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$LOG" | head -1 || true)"
    [ -n "$URL" ] && return 0
    kill -0 "$SANDBOX_PID" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
URL=""
if ! start_sandbox "${DEMO_SANDBOX_PORT:-8765}"; then
  cat "$LOG" >&2
  echo "retrying on a free port" >&2
  start_sandbox 0 || { echo "the sandbox did not start:" >&2; cat "$LOG" >&2; exit 1; }
fi
head -1 "$LOG"

# One query per class, $MAX_RESULTS results each: about a minute on 2 cores.
scrape() {
  "$PY" -m scraper run --config classes.toml --out "$DEMO_CORPUS" --base-url "$URL" \
    --max-results "$MAX_RESULTS" --queries-per-class 1 --no-progress
}
scrape && rc=0 || rc=$?
if [ "$rc" = 6 ]; then
  echo
  echo "Exit code 6: some downloads failed with a transient error (here the sandbox's 500s)."
  echo "Rerunning the same command retries just those; nothing else is fetched again:"
  scrape && rc=0 || rc=$?
fi
[ "$rc" = 0 ] || { echo "the scrape failed with exit code $rc" >&2; exit 1; }

echo
echo "A blocked search is reported by name and fails the command (exit 3):"
out="$("$PY" -m scraper query "blocked captcha" --label happy --out "$DEMO_CORPUS" \
  --base-url "$URL" --no-progress 2>/dev/null)" && rc=0 || rc=$?
echo "$out" | tail -1
echo "exit code: $rc"
[ "$rc" = 3 ] || { echo "expected exit code 3 for a blocked query, got $rc" >&2; exit 1; }
