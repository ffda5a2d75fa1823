"""What a fit trains on: the samples, their classes, and their pixels as uint8 arrays.

Split off from fit.py so other commands (cross-validation) can fit on sample lists of their
own: fit(..., samples=(train, val, note)) skips the corpus's train/val selection.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .data import DataError, Sample, class_counts, class_weights, stage_rows, train_val
from .facecache import face_pixels
from .pipeline import to_size

CLASS_WEIGHTS = ("capped", "sqrt", "none")


@dataclass
class FitData:
    train: list[Sample]
    val: list[Sample]
    classes: list[str]
    x_train: np.ndarray                 # uint8 [N, S, S]
    x_val: np.ndarray
    y_train: np.ndarray
    y_val: np.ndarray
    val_note: str
    absent: list[str]                   # taxonomy classes with no train faces
    val_unknown: dict                   # val faces of classes train lacks (not validated)
    damaged: list = field(default_factory=list)    # (sample, reason)
    not_in_stage: int = 0
    pixels: dict = field(default_factory=dict)     # how the pixels were obtained


def prepare(corpus, cfg: dict, samples=None, *, progress: bool = True, log=print) -> FitData:
    tax, fold = corpus.taxonomy, {}
    if cfg["six_class"]:
        tax, fold = tax.six_class()
    if samples is None:
        train, val, val_note = train_val(corpus, sources=cfg["sources"], fold=fold,
                                         seed=cfg["seed"], val_fraction=cfg["val_fraction"])
    else:
        train, val, val_note = list(samples[0]), list(samples[1]), samples[2]
        _fill_digests(corpus, train + val)
    present = {s.label for s in train}
    classes = [c for c in tax.classes if c in present] + sorted(present - set(tax.classes))
    if len(classes) < 2:
        raise DataError(f"the train split has only {classes}: a classifier needs 2+ classes")
    index = {c: i for i, c in enumerate(classes)}
    val_unknown = class_counts(s for s in val if s.label not in index)
    val = [s for s in val if s.label in index]
    if not val:
        raise DataError("no val faces of the trained classes; run `python -m curate split`")
    size, damaged, not_in_stage = cfg["size"], [], 0
    if cfg["stage"]:
        X, rows, missing = stage_rows(corpus, cfg["stage"], train + val)
        not_in_stage = len(missing)
        keep = [i for i, r in enumerate(rows) if r >= 0]
        x_all = to_size(X[[rows[i] for i in keep]], size)
        n_tr = sum(1 for i in keep if i < len(train))
        train, val = [train[i] for i in keep[:n_tr]], [val[i - len(train)] for i in keep[n_tr:]]
        if not train or not val:
            raise DataError(f"stage {cfg['stage']!r} lacks the train or val faces; rewrite it "
                            f"(e.g. `python -m curate extract`) or train without --stage")
        pixels = {"from": f"stage {cfg['stage']}"}
    else:
        x_all, damaged, counts = face_pixels(corpus.root, train + val, size, progress=progress,
                                             log=log)
        for s, reason in damaged:
            if s.item_id is not None:
                corpus.set_status(s.item_id, "failed", reason=f"face file unreadable: {reason}",
                                  user="train fit")
            log(f"face {s.item_id} left out and marked failed: {reason}")
        gone = {id(s) for s, _ in damaged}
        train = [s for s in train if id(s) not in gone]
        val = [s for s in val if id(s) not in gone]
        pixels = {"from": "face cache (corpus/cache, checked against the catalog's SHA-256)",
                  **counts}
    return FitData(train, val, classes, x_all[:len(train)], x_all[len(train):],
                   np.array([index[s.label] for s in train], np.int32),
                   np.array([index[s.label] for s in val], np.int32), val_note,
                   [c for c in tax.classes if c not in present], val_unknown, damaged,
                   not_in_stage, pixels)


def _fill_digests(corpus, samples: list[Sample]) -> None:
    """Catalog digests for samples made without them, so their pixels come from the cache."""
    ids = [s.item_id for s in samples if s.sha256 is None and s.item_id is not None]
    found = {}
    for start in range(0, len(ids), 900):
        chunk = ids[start:start + 900]
        found.update(corpus.db.execute(f"SELECT id, sha256 FROM items WHERE id IN "
                                       f"({','.join('?' * len(chunk))})", chunk).fetchall())
    for s in samples:
        if s.sha256 is None and s.item_id in found:
            s.sha256 = found[s.item_id]


def sample_weights(y: np.ndarray, n_classes: int, kind: str) -> tuple[np.ndarray, dict]:
    """(weight of each sample, weight of each class) for --class-weight."""
    if kind not in CLASS_WEIGHTS:
        raise ValueError(f"unknown class weighting {kind!r}; choose {', '.join(CLASS_WEIGHTS)}")
    if kind == "none":
        w = {i: 1.0 for i in range(n_classes)}
    else:
        w = class_weights(y, n_classes)
        if kind == "sqrt":                 # half-way: rare classes count more, not as much
            raw = {i: v ** 0.5 for i, v in w.items()}
            mean = float(np.mean([raw[i] for i in y])) if len(y) else 1.0
            w = {i: v / mean for i, v in raw.items()}
    return np.array([w[i] for i in y], np.float32), w
