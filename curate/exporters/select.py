"""Which faces an export contains, with what label and split, and what it left out and why.

Only status 'ok' faces with a label are exported. Duplicates, rejected and failed items,
unlabeled faces (including those whose import labels conflicted) are excluded and counted.
--six-class changes the exported label only (disgust -> angry); the corpus keeps the
original, and each exported face carries both.

Selection.model_classes is the class list every split of an export shares: the taxonomy's
order (the order `train fit` gives its outputs), limited to classes with at least one
exportable face anywhere in the corpus, before any --split filter, so exports of single splits
made apart agree with each other.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

# Source split spellings -> the split names train/val/test used everywhere in ferkit.
SPLIT_ALIASES = {"training": "train", "train": "train", "publictest": "val", "val": "val",
                 "valid": "val", "validation": "val", "dev": "val", "privatetest": "test",
                 "test": "test", "testing": "test"}
SAFE_NAME = re.compile(r"^[a-z0-9][a-z0-9_+-]{0,63}$")


class ExportError(ValueError):
    pass


@dataclass
class Selected:
    id: int
    path: str
    label: str                 # exported label (after --six-class)
    original_label: str
    split: str
    source_dataset: str | None
    source_id: str | None


@dataclass
class Selection:
    faces: list = field(default_factory=list)
    classes: list = field(default_factory=list)      # exported class names, taxonomy order
    excluded: Counter = field(default_factory=Counter)
    present: set = field(default_factory=set)        # labels of every exportable face
    splits_asked: list = field(default_factory=list)  # --split, normalized; [] = all

    @property
    def model_classes(self) -> list:
        return [c for c in self.classes if c in self.present]

    def keep_classes(self, allowed, why: str) -> None:
        """Leave out faces of classes a format cannot hold, counted, before anything is
        written, so the summary counts what the file holds."""
        kept = [f for f in self.faces if f.label in allowed]
        for f in self.faces:
            if f.label not in allowed:
                self.exclude(f"{f.label} ({why})")
        self.faces = kept

    def exclude(self, why: str, n: int = 1) -> None:
        if n:
            self.excluded[why] += n

    def summary(self) -> str:
        counts = Counter(f.label for f in self.faces)
        text = (f"{len(self.faces)} faces in {len(counts)} classes (" +
                ", ".join(f"{c} {counts[c]}" for c in self.classes if counts[c]) + ")")
        if self.excluded:
            text += "; excluded: " + ", ".join(f"{n} {why}" for why, n in
                                               sorted(self.excluded.items()))
        return text


def normalize_split(name: str | None) -> str | None:
    return SPLIT_ALIASES.get(name.casefold(), name.casefold()) if name else None


def select(corpus, *, six_class: bool = False, splits: list[str] | None = None) -> Selection:
    tax = corpus.taxonomy
    mapping = {}
    if six_class:
        tax, mapping = tax.six_class()
    sel = Selection(classes=list(tax.classes))
    for name in sel.classes:
        if not SAFE_NAME.match(name):   # class names become folder names
            raise ExportError(f"class name {name!r} is not usable as a folder name")
    prov = {}
    for item_id, ds, sid, split in corpus.db.execute(
            "SELECT item_id, source_dataset, source_id, source_split FROM provenance"
            " ORDER BY id"):
        prov.setdefault(item_id, (ds, sid, split))
    for status, n in corpus.db.execute("SELECT status, count(*) FROM items WHERE kind='face'"
                                       " AND status != 'ok' GROUP BY status"):
        sel.exclude(f"{status}", n)
    n_images = corpus.db.execute(
        "SELECT count(*) FROM items i WHERE kind != 'face' AND status='ok' AND NOT EXISTS"
        " (SELECT 1 FROM items f WHERE f.parent_id = i.id AND f.kind = 'face')").fetchone()[0]
    sel.exclude("images/frames with no extracted face (not extracted yet, or no face found)",
                n_images)
    wanted = {normalize_split(s) for s in splits} if splits else None
    sel.splits_asked = sorted(wanted or ())
    for row in corpus.items(kind="face", status="ok"):
        if row["label"] is None:
            sel.exclude("unlabeled")
            continue
        ds, sid, source_split = prov.get(row["id"], (None, None, None))
        split = normalize_split(row["split"] or source_split) or "unsplit"
        if not SAFE_NAME.match(split):
            raise ExportError(f"split name {split!r} of item {row['id']} is not usable "
                              f"as a folder name")
        label = mapping.get(row["label"], row["label"])
        sel.present.add(label)
        if wanted is not None and split not in wanted:
            sel.exclude(f"not in split {','.join(sorted(wanted))}")
            continue
        sel.faces.append(Selected(row["id"], row["path"], label, row["label"], split, ds, sid))
    return sel
