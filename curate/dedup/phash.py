"""Near duplicates: imagehash's perceptual hash (DCT of a 32x32 gray image, 64 bits).

It survives resizing, re-encoding and brightness changes, and a crop of a few percent moves it
only a few bits. Pairs within the Hamming threshold are found with the multi-index search in
index.py, not by comparing all pairs.
"""
from __future__ import annotations

import imagehash
import numpy as np
from PIL import Image, ImageFilter

from .base import DedupMethod, register

# Measured (docs/curate.md): resized and re-encoded FER2013 copies land within 0-4 bits,
# 1-px crops and +15% brightness mostly within 8; unrelated FER2013 faces rarely come closer.
DEFAULT_THRESHOLD = 8
# Aligned face crops share their low frequencies, so a hash match alone is not enough: on
# CK+48, 29% of pairs of one person with different expressions are within 8 bits, and even the
# correlation of whole thumbnails stays above 0.96 for most of them (the face is the same, only
# the mouth or brows move). So a match must also agree everywhere: a standardized 32x32 window
# of each blurred 40x40 thumbnail, the second shifted by up to 2 px to undo a crop, and the
# worst of their 4x4 blocks may differ by at most MAX_DIFFERENCE (mean absolute difference in
# standard deviations, at the best shift). Measured (docs/curate.md), share that passes 0.32:
# 1-px crops of FER2013 faces ~85%, brightened 98%, CK+48 consecutive frames 97%, one CK+48
# person with another expression (and within 8 bits) 3-4%.
MAX_DIFFERENCE = 0.32
THUMB, WINDOW, BLOCKS, SHIFT, BLUR = 40, 32, 4, 2, 1.0


@register
class PerceptualHash(DedupMethod):
    name = "phash"
    exact = False
    default_threshold = DEFAULT_THRESHOLD

    max_difference = MAX_DIFFERENCE

    def hash_image(self, img: Image.Image) -> int:
        bits = imagehash.phash(img.convert("L"), hash_size=8).hash.flatten()
        return int.from_bytes(np.packbits(bits).tobytes(), "big")


def thumbnail(img: Image.Image) -> np.ndarray:
    """Blurred 40x40 gray thumbnail (float32); difference() standardizes its windows."""
    small = img.convert("L").resize((THUMB, THUMB), Image.BILINEAR)
    return np.asarray(small.filter(ImageFilter.GaussianBlur(BLUR)), np.float32)


def _window(a: np.ndarray, dx: int, dy: int) -> np.ndarray:
    o = (THUMB - WINDOW) // 2
    w = a[o + dy:o + dy + WINDOW, o + dx:o + dx + WINDOW]
    return (w - w.mean()) / (w.std() or 1.0)     # brightness and contrast drop out


def difference(a: np.ndarray, b: np.ndarray) -> float:
    """Worst-block mean absolute difference of two thumbnails, at b's best shift."""
    s = WINDOW // BLOCKS
    centre = _window(a, 0, 0)
    best = float("inf")
    for dx in range(-SHIFT, SHIFT + 1):
        for dy in range(-SHIFT, SHIFT + 1):
            d = np.abs(centre - _window(b, dx, dy)).reshape(BLOCKS, s, BLOCKS, s).mean((1, 3))
            best = min(best, float(d.max()))
    return best
