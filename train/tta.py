"""Test-time augmentation: average the model's probabilities over several views of a face.

Expressions are (nearly) left-right symmetric and training flips faces at random, so the
mirror image is an equally good view; averaging the two removes some of the model's noise
(docs/train.md measures the gain). "shift" adds the face and its mirror moved by 1/16 of the
side up, down, left and right (10 views, 5x flip's cost), inside the shifts training drew
from, with the edge mirrored as training's augmentation fills it: for `evaluate`, where
minutes matter less than points. Runs from before TTA have no "tta" in their card and keep
scoring plain unless asked.
"""
from __future__ import annotations

import numpy as np

TTA = ("none", "flip", "shift")


def add_argument(parser) -> None:
    """--tta for evaluate and predict."""
    parser.add_argument("--tta", choices=TTA, help="test-time augmentation: flip averages each "
                        "face with its mirror image; shift also with both moved 1/16 of the "
                        "side four ways (10 views, 5x slower) (default: what the model card "
                        "says; runs trained since issue 11: flip)")


def default(card: dict) -> str:
    return card.get("tta", "none")


def probabilities(model, x: np.ndarray, tta: str = "none") -> np.ndarray:
    """x: float32 [n, S, S, 1] in 0..255 -> probabilities [n, classes]."""
    if tta not in TTA:
        raise ValueError(f"unknown test-time augmentation {tta!r}; choose {', '.join(TTA)}")
    views = [x, np.ascontiguousarray(x[:, :, ::-1])] if tta != "none" else [x]
    if tta == "shift":
        views += [shifted(v, dy, dx) for v in views[:2] for dy, dx in _steps(x.shape[1])]
    return np.mean([_run(model, v) for v in views], axis=0)


def _steps(side: int):
    d = max(1, round(side / 16))
    return ((d, 0), (-d, 0), (0, d), (0, -d))


def shifted(x: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """x moved dy rows down and dx columns right, the uncovered edge mirrored (REFLECT)."""
    pad = max(abs(dy), abs(dx))
    p = np.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="reflect")
    h, w = x.shape[1:3]
    return np.ascontiguousarray(p[:, pad - dy:pad - dy + h, pad - dx:pad - dx + w])


def _run(model, x):
    # a few faces (predict): a direct call, since predict_on_batch would retrace its graph
    # for every new face count; full batches (evaluate): the compiled predict step
    out = model(x, training=False) if len(x) < 32 else model.predict_on_batch(x)
    return np.asarray(out, np.float32)
