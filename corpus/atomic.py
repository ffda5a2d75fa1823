"""Whole-file writes: temp file in the same filesystem, fsync, rename.

A reader (or a rerun after kill -9) sees the old file or the new one, never half of one.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_atomic(path: str | os.PathLike, data: bytes, *, tmp_dir: str | os.PathLike | None = None,
                 tmp_prefix: str | None = None) -> Path:
    """tmp_dir must be on the same filesystem as path (default: path's folder)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=tmp_dir or path.parent,
                               prefix=tmp_prefix or f".{path.name}.tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path
