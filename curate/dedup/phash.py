"""Near duplicates: imagehash's perceptual hash (DCT of a 32x32 gray image, 64 bits).

It survives resizing, re-encoding and most brightness changes; pairs within the Hamming
threshold are found with the multi-index search in index.py, not by comparing all pairs. The
hash only proposes pairs: verify.py decides whether a pair is one picture.

A hash does not survive a change of scale well: a 48-px face with 1 px cropped off every side
and rescaled is a 4% zoom, up to 16 bits away. So each item also gets a probe hash of itself
zoomed by that much (ZoomedPerceptualHash); a copy then lands within a few bits of its
original's probe (measured on the 2,920 FER2013 faces of shared/data: at most 4 bits).
"""
from __future__ import annotations

import imagehash
import numpy as np
from PIL import Image

from .base import DedupMethod, register

# Hash distance that makes a pair a candidate for verify.py. Measured on the 2,920 FER2013
# faces (docs/curate.md), copies brightened +15%, rescaled, 1-px cropped or saved as JPEG 70
# land within 8 bits but for 3 at 12 (near-uniform faces whose DCT terms sit at the median);
# unrelated FER2013 pairs within 12 bits are 0.03% of all pairs, which verify.py rejects.
DEFAULT_THRESHOLD = 12
ZOOM = 1.04


def _bits(img: Image.Image) -> int:
    bits = imagehash.phash(img.convert("L"), hash_size=8).hash.flatten()
    return int.from_bytes(np.packbits(bits).tobytes(), "big")


def zoomed(img: Image.Image, factor: float) -> Image.Image:
    """The middle 1/factor of the picture, resampled to its full size."""
    w, h = img.size
    cw, ch = w / factor, h / factor
    return img.resize(img.size, Image.BICUBIC,
                      box=((w - cw) / 2, (h - ch) / 2, (w + cw) / 2, (h + ch) / 2))


@register
class PerceptualHash(DedupMethod):
    name = "phash"
    exact = False
    default_threshold = DEFAULT_THRESHOLD

    def hash_image(self, img: Image.Image) -> int:
        return _bits(img)


@register
class ZoomedPerceptualHash(DedupMethod):
    """A probe for phash, not a matcher of its own: searched together with phash hashes."""
    name = "phash-zoom"
    exact = False
    probe_of = "phash"
    default_threshold = DEFAULT_THRESHOLD

    def hash_image(self, img: Image.Image) -> int:
        return _bits(zoomed(img.convert("L"), ZOOM))
