"""Near duplicates: imagehash's perceptual hash (DCT of a 32x32 gray image, 64 bits).

It survives resizing, re-encoding and brightness changes, and a crop of a few percent moves it
only a few bits. Pairs within the Hamming threshold are found with the multi-index search in
index.py, not by comparing all pairs.
"""
from __future__ import annotations

import imagehash
import numpy as np
from PIL import Image

from .base import DedupMethod, register

# Measured on FER2013 and Yale (docs/curate.md): resized and re-encoded copies land within
# 0-4 bits, 1-px crops and +15% brightness mostly within 6; unrelated FER2013 faces rarely come
# closer than 8. Posed sets with one background (Yale) put different expressions of one person
# within 4: use a lower --threshold there and read the conflicts.
DEFAULT_THRESHOLD = 8


@register
class PerceptualHash(DedupMethod):
    name = "phash"
    exact = False
    default_threshold = DEFAULT_THRESHOLD

    def hash_image(self, img: Image.Image) -> int:
        bits = imagehash.phash(img.convert("L"), hash_size=8).hash.flatten()
        return int.from_bytes(np.packbits(bits).tobytes(), "big")
