"""FER2013's CSV: `emotion,pixels,Usage`, one 48x48 face per row, LF line ends like Kaggle's.

emotion is the FER2013 code (0 angry .. 6 neutral); a class without one (contempt) is left
out and counted. pixels are the source pixels kept at import when they exist (so an imported
FER2013 CSV comes back byte for byte), else the stored face resized to 48x48. Usage is
Training / PublicTest / PrivateTest from the face's split (train / val / test, else its
source split); a face with no split at all is written as Training and counted.
"""
from __future__ import annotations

import io
from pathlib import Path

from tqdm import tqdm

from corpus.taxonomy import FER_CLASSES

from corpus.atomic import write_atomic

from .common import check_out, face_pixels

NAME = "fer2013-csv"
# Classes this format can hold; run_export leaves the others out (counted) before writing.
CLASSES = FER_CLASSES
NOT_HELD = "no FER2013 code"
USAGE = {"train": "Training", "val": "PublicTest", "test": "PrivateTest"}


def export(corpus, selection, out, *, size: int = 48, overwrite: bool = False,
           progress: bool = False, **_) -> str:
    out = Path(out)
    check_out(out, overwrite)
    buf = io.StringIO(newline="")
    buf.write("emotion,pixels,Usage\n")
    rows, unsplit = 0, 0
    for face in tqdm(selection.faces, disable=not progress, unit="face", desc="fer2013-csv"):
        pixels = face_pixels(corpus, face, size, originals=True)
        usage = USAGE.get(face.split)
        if usage is None:
            usage, unsplit = "Training", unsplit + 1
        buf.write(f"{FER_CLASSES.index(face.label)},{' '.join(map(str, pixels.ravel()))},"
                  f"{usage}\n")
        rows += 1
    write_atomic(out, buf.getvalue().encode("ascii"))
    note = f" ({unsplit} without a split written as Training)" if unsplit else ""
    return f"wrote {rows} rows to {out}{note}"
