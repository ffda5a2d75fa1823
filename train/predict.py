"""predict(): find faces in new photos with curate's extractor, classify each, optionally draw them.

The crops come from curate.faces.FaceExtractor with the settings the training corpus was
extracted with (recorded in the model card), at the corpus's face size, then resized to the
model's input as training resized them, so a face is framed, aligned and sampled exactly as
the training faces were.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
from tqdm import tqdm

from corpus import ImageError, to_array

from .annotate import annotate
from .card import load_model
from .data import face_size_of, resize_gray
from .tta import default, probabilities


def extractor_for(card: dict, **overrides):
    import inspect

    from curate.faces import FaceExtractor
    # whatever the extractor accepts, except size (crops are cut at the training faces' side
    # and data.as_trained resizes them to the model's input), so a setting curate adds later
    # is repeated here without a change to this file
    accepted = set(inspect.signature(FaceExtractor).parameters) - {"size"}
    settings = {k: v for k, v in (card.get("extractor") or {}).items()
                if k in accepted and v is not None}
    settings.update({k: v for k, v in overrides.items() if v is not None})
    return FaceExtractor(size=face_size_of(card) or card["input_size"], **settings)


def safe_name(n: int, path) -> str:
    """An output name from a counter and the input's stem, reduced to safe characters."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", Path(path).stem)[:40].strip("_") or "image"
    return f"{n:03d}-{stem}.png"


def predict(model_path, images, **kw) -> list[dict]:
    """One entry per input image: its faces (box, score, probabilities) or its error."""
    return list(iter_predict(model_path, images, **kw))


def iter_predict(model_path, images, *, annotate_dir=None, detector=None, upsample=None,
                 model=None, card=None, progress: bool = False, tta: str | None = None):
    """predict() one image at a time, so the command can print each result as it is ready.

    tta: "flip" averages each face with its mirror image; None: what the card says."""
    if model is None:
        model, card = load_model(model_path)
    tta = tta or default(card)
    classes = card["classes"]
    fx = extractor_for(card, detector=detector, upsample=upsample)
    for n, path in enumerate(tqdm(images, unit="image", desc="predict", file=sys.stderr,
                                  disable=not progress), 1):
        entry: dict = {"image": str(path), "faces": []}
        try:
            rgb = to_array(Path(path).read_bytes(), "RGB")
        except (ImageError, OSError) as exc:
            entry["error"] = str(exc)
            yield entry
            continue
        found = fx.extract(rgb)
        if found:
            # crops are cut at the training faces' side: only the resize to the input is left
            x = np.stack([resize_gray(f.crop, card["input_size"]) for f in found])
            probs = probabilities(model, x, tta)
            for f, p in zip(found, probs):
                order = np.argsort(-p, kind="stable")
                entry["faces"].append({
                    "box": [int(v) for v in f.box], "score": round(float(f.score), 4),
                    "too_small": bool(f.too_small),
                    "probs": {c: round(float(p[i]), 4) for i, c in enumerate(classes)},
                    "top": [(classes[i], round(float(p[i]), 4)) for i in order[:3]]})
        else:
            entry["note"] = "no face found"
        if annotate_dir is not None:
            entry["annotated"] = str(annotate(rgb, entry["faces"],
                                              Path(annotate_dir) / safe_name(n, path)))
        yield entry
