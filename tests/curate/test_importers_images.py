import os
import subprocess
import sys
from pathlib import Path
from collections import Counter

from curate.importers import run_import

ROOT = Path(__file__).resolve().parents[2]


def test_yale_files_without_extension_import_as_gif_images(shared_data, corpus):
    yale = shared_data / "yalefaces" / "images"
    report = run_import(corpus, "images", yale, progress=False)
    assert report.dataset == "yalefaces" and not report.failed and report.kind == "image"
    # 164 files; byte-identical pairs (PROVENANCE: 9 of them) are one item, two provenance rows
    assert report.imported + report.same_bytes == 164 and report.same_bytes == 9
    items = list(corpus.items())
    assert {(r["kind"], r["format"], r["width"], r["height"]) for r in items} == \
        {("image", "GIF", 320, 243)}
    assert all(r["path"].endswith(".gif") and r["label"] is None for r in items)
    assert Counter(r["subject"] for r in items)["subject04"] == 10   # .sad == .normal
    sad = corpus.db.execute("SELECT item_id FROM provenance WHERE orig_name='subject04.sad'"
                            ).fetchone()[0]
    assert [p["orig_name"] for p in corpus.provenance(sad)] == ["subject04.normal",
                                                                "subject04.sad"]


def test_label_from_name_keeps_unknown_conditions_unlabeled(shared_data, corpus):
    report = run_import(corpus, "images", shared_data / "yalefaces" / "images",
                        label_from_name=True, progress=False)
    by_name = {}
    for row in corpus.db.execute("SELECT p.orig_name, i.label FROM provenance p JOIN items i"
                                 " ON i.id=p.item_id"):
        by_name[row[0]] = row[1]
    assert by_name["subject02.happy"] == "happy" and by_name["subject02.surprised"] == "surprise"
    assert by_name["subject02.normal"] == "neutral" and by_name["subject02.wink"] is None
    # subject04.sad is byte-identical to subject04.normal: the two names disagree -> conflict
    assert by_name["subject04.sad"] is None
    assert [(c["label"], c["other_label"]) for c in report.conflicts] == [("sad", "neutral")]


def test_non_images_are_recorded_with_reasons_and_the_rest_import(shared_data, tmp_path,
                                                                 corpus):
    frames = tmp_path / "frames"
    frames.mkdir()
    os.symlink(shared_data / "yalefaces" / "images" / "subject05.happy", frames / "f001")
    (frames / "f002").write_bytes(b'{"error": "rate limited"}')
    real = (shared_data / "yalefaces" / "images" / "subject05.sad").read_bytes()
    (frames / "f003").write_bytes(real[: len(real) // 2])
    (frames / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    report = run_import(corpus, "images", frames, as_kind="frame", progress=False)
    assert report.imported == 1
    assert [r["kind"] for r in corpus.items()] == ["frame"]
    # bytes that are no image format at all are not images: skipped and listed, not failed
    assert report.skipped == [("f002", "JSON/text, not an image")]
    reasons = dict(report.failed)
    assert set(reasons) == {"f003"}          # an image that does not decode is a failure
    assert "truncated" in reasons["f003"] or "corrupt" in reasons["f003"]


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "curate", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def test_a_dataset_folder_with_provenance_md_is_named_after_itself(shared_data, tmp_path):
    """photos/ holds PROVENANCE.md and a video beside its images: the dataset is 'photos' (not
    the parent 'data'), the non-images are listed as skipped, and with every image imported the
    exit status is 0."""
    photos = tmp_path / "data" / "photos"
    (photos / "face_recognition").mkdir(parents=True)
    real = shared_data / "photos"
    for name in ("PROVENANCE.md", "video/short_hamilton_clip.mp4", "face_recognition/obama.jpg",
                 "face_recognition/biden.jpg", "skimage/coffee.png"):
        (photos / name).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(real / name, photos / name)
    out = _cli("import", "images", photos, "--into", tmp_path / "c", "--no-progress")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "dataset 'photos'" in out.stdout and "3 imported" in out.stdout
    assert "skipped PROVENANCE.md: " in out.stdout
    assert "skipped video/short_hamilton_clip.mp4: " in out.stdout and "curate frames" in out.stdout
    assert "0 failed" in out.stdout

    # The real folder: the same, except its deliberately truncated JPEG fails (exit 1).
    out = _cli("import", "images", real, "--into", tmp_path / "c2", "--no-progress")
    assert out.returncode == 1 and "dataset 'photos'" in out.stdout
    failed = [line for line in out.stdout.splitlines() if line.strip().startswith("failed ")]
    assert len(failed) == 1 and "skimage/truncated.jpg" in failed[0]
    assert "skipped PROVENANCE.md" in out.stdout and "22 imported" in out.stdout


def test_dataset_names(tmp_path):
    from curate.importers.base import folder_dataset
    (tmp_path / "yale" / "images").mkdir(parents=True)
    (tmp_path / "data" / "photos").mkdir(parents=True)
    (tmp_path / "data" / "photos" / "PROVENANCE.md").write_text("# photos")
    assert folder_dataset(tmp_path / "yale" / "images") == "yale"        # generic: the parent
    assert folder_dataset(tmp_path / "data" / "photos") == "photos"      # describes itself
    (tmp_path / "data" / "faces").mkdir()
    assert folder_dataset(tmp_path / "data" / "faces") == "faces"        # parent is generic too
