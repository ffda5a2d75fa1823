import csv
import os
from collections import Counter

import pytest

from corpus import load_mapping, to_array
from corpus.sheets import contact_sheet
from curate.importers import run_import
from curate.importers.base import ImportError_


def test_ckplus48_imports_seven_classes_with_contempt_and_subjects(shared_data, corpus,
                                                                   artifacts):
    report = run_import(corpus, "folders", shared_data / "ckplus48" / "CK+48", size=48,
                        progress=False)
    assert report.imported == 981 and not report.failed
    assert report.dataset == "CK+48" and report.classes_added == ["contempt"]
    assert "contempt" in corpus.taxonomy.classes
    labels = Counter(r["label"] for r in corpus.items(kind="face"))
    # PROVENANCE counts, with the folder names mapped: anger->angry, sadness->sad
    assert labels == {"angry": 135, "contempt": 54, "disgust": 177, "fear": 75, "happy": 207,
                      "sad": 84, "surprise": 249}
    subjects = {r["subject"] for r in corpus.items()}
    assert None not in subjects and all(s[0] == "S" and len(s) == 4 for s in subjects)
    row = corpus.db.execute("SELECT i.* FROM items i JOIN provenance p ON p.item_id=i.id"
                            " WHERE p.orig_name='S138_008_00000007.png'").fetchone()
    assert (row["subject"], row["label"]) == ("S138", "contempt")
    assert to_array(corpus.read_bytes(row), "L").shape == (48, 48)
    # a person checks that labels and crops look right: 8 faces per imported class
    sections = []
    for cls in corpus.taxonomy.classes:
        rows = list(corpus.items(kind="face", label=cls))[::25][:8]
        if rows:
            sections.append((cls, [to_array(corpus.read_bytes(r), "L") for r in rows],
                             [r["subject"] for r in rows]))
    contact_sheet(sections, artifacts / "import_ckplus48.png", cols=8, cell=64,
                  title="CK+48 imported as faces (caption: subject)")


def test_contempt_can_be_folded_with_a_map_file(shared_data, tmp_path, corpus):
    mapping = tmp_path / "map.toml"
    mapping.write_text('[map]\ncontempt = "neutral"\n')
    report = run_import(corpus, "folders", shared_data / "ckplus48" / "CK+48",
                        mapping=load_mapping(mapping), limit=200, progress=False)
    assert report.classes_added == [] and "contempt" not in corpus.taxonomy.classes
    # sorted folders: anger (135) then contempt (54) then disgust
    assert report.labels == {"angry": 135, "neutral": 54, "disgust": 11}


def test_fer2013_images_keep_train_test_as_source_split(shared_data, corpus):
    root = shared_data / "fer2013_images"
    report = run_import(corpus, "folders", root, limit=700, progress=False)
    assert report.imported + report.same_bytes == 700 and not report.failed
    assert any("MANIFEST.csv" in n for n in report.notes)   # told, not silently skipped
    splits = Counter(r[0] for r in corpus.db.execute("SELECT source_split FROM provenance"))
    assert splits == {"test": 601, "train": 99}              # sorted: test/ comes first
    with open(root / "MANIFEST.csv") as fh:
        manifest = Counter(r["label"] for r in csv.DictReader(fh) if r["split"] == "test")
    test_labels = Counter(r[0] for r in corpus.db.execute(
        "SELECT i.label FROM items i JOIN provenance p ON p.item_id=i.id"
        " WHERE p.source_split='test'"))
    assert test_labels == manifest
    assert corpus.get_meta("face_size") == 100
    face = next(corpus.items(kind="face"))
    assert to_array(corpus.read_bytes(face), "L").shape == (100, 100)


def test_unknown_class_fails_then_a_map_file_fixes_it_on_rerun(shared_data, tmp_path, corpus):
    src = tmp_path / "set"
    real = sorted((shared_data / "ckplus48" / "CK+48" / "happy").iterdir())[:3]
    (src / "grinning").mkdir(parents=True)
    for f in real:
        os.symlink(f, src / "grinning" / f.name)
    report = run_import(corpus, "folders", src, progress=False)
    assert report.imported == 0 and len(report.failed) == 3
    assert "unknown class 'grinning'" in report.failed[0][1]
    assert corpus.count(status="failed") == 3
    mapping = tmp_path / "m.json"
    mapping.write_text('{"Grinning": "happy"}')
    again = run_import(corpus, "folders", src, mapping=load_mapping(mapping), progress=False)
    assert again.imported == 3 and again.retried_ok == 3 and not again.failed
    assert corpus.count(status="failed") == 0 and corpus.count(label="happy") == 3
    assert corpus.db.execute("SELECT count(*) FROM provenance").fetchone()[0] == 3


def test_a_file_that_is_not_an_image_is_recorded_and_the_rest_import(shared_data, tmp_path,
                                                                      corpus):
    src = tmp_path / "set" / "sad"
    src.mkdir(parents=True)
    os.symlink(sorted((shared_data / "ckplus48" / "CK+48" / "sadness").iterdir())[0],
               src / "a.png")
    (src / "b.png").write_bytes(b"<html><body>not found</body></html>")
    report = run_import(corpus, "folders", src.parent, progress=False)
    assert report.imported == 1
    assert report.failed == [("sad/b.png", "HTML page, not an image")]


def test_a_folder_without_class_folders_is_refused(tmp_path, corpus):
    (tmp_path / "flat").mkdir()
    (tmp_path / "flat" / "x.png").write_bytes(b"x")
    with pytest.raises(ImportError_, match="no sub-folders"):
        run_import(corpus, "folders", tmp_path / "flat", progress=False)


def test_a_dataset_folder_one_level_too_high_is_refused_with_a_hint(shared_data, corpus):
    with pytest.raises(ImportError_, match="did you mean .*CK\\+48"):
        run_import(corpus, "folders", shared_data / "ckplus48", progress=False)
    assert corpus.count(status=None) == 0


def test_a_failure_a_person_touched_is_kept_marked_when_a_retry_succeeds(shared_data,
                                                                         tmp_path, corpus):
    src = tmp_path / "set" / "grinning"
    src.mkdir(parents=True)
    os.symlink(sorted((shared_data / "ckplus48" / "CK+48" / "happy").iterdir())[0],
               src / "a.png")
    run_import(corpus, "folders", src.parent, progress=False)
    (failed,) = corpus.items(status="failed")
    corpus.mark_reviewed(failed["id"], user="ann")          # history now refers to it
    again = run_import(corpus, "folders", src.parent, mapping={"grinning": "happy"},
                       progress=False)
    assert again.imported == 1 and again.retried_ok == 1
    kept = corpus.item(failed["id"])
    assert kept["status"] == "failed" and kept["reason"].startswith("superseded")
    assert corpus.count(label="happy") == 1
