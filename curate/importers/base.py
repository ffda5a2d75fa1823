"""What every importer shares: the Record it yields and small helpers for walking sources.

An importer module only knows its source format. It yields one Record per source row or
file, in a stable order, and never touches the corpus; curate.importers.ingest does the
storing, so idempotency, batching, labels and error recording behave the same for every set.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Iterator

import numpy as np

from corpus.images import describe_non_image, sniff


class ImportError_(ValueError):
    """A whole source that cannot be imported (missing file, no header, bad option)."""


@dataclass
class Record:
    source_id: str                    # stable within the dataset: row index or relative path
    label: str | None = None          # the label as the source spells it; mapped later
    subject: str | None = None
    source_split: str | None = None
    orig_name: str | None = None
    path: Path | None = None          # read only if the row is not imported yet
    data: bytes | None = None
    pixels: np.ndarray | None = None  # raw gray pixels for sets that ship arrays (FER2013 CSV)
    error: str | None = None          # a malformed row: recorded as failed with this reason
    skip: str | None = None           # not an image at all (a README, a video): listed, not stored
    extra: dict = field(default_factory=dict)


# Subject ids that datasets encode in file names; the first pattern that matches wins.
SUBJECT_PATTERNS = (
    re.compile(r"^(S\d{3})_\d{3}_\d+"),                       # CK+: S010_006_00000015.png
    re.compile(r"^(subject\d+)\.", re.IGNORECASE),            # Yale: subject04.happy
    re.compile(r"^([A-Z]{2})\.[A-Z]{2}\d*\.\d+\.", re.IGNORECASE),  # JAFFE: KA.AN1.39.tiff
)


def guess_subject(name: str, pattern: re.Pattern | None = None) -> str | None:
    for pat in ((pattern,) if pattern else SUBJECT_PATTERNS):
        m = pat.search(name)
        if m:
            return m.group(1) if pat.groups else m.group(0)
    return None


def iter_files(root: Path) -> Iterator[Path]:
    """Every regular file under root, sorted, skipping dot-files (.DS_Store, ._x)."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith("."):
                yield Path(dirpath) / name


def rel_id(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def child_path(root: Path, name: str) -> Path:
    """root/name for a file name read from a data file, refusing anything that escapes root."""
    rel = PurePosixPath(name.replace("\\", "/"))
    if not name.strip() or rel.is_absolute() or ".." in rel.parts or ":" in name:
        raise ImportError_(f"refusing image name {name!r}: not a plain relative file name")
    path = (root / Path(*rel.parts)).resolve()
    if not path.is_relative_to(root.resolve()):
        raise ImportError_(f"refusing image name {name!r}: it points outside {root}")
    return path


GENERIC_FOLDERS = {"images", "imgs", "img", "frames", "data", "faces", "photos", "pictures"}
# Files that say what a folder holds: a folder with one is a dataset of its own.
DESCRIPTIONS = ("PROVENANCE.md", "README.md", "README.txt", "README", "LICENSE")


def folder_dataset(path: Path) -> str:
    """A dataset name from a folder: its own name, or its parent's for a generic sub-folder
    (yalefaces/images -> yalefaces). A folder that describes itself (PROVENANCE.md, README) is
    named after itself (shared/data/photos -> photos, not data), and so is one whose parent is
    generic too."""
    path = path.resolve()
    generic = path.name.casefold() in GENERIC_FOLDERS
    if (generic and path.parent.name.casefold() not in GENERIC_FOLDERS and path.parent.name
            and not any((path / d).is_file() for d in DESCRIPTIONS)):
        return path.parent.name
    return path.name


_VIDEO_MAGIC = ((4, b"ftyp"), (0, b"\x1a\x45\xdf\xa3"), (8, b"AVI "))


def not_an_image(path: Path) -> str | None:
    """Why a file found in an image folder is no image at all (a text or a video), else None.

    Only what is surely no image is skipped; an unknown binary or an empty file goes on to the
    decoder, whose failure is recorded, so a damaged or unsupported image is never hidden."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(512)
    except OSError:
        return None                       # the importer records the read error
    if not head or sniff(head):
        return None
    for offset, magic in _VIDEO_MAGIC:
        if head[offset:offset + len(magic)] == magic:
            return "a video, not an image (add it with `curate frames`)"
    if b"\0" not in head:
        text = head.decode("utf-8", "ignore")
        if text and sum(c.isprintable() or c.isspace() for c in text) >= 0.95 * len(text):
            reason = describe_non_image(head)
            return reason if not reason.startswith("unknown") else "a text file, not an image"
    return None


def count_files(root: Path) -> int:
    return sum(1 for _ in iter_files(root))
