"""One folder per class, optionally under split folders: `<class>/*` or `<split>/<class>/*`.

This is the layout of Kaggle's FER2013 image release (train|test/<class>/*.jpg) and CK+48
(<class>/S010_006_00000015.png). Class folder names go through the taxonomy and --map
(anger -> angry, sadness -> sad; contempt becomes an extra class). The split folder name is
kept as the source split; CK+/Yale/JAFFE-style names give the subject id.
"""
from __future__ import annotations

from pathlib import Path

from corpus.taxonomy import FER_CLASSES, OPTIONAL_CLASSES, Taxonomy

from .base import ImportError_, folder_dataset, Record, guess_subject, iter_files, rel_id

NAME = "folders"
KIND = "face"
_KNOWN = Taxonomy(FER_CLASSES + OPTIONAL_CLASSES)
SPLIT_NAMES = {"train", "training", "test", "testing", "val", "valid", "validation", "dev",
               "publictest", "privatetest"}


def default_dataset(path: Path) -> str:
    return folder_dataset(path)


def _subdirs(path: Path) -> list[Path]:
    return sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith("."))


def layout(root: Path) -> list[tuple[str | None, Path]]:
    """(split or None, class folder) pairs."""
    if not root.is_dir():
        raise ImportError_(f"{root} is not a folder (folders expects <class>/ or "
                           f"<split>/<class>/ folders)")
    tops = _subdirs(root)
    if not tops:
        raise ImportError_(f"{root} has no sub-folders; expected one folder per class")
    if any(t.name.casefold() in SPLIT_NAMES for t in tops):
        return [(t.name, c) for t in tops for c in _subdirs(t)]
    if not any(_KNOWN.maybe_canonical(t.name) for t in tops) and all(_subdirs(t) for t in tops):
        # e.g. ckplus48/ holding CK+48/<class>/: every file would fail as "unknown class"
        raise ImportError_(f"{root} has no class folders: {', '.join(t.name for t in tops)} "
                           f"hold(s) more folders; did you mean {tops[0]}?")
    return [(None, t) for t in tops]


def records(path: Path, **_):
    for split, cdir in layout(path):
        for f in iter_files(cdir):
            yield Record(source_id=rel_id(f, path), label=cdir.name, source_split=split,
                         orig_name=f.name, subject=guess_subject(f.name), path=f)


def count(path: Path, **_) -> int:
    return sum(1 for _ in records(path))


def notes(path: Path, **_) -> list[str]:
    loose = [p.name for p in sorted(path.iterdir()) if p.is_file() and not p.name.startswith(".")]
    splits = {s for s, _ in layout(path)}
    out = []
    if loose:
        out.append(f"not imported (files outside class folders): {', '.join(loose[:10])}")
    for split in sorted(s for s in splits if s):
        loose = [p.name for p in (path / split).iterdir() if p.is_file()]
        if loose:
            out.append(f"not imported (files in {split}/ outside class folders): "
                       f"{', '.join(sorted(loose)[:10])}")
    return out
