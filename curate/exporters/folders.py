"""`<out>/<split>/<class>/<id>.png`: what Keras image_dataset_from_directory reads.

Point Keras at `<out>/train` (one folder per class). Faces are copied as stored (8-bit gray
PNG at the corpus face size), named by item id; `<out>/manifest.csv` maps each file back to
its item, original label and source. Written into a temporary folder and swapped in whole,
so an interrupted export never leaves a half-written one at --out.

Every split gets every class folder, empty ones included: Keras numbers the classes of a
folder by its sub-folders, so a split lacking one class would shift every later label there
(happy 1 in train, 0 in val). `<out>/classes.txt` lists the classes in model order (taxonomy
order, what `train fit` uses); pass it as `class_names=` to keep those indices.
"""
from __future__ import annotations

import csv
import io
import shutil
import tempfile
from pathlib import Path

from tqdm import tqdm

from corpus.atomic import write_atomic

from .common import check_out, replace_dir

NAME = "folders"


def export(corpus, selection, out, *, overwrite: bool = False, progress: bool = False,
           **_) -> str:
    out = Path(out).resolve()
    check_out(out, overwrite)
    out.parent.mkdir(parents=True, exist_ok=True)
    for stale in out.parent.glob(f".{out.name}.tmp-*"):   # leftovers of a killed export
        shutil.rmtree(stale, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.tmp-"))
    manifest = io.StringIO(newline="")
    w = csv.writer(manifest, lineterminator="\n")
    w.writerow(["file", "item_id", "split", "label", "original_label", "source_dataset",
                "source_id"])
    classes = selection.model_classes
    splits = {f.split for f in selection.faces} | set(selection.splits_asked)
    for split in splits:
        for c in classes:
            (tmp / split / c).mkdir(parents=True, exist_ok=True)
    for face in tqdm(selection.faces, disable=not progress, unit="face", desc="folders"):
        rel = f"{face.split}/{face.label}/{face.id}.png"
        shutil.copyfile(corpus.root / face.path, tmp / rel)
        w.writerow([rel, face.id, face.split, face.label, face.original_label,
                    face.source_dataset, face.source_id])
    write_atomic(tmp / "manifest.csv", manifest.getvalue().encode("utf-8"))
    write_atomic(tmp / "classes.txt", "".join(c + "\n" for c in classes).encode("utf-8"))
    replace_dir(tmp, out)
    text = (f"wrote {len(selection.faces)} PNGs to {out}/<split>/<class>/ "
            f"(splits: {', '.join(sorted(splits)) or 'none'}; every split has the same "
            f"{len(classes)} class folders), manifest.csv and classes.txt (model order)")
    untrained = [c for c in classes if "train" in splits
                 and not any(f.split == "train" and f.label == c for f in selection.faces)]
    if untrained:
        text += (f"\nnote: no train faces of {', '.join(untrained)}: a model trained on "
                 f"train/ cannot learn them")
    return text
