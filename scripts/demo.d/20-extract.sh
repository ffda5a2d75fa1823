#!/usr/bin/env bash
# Demo step 20: cut the faces out of the scraped images (dlib: detect, align on landmarks,
# gray 100x100), each face labelled with its query's class, then draw them per label.
# Rerunning does only what is new: images already extracted are skipped.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY="${PY:-.venv/bin/python}"
DEMO_CORPUS="${DEMO_CORPUS:-datasets/demo}"

if [ ! -f "$DEMO_CORPUS/catalog.sqlite" ]; then
  echo "no corpus at $DEMO_CORPUS: the scrape step (10) should have made it" >&2
  exit 1
fi
"$PY" -m curate extract "$DEMO_CORPUS" --no-progress
"$PY" -m curate sheet "$DEMO_CORPUS"
echo "Look at the faces per label: $DEMO_CORPUS/reports/faces_sheet.png"
