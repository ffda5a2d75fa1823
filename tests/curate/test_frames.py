"""Frames from the real clip: timestamps, provenance, rerun-safety, bad videos, then extraction."""
import json
import subprocess
import sys
from pathlib import Path

from corpus import Corpus
from curate.extract import run_extract
from curate.frames import add_video_frames

ROOT = Path(__file__).resolve().parents[2]


def clip(shared_data):
    return shared_data / "photos/video/short_hamilton_clip.mp4"


def test_frames_every_three_seconds(shared_data, corpus):
    res = add_video_frames(corpus, str(clip(shared_data)), every=3.0)
    # 275 frames at 29.97 fps = 9.18 s: frames at 0, 3, 6 and 9 s
    assert res.error is None and res.added == 4
    frames = list(corpus.items(kind="frame"))
    stamps = [corpus.item_meta(f)["timestamp_s"] for f in frames]
    assert [round(s) for s in stamps] == [0, 3, 6, 9]
    assert all(abs(s - round(s)) < 0.05 for s in stamps)
    for f in frames:
        assert f["label"] is None and (f["width"], f["height"]) == (640, 360)
        prov = corpus.provenance(f["id"])[0]
        assert prov["orig_name"] == "short_hamilton_clip.mp4"
        assert json.loads(prov["extra"])["timestamp_s"] == corpus.item_meta(f)["timestamp_s"]
    again = add_video_frames(corpus, str(clip(shared_data)), every=3.0)
    assert (again.added, again.already) == (0, 4)
    assert corpus.count(kind="frame") == 4
    assert len(corpus.provenance(frames[0]["id"])) == 1


def test_frames_then_extract_finds_faces(shared_data, corpus):
    add_video_frames(corpus, str(clip(shared_data)), every=4.5)        # 0, 4.5, 9 s
    stats = run_extract(corpus, workers=1, progress=False)
    assert stats.images == 3 and stats.errors == 0
    faces = list(corpus.items(kind="face"))
    assert faces and all(corpus.item(f["parent_id"])["kind"] == "frame" for f in faces)


def test_cli_reports_bad_inputs_and_goes_on(shared_data, tmp_path):
    fake = tmp_path / "fake.mp4"
    fake.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 200)     # a header and nothing else
    target = tmp_path / "c"
    cmd = [sys.executable, "-m", "curate", "frames", str(shared_data / "photos/skimage/coffee.png"),
           str(fake), str(clip(shared_data)), "--into", str(target), "--every", "5"]
    res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert res.returncode == 1
    assert "coffee.png: ERROR PNG image, not a video" in res.stderr
    assert "fake.mp4: ERROR" in res.stderr
    assert "2 frames added" in res.stdout
    c = Corpus(target, create=False)
    failed = list(c.items(status="failed"))
    assert len(failed) == 2 and all(f["reason"].startswith("video: ") for f in failed)
    res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert "0 frames added, 2 already there" in res.stdout
    assert c.count(status="failed") == 2         # the same failure is not recorded twice
    c.close()
