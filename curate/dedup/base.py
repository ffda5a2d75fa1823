"""One base class for every duplicate finder; each method overrides `hash_image` only.

A method turns decoded pixels into a 64-bit integer. Two items are duplicates under a method
when their hashes are within `threshold` bits (0 for exact methods). A probe method
(`probe_of` names another method) adds a second hash per item that is searched together with
the other method's hashes (phash-zoom: the hash of the picture zoomed a little, so a
re-cropped copy still finds its original). Hashes are cached in the
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
    probe_of: str | None = None   # a probe for that method, not a matcher of its own

    def hash_image(self, img: Image.Image) -> int:
        """A 64-bit unsigned hash of an upright, decoded image. Override this."""
        raise NotImplementedError

    def pairs(self, hashes: np.ndarray, threshold: int | None = None, probes=()):
        """(i, j, distance) for every pair of hashes that match under this method, i < j.

        probes: arrays aligned with hashes (one probe hash per item); a pair also matches when
        one item's probe is within the threshold of the other's hash (or probe)."""
        t = 0 if self.exact else (self.default_threshold if threshold is None else threshold)
        if not len(probes):
            return pairs_within(hashes, t)
        n = len(hashes)
        i, j, d = pairs_within(np.concatenate([hashes, *probes]), t)
        i, j = i % n, j % n
        keep = i != j
        a, b, d = np.minimum(i, j)[keep], np.maximum(i, j)[keep], d[keep]
        order = np.lexsort((d, b, a))                      # per pair, the smallest distance
        a, b, d = a[order], b[order], d[order]
        first = np.ones(len(a), bool)
        first[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
        return a[first], b[first], d[first]


REGISTRY: dict[str, type[DedupMethod]] = {}


def register(cls: type[DedupMethod]) -> type[DedupMethod]:
    REGISTRY[cls.name] = cls
    return cls


def to_signed(h: int) -> int:
    """SQLite INTEGER is signed 64-bit: store uint64 hashes reinterpreted."""
    return h - (1 << 64) if h >= (1 << 63) else h


def to_unsigned(h: int) -> int:
    return h + (1 << 64) if h < 0 else h
