"""A stage pickle (corpus.save_stage format): arrays and plain types only, loaded safely.

    from corpus import load_stage
    d = load_stage("faces.pkl")   # X uint8 N x S x S, y, ids, labels, original_labels,
                                  # splits, classes, meta
The same payload is recorded as the corpus's `export` stage (stages/05_export.pkl, digest in
the catalog) and copied to --out.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
from tqdm import tqdm

from corpus import now, save_stage

from .common import check_out, face_pixels

NAME = "pickle"


def export(corpus, selection, out, *, six_class: bool = False, overwrite: bool = False,
           progress: bool = False, **_) -> str:
    out = Path(out)
    check_out(out, overwrite)
    size = int(corpus.get_meta("face_size", 100))
    faces = selection.faces
    X = np.zeros((len(faces), size, size), dtype=np.uint8)
    for i, face in enumerate(tqdm(faces, disable=not progress, unit="face", desc="pickle")):
        X[i] = face_pixels(corpus, face, size)
    payload = {
        "X": X,
        "y": np.array([selection.classes.index(f.label) for f in faces], dtype=np.int64),
        "ids": np.array([f.id for f in faces], dtype=np.int64),
        "labels": [f.label for f in faces],
        "original_labels": [f.original_label for f in faces],
        "splits": [f.split for f in faces],
        "classes": list(selection.classes),
        "meta": {"corpus": str(corpus.root), "face_size": size, "six_class": six_class,
                 "exported_at": now(), "excluded": dict(selection.excluded)},
    }
    stage = save_stage(corpus, "export", payload)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    shutil.copyfile(stage, tmp)
    tmp.replace(out)
    return f"wrote {len(faces)} faces ({size}x{size}) to {out} and {stage}"
