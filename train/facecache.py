"""Decoded faces at the model's input size, cached beside the catalog and checked before use.

Decoding and checking every face file is what made `train fit` spend ~5 minutes before the
first batch on the 28.7k FER2013 faces, and decoding JPEGs every epoch competed with the model
for the two cores. Here each face file is read once: its bytes are checked against the SHA-256
the catalog holds (a file damaged or replaced on disk is caught, not trained on), decoded to
8-bit gray, resized with the kernel evaluation uses (data.resize_gray), and kept as one row of
a uint8 array. The next run with the same faces only reads that array.

Files (CORPUS/cache/):
    faces-<size>.json           the commit point: format, size, row digests, each file's size and
                                mtime when it was read, the .npy's SHA-256
    faces-<size>-<sha12>.npy    N x size x size uint8, row i = the face whose bytes hash to
                                digests[i]; plain .npy, read with allow_pickle=False
The .npy is written first under a name of its own digest, then the JSON is replaced
atomically, so after a kill -9 at any moment the JSON names a whole array; the array's
SHA-256 is checked on every load and a mismatch means the cache is rebuilt, never used.
Rows are keyed by content, so relabeling, resplitting or training on another subset of the
same corpus reuses them; faces new to the cache are decoded and appended. Every face file is
still stat'ed on each run: one that is gone, or whose size or mtime changed, is read and
checked again (and left out, marked failed, when it no longer matches).
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import sys
from pathlib import Path

import numpy as np

from corpus import ImageError, to_array
from corpus.atomic import write_atomic

from .data import Sample, resize_gray

FORMAT = 1
DIR = "cache"


def _digest(data) -> str:
    return hashlib.sha256(data).hexdigest()


def _paths(root: Path, size: int) -> tuple[Path, str]:
    return root / DIR / f"faces-{size}.json", f"faces-{size}-"


def read_cache(root: Path, size: int, log=print) -> tuple[np.ndarray, dict[str, int], list]:
    """(rows, {digest: row}, [size, mtime_ns] per row); empty when there is no cache or it
    fails its check."""
    meta_file, prefix = _paths(root, size)
    empty = np.zeros((0, size, size), np.uint8), {}, []
    if not meta_file.is_file():
        return empty
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        npy = meta_file.parent / meta["array"]
        if meta.get("format") != FORMAT or meta.get("size") != size \
                or not meta["array"].startswith(prefix) or "/" in meta["array"]:
            raise ValueError("unexpected cache description")
        raw = npy.read_bytes()
        if _digest(raw) != meta["array_sha256"]:
            raise ValueError(f"{npy.name} does not match its recorded SHA-256")
        X = np.load(io.BytesIO(raw), allow_pickle=False)
        if X.dtype != np.uint8 or X.shape != (len(meta["digests"]), size, size) \
                or len(meta["files"]) != len(X):
            raise ValueError(f"{npy.name} has shape {X.shape}, expected "
                             f"({len(meta['digests'])}, {size}, {size}) uint8")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log(f"face cache {meta_file} not used ({exc}); decoding the faces again")
        return empty
    return X, {d: i for i, d in enumerate(meta["digests"])}, meta["files"]


def write_cache(root: Path, size: int, X: np.ndarray, digests: list[str], files: list) -> Path:
    meta_file, prefix = _paths(root, size)
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(X, np.uint8), allow_pickle=False)
    raw = buf.getvalue()
    sha = _digest(raw)
    npy = meta_file.parent / f"{prefix}{sha[:12]}.npy"
    write_atomic(npy, raw)
    write_atomic(meta_file, json.dumps({"format": FORMAT, "size": size, "array": npy.name,
                                        "array_sha256": sha, "digests": digests,
                                        "files": files}).encode())
    for old in meta_file.parent.glob(f"{prefix}*.npy"):     # arrays no JSON names any more
        if old != npy:
            old.unlink(missing_ok=True)
    return meta_file


def _stat(path) -> list[int]:
    st = os.stat(path)
    return [st.st_size, st.st_mtime_ns]


def decode(sample: Sample, size: int) -> tuple[np.ndarray, str]:
    """(uint8 size x size face, SHA-256 of its bytes); ImageError/OSError when it is unusable."""
    data = Path(sample.path).read_bytes()
    sha = _digest(data)
    if sample.sha256 and sha != sample.sha256:
        raise ImageError("file changed on disk: its SHA-256 differs from the catalog's")
    face = resize_gray(to_array(data, "L"), size)[..., 0]
    return np.clip(np.rint(face), 0, 255).astype(np.uint8), sha


def face_pixels(root, samples: list[Sample], size: int, *, progress: bool = False,
                log=print) -> tuple[np.ndarray, list[tuple[Sample, str]], dict]:
    """(pixels of the usable samples in order, [(sample, reason)] unusable, counts).

    root: the corpus directory (the cache lives in root/cache). Samples without a catalog
    digest (class folders) are decoded every time and not cached.
    """
    from tqdm import tqdm
    X, where, files = read_cache(Path(root), size, log)
    digests = sorted(where, key=where.get)
    todo, bad = [], {}
    for i, s in enumerate(samples):
        if not (s.sha256 and s.sha256 in where):
            todo.append(i)
            continue
        try:
            if _stat(s.path) != files[where[s.sha256]]:
                todo.append(i)              # touched since it was cached: read and check it
        except OSError as exc:
            bad[i] = f"file missing: {exc.strerror}"
    decoded, new_faces, changed = {}, [], False
    for i in tqdm(todo, desc="decode faces", unit="face", file=sys.stderr,
                  disable=not progress or len(todo) < 2000):
        s = samples[i]
        try:
            decoded[i], sha = decode(s, size)
            stat = _stat(s.path)
        except (ImageError, OSError) as exc:
            bad[i] = str(exc)
            continue
        if not s.sha256:
            continue
        if sha in where:
            changed |= files[where[sha]] != stat
            files[where[sha]] = stat
        else:
            where[sha] = len(digests)
            digests.append(sha)
            files.append(stat)
            new_faces.append(decoded[i])
    if new_faces:
        X = np.concatenate([X, np.stack(new_faces)])
    if new_faces or changed:
        write_cache(Path(root), size, X, digests, files)
    good = [i for i in range(len(samples)) if i not in bad]
    out = np.empty((len(good), size, size), np.uint8)
    for j, i in enumerate(good):
        out[j] = decoded[i] if i in decoded else X[where[samples[i].sha256]]
    counts = {"faces": len(good), "from_cache": len(good) - len(decoded),
              "decoded": len(decoded), "unusable": len(bad)}
    return out, [(samples[i], bad[i]) for i in sorted(bad)], counts
