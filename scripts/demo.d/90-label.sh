#!/usr/bin/env bash
# Demo step 90: what the earlier steps left to label, and the command that opens the GUI on it.
# The GUI itself needs a display and a person, so the demo only prints how to start it.
set -euo pipefail
: "${PY:?run through scripts/demo.sh}" "${DEMO_CORPUS:?run through scripts/demo.sh}"
if [ ! -f "$DEMO_CORPUS/catalog.sqlite" ]; then
  echo "90-label: no corpus at $DEMO_CORPUS (the scrape/extract steps should have made it)" >&2
  exit 1
fi
"$PY" -m labeler "$DEMO_CORPUS" --summary
echo "keys: 1..9 label, x reject, space keep, Left/Right move, ctrl+z undo, ? help (docs/labeler.md)"
