import io
import shutil

import numpy as np
import pytest
from PIL import Image

from train.data import (DataError, class_weights, corpus_samples, face_size_of, folder_samples,
                        iter_batches, resize_gray, train_val)


def fer_files(shared, label, n, part="train"):
    return sorted((shared / "fer2013_images" / part / label).glob("*.jpg"))[:n]


def png(path, size=None):
    img = Image.open(path).convert("L")
    if size:
        img = img.resize((size, size))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def mixed(corpus, shared_data):
    """Faces with every status/split/source case the selection must get right."""
    ids = {}
    happy, sad, disgust = (fer_files(shared_data, c, 4) for c in ("happy", "sad", "disgust"))
    for i, f in enumerate(happy):
        ids[f"happy{i}"], _ = corpus.add_bytes(
            png(f), fmt="PNG", kind="face", label="Happiness", label_source="import",
            split="train" if i < 3 else "val", provenance={"source_dataset": "fer2013"})
    for i, f in enumerate(disgust[:2]):
        ids[f"disgust{i}"], _ = corpus.add_bytes(png(f), fmt="PNG", kind="face", label="disgust",
                                                 label_source="import", split="train",
                                                 provenance={"source_dataset": "fer2013"})
    # a scraped face: the provenance (engine) sits on its parent image
    photo = (shared_data / "photos" / "face_recognition" / "obama.jpg").read_bytes()
    parent, _ = corpus.add_bytes(photo, fmt="JPEG", kind="image",
                                 provenance={"engine": "bing", "query": "sad face"})
    ids["scraped"], _ = corpus.add_bytes(png(sad[0], 100), fmt="PNG", kind="face", label="sad",
                                         label_source="query", parent_id=parent, split="train")
    ids["rejected"], _ = corpus.add_bytes(png(sad[1]), fmt="PNG", kind="face", label="sad",
                                          label_source="import", split="train")
    corpus.set_status(ids["rejected"], "rejected", reason="not a face")
    ids["unlabeled"], _ = corpus.add_bytes(png(sad[2]), fmt="PNG", kind="face", split="train")
    return corpus, ids


def test_corpus_samples_filters(mixed):
    c, ids = mixed
    train = corpus_samples(c, split="train")
    got = {s.item_id for s in train}
    assert got == {ids["happy0"], ids["happy1"], ids["happy2"], ids["disgust0"],
                   ids["disgust1"], ids["scraped"]}
    assert all(s.path.startswith(str(c.root)) for s in train)
    assert {s.label for s in train} == {"happy", "disgust", "sad"}     # "Happiness" -> happy
    assert len(corpus_samples(c, labeled=False)) == 8                 # + val + unlabeled


def test_sources_match_face_or_parent(mixed):
    c, ids = mixed
    assert {s.item_id for s in corpus_samples(c, sources=["bing"])} == {ids["scraped"]}
    assert len(corpus_samples(c, split="train", sources=["fer2013"])) == 5
    assert corpus_samples(c, sources=["nowhere"]) == []


def test_six_class_fold(mixed):
    c, _ = mixed
    labels = {s.label for s in corpus_samples(c, fold={"disgust": "angry"})}
    assert labels == {"happy", "angry", "sad"}


def test_train_val_uses_val_split_or_holds_out(mixed, corpus):
    c, ids = mixed
    train, val, note = train_val(c)
    assert [s.item_id for s in val] == [ids["happy3"]] and note == "val split"
    c.db.execute("UPDATE items SET split='train' WHERE split='val'")
    train2, val2, note2 = train_val(c, seed=3, val_fraction=0.3)
    assert "held out" in note2 and len(val2) == 2 and len(train2) == 5
    assert not {s.item_id for s in train2} & {s.item_id for s in val2}
    assert [s.item_id for s in train_val(c, seed=3, val_fraction=0.3)[1]] == \
        [s.item_id for s in val2]                                       # seeded


def test_no_train_split_is_a_clear_error(corpus, shared_data):
    corpus.add_bytes(png(fer_files(shared_data, "happy", 1)[0]), fmt="PNG", kind="face",
                     label="happy", label_source="import")
    with pytest.raises(DataError, match="curate split"):
        train_val(corpus)


