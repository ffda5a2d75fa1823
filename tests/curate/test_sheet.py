"""The faces contact sheet: sections per label, captions, a PNG a person can look at."""
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from corpus import Corpus
from curate.cmd_sheet import write_sheet
from curate.extract import run_extract

ROOT = Path(__file__).resolve().parents[2]


def test_sheet_groups_faces_by_label(shared_data, tmp_path, artifacts):
    c = Corpus(tmp_path / "c")
    photos = shared_data / "photos/face_recognition"
    for name, label in [("obama_small.jpg", "happy"), ("two_people.jpg", "happy"),
                        ("kit_with_rose.jpg", "sad"), ("obama-240p.jpg", None)]:
        c.add_bytes((photos / name).read_bytes(), label=label,
                    label_source="query" if label else None)
    run_extract(c, workers=1, progress=False)
    out, shown = write_sheet(c, per_class=2, cols=4)
    assert out == c.root / "reports/faces_sheet.png" and shown == 5   # 2 happy (cap), 2 sad, 1
    sheet = Image.open(out)
    assert sheet.format == "PNG" and sheet.width == 4 * (100 + 4) + 4
    # three titled blocks of one row each: the sheet is taller than a single block
    assert sheet.height > 3 * (22 + 100 + 14)
    arr = np.asarray(sheet.convert("L"))
    assert arr.std() > 30                       # faces were drawn, not an empty white page
    shutil.copy(out, artifacts / "curate_faces_sheet.png")
    c.close()


def test_cli_writes_the_sheet_and_says_where(tmp_path, shared_data):
    c = Corpus(tmp_path / "c")
    c.add_bytes((shared_data / "photos/face_recognition/obama_small.jpg").read_bytes(),
                label="neutral", label_source="import")
    run_extract(c, workers=1, progress=False)
    c.close()
    res = subprocess.run([sys.executable, "-m", "curate", "sheet", str(tmp_path / "c")],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert "faces_sheet.png" in res.stdout and (tmp_path / "c/reports/faces_sheet.png").is_file()


def test_cli_refuses_a_missing_corpus(tmp_path):
    res = subprocess.run([sys.executable, "-m", "curate", "sheet", str(tmp_path / "nope")],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert res.returncode == 2 and "not a corpus" in res.stderr
    assert not (tmp_path / "nope").exists()
