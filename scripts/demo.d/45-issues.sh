#!/usr/bin/env bash
# Demo step 45: find the labels most likely wrong. `train crossval` scores every labeled face
# with a fold model that never saw it (small, fast setting: tiny preset, 3 folds, a few
# epochs), then `curate issues` ranks the faces with cleanlab on those out-of-sample scores,
# plus near copies with differing labels and unusable faces.
# Rerunning resumes the crossval run (finished folds are not trained again).
set -euo pipefail
cd "$(dirname "$0")/../.."
PY="${PY:-.venv/bin/python}"
DEMO_CORPUS="${DEMO_CORPUS:-datasets/demo}"
DEMO_CV="${DEMO_CV:-runs/demo-cv}"
EPOCHS="${DEMO_CV_EPOCHS:-4}"

CV=("$PY" -m train crossval "$DEMO_CORPUS" --out "$DEMO_CV" --folds 3 --preset tiny
    --epochs "$EPOCHS" --no-progress)
if [ -f "$DEMO_CV/crossval.json" ]; then
  "${CV[@]}" --resume || { echo "could not resume $DEMO_CV: running it again" >&2;
                           "${CV[@]}" --overwrite; }
else
  "${CV[@]}"
fi

echo
echo "Faces whose label is most likely wrong (top 10):"
"$PY" -m curate issues "$DEMO_CORPUS" --top 10 --no-progress

echo
echo "Look at: $DEMO_CORPUS/reports/issues.png (top issues per class, given>suggested score)"
echo "         $DEMO_CORPUS/reports/noise_matrix.png  $DEMO_CORPUS/reports/issues.csv"
echo "         $DEMO_CV/crossval_card.json (folds, per-fold accuracy and time)"
echo "Fix them in the GUI, worst first:  $PY -m labeler $DEMO_CORPUS --mode label --order issues"
