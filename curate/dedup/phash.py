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
# the mouth or brows move). So a match must also agree everywhere: both pictures become
# blurred, standardized 32x32 thumbnails, and the worst of their 4x4 blocks of 8x8 pixels may
# differ by at most MAX_DIFFERENCE (mean absolute difference in standard deviations).
# Measured (docs/curate.md): re-encoded, resized copies <= 0.09, brightened <= 0.29, 1-px crops
# 0.26 median / 0.46 at the 90th percentile, CK+48 consecutive frames 0.24 at the 90th;
# one person with another expression 0.56 median, different people 1.05 median.
MAX_DIFFERENCE = 0.4
THUMB = 32
BLOCKS = 4
BLUR = 1.0


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
    """Blurred, standardized 32x32 gray thumbnail: brightness and contrast drop out."""
    small = img.convert("L").resize((THUMB, THUMB), Image.BILINEAR)
    a = np.asarray(small.filter(ImageFilter.GaussianBlur(BLUR)), np.float32)
    return (a - a.mean()) / (a.std() or 1.0)


def difference(a: np.ndarray, b: np.ndarray) -> float:
    """The largest mean absolute difference over the BLOCKS x BLOCKS blocks of two thumbnails."""
    s = THUMB // BLOCKS
    d = np.abs(a - b).reshape(BLOCKS, s, BLOCKS, s).mean(axis=(1, 3))
    return float(d.max())
