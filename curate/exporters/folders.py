"""`<out>/<split>/<class>/<id>.png`: what Keras image_dataset_from_directory reads.

Point Keras at `<out>/train` (one folder per class). Faces are copied as stored (8-bit gray
PNG at the corpus face size), named by item id; `<out>/manifest.csv` maps each file back to
its item, original label and source. Written into a temporary folder and swapped in whole,
so an interrupted export never leaves a half-written one at --out.
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
    splits = set()
    for face in tqdm(selection.faces, disable=not progress, unit="face", desc="folders"):
        rel = f"{face.split}/{face.label}/{face.id}.png"
        dest = tmp / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(corpus.root / face.path, dest)
        splits.add(face.split)
        w.writerow([rel, face.id, face.split, face.label, face.original_label,
                    face.source_dataset, face.source_id])
    write_atomic(tmp / "manifest.csv", manifest.getvalue().encode("utf-8"))
    replace_dir(tmp, out)
    return (f"wrote {len(selection.faces)} PNGs to {out}/<split>/<class>/ "
            f"(splits: {', '.join(sorted(splits)) or 'none'}) and manifest.csv")