def test_folder_samples_map_names(tmp_path, shared_data):
    for folder, label in (("Happiness", "happy"), ("ANGER", "angry"), ("sleepy", "sad")):
        (tmp_path / folder).mkdir()
        for f in fer_files(shared_data, label, 2, "test"):
            shutil.copy(f, tmp_path / folder / f.name)
    samples, report = folder_samples(tmp_path)
    assert sorted({s.label for s in samples}) == ["angry", "happy"]
    assert report.unknown_folders == {"sleepy": 2}
    with pytest.raises(DataError, match="no class folders"):
        folder_samples(tmp_path / "sleepy")


def test_class_weights_balance():
    w = class_weights(np.array([0, 0, 0, 1]), 3)
    assert w[0] == pytest.approx(4 / 6) and w[1] == pytest.approx(2.0) and w[2] == 0.0
    rare = class_weights(np.array([0] * 99 + [1]), 2)
    assert rare[1] == 5.0 and rare[0] == pytest.approx(100 / 198)       # 50x capped at 5x


def test_file_reader_reports_unreadable_files_and_resizes(tmp_path, shared_data):
    """evaluate/score's reader; that it matches training's face cache: test_facecache.py."""
    paths = []
    for i, f in enumerate(fer_files(shared_data, "happy", 2)):
        p = tmp_path / f"{i}.png"
        p.write_bytes(png(f, 100 if i == 0 else None))      # one 100 px face, resized to 48
        paths.append(str(p))
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    batches = list(iter_batches(paths + [str(bad)], 48, batch=2))
    idx = [i for b in batches for i in b[0]]
    x = np.concatenate([b[1] for b in batches])
    errors = [e for b in batches for e in b[2]]
    assert idx == [0, 1] and errors[0][0] == 2 and "PNG" in errors[0][1]
    assert x.shape == (2, 48, 48, 1) and np.array_equal(x, np.rint(x))     # whole gray levels
    assert resize_gray(np.zeros((48, 48), np.uint8), 48).shape == (48, 48, 1)


def test_a_face_file_reaches_the_model_as_its_imported_copy_does(tmp_path, shared_data):
    """A 48 px FER2013 file scored by a model fit on its 100 px imported copy: the reader
    must give the pixels training read from the copy, not the raw file (the raw file cost the
    run-3 model 2 points on FER2013's test set)."""
    from corpus import Corpus, to_array
    from curate.importers import run_import
    src = tmp_path / "src"
    (src / "happy").mkdir(parents=True)
    files = fer_files(shared_data, "happy", 3)
    for f in files:
        shutil.copy(f, src / "happy" / f.name)
    c = Corpus(tmp_path / "corpus")
    assert run_import(c, "folders", src, progress=False).imported == 3
    assert c.get_meta("face_size") == 100
    by_name = {r["orig_name"]: r["path"] for r in c.db.execute(
        "SELECT p.orig_name, i.path FROM items i JOIN provenance p ON p.item_id = i.id")}
    trained = np.stack([resize_gray(to_array((c.root / by_name[f.name]).read_bytes(), "L"), 48)
                        for f in files])
    c.close()
    _, x, errors = next(iter_batches([str(f) for f in files], 48, face_size=100))
    assert not errors and np.array_equal(x, trained)
    _, raw, _ = next(iter_batches([str(f) for f in files], 48))      # no face size: as stored
    assert np.abs(raw - trained).mean() > 1.0       # the two doors differed before the fix
    # a file already at the training faces' size is only resized, as before
    _, same, _ = next(iter_batches([str(c.root / by_name[f.name]) for f in files], 48,
                                   face_size=100))
    assert np.array_equal(same, trained)


def test_face_size_of_a_card_and_of_older_cards():
    assert face_size_of({"face_size": 48}) == 48
    assert face_size_of({"face_size": None}) is None        # a corpus of no one size: resize
    assert face_size_of({"extractor": {"size": 64}}) == 64  # before the field: the extractor's
    assert face_size_of({}) == 100                          # or the corpus default


def test_web_corrections_train_only_after_a_curator_confirms(corpus, shared_data):
    """A label sent through `python -m serve` (source web) is left out until reviewed."""
    f = fer_files(shared_data, "sad", 1)[0]
    fid, _ = corpus.add_bytes(png(f), fmt="PNG", kind="face", split="train")
    corpus.set_label(fid, "sad", source="web", user="web:alice", reviewed=False)
    assert fid not in {s.item_id for s in corpus_samples(corpus)}
    assert fid in {s.item_id for s in corpus_samples(corpus, labeled=False)}   # still scored
    corpus.mark_reviewed(fid, user="curator")
    assert fid in {s.item_id for s in corpus_samples(corpus, split="train")}
