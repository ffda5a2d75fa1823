"""evaluate(): a model's honest numbers on a corpus split or on class folders, plus its PNGs.

Labels are matched by name through the taxonomy (folder "Happiness" -> happy) and folded the
way the model was trained (six-class: disgust -> angry). Faces of a class the model lacks are
counted and reported, not scored; model classes absent from the data are listed.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from tqdm import tqdm

from corpus import Corpus, ImageError, to_array

from .card import load_model, write_json
from .data import (DataError, class_counts, corpus_samples, face_size_of, folder_samples,
                   iter_batches)
from .metrics import classification_report
from .plots import confusion_png, curves_png, mistakes_png
from .tta import default, probabilities


def predict_paths(model, paths: list[str], size: int, batch: int = 256, progress: bool = True,
                  tta: str = "none", face_size: int | None = None):
    """(probabilities N x C with NaN rows for unreadable files, {index: reason}).

    face_size: the model's training faces' side; files of another size are brought to it
    first, as importing them would (data.as_trained)."""
    probs = np.full((len(paths), model.output_shape[-1]), np.nan, np.float32)
    errors = {}
    with tqdm(total=len(paths), unit="face", desc="evaluate", file=sys.stderr,
              disable=not progress) as bar:
        for idx, x, errs in iter_batches(paths, size, batch, face_size):
            if idx:
                probs[idx] = probabilities(model, x, tta)
            errors.update(dict(errs))
            bar.update(len(idx) + len(errs))
    return probs, errors


def load_samples(data, split: str | None, sources=None):
    """Samples of a corpus split (split None or 'all': every split) or of class folders."""
    data = Path(data)
    if (data / Corpus.CATALOG).is_file():
        with Corpus(data, create=False) as c:
            samples = corpus_samples(c, split=None if split in (None, "all") else split,
                                     sources=sources)
        kind, unknown = "corpus", {}
    elif data.is_dir():
        samples, report = folder_samples(data)
        kind, unknown = "folders", report.unknown_folders
    else:
        raise DataError(f"{data}: neither a corpus nor a directory of class folders")
    if not samples:
        raise DataError(f"{data}: no labeled faces" + (f" in split {split!r}" if split else ""))
    return samples, kind, unknown


def evaluate(model_path, data, *, split: str | None = "test", out=None, sources=None,
             n_mistakes: int = 32, batch: int = 256, progress: bool = False,
             tta: str | None = None) -> dict:
    """tta: "flip" averages each face with its mirror image; None: what the card says."""
    model, card = load_model(model_path)
    tta = tta or default(card)
    classes, size = card["classes"], card["input_size"]
    fold = card.get("fold") or {}
    samples, kind, unknown_folders = load_samples(data, split, sources)
    for s in samples:
        s.label = fold.get(s.label, s.label)
    index = {c: i for i, c in enumerate(classes)}
    known = [s for s in samples if s.label in index]
    probs, errors = predict_paths(model, [s.path for s in known], size, batch, progress, tta,
                                  face_size_of(card))
    ok = np.array([i not in errors for i in range(len(known))], bool)
    y_true = np.array([index[s.label] for s in known], int)[ok]
    p = probs[ok]
    y_pred = p.argmax(axis=1) if len(p) else np.zeros(0, int)
    report = classification_report(y_true, y_pred, classes, p)
    data_counts = class_counts(samples)

    out = Path(out) if out else Path(model_path if Path(model_path).is_dir()
                                     else Path(model_path).parent) / "eval"
    files = {"confusion": str(confusion_png(report["confusion"]["matrix"], classes,
                                            out / "confusion.png",
                                            f"{card.get('name', '')} on {Path(data).name}"
                                            f"{'/' + split if kind == 'corpus' and split else ''}"
                                            f": acc {report['accuracy']:.3f}"))}
    curves = curves_png(card.get("history") or [], out / "curves.png",
                        f"{card.get('name', '')} training curves")
    if curves:
        files["curves"] = str(curves)
    wrong = np.flatnonzero(y_pred != y_true)
    conf = p[wrong, y_pred[wrong]] if len(wrong) else np.zeros(0)
    kept = [s for s, k in zip(known, ok) if k]
    mistakes = []
    for j in wrong[np.argsort(-conf, kind="stable")][:n_mistakes]:
        try:
            img = to_array(Path(kept[j].path).read_bytes(), "L")
        except (ImageError, OSError):
            continue
        mistakes.append((img, classes[y_true[j]], classes[y_pred[j]], float(p[j, y_pred[j]])))
    files["mistakes"] = str(mistakes_png(mistakes, out / "mistakes.png"))

    report.update({
        "model": str(model_path), "data": str(data), "data_kind": kind,
        "split": split if kind == "corpus" else None, "tta": tta,
        "classes": classes,
        "counts": {"data": data_counts, "evaluated": int(ok.sum()),
                   "unreadable": len(errors),
                   "not_in_model": class_counts(s for s in samples if s.label not in index),
                   "unknown_folders": unknown_folders},
        "absent_in_data": [c for c in classes if c not in data_counts],
        "unreadable": [{"path": known[i].path, "reason": r} for i, r in
                       sorted(errors.items())[:20]],
        "files": files,
    })
    write_json(out / "eval.json", report)
    return report
