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


def to_pil(data: bytes, mode: str = "RGB") -> Image.Image:
    """Decode to an upright 8-bit image: EXIF orientation applied, first frame, alpha on white."""
    img = _open(data)
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


def to_array(data: bytes, mode: str = "RGB") -> np.ndarray:
    """uint8 HxWx3 (RGB) or HxW (L), contiguous: what dlib and OpenCV accept."""
    return np.ascontiguousarray(np.asarray(to_pil(data, mode), dtype=np.uint8))
