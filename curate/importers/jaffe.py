"""JAFFE: 256x256 head shots named POSER.EXPRn.N.tiff (KA.AN1.39.tiff), labels in the name.

Expression codes: AN angry, DI disgust, FE fear, HA happy, NE neutral, SA sad, SU surprise.
The poser's initials are the subject. The images are uncropped heads, so they enter as kind
'image' and go through `curate extract`. A file whose name does not follow the scheme is
recorded as failed with that reason.
"""
from __future__ import annotations

import re
from pathlib import Path

from .base import Record, iter_files, rel_id

NAME = "jaffe"
KIND = "image"
CODES = {"AN": "angry", "DI": "disgust", "FE": "fear", "HA": "happy", "NE": "neutral",
         "SA": "sad", "SU": "surprise"}
PATTERN = re.compile(r"^([A-Z]{2})\.([A-Z]{2})(\d*)\.(\d+)(\.[A-Za-z0-9]+)?$", re.IGNORECASE)


def default_dataset(path: Path) -> str:
    return "jaffe"


def parse_name(name: str) -> tuple[str, str, str]:
    """(poser, label, code) from a JAFFE file name; ValueError saying why not."""
    m = PATTERN.match(name)
    if not m:
        raise ValueError(f"{name!r} does not follow JAFFE's POSER.EXPRn.N.tiff naming "
                         f"(e.g. KA.AN1.39.tiff)")
    poser, code = m.group(1).upper(), m.group(2).upper()
    if code not in CODES:
        raise ValueError(f"{name!r}: unknown JAFFE expression code {code!r}; "
                         f"known: {', '.join(CODES)}")
    return poser, CODES[code], code + m.group(3)


def records(path: Path, **_):
    files = [path] if path.is_file() else iter_files(path)
    root = path.parent if path.is_file() else path
    for f in files:
        rec = Record(source_id=rel_id(f, root), orig_name=f.name, path=f)
        try:
            rec.subject, rec.label, code = parse_name(f.name)
            rec.extra = {"jaffe_code": code}
        except ValueError as exc:
            rec.error = str(exc)
        yield rec


def count(path: Path, **_) -> int:
    return 1 if path.is_file() else sum(1 for _ in iter_files(path))
