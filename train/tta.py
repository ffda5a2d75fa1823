"""Test-time augmentation: average the model's probabilities over a face and its mirror image.

Expressions are (nearly) left-right symmetric and training flips faces at random, so the
mirror image is an equally good view; averaging the two removes some of the model's noise
(docs/train.md measures the gain). Runs from before TTA have no "tta" in their card and keep
scoring plain unless asked.
"""
from __future__ import annotations

import numpy as np

TTA = ("none", "flip")


def add_argument(parser) -> None:
    """--tta for evaluate and predict."""
    parser.add_argument("--tta", choices=TTA, help="test-time augmentation: flip averages each "
                        "face with its mirror image (default: what the model card says; runs "
                        "trained since issue 11: flip)")


def default(card: dict) -> str:
    return card.get("tta", "none")


def probabilities(model, x: np.ndarray, tta: str = "none") -> np.ndarray:
    """x: float32 [n, S, S, 1] in 0..255 -> probabilities [n, classes]."""
    if tta not in TTA:
        raise ValueError(f"unknown test-time augmentation {tta!r}; choose {', '.join(TTA)}")
    p = _run(model, x)
    if tta == "flip":
        p = (p + _run(model, np.ascontiguousarray(x[:, :, ::-1]))) / 2
    return p


def _run(model, x):
    # a few faces (predict): a direct call, since predict_on_batch would retrace its graph
    # for every new face count; full batches (evaluate): the compiled predict step
    out = model(x, training=False) if len(x) < 32 else model.predict_on_batch(x)
    return np.asarray(out, np.float32)
