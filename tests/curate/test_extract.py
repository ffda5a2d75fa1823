"""The extract stage on a real corpus: every kind of input, the stage pickle, resume after kill -9."""
import io
import json
import os
import pickle
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from corpus import Corpus, UnsafePickleError, load_stage, to_array
from curate.extract import pending_images, run_extract

from .extract_run import start_until_committed

ROOT = Path(__file__).resolve().parents[2]
# faces per photo (photos/PROVENANCE.md); a set where a frontal detector may fairly differ:
# obama_and_biden has 2 main faces and small background people, camera.png a profile face.
COUNTS = {"two_people.jpg": {2}, "kit_with_rose.jpg": {2}, "obama_and_biden.jpg": {2, 3},
          "camera.png": {0, 1}, "coffee.png": {0}, "rocket.jpg": {0},
          "no_time_for_that_tiny.gif": {0}}


def photos(shared_data):
    """Every photo (truncated.jpg comes with the odd inputs); name -> allowed face counts."""
    return {p: COUNTS.get(p.name, {1}) for p in sorted((shared_data / "photos").glob("*/*"))
            if p.suffix not in (".mp4", ".md") and p.name != "truncated.jpg"}


def png(img: Image.Image, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG", **kw)
    return buf.getvalue()


def odd_inputs(shared_data) -> dict:
    """Bytes of the awkward formats, built from a real photo; name -> (bytes, faces expected)."""
    src = Image.open(shared_data / "photos/face_recognition/obama_small.jpg").convert("RGB")
    out = {}
    out["palette.png"] = (png(src.convert("P", palette=Image.ADAPTIVE, colors=64)), 1)
    gray16 = (np.asarray(src.convert("L"), np.uint16) * 257).astype(np.uint16)
    out["gray16.png"] = (png(Image.fromarray(gray16)), 1)
    buf = io.BytesIO()
    src.convert("CMYK").save(buf, "JPEG", quality=92)
    out["cmyk.jpg"] = (buf.getvalue(), 1)
    # stored sideways with EXIF orientation 6: only an EXIF-aware decoder sees an upright face
    exif = Image.Exif()
    exif[0x0112] = 6
    buf = io.BytesIO()
    src.transpose(Image.Transpose.ROTATE_90).save(buf, "JPEG", quality=92, exif=exif.tobytes())
    out["exif_rotated.jpg"] = (buf.getvalue(), 1)
    out["bomb.png"] = (png(Image.new("1", (11000, 11000))), None)   # 121 MP of nothing
    out["truncated.jpg"] = ((shared_data / "photos/skimage/truncated.jpg").read_bytes(), None)
    out["subject01.happy"] = ((shared_data / "yalefaces/images/subject01.happy").read_bytes(), 1)
    return out


@pytest.fixture(scope="module")
def done(tmp_path_factory, shared_data):
    """A corpus of real photos and odd formats, extracted once with 2 worker processes."""
    c = Corpus(tmp_path_factory.mktemp("extract") / "c")
    expected = {}
    for path, n in photos(shared_data).items():
        iid, _ = c.add_bytes(path.read_bytes(), label="happy", label_source="query",
                             provenance={"engine": "bing", "query": "happy"})
        expected[iid] = (path.name, n)
    for name, (data, n) in odd_inputs(shared_data).items():
        iid, _ = c.add_bytes(data, label="sad", label_source="import",
                             provenance={"orig_name": name, "source_dataset": "test"})
        expected[iid] = (name, n if n is None else {n})
    stats = run_extract(c, workers=2, batch=3, progress=False)
    yield c, expected, stats
    c.close()


def outcome(c, iid):
    return c.db.execute("SELECT * FROM extractions WHERE image_id=?", (iid,)).fetchone()


def test_every_image_gets_an_outcome(done):
    c, expected, stats = done
    assert not pending_images(c)
    assert stats.images == len(expected)
    for iid, (name, n) in expected.items():
        row = outcome(c, iid)
        assert row is not None, name
        if n is None:
            assert row["outcome"] == "error", (name, dict(row))
        else:
            assert row["n_faces"] in n, (name, dict(row))
            assert row["outcome"] == ("faces" if row["n_faces"] else "no_face"), name


def test_errors_are_recorded_with_their_reason(done):
    c, expected, _ = done
    by_name = {name: iid for iid, (name, _) in expected.items()}
    bomb = c.item(by_name["bomb.png"])
    assert bomb["status"] == "failed" and "decompression bomb" in bomb["reason"]
    trunc = c.item(by_name["truncated.jpg"])
    assert trunc["status"] == "failed" and "runcated" in trunc["reason"]
    gif = outcome(c, by_name["no_time_for_that_tiny.gif"])
    assert "animated GIF" in gif["reason"] and "smaller than the minimum face" in gif["reason"]
    assert outcome(c, by_name["coffee.png"])["reason"] == "no face"


def test_faces_are_gray_items_linked_to_their_image(done):
    c, expected, stats = done
    faces = list(c.items(kind="face"))
    assert stats.faces == c.db.execute("SELECT SUM(n_faces) FROM extractions").fetchone()[0]
    assert stats.faces == c.db.execute("SELECT COUNT(*) FROM faces").fetchone()[0]
    # gray16.png is obama_small in gray: its crop is byte-identical, so one item serves both
    assert len(faces) == stats.new_faces < stats.faces
    assert len(faces) == c.db.execute("SELECT COUNT(DISTINCT face_id) FROM faces").fetchone()[0]
    for f in faces:
        img = Image.open(c.path_of(f))
        assert (img.format, img.mode, img.size) == ("PNG", "L", (100, 100))
        parent = c.item(f["parent_id"])
        assert f["label"] == parent["label"] and f["label_source"] == parent["label_source"]
        row = c.db.execute("SELECT * FROM faces WHERE face_id=? AND image_id=?",
                           (f["id"], f["parent_id"])).fetchone()
        assert row["image_id"] == parent["id"] and row["detector"] == "hog"
        assert 0 <= row["left"] < row["right"] <= parent_width(c, parent)
        assert len(json.loads(row["landmarks"])) == 5
        assert c.provenance(f["id"])[0]["engine"] in ("bing", None)
    assert c.get_meta("face_size") == 100


def parent_width(c, parent):
    return to_array(c.read_bytes(parent), "L").shape[1]


def test_exif_rotated_box_is_in_upright_coordinates(done):
    c, expected, _ = done
    iid = next(i for i, (name, _) in expected.items() if name == "exif_rotated.jpg")
    ref = next(i for i, (name, _) in expected.items() if name == "obama_small.jpg")
    box = lambda i: c.db.execute("SELECT left, top, right, bottom FROM faces WHERE image_id=?",
                                 (i,)).fetchone()
    # the rotated file is stored 240 wide x 320 high; upright it is the 320x240 original
    assert all(abs(a - b) <= 12 for a, b in zip(box(iid), box(ref))), (box(iid), box(ref))


def test_stage_pickle_loads_safely_and_matches_the_catalog(done):
    c, _, stats = done
    stage = load_stage(c, "faces")
    n = stats.new_faces
    assert stage["X"].shape == (n, 100, 100) and stage["X"].dtype == np.uint8
    assert len(stage["ids"]) == len(stage["labels"]) == len(stage["source_ids"]) == n
    assert stage["boxes"].shape == (n, 4) and stage["classes"][stage["y"][0]] == stage["labels"][0]
    for i, fid in enumerate(stage["ids"][:3]):
        assert np.array_equal(stage["X"][i], to_array(c.read_bytes(int(fid)), "L"))
        assert c.item(int(fid))["parent_id"] == stage["source_ids"][i]
    assert (c.root / "stages/02_faces.pkl").is_file()


def test_crafted_pickle_is_refused(done, tmp_path):
    c, _, _ = done

    class Evil:
        def __reduce__(self):
            return (os.system, ("touch /tmp/ferkit-pwned",))
    bad = tmp_path / "02_faces.pkl"
    bad.write_bytes(pickle.dumps({"X": np.zeros(1), "ids": Evil()}))
    with pytest.raises(UnsafePickleError):
        load_stage(bad)
    # swapped in place of the recorded stage file: the digest no longer matches
    real = c.root / "stages/02_faces.pkl"
    keep = real.read_bytes()
    try:
        real.write_bytes(bad.read_bytes())
        with pytest.raises(UnsafePickleError):
            load_stage(c, "faces")
    finally:
        real.write_bytes(keep)


def test_rerun_does_nothing_new(done):
    c, expected, _ = done
    n_items = c.db.execute("SELECT COUNT(*) FROM items").fetchone()[0]
    stats = run_extract(c, workers=1, progress=False)
    assert stats.images == 0 and stats.skipped_done == len(expected)
    assert c.db.execute("SELECT COUNT(*) FROM items").fetchone()[0] == n_items


def test_other_size_is_refused_then_works_in_a_new_corpus(done, tmp_path, shared_data):
    c, _, _ = done
    with pytest.raises(ValueError, match="--size 100"):
        run_extract(c, size=48, progress=False)
    c48 = Corpus(tmp_path / "c48")
    c48.add_bytes((shared_data / "photos/face_recognition/obama_small.jpg").read_bytes())
    assert run_extract(c48, size=48, workers=1, progress=False).faces == 1
    assert load_stage(c48, "faces")["X"].shape == (1, 48, 48)
    assert c48.get_meta("face_size") == 48


def test_kill_minus_9_then_rerun_loses_and_duplicates_nothing(tmp_path, shared_data):
    root = tmp_path / "k"
    c = Corpus(root)
    names = sorted((shared_data / "yalefaces/images").glob("subject0[1-3].*"))[:24]
    for p in names:
        c.add_bytes(p.read_bytes(), label=None, provenance={"orig_name": p.name})
    n_images = c.count(kind="image")
    c.close()
    # upsample 2 makes each image slow enough that the kill lands mid-run
    proc, done_at_kill = start_until_committed(
        root, ["--workers", "2", "--batch", "2", "--upsample", "2", "--no-progress"], 4,
        start_new_session=True, stderr=subprocess.DEVNULL)
    os.killpg(proc.pid, signal.SIGKILL)       # the run and its worker processes, no clean-up
    proc.wait()
    assert 4 <= done_at_kill < n_images, "the kill must land mid-run for this test to mean anything"
    c = Corpus(root, create=False)
    mid = c.db.execute("SELECT COUNT(*) FROM extractions").fetchone()[0]
    assert mid < n_images
    stats = run_extract(c, workers=2, upsample=2, progress=False)
    assert stats.images == n_images - mid
    rows = c.db.execute("SELECT image_id, COUNT(*) FROM extractions GROUP BY image_id").fetchall()
    assert len(rows) == n_images and all(n == 1 for _, n in rows)
    faces = c.db.execute("SELECT image_id, COUNT(*) FROM faces GROUP BY image_id").fetchall()
    assert all(n == 1 for _, n in faces), "a face stored twice for one image"
    n_face_items = c.count(kind="face", status=None)
    assert sum(n for _, n in faces) == c.db.execute(
        "SELECT SUM(n_faces + n_small) FROM extractions").fetchone()[0]
    assert n_face_items == c.db.execute("SELECT COUNT(DISTINCT face_id) FROM faces").fetchone()[0]
    assert n_face_items >= n_images - 4          # Yale faces are frontal: nearly all found
    c.close()


def test_cli_errors_are_clear(tmp_path, shared_data):
    run = lambda *a: subprocess.run([sys.executable, "-m", "curate", "extract", *map(str, a)],
                                    cwd=ROOT, capture_output=True, text=True, timeout=120)
    res = run(tmp_path / "none")
    assert res.returncode == 2 and "not a corpus" in res.stderr
    c = Corpus(tmp_path / "c")
    c.set_meta("face_size", 48)
    c.close()
    res = run(tmp_path / "c", "--size", "100")
    assert res.returncode == 2 and "--size 48" in res.stderr
    res = run(tmp_path / "c", "--no-progress", "--no-stage")
    assert res.returncode == 0 and "faces stage" not in res.stdout
    assert not (tmp_path / "c/stages/02_faces.pkl").exists()
    res = run(tmp_path / "c", "--no-progress")        # an empty corpus is fine: nothing to do
    assert res.returncode == 0 and "0 images processed" in res.stdout
    assert (tmp_path / "c/stages/02_faces.pkl").exists()


def test_small_faces_are_kept_as_rejected_and_left_out_of_the_stage(tmp_path, shared_data):
    c = Corpus(tmp_path / "small")
    iid, _ = c.add_bytes((shared_data / "photos/face_recognition/obama_small.jpg").read_bytes(),
                         label="happy", label_source="query")
    stats = run_extract(c, min_face=150, workers=1, progress=False)    # the face is ~108 px
    assert (stats.faces, stats.too_small) == (0, 1)
    row = outcome(c, iid)
    assert row["outcome"] == "too_small" and "smaller than 150 px" in row["reason"]
    face = next(c.items(kind="face", status="rejected"))
    assert face["reason"].startswith("too small: face 108 px wide") and face["parent_id"] == iid
    assert load_stage(c, "faces")["X"].shape == (0, 100, 100)
    c.close()


def test_big_jpeg_is_detected_on_a_reduced_decode_with_boxes_in_full_pixels(tmp_path, shared_data):
    """A 4000 px JPEG: decoded at a reduced DCT scale, boxes mapped back to full resolution,
    matching what full-size detection reports for the same photo."""
    from PIL import Image
    from curate.extract import _init_worker, _process
    src = Image.open(shared_data / "photos/face_recognition/obama-1080p.jpg").convert("RGB")
    big = tmp_path / "big.jpg"
    src.resize((4000, 2250), Image.LANCZOS).save(big, "JPEG", quality=92)
    _init_worker({"size": 100, "detector": "hog", "upsample": 1, "min_face": 24,
                  "margin": 0.25, "max_side": 800, "min_score": None})
    out = _process(1, str(big))
    assert (out["width"], out["height"]) == (4000, 2250) and len(out["faces"]) == 1
    from curate.faces import FaceExtractor
    full = FaceExtractor(size=100).extract(np.asarray(Image.open(big).convert("RGB")))
    box, ref = out["faces"][0]["box"], full[0].box
    assert max(abs(a - b) for a, b in zip(box, ref)) < 0.05 * (ref[2] - ref[0])
