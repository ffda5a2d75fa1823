"""Uploaded or fetched bytes -> a checked Upload, or an ApiError a person can act on.

Order matters: size, then the format by magic bytes (never the name or Content-Type), then the
pixel count from the header alone (Pillow's open reads the header, decoding waits for load()),
so a 40000 x 40000 PNG of a few kilobytes is refused before a byte of it is inflated.
"""
from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass

from PIL import Image

from corpus import sha256_bytes, sniff
from corpus.images import describe_non_image

from .errors import ApiError


@dataclass(frozen=True)
class Upload:
    data: bytes
    sha256: str
    format: str
    width: int
    height: int


def check(data: bytes, *, max_bytes: int, max_pixels: int) -> Upload:
    if not data:
        raise ApiError(400, "empty", "the image is empty (0 bytes)")
    if len(data) > max_bytes:
        raise ApiError(413, "too_large", f"the image is {len(data):,} bytes; this server takes "
                                         f"at most {max_bytes:,}")
    fmt = sniff(data)
    if fmt is None:
        raise ApiError(415, "not_an_image", f"{describe_non_image(data)}; send a JPEG, PNG, "
                                            f"GIF, WebP, BMP or TIFF photo")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as img:
                width, height = img.size
        except Image.DecompressionBombError as exc:
            # Pillow's own ceiling (twice its warning size) is below ours only for absurd sizes
            raise ApiError(413, "too_many_pixels", f"{_pixels(exc)}; this server takes at most "
                                                   f"{max_pixels:,} pixels") from None
        except Exception as exc:
            raise ApiError(422, "unreadable", f"cannot read the {fmt} header: {exc}") from None
    if width * height > max_pixels:
        raise ApiError(413, "too_many_pixels", f"the image is {width}x{height} = "
                                               f"{width * height:,} pixels; this server takes at "
                                               f"most {max_pixels:,}")
    if _animated(data):
        raise ApiError(415, "animated", f"this is an animated {fmt}: send one still photo (a "
                                        f"frame of it, or a screenshot); which frame to judge "
                                        f"is the sender's choice, not the server's")
    return Upload(data, sha256_bytes(data), fmt, width, height)


def _animated(data: bytes) -> bool:
    """More than one frame (GIF, APNG, WebP). is_animated looks for a second frame only, so a
    GIF of many frames is not walked through; a broken later frame counts as animated."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with Image.open(io.BytesIO(data)) as img:
                return bool(getattr(img, "is_animated", False))
        except Exception:
            return True


def _pixels(exc: Exception) -> str:
    m = re.search(r"\((\d+) pixels\)", str(exc))
    return f"the image has {int(m.group(1)):,} pixels" if m else "the image is too large"


def safe_name(name: str | None) -> str | None:
    """An uploaded file's name as provenance text only (never a path): base name, plain
    characters, at most 100."""
    if not name:
        return None
    base = re.split(r"[\\/]", name)[-1]
    base = re.sub(r"[^\w .()+-]", "_", base).strip()[:100]
    return base or None
