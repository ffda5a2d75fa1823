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
from corpus.taxonomy import FER_CLASSES, OPTIONAL_CLASSES, SYNONYMS


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


# A person's name, then a short picture number, as LFW and the sets built from it spell
# files (Donald_Rumsfeld_0001.jpg, Avinash_11.jpg). Up to 4 digits: FER2013's
# Training_67971518.jpg is a row number, not a person; letters only in the name part.
PERSON_NAME = re.compile(r"^([A-Za-z][A-Za-z'.-]*(?:_[A-Za-z][A-Za-z'.-]*)*)_\d{1,4}\.[A-Za-z0-9]{2,5}$")
# Words that name a camera, a frame, a split or an expression rather than a person: IMG_0001.jpg
# or happy_12.png grouped as one "person" would tie unrelated faces into one split unit.
NOT_A_PERSON = frozenset({
    "img", "image", "images", "pic", "picture", "photo", "frame", "dsc", "dscn", "dscf",
    "screenshot", "scan", "file", "face", "faces", "untitled", "capture", "snap", "still",
    "sample", "test", "train", "training", "val", "valid", "validation", "publictest",
    "privatetest", "crop", "thumb", "thumbnail", "unknown", "person", "subject", "clip", "video",
    *SYNONYMS, *FER_CLASSES, *OPTIONAL_CLASSES})


def guess_subject(name: str, pattern: re.Pattern | None = None) -> str | None:
    """The subject a file name encodes: a dataset's subject id, else a person's name."""
    for pat in ((pattern,) if pattern else SUBJECT_PATTERNS):
        m = pat.search(name)
        if m:
            return m.group(1) if pat.groups else m.group(0)
    return None if pattern else person_name(name)


def person_name(name: str) -> str | None:
    """'Donald_Rumsfeld' from Donald_Rumsfeld_0001.jpg; None for IMG_0001.jpg or happy_12.png."""
    m = PERSON_NAME.match(PurePosixPath(name.replace("\\", "/")).name)
    if not m:
        return None
    words = [w.casefold() for w in m.group(1).split("_")]
    if any(w in NOT_A_PERSON for w in words) or sum(c.isalpha() for c in m.group(1)) < 3:
        return None
    return m.group(1)


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
