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
# Aligned face crops share their low frequencies, so a hash match alone is not enough (on CK+48,
# 29% of same-person pairs with different expressions are within 8 bits). A match must also
# correlate: normalized cross-correlation of blurred 32x32 gray thumbnails (the blur lets a
# 1-2 px crop through). Measured (docs/curate.md): brightened copies >= 0.974, 1-px crops of
# FER2013 faces 0.948-0.973 at the minimum, CK+48 consecutive frames 0.992 at the 10th
# percentile, different CK+48 people 0.945 at the 99th percentile. One person with another
# expression on an aligned crop can still pass (0.987 at CK+48's 95th percentile): those pairs
# show up as label conflicts. Posed sets on one background (Yale): use --exact-only.
MIN_SIMILARITY = 0.96
THUMB = 32
BLUR = 1.5


@register
class PerceptualHash(DedupMethod):
    name = "phash"
    exact = False
    default_threshold = DEFAULT_THRESHOLD

    min_similarity = MIN_SIMILARITY

    def hash_image(self, img: Image.Image) -> int:
        bits = imagehash.phash(img.convert("L"), hash_size=8).hash.flatten()
        return int.from_bytes(np.packbits(bits).tobytes(), "big")


def thumbnail(img: Image.Image) -> np.ndarray:
    """Zero-mean, unit-norm 32x32 gray thumbnail: brightness and contrast drop out."""
    small = img.convert("L").resize((THUMB, THUMB), Image.BILINEAR)
    a = np.asarray(small.filter(ImageFilter.GaussianBlur(BLUR)), np.float64).ravel()
    a = a - a.mean()
    return (a / (np.linalg.norm(a) or 1.0)).astype(np.float32)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.dot(a, b))
