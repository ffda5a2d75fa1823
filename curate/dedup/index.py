"""All pairs of 64-bit hashes within a Hamming distance, by multi-index hashing (no all-pairs).

Split each hash into m chunks. If two hashes differ in at most t bits, then by pigeonhole some
chunk c differs in at most r_c bits whenever sum(r_c + 1) > t. So for every chunk we look up
each key XOR every flip pattern of weight <= r_c in a sorted copy of that chunk's keys; only
those candidates get a full popcount. With ~log2(n)-bit chunks the buckets hold about one hash
each, so the work grows roughly linearly with n instead of n^2 (Norouzi et al., "Fast Search
in Hamming Space with Multi-Index Hashing", CVPR 2012).
"""
from __future__ import annotations

from itertools import combinations
from math import comb

import numpy as np

BITS = 64
MAX_PATTERNS = 200_000
DENSE_BITS = 22      # chunks up to this width use a 2^width lookup table (32 MiB at 22)


def _chunk_widths(m: int) -> list[int]:
    base, extra = divmod(BITS, m)
    return [base + (1 if c < extra else 0) for c in range(m)]


def _radii(m: int, t: int) -> list[int]:
    # Smallest radii with sum(r_c + 1) = t + 1: enough for the pigeonhole argument.
    total = t + 1 - m
    base, extra = divmod(max(total, 0), m)
    return [base + (1 if c < extra else 0) for c in range(m)]


def _n_patterns(width: int, radius: int) -> int:
    return sum(comb(width, k) for k in range(radius + 1))


def _patterns(width: int, radius: int) -> np.ndarray:
    if _n_patterns(width, radius) > MAX_PATTERNS:
        raise ValueError(f"{_n_patterns(width, radius)} flip patterns for a {width}-bit chunk at "
                         f"radius {radius}: use more chunks")
    out = [0]
    for k in range(1, radius + 1):
        out.extend(sum(1 << b for b in bits) for bits in combinations(range(width), k))
    return np.asarray(out, dtype=np.uint64)


def _cost(n: int, m: int, t: int) -> float:
    if m > t + 1:
        return float("inf")     # a chunk would need a negative radius
    cost = 0.0
    for width, radius in zip(_chunk_widths(m), _radii(m, t)):
        n_pat = _n_patterns(width, radius)
        cost += n_pat * (n + n * n / 2.0 ** width)
    return cost


def choose_chunks(n: int, t: int) -> int:
    return min(range(1, 17), key=lambda m: _cost(max(n, 2), m, t))


def _expand(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(query index, position) for every position in [lo[q], hi[q])."""
    counts = hi - lo
    total = int(counts.sum())
    if total == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    q = np.repeat(np.arange(len(lo)), counts)
    starts = np.repeat(lo - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
    return q, starts + np.arange(total)


def pairs_within(hashes, threshold: int, *, chunks: int | None = None):
    """Every pair (i < j) with popcount(h[i] ^ h[j]) <= threshold, and its distance.

    Returns three int64 arrays i, j, d, sorted by (i, j).
    """
    h = np.ascontiguousarray(np.asarray(hashes, dtype=np.uint64))
    n = len(h)
    empty = (np.empty(0, np.int64),) * 3
    if n < 2:
        return empty
    t = int(threshold)
    if t < 0:
        raise ValueError("threshold must be >= 0")
    m = chunks or choose_chunks(n, t)
    found = []
    shift = 0
    for width, radius in zip(_chunk_widths(m), _radii(m, t)):
        mask = np.uint64((1 << width) - 1)
        keys = (h >> np.uint64(shift)) & mask
        shift += width
        order = np.argsort(keys, kind="stable")
        if width <= DENSE_BITS:
            # A bucket-start table turns each lookup into two gathers (no binary search).
            starts = np.zeros((1 << width) + 1, np.int64)
            np.cumsum(np.bincount(keys.astype(np.int64), minlength=1 << width), out=starts[1:])
            keys = keys.astype(np.int64)
        else:
            sorted_keys = keys[order]
        for pat in _patterns(width, radius):
            if width <= DENSE_BITS:
                probe = keys ^ np.int64(pat)
                lo, hi = starts[probe], starts[probe + 1]
            else:
                probe = keys ^ pat
                lo = np.searchsorted(sorted_keys, probe, "left")
                hi = np.searchsorted(sorted_keys, probe, "right")
            qi, pos = _expand(lo, hi)
            if not len(qi):
                continue
            qj = order[pos]
            keep = qi < qj
            qi, qj = qi[keep], qj[keep]
            d = np.bitwise_count(h[qi] ^ h[qj]).astype(np.int64)
            ok = d <= t
            if ok.any():
                found.append(np.stack([qi[ok], qj[ok], d[ok]], axis=1))
    if not found:
        return empty
    allp = np.unique(np.concatenate(found), axis=0)   # one pair can match in several chunks
    return allp[:, 0], allp[:, 1], allp[:, 2]


def pairs_brute(hashes, threshold: int):
    """The same answer the slow way (tests and the benchmark's cross-check on small inputs)."""
    h = np.asarray(hashes, dtype=np.uint64)
    out_i, out_j, out_d = [], [], []
    for i in range(len(h) - 1):
        d = np.bitwise_count(h[i + 1:] ^ h[i]).astype(np.int64)
        js = np.nonzero(d <= threshold)[0]
        out_i.append(np.full(len(js), i))
        out_j.append(js + i + 1)
        out_d.append(d[js])
    if not out_i:
        return (np.empty(0, np.int64),) * 3
    return tuple(np.concatenate(x).astype(np.int64) for x in (out_i, out_j, out_d))
