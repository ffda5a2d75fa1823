#!/usr/bin/env bash
# The end-to-end demo, offline: each pipeline stage contributes one numbered step in
# scripts/demo.d/ (10 scrape, 20 extract, 30 merge, 40 train, 90 label), run in order.
# Shared settings every step reads:
set -euo pipefail
cd "$(dirname "$0")/.."
export PY="${PY:-.venv/bin/python}"
export DEMO_CORPUS="${DEMO_CORPUS:-datasets/demo}"
export DEMO_RUN="${DEMO_RUN:-runs/demo}"
export SHARED_DATA="${SHARED_DATA:-../shared/data}"
export DEMO_POOL="${DEMO_POOL:-}"
for step in scripts/demo.d/*.sh; do
  echo
  echo "==== demo step: $(basename "$step" .sh) ===="
  bash "$step"
done
echo
echo "Demo finished. Corpus: $DEMO_CORPUS"
