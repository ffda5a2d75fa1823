"""Where examples come from (a corpus or class folders) and how they reach the model.

Training reads pixels through the checked face cache (facecache.py) and feeds them to the
model with pipeline.py; evaluation, scoring and prediction read files batch by batch with
iter_batches(). Both decode to 8-bit gray and resize with resize_gray() (antialiased bilinear,
rounded to whole gray levels), so a face looks the same to the model whichever door it came in
by.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np
from PIL import Image

from corpus import Corpus, ImageError, to_array
from corpus.images import square_face
from corpus.taxonomy import FER_CLASSES, OPTIONAL_CLASSES, Taxonomy


class DataError(ValueError):
    """Data that cannot be trained or evaluated on; the message says what to do."""


@dataclass
class Sample:
    path: str            # absolute path of the stored face (never built from a label or URL)
    label: str | None    # canonical class name
    item_id: int | None = None
    sha256: str | None = None   # the catalog's digest of the file's bytes (None for folders)


@dataclass
class FolderReport:
    unknown_folders: dict = field(default_factory=dict)   # folder name -> file count
    skipped: list = field(default_factory=list)           # (path, reason)


def open_corpus(path) -> Corpus:
    return Corpus(path, create=False)


def corpus_samples(corpus: Corpus, *, split: str | None = None, sources=None,
                   fold: dict | None = None, labeled: bool = True) -> list[Sample]:
    """Status-ok faces (optionally of one split, of some sources), labels folded by `fold`.

    `sources` matches provenance source_dataset or engine, of the face or of the image it was
    cut from (scraped faces carry their provenance on the parent image).
    """
    where = ["i.kind='face'", "i.status='ok'", "i.path IS NOT NULL"]
    args: list = []
    if labeled:
        where.append("i.label IS NOT NULL")
        # a correction sent to `python -m serve` counts once a curator has confirmed it
        where.append("NOT (i.label_source='web' AND i.reviewed=0)")
    if split is not None:
        where.append("i.split=?")
        args.append(split)
    if sources:
        marks = ",".join("?" * len(sources))
        where.append("EXISTS (SELECT 1 FROM provenance p WHERE p.item_id IN (i.id, i.parent_id)"
                     f" AND (p.source_dataset IN ({marks}) OR p.engine IN ({marks})))")
        args += list(sources) * 2
    rows = corpus.db.execute("SELECT i.id, i.path, i.label, i.sha256 FROM items i WHERE "
                             + " AND ".join(where) + " ORDER BY i.id", args)
    fold = fold or {}
    return [Sample(str(corpus.root / r["path"]), fold.get(r["label"], r["label"]), r["id"],
                   r["sha256"]) for r in rows]


def train_val(corpus: Corpus, *, sources=None, fold=None, seed: int = 1234,
              val_fraction: float = 0.1) -> tuple[list[Sample], list[Sample], str]:
    """The train and val splits; without a val split, a seeded slice of train (and say so)."""
    train = corpus_samples(corpus, split="train", sources=sources, fold=fold)
    if not train:
        n = len(corpus_samples(corpus, sources=sources, fold=fold))
        raise DataError(f"{corpus.root}: no labeled status-ok faces in the train split "
                        f"({n} labeled faces in all); run `python -m curate split` first")
    val = corpus_samples(corpus, split="val", sources=sources, fold=fold)
    if val:
        return train, val, "val split"
    order = list(range(len(train)))
    random.Random(seed).shuffle(order)
    n_val = max(1, int(len(train) * val_fraction))
    held = set(order[:n_val])
    return ([s for i, s in enumerate(train) if i not in held],
            [s for i, s in enumerate(train) if i in held],
            f"no val split: {n_val} train faces held out (seed {seed})")


def folder_samples(root, taxonomy: Taxonomy | None = None) -> tuple[list[Sample], FolderReport]:
    """ROOT/<class>/<file>: folder names go through the taxonomy ("Happiness" -> happy)."""
    root = Path(root)
    tax = taxonomy or Taxonomy(FER_CLASSES + OPTIONAL_CLASSES)
    samples, report = [], FolderReport()
    for sub in sorted(p for p in root.iterdir() if p.is_dir()):
        files = sorted(p for p in sub.iterdir() if p.is_file() and not p.name.startswith("."))
        label = tax.maybe_canonical(sub.name)
        if label is None:
            report.unknown_folders[sub.name] = len(files)
            continue
        samples += [Sample(str(p), label) for p in files]
    if not samples:
        raise DataError(f"{root}: no class folders with files (expected ROOT/<class>/<image>;"
                        f" folders seen: {sorted(report.unknown_folders) or 'none'})")
    return samples, report


def class_counts(samples: Iterable[Sample]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for s in samples:
        counts[s.label] = counts.get(s.label, 0) + 1
    return dict(sorted(counts.items()))


def class_weights(labels: np.ndarray, n_classes: int, cap: float = 5.0) -> dict[int, float]:
    """Inverse-frequency weights (mean 1 over the samples), so rare classes count as much.

    Capped: CK+'s 25 contempt faces among 2,600 would otherwise weigh 15x each, and the model
    then answered "contempt" for a quarter of everything in the demo.
    """
    counts = np.bincount(labels, minlength=n_classes).astype(float)
    present = int((counts > 0).sum())
    return {i: min(cap, float(len(labels) / (present * c))) if c else 0.0
            for i, c in enumerate(counts)}


# ---------------------------------------------------------------- pixels
def resize_gray(arr: np.ndarray, size: int) -> np.ndarray:
    """uint8 HxW -> float32 size x size x 1 in 0..255: antialiased bilinear, whole gray levels
    (rounded, so the uint8 face cache and a face read from its file agree exactly)."""
    img = np.asarray(arr, np.float32)[..., None]
    if img.shape[:2] == (size, size):
        return img
    import tensorflow as tf
    out = tf.image.resize(img, (size, size), method="bilinear", antialias=True).numpy()
    return np.clip(np.rint(out), 0, 255)


def as_trained(arr: np.ndarray, size: int, face_size: int | None) -> np.ndarray:
    """A gray face of any size -> the model's input, through the pixels training saw.

    A model learns from corpus faces (face_size square, see corpus.images.square_face) resized
    to its input. A face of another size (a 48 px FER2013 file scored against a model fit on
    its 100 px imported copy) is first made the corpus's way, so it reaches the model as its
    imported copy would: fed raw, the 7,178 FER2013 test files scored 0.6548 against 0.6741
    through this path (docs/train.md). face_size None: resize only.
    """
    arr = np.asarray(arr)
    if face_size and arr.shape[:2] != (face_size, face_size):
        arr = np.asarray(square_face(Image.fromarray(arr.astype(np.uint8), "L"), face_size))
    return resize_gray(arr, size)


def face_size_of(card: dict) -> int | None:
    """The side of the corpus faces a model was fit on; None: the corpus had no one size.
    Cards from before the field: the extractor's size, else the corpus default, 100."""
    if "face_size" in card:
        return card["face_size"]
    return int((card.get("extractor") or {}).get("size") or 100)


