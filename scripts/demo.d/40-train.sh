#!/usr/bin/env bash
# Demo step 40: train a small CNN on the merged, split demo corpus (a few epochs), evaluate it
# on the test split, store its probabilities for every face (for the labeling GUI), and
# predict the faces of one real photo with an annotated copy.
# Rerunning continues the run's checkpoint (--resume): finished epochs are not trained again.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY="${PY:-.venv/bin/python}"
DEMO_CORPUS="${DEMO_CORPUS:-datasets/demo}"
DEMO_RUN="${DEMO_RUN:-runs/demo}"
SHARED_DATA="${SHARED_DATA:-../shared/data}"
EPOCHS="${DEMO_TRAIN_EPOCHS:-8}"

FIT=("$PY" -m train fit "$DEMO_CORPUS" --out "$DEMO_RUN" --size 48 --epochs "$EPOCHS"
     --batch 64 --preset small --no-progress)
if [ -f "$DEMO_RUN/checkpoint/state.json" ]; then
  # same settings as the first run, so --resume accepts them; a corpus whose classes changed
  # since then cannot be resumed: start that run again
  "${FIT[@]}" --resume || { echo "could not resume $DEMO_RUN: training it again" >&2;
                            "${FIT[@]}" --overwrite; }
else
  "${FIT[@]}"
fi

echo
echo "Evaluation on the test split:"
"$PY" -m train evaluate "$DEMO_RUN" "$DEMO_CORPUS" --split test --no-progress --out "$DEMO_RUN/eval"

echo
echo "Scoring every face of the corpus (predictions table, shown by the labeling GUI):"
"$PY" -m train score "$DEMO_RUN" "$DEMO_CORPUS" --no-progress

PHOTO="$SHARED_DATA/photos/face_recognition/two_people.jpg"
echo
if [ -f "$PHOTO" ]; then
  "$PY" -m train predict "$DEMO_RUN" "$PHOTO" --annotate "$DEMO_RUN/predict"
else
  echo "skipping predict: $PHOTO not found (set SHARED_DATA)"
fi

echo
echo "Look at: $DEMO_RUN/eval/confusion.png  $DEMO_RUN/eval/curves.png  $DEMO_RUN/eval/mistakes.png"
echo "         $DEMO_RUN/predict/ (annotated photo)   model card: $DEMO_RUN/model_card.json"
echo "TensorBoard logs: $DEMO_RUN/logs  (.venv/bin/tensorboard --logdir $DEMO_RUN/logs)"
