"""Content-addressed object files, without the catalog.

A corpus keeps every stored byte string at a path derived from its SHA-256 (never from a URL or
a label). Writing one needs no catalog access, so a process that must not open the SQLite file
(a Dask worker on another machine that sees the corpus through a shared file system) can put
objects in place; they become items only when the catalog's single writer records them.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from .atomic import write_atomic

# Extensions for stored objects come from the sniffed format, so a viewer can open them.
FORMAT_EXT = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp", "BMP": "bmp",
              "TIFF": "tif", "MPO": "jpg", "NPY": "npy", "MP4": "mp4", "AVI": "avi"}


def object_relpath(sha: str, fmt: str | None) -> str:
    ext = FORMAT_EXT.get((fmt or "").upper(), "bin")
    return f"objects/{sha[:2]}/{sha[2:4]}/{sha}.{ext}"


def write_object(root: str | os.PathLike, data: bytes, relpath: str, *,
                 tmp_dir: str | os.PathLike) -> None:
    """Atomic (temp file, fsync, rename); an object already there is not written again."""
    dest = Path(root) / relpath
    if dest.exists() and dest.stat().st_size == len(data):
        return
    write_atomic(dest, data, tmp_dir=tmp_dir, tmp_prefix=f"obj-{os.getpid()}-")


def store_object(root: str | os.PathLike, data: bytes, fmt: str | None, *,
                 tmp_dir: str | os.PathLike) -> str:
    """Put bytes in their content-addressed place; returns the path relative to root."""
    relpath = object_relpath(hashlib.sha256(data).hexdigest(), fmt)
    write_object(root, data, relpath, tmp_dir=tmp_dir)
    return relpath
