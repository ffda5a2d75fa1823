"""Small helpers the exporters share: atomic writes and reading a face's pixels."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
from PIL import Image

from corpus import to_array

from .select import ExportError


def face_pixels(corpus, face, size: int | None = None, *, originals: bool = False) -> np.ndarray:
    """uint8 gray HxW of a face; with originals, the source pixels the import kept (if any)."""
    if originals and size is not None:
        row = corpus.db.execute("SELECT width, height, pixels FROM face_originals WHERE"
                                " item_id=?", (face.id,)).fetchone() \
            if _has_table(corpus, "face_originals") else None
        if row and row["width"] == size and row["height"] == size:
            return np.frombuffer(row["pixels"], dtype=np.uint8).reshape(size, size)
    arr = to_array((corpus.root / face.path).read_bytes(), "L")
    if size is not None and arr.shape != (size, size):
        arr = np.asarray(Image.fromarray(arr, "L").resize((size, size), Image.LANCZOS))
    return arr


def _has_table(corpus, name: str) -> bool:
    return corpus.db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?",
                             (name,)).fetchone() is not None


def check_out(path: Path, overwrite: bool) -> None:
    if path.exists() and not overwrite and (path.is_file() or any(path.iterdir())):
        raise ExportError(f"{path} exists; choose another --out or pass --overwrite")


def replace_dir(tmp: Path, dest: Path) -> None:
    """Swap a fully written tmp folder into place (the old export is removed only then)."""
    if dest.exists():
        old = dest.with_name(f".{dest.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(dest, old)
        os.replace(tmp, dest)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, dest)
