"""An unlabeled folder of images (MMI-style frames, Yale faces): every file, any name.

Formats are sniffed from the bytes, not the extension (Yale files are GIFs named
subject04.happy). Files that are surely no image (PROVENANCE.md, a video) are skipped and
listed; an image that does not decode is recorded as failed with the reason.
Subject ids are read from CK+/Yale/JAFFE-style names. With --label-from-name the last
dot-part of a name that is a known class spelling (subject04.happy, .surprised, .normal)
becomes the label; other names (.wink, .glasses) stay unlabeled.
"""
from __future__ import annotations

from pathlib import Path

from corpus.taxonomy import Taxonomy

from .base import Record, folder_dataset, guess_subject, iter_files, not_an_image, rel_id

NAME = "images"
KIND = "image"
_NAMES = Taxonomy()


def default_dataset(path: Path) -> str:
    return folder_dataset(path if path.is_dir() else path.parent)


def add_arguments(group) -> None:
    group.add_argument("--label-from-name", action="store_true",
                       help="images: label from a name's last dot-part when it is a class "
                            "spelling (subject04.happy -> happy, .normal -> neutral)")


def name_label(name: str) -> str | None:
    parts = name.rsplit(".", 1)
    return _NAMES.maybe_canonical(parts[1]) if len(parts) == 2 else None


def records(path: Path, label_from_name: bool = False, **_):
    files = [path] if path.is_file() else iter_files(path)
    root = path.parent if path.is_file() else path
    for f in files:
        yield Record(source_id=rel_id(f, root), orig_name=f.name, path=f,
                     subject=guess_subject(f.name),
                     label=name_label(f.name) if label_from_name else None,
                     skip=not_an_image(f))


def count(path: Path, **_) -> int:
    return 1 if path.is_file() else sum(1 for _ in iter_files(path))
