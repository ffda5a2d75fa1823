import os
from collections import Counter

from curate.importers import run_import


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
    reasons = dict(report.failed)
    assert set(reasons) == {"f002", "f003"}
    assert reasons["f002"] == "JSON/text, not an image"
    assert "truncated" in reasons["f003"] or "corrupt" in reasons["f003"]
