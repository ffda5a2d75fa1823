"""Checking and decoding image bytes, the same way for downloads, imports and extraction.

Format is decided by magic bytes, never by a file name or a Content-Type header; Pillow then
decodes the whole image so truncated files and decompression bombs are caught at the door.
"""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps

# ~ a 9000x9000 photo. Pillow's own default warns at 89 MP and only errors at twice that.
MAX_PIXELS = 80_000_000

_MAGIC = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
)


class ImageError(ValueError):
    """Bytes that are not a usable image; str() is the reason recorded for the item."""


def sniff(data: bytes) -> str | None:
    """The image format named by the leading bytes, or None."""
    for magic, fmt in _MAGIC:
        if data.startswith(magic):
            return fmt
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def describe_non_image(data: bytes) -> str:
    head = data[:512].lstrip().lower()
    if not data:
        return "empty body (0 bytes)"
    if head.startswith((b"<!doctype html", b"<html", b"<head", b"<body")) or b"<html" in head:
        return "HTML page, not an image"
    if head.startswith((b"{", b"[")):
        return "JSON/text, not an image"
    if head.startswith(b"<?xml") or b"<svg" in head:
        return "SVG/XML, not a raster image"
    return f"unknown format (first bytes {data[:8].hex()})"


@dataclass
class ImageInfo:
    format: str
    width: int
    height: int
    mode: str
    frames: int = 1


def _open(data: bytes) -> Image.Image:
    fmt = sniff(data)
    if fmt is None:
        raise ImageError(describe_non_image(data))
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        old = Image.MAX_IMAGE_PIXELS
        Image.MAX_IMAGE_PIXELS = MAX_PIXELS
        try:
            img = Image.open(io.BytesIO(data))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageError(f"decompression bomb refused: {exc}") from None
        except Exception as exc:
            raise ImageError(f"cannot decode {fmt}: {exc}") from None
        finally:
            Image.MAX_IMAGE_PIXELS = old
    if img.width * img.height > MAX_PIXELS:
        raise ImageError(f"decompression bomb refused: {img.width}x{img.height} pixels "
                         f"exceeds the {MAX_PIXELS} pixel limit")
    return img


def verify(data: bytes, *, min_size: tuple[int, int] | None = None) -> ImageInfo:
    """Decode fully and describe; raise ImageError with the reason otherwise."""
    img = _open(data)
    try:
        img.load()
    except Exception as exc:
        raise ImageError(f"corrupt or truncated {img.format}: {exc}") from None
    info = ImageInfo(img.format or sniff(data), img.width, img.height, img.mode,
                     getattr(img, "n_frames", 1))
    if min_size and (info.width < min_size[0] or info.height < min_size[1]):
        raise ImageError(f"too small: {info.width}x{info.height} < {min_size[0]}x{min_size[1]}")
    return info


def to_pil(data: bytes, mode: str = "RGB", *, max_side: int | None = None) -> Image.Image:
    """Decode to an upright 8-bit image: EXIF orientation applied, first frame, alpha on white.

    max_side: a JPEG may be decoded at 1/2, 1/4 or 1/8 scale (in the DCT, so a 4000 px photo
    decodes about as fast as an 800 px one) as long as its longer side stays >= max_side.
    Other formats decode at full size. Compare .size with original_size() for the scale.
    """
    img = _open(data)
    if max_side and img.format == "JPEG" and max(img.size) > 2 * max_side:
        w, h = img.size
        k = max_side / max(w, h)
        img.draft("RGB" if mode == "RGB" else mode, (max(1, round(w * k)), max(1, round(h * k))))
    try:
        img.load()
        img = ImageOps.exif_transpose(img)
    except Exception as exc:
        raise ImageError(f"corrupt or truncated {img.format}: {exc}") from None
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(img, dtype=np.float64)
        top = max(float(arr.max()), 1.0)
        img = Image.fromarray((arr * (255.0 / top)).clip(0, 255).astype(np.uint8), "L")
    elif img.mode == "F":
        arr = np.asarray(img, dtype=np.float64)
        lo, hi = float(arr.min()), float(arr.max())
        img = Image.fromarray(((arr - lo) * (255.0 / max(hi - lo, 1e-9))).astype(np.uint8), "L")
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        bg = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(bg, rgba)
    return img.convert(mode)


def to_array(data: bytes, mode: str = "RGB", *, max_side: int | None = None) -> np.ndarray:
    """uint8 HxWx3 (RGB) or HxW (L), contiguous: what dlib and OpenCV accept."""
    return np.ascontiguousarray(np.asarray(to_pil(data, mode, max_side=max_side), dtype=np.uint8))


def original_size(data: bytes) -> tuple[int, int]:
    """(width, height) of the upright image at full scale, read from the header only."""
    img = _open(data)
    w, h = img.size
    try:
        orientation = img.getexif().get(0x0112, 1)
    except Exception:            # a broken EXIF block is not this function's concern
        orientation = 1
    return (h, w) if orientation in (5, 6, 7, 8) else (w, h)


def square_face(gray: Image.Image, size: int) -> Image.Image:
    """A face crop of any shape as the corpus stores faces: centre square, Lanczos to size.

    Importers store crop sets this way, and a model's callers bring a face file from outside
    the corpus (a class folder, an upload) to the same pixels with it before resizing to the
    model's input (train.data.as_trained): a 48 px FER2013 file and its imported copy must
    look the same to the model (a 48 -> 100 -> 48 face is blurrier than the raw file, and a
    model trained on the first scored 2 points lower on the second: docs/train.md).
    """
    w, h = gray.size
    if w != h:   # a crop set's faces fill the frame; stretching would distort them
        s = min(w, h)
        gray = gray.crop(((w - s) // 2, (h - s) // 2, (w - s) // 2 + s, (h - s) // 2 + s))
    return gray if gray.size == (size, size) else gray.resize((size, size), Image.LANCZOS)