def iter_batches(paths: list[str], size: int, batch: int = 256, face_size: int | None = None
                 ) -> Iterator[tuple[list[int], np.ndarray, list[tuple[int, str]]]]:
    """(indices that decoded, their pixels, [(index, reason)] that did not), batch by batch.

    face_size: the model's training faces' side (face_size_of(card)), so a file of another
    size reaches the model as its imported copy would (as_trained)."""
    for start in range(0, len(paths), batch):
        idx, arrays, errors = [], [], []
        for i in range(start, min(start + batch, len(paths))):
            try:
                arrays.append(as_trained(to_array(Path(paths[i]).read_bytes(), "L"), size,
                                         face_size))
                idx.append(i)
            except (ImageError, OSError) as exc:
                errors.append((i, str(exc)))
        x = np.stack(arrays) if arrays else np.zeros((0, size, size, 1), np.float32)
        yield idx, x, errors


def stage_rows(corpus: Corpus, stage: str, samples: list[Sample]):
    """Pixels from a stage pickle (`--stage faces`): (X, row of each sample, samples it lacks).

    The catalog stays the truth for labels, splits and status (a stage can be older than a
    relabel); the stage only supplies pixels, and a face it lacks is left out and counted.
    The whole stage is loaded, so this path needs it in RAM (N x S x S bytes).
    """
    from corpus import load_stage
    payload = load_stage(corpus, stage)
    if "X" not in payload or "ids" not in payload:
        raise DataError(f"stage {stage!r} has no X/ids arrays to train from")
    where = {int(i): n for n, i in enumerate(payload["ids"])}
    rows = [where.get(s.item_id, -1) for s in samples]
    missing = [s for s, r in zip(samples, rows) if r < 0]
    return payload["X"], rows, missing


def unreadable(samples: list[Sample], progress: bool = False) -> list[tuple[Sample, str]]:
    """Faces whose stored file no longer decodes (damaged or deleted on disk), with the reason.

    Checked before cross-validation so a damaged file is recorded and left out (fit itself
    checks files as it reads them into the face cache, facecache.py).
    """
    import sys

    from tqdm import tqdm

    from corpus import verify
    bad = []
    for s in tqdm(samples, desc="check faces", unit="face", file=sys.stderr,
                  disable=not progress or len(samples) < 2000):
        try:
            verify(Path(s.path).read_bytes())
        except (ImageError, OSError) as exc:
            bad.append((s, str(exc)))
    return bad
