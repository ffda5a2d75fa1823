"""No JAFFE data ships here: real Yale faces re-saved as TIFF under JAFFE-style names."""
from collections import Counter

import pytest
from PIL import Image

from corpus import verify
from curate.importers import run_import
from curate.importers.jaffe import parse_name

NAMES = ["KA.AN1.39.tiff", "KA.HA2.30.tiff", "KL.SU1.160.tiff", "MK.NE3.115.tiff",
         "YM.DI1.58.tiff", "TM.FE2.189.tiff", "NA.SA1.214.tiff"]


@pytest.fixture
def jaffe_dir(shared_data, tmp_path):
    yale = sorted((shared_data / "yalefaces" / "images").glob("subject0[1-3].*"))
    out = tmp_path / "jaffe"
    out.mkdir()
    for src, name in zip(yale, NAMES + ["KA.XX1.1.tiff", "README.txt"]):
        Image.open(src).convert("L").save(out / name, format="TIFF")
    return out


def test_labels_and_posers_come_from_the_file_names(jaffe_dir, corpus):
    report = run_import(corpus, "jaffe", jaffe_dir, progress=False)
    assert report.imported == 7 and report.kind == "image"
    rows = {corpus.provenance(r["id"])[0]["orig_name"]: r for r in corpus.items()}
    assert (rows["KA.AN1.39.tiff"]["label"], rows["KA.AN1.39.tiff"]["subject"]) == ("angry", "KA")
    assert Counter(r["label"] for r in rows.values()) == {
        "angry": 1, "happy": 1, "surprise": 1, "neutral": 1, "disgust": 1, "fear": 1, "sad": 1}
    assert {r["subject"] for r in rows.values()} == {"KA", "KL", "MK", "YM", "TM", "NA"}
    item = rows["MK.NE3.115.tiff"]
    assert item["kind"] == "image" and item["format"] == "TIFF"
    assert (item["width"], item["height"]) == (320, 243)
    assert verify(corpus.read_bytes(item)).format == "TIFF"
    assert corpus.provenance(item["id"])[0]["source_dataset"] == "jaffe"
    failed = dict(report.failed)
    assert "unknown JAFFE expression code 'XX'" in failed["KA.XX1.1.tiff"]
    assert "does not follow JAFFE" in failed["README.txt"]
    assert corpus.count(status="failed") == 2


def test_parse_name_accepts_case_and_rejects_garbage():
    assert parse_name("ka.ha2.30.TIFF") == ("KA", "happy", "HA2")
    with pytest.raises(ValueError):
        parse_name("../KA.AN1.39.tiff")
