"""intake.check: caps in bytes and pixels, the format by content, names never paths."""
import struct
import zlib
from functools import lru_cache

import pytest

from serve.errors import ApiError
from serve.intake import check, safe_name


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@lru_cache(maxsize=None)
def png_bomb(width: int, height: int) -> bytes:
    """A valid 1-bit PNG of width x height black pixels that compresses to a few hundred KB:
    decoded it would need width x height bytes (1.6 GB at 40000 x 40000)."""
    row = b"\x00" * (1 + (width + 7) // 8)          # filter byte + packed bits
    z = zlib.compressobj(9)
    body = b"".join(z.compress(row) for _ in range(height)) + z.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", body)
            + _chunk(b"IEND", b""))


CAPS = dict(max_bytes=1_000_000, max_pixels=4_000_000)


def test_bomb_is_refused_from_its_header():
    bomb = png_bomb(40000, 40000)
    assert len(bomb) < 1_000_000
    with pytest.raises(ApiError) as e:
        check(bomb, **CAPS)
    assert e.value.status_code == 413 and e.value.error == "too_many_pixels"
    assert "1,600,000,000 pixels" in e.value.detail


def test_check_reads_the_header_only():
    """A PNG whose pixel data is garbage passes check(): nothing was decoded (a decode fails)."""
    good = png_bomb(1000, 1000)
    start = good.index(b"IDAT") + 4
    broken = good[:start] + b"\x00garbage" * 10 + good[start + 100:]
    assert check(broken, **CAPS).width == 1000
    from corpus import ImageError, to_array
    with pytest.raises(ImageError):
        to_array(broken)


def test_pixel_cap_below_pillows_own_limit():
    with pytest.raises(ApiError) as e:
        check(png_bomb(3000, 2000), **CAPS)      # 6 MP: Pillow would open it happily
    assert "3000x2000 = 6,000,000 pixels" in e.value.detail
    ok = check(png_bomb(2000, 2000), **CAPS)
    assert (ok.format, ok.width, ok.height) == ("PNG", 2000, 2000) and len(ok.sha256) == 64


@pytest.mark.parametrize("data,status,code", [
    (b"", 400, "empty"),
    (b"\xff\xd8\xff" + bytes(1_000_001), 413, "too_large"),
    (b"<html><body>an error page</body></html>", 415, "not_an_image"),
    (b"GIF89a\x01", 422, "unreadable"),
])
def test_refusals(data, status, code):
    with pytest.raises(ApiError) as e:
        check(data, **CAPS)
    assert (e.value.status_code, e.value.error) == (status, code)


def test_file_names_are_text_not_paths():
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("C:\\Users\\me\\holiday pic.jpg") == "holiday pic.jpg"
    assert safe_name("a\x00b<script>.png") == "a_b_script_.png"
    assert safe_name("") is None and safe_name("/") is None
