"""Where examples come from (a corpus or class folders) and how they reach the model.

Only file paths and labels are held in memory; pixels are read batch by batch, by tf.data for
training and by a plain generator for evaluation, scoring and prediction. Both paths decode to
8-bit gray and resize with the same antialiased bilinear kernel, so a face looks the same to
the model whichever door it came in by.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from corpus import Corpus, ImageError, to_array
from corpus.taxonomy import FER_CLASSES, OPTIONAL_CLASSES, Taxonomy


class DataError(ValueError):
    """Data that cannot be trained or evaluated on; the message says what to do."""


@dataclass
class Sample:
    path: str            # absolute path of the stored face (never built from a label or URL)
    label: str | None    # canonical class name
    item_id: int | None = None


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
    rows = corpus.db.execute("SELECT i.id, i.path, i.label FROM items i WHERE "
                             + " AND ".join(where) + " ORDER BY i.id", args)
    fold = fold or {}
    return [Sample(str(corpus.root / r["path"]), fold.get(r["label"], r["label"]), r["id"])
            for r in rows]


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
    """uint8 HxW -> float32 size x size x 1 in 0..255, with tf.data's resize kernel."""
    img = np.asarray(arr, np.float32)[..., None]
    if img.shape[:2] == (size, size):
        return img
    import tensorflow as tf
    return tf.image.resize(img, (size, size), method="bilinear", antialias=True).numpy()


def iter_batches(paths: list[str], size: int, batch: int = 256
                 ) -> Iterator[tuple[list[int], np.ndarray, list[tuple[int, str]]]]:
    """(indices that decoded, their pixels, [(index, reason)] that did not), batch by batch."""
    for start in range(0, len(paths), batch):
        idx, arrays, errors = [], [], []
        for i in range(start, min(start + batch, len(paths))):
            try:
                arrays.append(resize_gray(to_array(Path(paths[i]).read_bytes(), "L"), size))
                idx.append(i)
            except (ImageError, OSError) as exc:
                errors.append((i, str(exc)))
        x = np.stack(arrays) if arrays else np.zeros((0, size, size, 1), np.float32)
        yield idx, x, errors


def tf_dataset(paths: list[str], labels: list[int], size: int, batch: int, *,
               shuffle: bool, seed: int):
    """Streaming tf.data pipeline: file paths in memory, pixels decoded per batch.

    AUTOTUNE is off and prefetch fixed at 2: with autotune on, fit stalled 35-40 s at epoch
    boundaries on this 2-core machine (SETUP-NOTES.md).
    """
    import tensorflow as tf

    def load(path, label):
        img = tf.io.decode_image(tf.io.read_file(path), channels=1, expand_animations=False)
        img.set_shape([None, None, 1])
        img = tf.image.resize(tf.cast(img, tf.float32), (size, size), method="bilinear",
                              antialias=True)
        return img, label

    ds = tf.data.Dataset.from_tensor_slices((list(paths), np.asarray(labels, np.int32)))
    if shuffle:
        ds = ds.shuffle(len(paths), seed=seed, reshuffle_each_iteration=True)
    # no ignore_errors(): it makes the epoch length unknown, and Keras then counts an extra
    # optimizer step per epoch; fit() checks every file first instead (see unreadable())
    ds = ds.map(load, num_parallel_calls=2, deterministic=True).batch(batch).prefetch(2)
    options = tf.data.Options()
    options.autotune.enabled = False
    return ds.with_options(options)


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


def stage_dataset(X: np.ndarray, rows, labels, size: int, batch: int, *, shuffle: bool,
                  seed: int):
    """tf.data over rows of an in-RAM stage array, reshuffled (seeded) every epoch."""
    import tensorflow as tf
    rows, labels = np.asarray(rows), np.asarray(labels, np.int32)
    epoch = [0]

    def gen():
        order = np.arange(len(rows))
        if shuffle:
            np.random.default_rng(seed + epoch[0]).shuffle(order)
            epoch[0] += 1
        for i in order:
            yield X[rows[i]][..., None], labels[i]

    spec = (tf.TensorSpec(X.shape[1:] + (1,), tf.uint8), tf.TensorSpec((), tf.int32))
    # a generator's length is unknown to Keras, which then warns it "ran out of data" after
    # the first epoch; stating the length keeps epochs exact and quiet
    ds = tf.data.Dataset.from_generator(gen, output_signature=spec).apply(
        tf.data.experimental.assert_cardinality(len(rows))).map(
        lambda x, y: (tf.image.resize(tf.cast(x, tf.float32), (size, size), method="bilinear",
                                      antialias=True), y))
    options = tf.data.Options()
    options.autotune.enabled = False
    return ds.batch(batch).prefetch(2).with_options(options)


def unreadable(samples: list[Sample], progress: bool = False) -> list[tuple[Sample, str]]:
    """Faces whose stored file no longer decodes (damaged or deleted on disk), with the reason.

    Checked before training so a damaged file is recorded and left out, rather than stopping
    a long run or being skipped unseen inside tf.data.
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
