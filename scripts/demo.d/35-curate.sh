#!/usr/bin/env bash
# Demo step 35: remove duplicates across every source (exact pixels + perceptual hash), split
# train/val/test without leaks (subjects, face identities, duplicate groups stay in one split;
# FER2013's own train/test kept), then print the corpus counts and draw the class balance.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY="${PY:-.venv/bin/python}"
DEMO_CORPUS="${DEMO_CORPUS:-datasets/demo}"

if [ ! -f "$DEMO_CORPUS/catalog.sqlite" ]; then
  echo "no corpus at $DEMO_CORPUS: the scrape/import steps should have made it" >&2
  exit 1
fi
"$PY" -m curate dedup "$DEMO_CORPUS"
echo "Look at the duplicate groups: $DEMO_CORPUS/reports/duplicates.png"
"$PY" -m curate split "$DEMO_CORPUS" --val 0.1 --test 0.1 --seed 0 --keep-source-split
"$PY" -m curate stats "$DEMO_CORPUS"
echo "Look at the class balance: $DEMO_CORPUS/reports/class_balance.png"
