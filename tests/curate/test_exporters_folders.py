import csv

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
    train = tf.keras.utils.image_dataset_from_directory(
        out / "train", color_mode="grayscale", image_size=(48, 48), batch_size=256,
        shuffle=False)
    x, _ = next(iter(train))
    assert x.shape[0] == 148
    # pixels survive the trip: Keras' first train image is the CSV row its item came from
    item_id = int(train.file_paths[0].rsplit("/", 1)[1].split(".")[0])
    row = int(c.provenance(item_id)[0]["source_id"])
    csv_text = (shared_data / "fer2013_csv" / "fer2013_first151rows.csv").read_text()
    line = csv_text.splitlines()[row + 1]
    assert x[0].numpy().reshape(-1).astype(int).tolist() == \
        [int(v) for v in line.split(",")[1].split()]


def _keras_labels(tf, folder, class_names=None):
    ds = tf.keras.utils.image_dataset_from_directory(
        folder, color_mode="grayscale", image_size=(48, 48), batch_size=512, shuffle=False,
        class_names=class_names)
    labels = [int(v) for _, y in ds for v in y.numpy()]
    return ds.class_names, dict(zip((p.rsplit("/", 1)[1] for p in ds.file_paths), labels))


def test_every_split_has_every_class_folder_and_keras_indices_agree(fer_corpus, tmp_path):
    """A class missing from one split must not shift Keras labels there: test/ holds only
    angry, disgust and fear, train/ no disgust, yet both load with the same class_names and
    every face's index names its own label, in model (taxonomy) order from classes.txt."""
    out = tmp_path / "export"
    run_export(fer_corpus, "folders", out)
    classes = (out / "classes.txt").read_text().split()
    # model order: the taxonomy's order (what `train fit` uses), only classes that have faces
    assert classes == ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]
    for split in ("train", "test"):
        assert sorted(p.name for p in (out / split).iterdir()) == sorted(classes)
    with open(out / "manifest.csv") as fh:
        label_of = {r["file"].rsplit("/", 1)[1]: r["label"] for r in csv.DictReader(fh)}

    import tensorflow as tf
    seen = {}
    for split in ("train", "test"):
        inferred, _ = _keras_labels(tf, out / split)
        names, labels = _keras_labels(tf, out / split, class_names=classes)
        assert inferred == sorted(classes) and names == classes
        assert all(names[i] == label_of[f] for f, i in labels.items())
        for f, i in labels.items():
            seen.setdefault(label_of[f], set()).add(i)
    # the same label has one index in every split (angry and fear are in both)
    assert all(len(v) == 1 for v in seen.values()) and seen["angry"] == {0}
    assert seen["fear"] == {2} and seen["neutral"] == {6}


def test_split_filter_and_refusing_to_overwrite(fer_corpus, tmp_path):
    out = tmp_path / "only-test"
    selection, _ = run_export(fer_corpus, "folders", out, splits=["PrivateTest", "test"])
    assert {p.parent.parent.name for p in out.rglob("*.png")} == {"test"}
    assert selection.excluded["not in split test"] == 151
    with pytest.raises(ExportError, match="--overwrite"):
        run_export(fer_corpus, "folders", out)
    run_export(fer_corpus, "folders", out, overwrite=True, six_class=True)
    # classes come from the whole corpus, so a train export made apart has the same folders
    six = ["angry", "fear", "happy", "sad", "surprise", "neutral"]
    assert (out / "classes.txt").read_text().split() == six
    assert sorted(p.name for p in (out / "test").iterdir()) == sorted(six)
    assert {p.name for p in (out / "test").iterdir() if any(p.iterdir())} == {"angry", "fear"}
    assert len(list((out / "test" / "angry").iterdir())) == 77 + 30
