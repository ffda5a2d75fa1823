"""One base class for every duplicate finder; each method overrides `hash_image` only.

A method turns decoded pixels into a 64-bit integer. Two items are duplicates under a method
when their hashes are within `threshold` bits (0 for exact methods). Hashes are cached in the
catalog per (item, method, version), so a rerun only hashes new items; bump `version` when the
hash function changes so stale cache rows are ignored.
"""
from __future__ import annotations

import numpy as np
from PIL import Image

from .index import pairs_within


class DedupMethod:
    name = "base"
    version = 1
    default_threshold = 0
    exact = True            # True: only equal hashes match, whatever threshold is given

    def hash_image(self, img: Image.Image) -> int:
        """A 64-bit unsigned hash of an upright, decoded image. Override this."""
        raise NotImplementedError

    def pairs(self, hashes: np.ndarray, threshold: int | None = None):
        """(i, j, distance) for every pair of hashes that match under this method."""
        t = 0 if self.exact else (self.default_threshold if threshold is None else threshold)
        return pairs_within(hashes, t)


REGISTRY: dict[str, type[DedupMethod]] = {}


def register(cls: type[DedupMethod]) -> type[DedupMethod]:
    REGISTRY[cls.name] = cls
    return cls


def to_signed(h: int) -> int:
    """SQLite INTEGER is signed 64-bit: store uint64 hashes reinterpreted."""
    return h - (1 << 64) if h >= (1 << 63) else h


def to_unsigned(h: int) -> int:
    return h + (1 << 64) if h < 0 else h
