import csv
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from corpus import Corpus, to_array
from corpus.sheets import contact_sheet
from curate.importers import run_import
from curate.importers.base import ImportError_
from curate.importers.labels import conflicts


@pytest.fixture
def mux(shared_data):
    return shared_data / "muxspace"


def test_muxspace_legend_case_folded_conflict_recorded_webp_sniffed(mux, corpus):
    report = run_import(corpus, "csv-labels", mux / "legend_subset.csv",
                        include_unlabeled=True, progress=False)
    assert report.dataset == "muxspace/legend_subset" and not report.failed
    # 440 rows for 439 images (one image twice), plus the 10 unlabeled images
    assert report.imported == 449 and report.same_bytes == 1
    with open(mux / "legend_subset.csv") as fh:
        raw = Counter(r["emotion"] for r in csv.DictReader(fh))
    assert raw["HAPPINESS"] == raw["happiness"] == 40
    labels = Counter(r["label"] for r in corpus.items(kind="image"))
    # HAPPINESS + happiness -> happy; the conflicting image is left unlabeled, not picked
    assert labels["happy"] == 80 and labels["sad"] == raw["SADNESS"] + raw["sadness"] - 1
    assert labels[None] == 10 + 1
    assert "contempt" in corpus.taxonomy.classes
    # the conflicting duplicate: one item, two provenance rows, a recorded conflict
    (c,) = report.conflicts
    assert {c["label"], c["other_label"]} == {"surprise", "sad"}
    item = corpus.item(c["item_id"])
    assert item["label"] is None
    assert [p["orig_name"] for p in corpus.provenance(item["id"])] == ["Avinash_30.jpg"] * 2
    assert [k["label"] for k in conflicts(corpus, item["id"])] == [c["label"]]
    history = corpus.label_history(item["id"])
    assert history[-1]["old_label"] == "surprise" and history[-1]["new_label"] is None
    # the labeler column is kept in provenance
    assert '"user.id": "jhamski"' in corpus.provenance(item["id"])[0]["extra"]
    # a .jpg name holding WebP bytes: format sniffed from the content
    webp = corpus.db.execute("SELECT i.* FROM items i JOIN provenance p ON p.item_id=i.id"
                             " WHERE p.orig_name='facial-expressions_2868588k.jpg'").fetchone()
    assert webp["format"] == "WEBP" and webp["path"].endswith(".webp")
    assert webp["label"] == "angry"
    # rerun: nothing new, the conflict is not recorded twice
    again = run_import(corpus, "csv-labels", mux / "legend_subset.csv", include_unlabeled=True,
                       progress=False)
    assert again.imported == 0 and again.already == 450 and not again.conflicts
    assert len(conflicts(corpus)) == 1


def test_as_faces_gives_gray_square_crops(mux, corpus, artifacts):
    report = run_import(corpus, "csv-labels", mux / "legend_subset.csv", as_kind="face",
                        size=64, limit=24, progress=False)
    assert report.imported == 24
    faces = list(corpus.items(kind="face"))
    for item in faces:
        assert (item["format"], item["width"], item["height"]) == ("PNG", 64, 64)
        assert to_array(corpus.read_bytes(item), "L").shape == (64, 64)
    contact_sheet([("muxspace --as face", [to_array(corpus.read_bytes(r), "L") for r in faces],
                    [r["label"] or "-" for r in faces])], artifacts / "import_muxspace_faces.png",
                  cols=8, cell=64)


def test_names_escaping_the_folder_and_missing_files_fail_per_row(mux, tmp_path, corpus):
    legend = tmp_path / "legend.csv"
    legend.write_text("who,file,mood\n"
                      "a,Avinash_30.jpg,Happy\n"
                      "b,../legend_subset.csv,sad\n"
                      "c,/etc/passwd,sad\n"
                      "d,nobody_here.jpg,sad\n"
                      "e,Al_Gore_0002.jpg,bored\n")
    report = run_import(corpus, "csv-labels", legend, image_col="file", label_col="mood",
                        images=mux / "images", progress=False)
    assert report.imported == 1
    reasons = dict(report.failed)
    assert "line 3" in reasons["1"] and "not a plain relative file name" in reasons["1"]
    assert "not a plain relative file name" in reasons["2"]
    assert "image file not found" in reasons["3"]
    assert "unknown class 'bored'" in reasons["4"]
    assert corpus.count(status="failed") == 4


