"""The sandbox's image pool: any folder of images, found by content, and the bytes it serves.

Files are recognised by their magic bytes (corpus.images.sniff), so extension-less Yale faces
and mis-named WebP files join the pool while videos and text files stay out. Each result of
a sandbox query is a (picture, variant) pair: the variant is a small deterministic crop /
mirror / quality change, so sixty results drawn from twenty photos are still sixty different
files, and a rerun serves exactly the same bytes.
"""
from __future__ import annotations

import functools
import io
import os
from pathlib import Path

from PIL import Image

from corpus.images import sniff


class PoolError(Exception):
    """No usable pool; the message says how to point --pool at a folder of photos."""


HOW_TO = ("point --pool at a folder of your own photos (JPEG/PNG/GIF/WebP, searched "
          "recursively), e.g. `python -m scraper sandbox --pool ~/Pictures`")


def default_pool_dirs(shared_data: str | os.PathLike) -> list[Path]:
    """The shared real photos plus the other shared image folders that are present."""
    root = Path(shared_data)
    subdirs = ("photos", "muxspace/images", "yalefaces/images")
    return [root / s for s in subdirs if (root / s).is_dir()]


class Pool:
    def __init__(self, dirs, limit: int | None = None):
        self.dirs = [Path(d) for d in ([dirs] if isinstance(dirs, (str, os.PathLike)) else dirs)]
        paths = []
        for d in self.dirs:
            if not d.is_dir():
                raise PoolError(f"pool folder {d} does not exist; {HOW_TO}")
            for p in sorted(d.rglob("*")):
                if p.is_file() and _sniff_file(p):
                    paths.append(p)
        if limit:
            paths = paths[:limit]
        if not paths:
            where = ", ".join(map(str, self.dirs)) or "(none given)"
            raise PoolError(f"no images found in {where}; {HOW_TO}")
        self.paths = paths

    def __len__(self) -> int:
        return len(self.paths)

    def raw(self, idx: int) -> bytes:
        return self.paths[idx % len(self.paths)].read_bytes()

    @functools.lru_cache(maxsize=1024)
    def size(self, idx: int) -> tuple[int, int]:
        try:
            with Image.open(self.paths[idx % len(self.paths)]) as im:
                return im.size
        except Exception:
            return (0, 0)

    @functools.lru_cache(maxsize=256)
    def render(self, idx: int, variant: int, thumb: bool = False) -> bytes:
        """Deterministic bytes for (picture, variant); undecodable files are served raw."""
        raw = self.raw(idx)
        try:
            with Image.open(io.BytesIO(raw)) as im:
                im.seek(0)
                img = im.convert("RGB")
        except Exception:
            return raw                      # a truncated JPEG stays broken: realistic
        w, h = img.size
        if thumb:
            img.thumbnail((160, 160))
            quality = 70
        else:
            # Crop a different 1-4% from each side and sometimes mirror: new bytes, same face.
            l, t, r, b = ((variant >> s) % 4 + 1 for s in (0, 2, 4, 6))
            img = img.crop((w * l // 100, h * t // 100, w - w * r // 100, h - h * b // 100))
            if variant & 256:
                img = img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
            quality = 80 + variant % 15
        out = io.BytesIO()
        img.save(out, "JPEG", quality=quality)
        return out.getvalue()


def _sniff_file(path: Path) -> str | None:
    try:
        with open(path, "rb") as fh:
            return sniff(fh.read(16))
    except OSError:
        return None
