"""Any CSV that names an image and its label per row (muxspace legend: user.id,image,emotion).

Labels are case-folded and mapped through the taxonomy's synonyms (HAPPINESS, happiness ->
happy). Several rows for one image with different labels are recorded in label_conflicts and
the item is left unlabeled for review instead of keeping whichever row came first. The other
columns (e.g. user.id, the labeler) are kept in the row's provenance. Image names come from
data, so a name that points outside the images folder is refused.
source_id is the 0-based data row index; with --include-unlabeled, images in the folder that
no row names are imported unlabeled with source_id `file:<relative path>`.
"""
from __future__ import annotations

import csv
from pathlib import Path

from .base import (ImportError_, Record, child_path, guess_subject, iter_files, not_an_image,
                   rel_id)

NAME = "csv-labels"
KIND = "image"


def default_dataset(path: Path) -> str:
    return f"{path.resolve().parent.name}/{path.stem}"


def add_arguments(group) -> None:
    group.add_argument("--image-col", default="image", help="csv-labels: image column (image)")
    group.add_argument("--label-col", default="emotion",
                       help="csv-labels: label column (emotion)")
    group.add_argument("--subject-col", help="csv-labels: subject/person id column, if any")
    group.add_argument("--images", type=Path,
                       help="csv-labels: folder the image names are relative to "
                            "(default: images/ next to the CSV if present, else its folder)")
    group.add_argument("--include-unlabeled", action="store_true",
                       help="csv-labels: also import images in the folder that no row names")


def _images_dir(path: Path, images: Path | None) -> Path:
    if images is not None:
        if not images.is_dir():
            raise ImportError_(f"--images {images} is not a folder")
        return images
    return path.parent / "images" if (path.parent / "images").is_dir() else path.parent


def _rows(path: Path, image_col: str, label_col: str, subject_col: str | None):
    if not path.is_file():
        raise ImportError_(f"{path} is not a CSV file")
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        cols = reader.fieldnames or []
        missing = [c for c in (image_col, label_col, subject_col) if c and c not in cols]
        if missing:
            raise ImportError_(f"{path}: no column {', '.join(map(repr, missing))}; columns "
                               f"are {', '.join(cols)} (choose with --image-col/--label-col)")
        for index, row in enumerate(reader):
            yield index, reader.line_num, row


def records(path: Path, image_col="image", label_col="emotion", subject_col=None,
            images=None, include_unlabeled=False, **_):
    root = _images_dir(path, images)
    named = set()
    for index, lineno, row in _rows(path, image_col, label_col, subject_col):
        name = (row.get(image_col) or "").strip()
        rec = Record(source_id=str(index), label=row.get(label_col), orig_name=name,
                     extra={"line": lineno, **{k: v for k, v in row.items()
                                               if k not in (image_col, label_col) and k}})
        try:
            rec.path = child_path(root, name)
            named.add(rec.path)
            if not rec.path.is_file():
                raise ImportError_(f"image file not found: {name!r} in {root}")
            rec.subject = (row.get(subject_col) if subject_col else None) or guess_subject(name)
        except ImportError_ as exc:
            rec.error = f"line {lineno}: {exc}"
        yield rec
    if include_unlabeled:
        for f in iter_files(root):
            if f.resolve() not in named and f.resolve() != path.resolve():
                yield Record(source_id="file:" + rel_id(f, root), orig_name=f.name, path=f,
                             subject=guess_subject(f.name), skip=not_an_image(f))


def count(path: Path, **options) -> int:
    return sum(1 for _ in records(path, **options))