def test_missing_column_is_a_clear_error(mux, corpus):
    with pytest.raises(ImportError_, match="no column 'label'"):
        run_import(corpus, "csv-labels", mux / "legend_subset.csv", label_col="label",
                   progress=False)


def test_map_file_can_drop_a_label_or_add_a_class_but_not_a_bad_name(mux, tmp_path, corpus):
    legend = tmp_path / "legend.csv"
    legend.write_text("image,emotion\n"
                      "Al_Gore_0002.jpg,contempt\n"
                      "Alain_Cervantes_0001.jpg,bored\n"
                      "Alvaro_Uribe_0007.jpg,Puzzled\n")
    report = run_import(corpus, "csv-labels", legend, images=mux / "images", progress=False,
                        mapping={"CONTEMPT": "", "bored": "Bored Stiff", "puzzled": "confused"})
    assert report.imported == 2 and report.classes_added == ["confused"]
    assert sorted(str(r["label"]) for r in corpus.items()) == ["None", "confused"]
    assert "contempt" not in corpus.taxonomy.classes
    (sid, reason), = report.failed
    assert sid == "1" and "not a usable class name" in reason


def test_cli_passes_importer_options_and_subject_regex(mux, tmp_path):
    legend = tmp_path / "l.csv"
    legend.write_text("who,file,mood\nx,Colin_Powell_0048.jpg,NEUTRAL\n"
                      "y,Al_Gore_0002.jpg,Happiness\n")
    out = subprocess.run(
        [sys.executable, "-m", "curate", "import", "csv-labels", str(legend), "--into",
         str(tmp_path / "c"), "--image-col", "file", "--label-col", "mood", "--images",
         str(mux / "images"), "--subject-regex", r"^(.+)_\d{4}\.", "--no-progress"],
        cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "2 imported" in out.stdout and "happy 1, neutral 1" in out.stdout
    with Corpus(tmp_path / "c", create=False) as c:
        assert sorted((r["subject"], r["label"]) for r in c.items()) == [
            ("Al_Gore", "happy"), ("Colin_Powell", "neutral")]


@pytest.mark.parametrize("name, subject", [
    ("Donald_Rumsfeld_0001.jpg", "Donald_Rumsfeld"), ("Avinash_11.jpg", "Avinash"),
    ("Abid_Hamid_Mahmud_Al-Tikriti_0001.jpg", "Abid_Hamid_Mahmud_Al-Tikriti"),
    ("sub/George_W_Bush_0009.jpg", "George_W_Bush"),
    ("facial-expressions_2868582k.jpg", None),     # a stock id, not a picture number
    ("Training_67971518.jpg", None),               # FER2013's row number
    ("IMG_0001.JPG", None), ("frame_0012.png", None), ("happy_12.png", None),
    ("very_happy_3.png", None), ("two_people.jpg", None),
    ("S010_006_00000015.png", "S010"), ("subject04.happy", "subject04"), ("KA.AN1.39.tiff", "KA"),
])
def test_subjects_from_file_names_include_person_names(name, subject):
    from curate.importers.base import guess_subject
    assert guess_subject(name) == subject


def test_muxspace_faces_get_the_person_named_in_the_file(mux, corpus):
    run_import(corpus, "csv-labels", mux / "legend_subset.csv", as_kind="face",
               progress=False)
    rows = {r[0]: r[1] for r in corpus.db.execute(
        "SELECT p.orig_name, i.subject FROM items i JOIN provenance p ON p.item_id=i.id"
        " WHERE i.kind='face' AND i.status='ok'")}
    assert rows["Donald_Rumsfeld_0027.jpg"] == rows["Donald_Rumsfeld_0062.jpg"] == \
        "Donald_Rumsfeld"
    assert sum(1 for s in rows.values() if s is None) <= 3       # the facial-expressions_* files
