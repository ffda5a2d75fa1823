import subprocess
import sys
from pathlib import Path

import pytest

from corpus import Corpus
from curate.exporters import run_export
from curate.importers import run_import

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("size", [48, 100])
def test_fer2013_csv_round_trips_byte_exact(shared_data, tmp_path, size):
    src = shared_data / "fer2013_csv" / "fer2013_first151rows.csv"
    c = Corpus(tmp_path / "c")
    run_import(c, "fer2013-csv", src, size=size, progress=False)
    out = tmp_path / "out.csv"
    selection, written = run_export(c, "fer2013-csv", out)
    assert "151 rows" in written and not selection.excluded
    assert out.read_bytes() == src.read_bytes()
    c.close()


def test_cli_round_trip_and_exit_status_for_a_broken_row(shared_data, tmp_path):
    raw = shared_data / "fer2013_csv" / "fer2013_truncated_at_1280000_bytes_raw.csv"
    run = lambda *a: subprocess.run([sys.executable, "-m", "curate", *map(str, a)], cwd=ROOT,
                                    capture_output=True, text=True)
    imp = run("import", "fer2013-csv", raw, "--into", tmp_path / "c", "--no-progress")
    assert imp.returncode == 1, imp.stderr
    assert "151 imported" in imp.stdout and "failed 151: line 153:" in imp.stdout
    exp = run("export", tmp_path / "c", "--format", "fer2013-csv", "--out", tmp_path / "o.csv",
              "--no-progress")
    assert exp.returncode == 0, exp.stderr
    assert "excluded: 1 failed" in exp.stdout
    first151 = shared_data / "fer2013_csv" / "fer2013_first151rows.csv"
    assert (tmp_path / "o.csv").read_bytes() == first151.read_bytes()
    again = run("export", tmp_path / "c", "--format", "fer2013-csv", "--out", tmp_path / "o.csv")
    assert again.returncode == 2 and "--overwrite" in again.stderr


def test_contempt_has_no_code_and_six_class_writes_disgust_as_angry(shared_data, corpus,
                                                                    tmp_path):
    run_import(corpus, "folders", shared_data / "ckplus48" / "CK+48", limit=400,
               progress=False)   # anger 135, contempt 54, disgust 177, fear 34
    selection, _ = run_export(corpus, "fer2013-csv", tmp_path / "7.csv")
    assert selection.excluded["contempt (no FER2013 code)"] == 54
    codes = [line.split(",", 1)[0] for line in
             (tmp_path / "7.csv").read_text().splitlines()[1:]]
    assert codes.count("0") == 135 and codes.count("1") == 177 and codes.count("2") == 34
    # the summary counts the rows written, not the faces selected before contempt was left out
    assert selection.summary().startswith(f"{len(codes)} faces in 3 classes")
    cli = subprocess.run([sys.executable, "-m", "curate", "export", str(corpus.root),
                          "--format", "fer2013-csv", "--out", str(tmp_path / "cli.csv"),
                          "--no-progress"], cwd=ROOT, capture_output=True, text=True)
    assert cli.returncode == 0, cli.stderr
    assert f"exported {len(codes)} faces" in cli.stdout
    assert "excluded: 54 contempt (no FER2013 code)" in cli.stdout
    run_export(corpus, "fer2013-csv", tmp_path / "6.csv", six_class=True)
    rows = (tmp_path / "6.csv").read_text().splitlines()[1:]
    codes6 = [r.split(",", 1)[0] for r in rows]
    assert codes6.count("0") == 135 + 177 and "1" not in codes6
    assert all(r.endswith(",Training") for r in rows)        # no split: written as Training
    assert len(rows[0].split(",")[1].split()) == 48 * 48
    assert corpus.count(label="disgust") == 177              # the corpus keeps the original
