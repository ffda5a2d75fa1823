"""The worker side of `curate extract`: image bytes in, aligned face crops and metadata out.

The same function serves the local process pool (`process_image`, one (id, path) at a time)
and Dask workers (`extract_batch`, a batch of (id, bytes or path)), so a cluster run gives the
same faces and byte-identical crops as a local one. Nothing here opens the catalog.
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import os
import socket
import threading
from functools import lru_cache
from pathlib import Path

from PIL import Image

from corpus import ImageError, sniff, to_array
from corpus.catalog import pid_alive
from corpus.images import original_size
from corpus.objects import store_object

from .faces import FaceExtractor, encode_png

_FX: FaceExtractor | None = None          # the local pool's extractor (one per process)
_LOCAL = threading.local()                # Dask workers may run several threads


def _init_worker(settings: dict) -> None:
    global _FX
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    _FX = FaceExtractor(**settings)


def process_image(job: tuple[int, str]) -> dict:
    """(item id, file path) -> plain dict of results; runs in a local pool worker."""
    return _safe(_FX, *job)


def extract_batch(settings: dict, root: str | None, items: list) -> list[dict]:
    """A Dask task: [(item id, image bytes)] -> one result dict per item, in order.

    With `root` (the corpus folder, seen at the same path by every worker), items are
    (item id, object path relative to root): the worker reads the image there and also puts
    the crops in place, so the driver only has to record them.
    """
    cache = getattr(_LOCAL, "extractors", None)
    if cache is None:
        cache = _LOCAL.extractors = {}
    key = tuple(sorted(settings.items()))
    fx = cache.get(key) or cache.setdefault(key, FaceExtractor(**settings))
    out = []
    for item_id, source in items:
        if root is not None:
            source = str(Path(root) / source)
        res = _safe(fx, item_id, source)
        if root is not None:
            for face in res.get("faces", ()):
                store_object(root, face["png"], "PNG", tmp_dir=worker_tmp(root))
        out.append(res)
    return out


def _safe(fx: FaceExtractor, item_id: int, source) -> dict:
    try:
        return _process(item_id, source, fx)
    except Exception as exc:    # one odd image must not end the run: record it and go on
        return {"id": item_id, "error": f"unexpected {type(exc).__name__}: {exc}"}


def _process(item_id: int, source: str | bytes, fx: FaceExtractor | None = None) -> dict:
    """One image (a file path or its bytes) -> its faces, or the reason it has none."""
    fx = fx or _FX
    try:
        data = source if isinstance(source, bytes) else open(source, "rb").read()
        w, h = original_size(data)
        # A big JPEG is decoded at a reduced DCT scale (still >= max_side): decoding, not
        # detection, is what a 4000 px photo costs. Truncated files fail here either way.
        image = to_array(data, "RGB", max_side=fx.max_side)
    except (ImageError, OSError) as exc:
        return {"id": item_id, "error": str(exc)}
    note = _animation_note(data)
    if min(h, w) < fx.min_face:
        return {"id": item_id, "faces": [], "note": join(note, f"image {w}x{h} is smaller than "
                                                               f"the minimum face ({fx.min_face} px)")}
    scale = w / image.shape[1]
    found = fx.extract(image)
    if scale > 1 and any(f.width * (1 + 2 * fx.margin) < fx.size for f in found):
        # A face too small in the reduced copy for a sharp crop: take it from full size.
        image, scale = to_array(data, "RGB"), 1.0
        found = fx.extract(image)
    faces = []
    for f in found:
        box = [min(round(v * scale), lim) for v, lim in zip(f.box, (w, h, w, h))]
        faces.append({"png": encode_png(f.crop), "box": box, "score": f.score,
                      "landmarks": [[x * scale, y * scale] for x, y in f.landmarks],
                      "rotation": f.rotation, "too_small": box[2] - box[0] < fx.min_face})
    return {"id": item_id, "faces": faces, "note": note, "width": w, "height": h}


def _animation_note(data: bytes) -> str | None:
    fmt = sniff(data)
    if fmt not in ("GIF", "PNG", "WEBP"):      # the formats that can hold animations
        return None
    with Image.open(io.BytesIO(data)) as img:
        frames = getattr(img, "n_frames", 1)
    return f"animated {fmt}, {frames} frames: first frame used" if frames > 1 else None


def join(*parts):
    return "; ".join(p for p in parts if p) or None


@lru_cache(maxsize=None)
def worker_tmp(root: str) -> Path:
    """This host's temp folder in a shared corpus. The corpus' own tmp/ is emptied of dead
    processes' files whenever a process opens the catalog, judged by pid on *its* host: a
    remote worker's file there could be removed mid-write. Subfolders of tmp/ are left alone."""
    host = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:12]
    path = Path(root) / "tmp" / f"worker-{host}"
    path.mkdir(parents=True, exist_ok=True)
    for p in path.glob("obj-*"):        # left by killed workers of this host
        pid = p.name.split("-")[1]
        if pid.isdigit() and not pid_alive(int(pid)):
            with contextlib.suppress(OSError):
                p.unlink()
    return path


@lru_cache(maxsize=None)
def fingerprint() -> dict:
    """What the crop bytes depend on: library versions and ferkit's own extraction code.
    A worker that differs would give other faces or other bytes than a local run."""
    import cv2
    import dlib
    import numpy
    import PIL
    from PIL import features

    from corpus import images

    from . import faces
    code = hashlib.sha256()
    for mod in (faces, images):
        code.update(Path(mod.__file__).read_bytes())
    code.update(Path(__file__).read_bytes())
    return {"dlib": dlib.__version__, "opencv": cv2.__version__, "numpy": numpy.__version__,
            "pillow": PIL.__version__, "libjpeg": features.version("jpg"),
            "ferkit extraction code": code.hexdigest()[:16]}
