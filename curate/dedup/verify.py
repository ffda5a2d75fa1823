"""Is a hash match really one picture? Align the two, then compare them block by block.

A perceptual hash only proposes pairs: aligned face crops share their low frequencies, so one
person's other expression is often as close in bits as a brightened or re-cropped copy (on
CK+48, 65% of such pairs are within 12 bits). The check here undoes what copying does to a
picture and then asks whether anything is left:

- geometry: a copy may have lost a pixel or two at its borders and been rescaled (a 1-px crop
  of a 48-px face is a 4% zoom, and a 40-px thumbnail cannot undo that by shifting). So one
  side is compared as it is and after cutting 0 or 1 source pixels off each of its four sides
  (16 boxes, which covers crops of any side, with or without rescaling, at sub-pixel accuracy);
- light: a gain and an offset fitted by least squares on the pixels neither side saturates, the
  prediction clipped to 0..255 (brightening +15% clips highlights; a plain standardization
  then differs exactly where the face is brightest);
- what is left: the residual, lightly blurred (JPEG ringing and resampling noise are fine-grained,
  a moved mouth or brow is not), in units of the target's standard deviation, averaged over a
  4x4 grid of blocks; the worst block must be at most MAX_RESIDUAL at the best alignment.

Measured (docs/curate.md): every FER2013 face of shared/data brightened +15%, rescaled to 64 px,
1-px cropped and rescaled, or saved as JPEG 70 comes out at most 0.102 (99.5% below 0.05); two
expressions of one CK+48 subject (any peak frames) at least 0.120.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import cv2
import numpy as np
from PIL import Image

SIZE = 40               # thumbnail side
BLOCKS = 4              # worst of BLOCKS x BLOCKS blocks decides
CUTS = (0, 1)           # source pixels cut off each side in the box search
BOXES = tuple(product(CUTS, repeat=4))          # (left, top, right, bottom); BOXES[0] = none
SATURATED = 250         # pixels at or above this on either side do not enter the light fit
MIN_FIT = 0.1           # share of unsaturated pixels below which every pixel enters the fit
FLAT = 8.0              # std (gray levels) below which a thumbnail is taken as flat
RESIDUAL_BLUR = 1.0     # sigma, thumbnail pixels
# Between the copies (all four required alterations of 2,920 FER2013 faces: at most 0.102) and
# two expressions of one CK+48 subject (3,312 pairs of peak frames: at least 0.120).
MAX_RESIDUAL = 0.11
# Cheap first test: the best correlation of standardized thumbnails. Copies of FER2013 faces
# stay above 0.92 (brightened, clipped) and mostly above 0.98; it rules out most of the pairs
# of aligned posed faces the hash proposes (CK+48: 28,000 at 12 bits) before the fit.
MIN_CORRELATION = 0.85
TOP = 3                 # alignments, by correlation, that get the light fit


def thumbnails(img: Image.Image) -> np.ndarray:
    """uint8 (len(BOXES), SIZE, SIZE): the picture resampled from each box of BOXES."""
    gray = img.convert("L")
    w, h = gray.size
    return np.stack([np.asarray(gray.resize((SIZE, SIZE), Image.BILINEAR,
                                            box=(l, t, w - r, h - b)))
                     for l, t, r, b in BOXES])


def _residuals(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Worst-block residual of dst ~ clip(gain * src + offset), one per row of (k, S, S)."""
    src, dst = src.astype(np.float32), dst.astype(np.float32)
    k = len(src)
    s, d = src.reshape(k, -1), dst.reshape(k, -1)
    use = ((s < SATURATED) & (d < SATURATED)).astype(np.float32)
    # A brightened face may be 70% clipped white; only when almost nothing is left to fit on
    # does every pixel enter the fit.
    few = use.sum(1) < MIN_FIT * s.shape[1]
    use[few] = 1.0
    n = use.sum(1, keepdims=True)
    ms, md = (use * s).sum(1, keepdims=True) / n, (use * d).sum(1, keepdims=True) / n
    cs, cd = (s - ms) * use, (d - md) * use
    gain = (cs * cd).sum(1, keepdims=True) / ((cs * cs).sum(1, keepdims=True) + 1e-6)
    pred = np.clip(gain * (s - ms) + md, 0, 255)
    diff = (pred - d).reshape(k, SIZE, SIZE).transpose(1, 2, 0)        # channels last for cv2
    diff = cv2.GaussianBlur(np.ascontiguousarray(diff), (0, 0), RESIDUAL_BLUR,
                            borderType=cv2.BORDER_REFLECT)
    diff = diff.reshape(SIZE, SIZE, k).transpose(2, 0, 1)
    # In units of the target's contrast; a near-blank picture (FER2013 has some) is measured in
    # units of FLAT instead of its noise.
    r = np.abs(diff) / np.maximum(d.std(1), FLAT).reshape(k, 1, 1)
    step = SIZE // BLOCKS
    worst = r.reshape(k, BLOCKS, step, BLOCKS, step).mean((2, 4)).reshape(k, -1).max(1)
    # A negative gain means an inverted picture, not a copy (unless the source is flat and the
    # gain meaningless).
    return np.where((gain.ravel() > 0) | (s.std(1) < FLAT), worst, np.inf)


@dataclass
class Prepared:
    """What the check needs of one picture, made once per item: its thumbnails, their
    standardized values (for the correlation), and whether it is near blank."""
    thumbs: np.ndarray          # uint8 (len(BOXES), SIZE, SIZE)
    z: np.ndarray               # float32 (len(BOXES), SIZE * SIZE)
    flat: bool


def prepare(img: Image.Image) -> Prepared:
    stack = thumbnails(img)
    x = stack.reshape(len(stack), -1).astype(np.float32)
    x -= x.mean(1, keepdims=True)
    z = x / np.maximum(x.std(1, keepdims=True), FLAT)
    return Prepared(stack, z, float(stack[0].std()) < FLAT)


def _correlations(a: Prepared, b: Prepared) -> np.ndarray:
    """Correlation of every alignment: a cut by each box against b whole, then b cut by each
    box (but the first, no cut) against a whole."""
    return np.concatenate([a.z @ b.z[0], b.z[1:] @ a.z[0]]) / a.z.shape[1]


def check(a: Prepared, b: Prepared, top: int = TOP, corr=None) -> tuple[float, float]:
    """(best correlation, smallest worst-block residual) of two prepared pictures.

    The correlation picks the alignment cheaply; only the `top` best alignments get the light
    fit, each side predicting the other."""
    corr = _correlations(a, b) if corr is None else corr
    k = len(a.thumbs)
    best = np.argsort(-corr, kind="stable")[:top]
    cut = np.concatenate([a.thumbs, b.thumbs[1:]])[best]
    whole = np.where((best < k)[:, None, None], b.thumbs[0], a.thumbs[0])
    res = _residuals(np.concatenate([cut, whole]), np.concatenate([whole, cut]))
    return float(corr.max()), float(res.min())


def same_picture(a: Prepared, b: Prepared, max_residual: float = MAX_RESIDUAL) -> bool:
    """The verdict for a hash match: correlated once aligned, and nothing left in any block.
    Near-blank pictures have no structure to correlate: the residual alone decides."""
    corr = _correlations(a, b)
    if not (a.flat or b.flat) and corr.max() < MIN_CORRELATION:
        return False
    return check(a, b, corr=corr)[1] <= max_residual
