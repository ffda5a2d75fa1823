import csv
from collections import Counter

import pytest

from curate.exporters import run_export
from curate.exporters.select import ExportError
from curate.importers import run_import


@pytest.fixture
def fer_corpus(shared_data, corpus):
    run_import(corpus, "fer2013-csv", shared_data / "fer2013_csv" / "fer2013_first151rows.csv",
               size=48, progress=False)
    # the first 120 files of the image release are test/ angry 77, disgust 30, fear 13
    run_import(corpus, "folders", shared_data / "fer2013_images", limit=120, progress=False)
    return corpus


def test_export_loads_with_keras_and_leaves_out_duplicates_and_rejects(fer_corpus, tmp_path,
                                                                     shared_data):
    c = fer_corpus
    c.set_status(1, "duplicate", reason="near-duplicate of 5")
    c.set_status(2, "rejected", reason="not a face")
    c.set_label(3, None, source="human")
    out = tmp_path / "export"
    selection, written = run_export(c, "folders", out)
    assert selection.excluded == {"duplicate": 1, "rejected": 1, "unlabeled": 1}
    assert "splits: test, train" in written
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.png"))
    assert len(files) == 148 + 120 and "train/angry/1.png" not in files
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())   # no tmp leftovers
    with open(out / "manifest.csv") as fh:
        manifest = list(csv.DictReader(fh))
    assert sorted(r["file"] for r in manifest) == files

    import tensorflow as tf   # slow to import: only in this test
    ds = tf.keras.utils.image_dataset_from_directory(
        out / "test", color_mode="grayscale", image_size=(48, 48), batch_size=256,
        shuffle=False)
    assert ds.class_names == ["angry", "disgust", "fear"]
    images, labels = next(iter(ds))
    assert images.shape == (120, 48, 48, 1)
    assert Counter(labels.numpy().tolist()) == {0: 77, 1: 30, 2: 13}
    train = tf.keras.utils.image_dataset_from_directory(
        out / "train", color_mode="grayscale", image_size=(48, 48), batch_size=256,
        shuffle=False)
    assert train.class_names == ["angry", "fear", "happy", "neutral", "sad", "surprise"]
    x, _ = next(iter(train))
    assert x.shape[0] == 148
    # pixels survive the trip: Keras' first train image is the CSV row its item came from
    item_id = int(train.file_paths[0].rsplit("/", 1)[1].split(".")[0])
    row = int(c.provenance(item_id)[0]["source_id"])
    csv_text = (shared_data / "fer2013_csv" / "fer2013_first151rows.csv").read_text()
    line = csv_text.splitlines()[row + 1]
    assert x[0].numpy().reshape(-1).astype(int).tolist() == \
        [int(v) for v in line.split(",")[1].split()]


def test_split_filter_and_refusing_to_overwrite(fer_corpus, tmp_path):
    out = tmp_path / "only-test"
    selection, _ = run_export(fer_corpus, "folders", out, splits=["PrivateTest", "test"])
    assert {p.parent.parent.name for p in out.rglob("*.png")} == {"test"}
    assert selection.excluded["not in split test"] == 151
    with pytest.raises(ExportError, match="--overwrite"):
        run_export(fer_corpus, "folders", out)
    run_export(fer_corpus, "folders", out, overwrite=True, six_class=True)
    assert {p.name for p in (out / "test").iterdir()} == {"angry", "fear"}
    assert len(list((out / "test" / "angry").iterdir())) == 77 + 30
