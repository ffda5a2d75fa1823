import io

import numpy as np
import pytest
from PIL import Image

from corpus import ImageError, sniff, to_array, verify


def _encode(img, fmt, **kw):
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def test_sniff_by_magic_not_name():
    rgb = Image.new("RGB", (20, 10), (200, 10, 10))
    assert sniff(_encode(rgb, "WEBP")) == "WEBP"
    assert sniff(_encode(rgb, "PNG")) == "PNG"
    assert sniff(b"<!DOCTYPE html><html>") is None


@pytest.mark.parametrize("mode", ["RGBA", "P", "I;16", "CMYK", "L", "LA"])
def test_every_mode_decodes_to_uint8_rgb(mode):
    img = Image.new("RGB", (16, 12), (10, 120, 240)).convert(mode if mode != "I;16" else "I")
    if mode == "I;16":
        img = Image.fromarray(np.full((12, 16), 40000, np.uint16))
    fmt = "JPEG" if mode == "CMYK" else ("TIFF" if mode == "LA" else "PNG")
    arr = to_array(_encode(img, fmt))
    assert arr.dtype == np.uint8 and arr.shape == (12, 16, 3)


def test_exif_rotation_applied():
    img = Image.new("RGB", (40, 20), "white")
    exif = Image.Exif()
    exif[0x0112] = 6       # rotate 90 CW on display
    data = _encode(img, "JPEG", exif=exif)
    assert to_array(data).shape[:2] == (40, 20)


def test_bad_inputs_give_reasons():
    with pytest.raises(ImageError, match="HTML"):
        verify(b"<html><body>nope</body></html>")
    with pytest.raises(ImageError, match="empty"):
        verify(b"")
    good = _encode(Image.new("RGB", (64, 64), "red"), "JPEG")
    with pytest.raises(ImageError, match="truncated|decode"):
        verify(good[: len(good) // 2])
    with pytest.raises(ImageError, match="too small"):
        verify(good, min_size=(100, 100))


def test_decompression_bomb_refused():
    # A 10000x10000 1-bit PNG is tiny on disk but 100 MP when decoded.
    bomb = _encode(Image.new("1", (10000, 10000)), "PNG")
    assert len(bomb) < 200_000
    with pytest.raises(ImageError, match="decompression bomb"):
        verify(bomb)


def test_reduced_jpeg_decode_keeps_at_least_max_side_and_original_size_is_upright():
    from corpus.images import original_size
    img = Image.new("RGB", (3200, 1800), (90, 90, 90))
    exif = Image.Exif()
    exif[0x0112] = 6
    data = _encode(img, "JPEG", exif=exif)
    small = to_array(data, max_side=700)
    assert small.shape[:2] == (800, 450)          # 1/4 scale, then rotated upright
    assert original_size(data) == (1800, 3200)
    png = _encode(img, "PNG")
    assert to_array(png, max_side=700).shape[:2] == (1800, 3200)   # only JPEG is reduced
