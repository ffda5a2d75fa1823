import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from corpus import Corpus, to_array
from curate.importers import run_import
from curate.importers.fer2013_csv import parse_row

ROOT = Path(__file__).resolve().parents[2]


def fer(shared):
    return shared / "fer2013_csv"


def test_truncated_raw_csv_imports_whole_rows_and_reports_the_cut_one(shared_data, corpus):
    report = run_import(corpus, "fer2013-csv", fer(shared_data) /
                        "fer2013_truncated_at_1280000_bytes_raw.csv", size=48, progress=False)
    assert report.imported == 151
    assert len(report.failed) == 1
    sid, reason = report.failed[0]
    assert sid == "151" and reason.startswith("line 153:") and "cut off" in reason
    failed = list(corpus.items(status="failed"))
    assert len(failed) == 1 and failed[0]["reason"] == reason
    # the labels are the PROVENANCE counts of the 151 whole rows
    assert Counter(r["label"] for r in corpus.items(kind="face")) == {
        "angry": 27, "fear": 29, "happy": 37, "sad": 22, "surprise": 14, "neutral": 22}
    prov = corpus.provenance(1)[0]
    assert (prov["source_dataset"], prov["source_id"], prov["source_split"]) == \
        ("fer2013/fer2013_truncated_at_1280000_bytes_raw", "0", "Training")
    # row 0 starts "0,70 80 82 72 58": stored as a 48x48 gray PNG with exactly those pixels
    item = corpus.item(1)
    assert (item["kind"], item["format"], item["label"], item["label_source"]) == \
        ("face", "PNG", "angry", "import")
    assert to_array(corpus.read_bytes(item), "L")[0, :5].tolist() == [70, 80, 82, 72, 58]


def test_rerun_adds_nothing_and_does_not_repeat_the_failure(shared_data, corpus):
    path = fer(shared_data) / "fer2013_truncated_at_1280000_bytes_raw.csv"
    run_import(corpus, "fer2013-csv", path, progress=False)
    counts = [corpus.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("items", "provenance", "label_events")]
    again = run_import(corpus, "fer2013-csv", path, progress=False)
    assert again.imported == 0 and again.already == 151 and len(again.failed) == 1
    assert counts == [corpus.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                      for t in ("items", "provenance", "label_events")]


def test_malformed_rows_are_reported_with_line_numbers(shared_data, tmp_path, corpus):
    lines = (fer(shared_data) / "fer2013_first151rows.csv").read_text().splitlines()
    bad = [lines[0], lines[1], "9," + lines[2].split(",", 1)[1],
           lines[3].replace(",Training", " 300,Training"), lines[4].replace(" ", " x", 1),
           lines[5]]
    csv = tmp_path / "bad.csv"
    csv.write_text("\n".join(bad) + "\n")
    report = run_import(corpus, "fer2013-csv", csv, progress=False)
    assert report.imported == 2
    reasons = dict(report.failed)
    assert "line 3:" in reasons["1"] and "FER2013 code" in reasons["1"]
    assert "line 4:" in reasons["2"] and "2305 pixel values" in reasons["2"]
    assert "line 5:" in reasons["3"] and "integers" in reasons["3"]


def test_parse_row_rejects_out_of_range_pixels():
    with pytest.raises(ValueError, match="out of range"):
        parse_row(["0", "1 2 3 256", "Training"], ["emotion", "pixels", "Usage"])
    label, px, usage = parse_row(["6", "0 1 2 3", "PrivateTest"], ["emotion", "pixels", "Usage"])
    assert (label, usage) == ("neutral", "PrivateTest") and px.tolist() == [[0, 1], [2, 3]]


def test_not_a_fer_csv_is_refused(shared_data, corpus):
    from curate.importers.base import ImportError_
    with pytest.raises(ImportError_, match="not a FER2013 header"):
        run_import(corpus, "fer2013-csv", shared_data / "muxspace" / "legend_subset.csv",
                   progress=False)


def test_kill_9_mid_import_then_rerun_gives_every_row_once(shared_data, tmp_path):
    """A real process killed while importing; the rerun completes without duplicates."""
    src = shared_data / "fer2013_images"
    target = tmp_path / "c"
    cmd = [sys.executable, "-m", "curate", "import", "folders", str(src), "--into", str(target),
           "--limit", "700", "--batch", "25", "--no-progress"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seen = 0
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if (target / "catalog.sqlite").exists():
            try:
                c = Corpus(target, create=False, readonly=True)
                seen = c.db.execute("SELECT count(*) FROM items").fetchone()[0]
                c.close()
            except Exception:
                seen = 0
            if seen >= 100:
                break
        time.sleep(0.02)
    assert proc.poll() is None, f"the import ended before it could be killed: " \
                                f"{proc.stderr.read().decode()[-2000:]}"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    c = Corpus(target)
    at_kill = c.count()
    assert 100 <= at_kill < 700
    report = run_import(c, "folders", src, limit=700, progress=False)
    assert report.already >= at_kill and report.imported + report.same_bytes + report.already == 700
    per_source = c.db.execute("SELECT source_id, count(*) FROM provenance GROUP BY source_id"
                              ).fetchall()
    assert len(per_source) == 700 and {n for _, n in per_source} == {1}
    assert c.db.execute("SELECT count(DISTINCT item_id) FROM provenance").fetchone()[0] == \
        c.count(kind="face")
    c.close()


def test_face_size_of_a_corpus_is_fixed_once(shared_data, corpus):
    from curate.importers.base import ImportError_
    src = fer(shared_data) / "fer2013_first151rows.csv"
    run_import(corpus, "fer2013-csv", src, size=48, limit=2, progress=False)
    with pytest.raises(ImportError_, match="stores faces at 48x48"):
        run_import(corpus, "fer2013-csv", src, size=64, progress=False)
    report = run_import(corpus, "fer2013-csv", src, limit=4, progress=False)   # no --size: 48
    assert report.imported == 2 and report.already == 2
    assert {(r["width"], r["height"]) for r in corpus.items()} == {(48, 48)}
