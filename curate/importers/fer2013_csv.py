"""FER2013 as Kaggle ships it: a CSV `emotion,pixels,Usage`, one 48x48 gray face per row.

emotion codes 0..6 are FER_CLASSES (angry disgust fear happy sad surprise neutral); Usage
(Training / PublicTest / PrivateTest) is kept as the source split. source_id is the 0-based
data row index; a malformed row (cut off, wrong field count, bad pixel) becomes a failed item
whose reason starts with its file line number (the header is line 1).
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from corpus.taxonomy import FER_CLASSES

from .base import ImportError_, Record

NAME = "fer2013-csv"
KIND = "face"


def default_dataset(path: Path) -> str:
    # Row indices are only unique within one file: Kaggle's train.csv and test.csv must not
    # share a dataset name, or the second would be skipped as already imported.
    return "fer2013" if path.stem.casefold() == "fer2013" else f"fer2013/{path.stem}"


def count(path: Path, **_) -> int:
    with open(path, "rb") as fh:
        return max(sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b"")), 1)


def _fields(line: bytes) -> list[str]:
    text = line.decode("utf-8").rstrip("\r\n")
    return [f.strip().strip('"') for f in text.split(",")]


def parse_row(fields: list[str], header: list[str]) -> tuple[str | None, np.ndarray, str | None]:
    """(label, pixels HxW uint8, usage); ValueError with the reason for a malformed row."""
    if len(fields) != len(header):
        cut = " (the row is cut off)" if len(fields) < len(header) else ""
        raise ValueError(f"{len(fields)} fields, expected {len(header)} "
                         f"({','.join(header)}){cut}")
    row = dict(zip(header, fields))
    label = None
    if "emotion" in row:
        code = row["emotion"]
        if not code.isdigit() or int(code) >= len(FER_CLASSES):
            raise ValueError(f"emotion {code!r} is not a FER2013 code 0..{len(FER_CLASSES) - 1}")
        label = FER_CLASSES[int(code)]
    values = row["pixels"].split()
    if not all(v.isdigit() for v in values):
        raise ValueError("pixels holds something other than integers 0..255")
    side = math.isqrt(len(values))
    if not values or side * side != len(values):
        raise ValueError(f"{len(values)} pixel values, not a square image (48x48 = 2304); "
                         f"the row may be cut off")
    arr = np.array([int(v) for v in values], dtype=np.int64)
    if arr.max() > 255:
        raise ValueError(f"pixel value {arr.max()} out of range 0..255")
    return label, arr.astype(np.uint8).reshape(side, side), row.get("Usage") or None


def records(path: Path, **_):
    with open(path, "rb") as fh:
        head = fh.readline()
        try:
            header = _fields(head)
        except UnicodeDecodeError:
            header = []
        if "pixels" not in header:
            raise ImportError_(f"{path}: first line is not a FER2013 header "
                               f"(expected emotion,pixels,Usage; got {head[:60]!r})")
        for index, line in enumerate(fh):
            lineno = index + 2
            if not line.strip():
                continue
            rec = Record(source_id=str(index), orig_name=f"{path.name} row {index}",
                         extra={"line": lineno})
            try:
                rec.label, rec.pixels, rec.source_split = parse_row(_fields(line), header)
            except (ValueError, UnicodeDecodeError) as exc:
                rec.error = f"line {lineno}: {exc}"
            yield rec
