#!/usr/bin/env bash
# Demo step 30: merge public datasets from ../shared/data into the demo corpus.
# FER2013 image folders (train/test, 2,920 faces), CK+48 (981 faces, adds 'contempt'),
# muxspace crowd labels (449 images, then `curate extract` makes faces of them).
# Imports are idempotent: running the demo twice adds nothing the second time.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY="${PY:-.venv/bin/python}"
DEMO_CORPUS="${DEMO_CORPUS:-datasets/demo}"
SHARED_DATA="${SHARED_DATA:-../shared/data}"

if [ ! -d "$SHARED_DATA" ]; then
  echo "skipping the dataset merge: no shared data at $SHARED_DATA (set SHARED_DATA)"
  exit 0
fi

# exit status 1 means some rows were recorded as failed (listed above it): not fatal here.
import_set() {
  local rc=0
  "$PY" -m curate import "$@" --into "$DEMO_CORPUS" --no-progress || rc=$?
  if [ "$rc" -gt 1 ]; then echo "import failed: $*" >&2; exit "$rc"; fi
}

ran=0
if [ -d "$SHARED_DATA/fer2013_images" ]; then
  import_set folders "$SHARED_DATA/fer2013_images"; ran=1
fi
if [ -d "$SHARED_DATA/ckplus48/CK+48" ]; then
  import_set folders "$SHARED_DATA/ckplus48/CK+48"; ran=1
fi
if [ -f "$SHARED_DATA/muxspace/legend_subset.csv" ]; then
  import_set csv-labels "$SHARED_DATA/muxspace/legend_subset.csv" --include-unlabeled; ran=1
  # crowd images are loose crops: find and align the faces like any scraped image
  "$PY" -m curate extract "$DEMO_CORPUS" --no-progress
fi
if [ "$ran" = 0 ]; then
  echo "no known dataset found under $SHARED_DATA; nothing merged"
  exit 0
fi

echo
echo "Round trip check: export the merged faces as Keras folders"
"$PY" -m curate export "$DEMO_CORPUS" --format folders --out "$DEMO_CORPUS/../demo-export" \
  --overwrite --no-progress
