import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from train.card import load_model
from train.quiet import BANNER
from train.evaluate import evaluate

ROOT = Path(__file__).resolve().parents[2]


def test_cli_json_agrees_with_an_independent_count(fer_run, fer_small, tmp_path, artifacts):
    run, card = fer_run
    out = tmp_path / "eval"
    done = subprocess.run([sys.executable, "-m", "train", "evaluate", str(run),
                           str(fer_small.root), "--split", "test", "--json", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert len(done.stdout.splitlines()) == 1            # JSON lines: the report on one line
    assert not BANNER.search(done.stderr), done.stderr[:500]
    r = json.loads(done.stdout)
    # recount by hand: decode each test face with PIL, predict it and its mirror image (the
    # card asks for flip test-time augmentation), average, tally
    model, _ = load_model(run)
    assert card["tta"] == "flip" and r["tta"] == "flip"
    rows = list(fer_small.items(kind="face", split="test"))
    x = np.stack([np.asarray(Image.open(fer_small.path_of(row)), np.float32)[..., None]
                  for row in rows])
    probs = (model.predict(x, verbose=0) + model.predict(x[:, :, ::-1], verbose=0)) / 2
    classes = card["classes"]
    truth = np.array([classes.index(row["label"]) for row in rows])
    pred = probs.argmax(1)
    cm = np.zeros((3, 3), int)
    for t, p in zip(truth, pred):
        cm[t, p] += 1
    assert r["confusion"]["matrix"] == cm.tolist()
    assert r["counts"]["evaluated"] == len(rows)
    assert abs(r["accuracy"] - np.trace(cm) / len(rows)) < 1e-9
    plain = evaluate(run, fer_small.root, split="test", out=tmp_path / "plain", tta="none")
    assert plain["tta"] == "none"
    assert abs(plain["accuracy"] - np.mean(model.predict(x, verbose=0).argmax(1) == truth)) < 1e-9
    top2 = np.mean([t in np.argsort(-p)[:2] for t, p in zip(truth, probs)])
    assert abs(r["top2_accuracy"] - top2) < 1e-9 and r["top3_accuracy"] == 1.0
    for i, c in enumerate(classes):
        assert r["per_class"][c]["support"] == cm[i].sum()
        assert abs(r["per_class"][c]["recall"] - cm[i, i] / cm[i].sum()) < 1e-9
    assert r["absent_in_data"] == [] and r["counts"]["not_in_model"] == {}
    for name in ("confusion", "curves", "mistakes"):
        png = Path(r["files"][name])
        assert png.is_file() and Image.open(png).size[0] > 300
        shutil.copy(png, artifacts / f"train-eval-{name}.png")


def test_folders_names_through_taxonomy_and_odd_classes(fer_run, shared_data, tmp_path):
    run, _ = fer_run
    data = tmp_path / "folders"
    src = shared_data / "fer2013_images" / "test"
    for folder, label, n in (("Happiness", "happy", 5), ("Surprised", "surprise", 4),
                             ("contempt", "happy", 3), ("sleepy", "sad", 2)):
        (data / folder).mkdir(parents=True)
        for f in sorted((src / label).glob("*.jpg"))[:n]:
            shutil.copy(f, data / folder / f.name)
    (data / "Happiness" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    r = evaluate(run, data, out=tmp_path / "out")
    assert r["data_kind"] == "folders" and r["split"] is None
    assert r["counts"]["data"] == {"contempt": 3, "happy": 6, "surprise": 4}
    assert r["counts"]["not_in_model"] == {"contempt": 3}       # a class the model lacks
    assert r["counts"]["unknown_folders"] == {"sleepy": 2}      # not a class at all
    assert r["absent_in_data"] == ["neutral"]
    assert r["counts"]["unreadable"] == 1 and "broken.jpg" in r["unreadable"][0]["path"]
    assert r["counts"]["evaluated"] == 9 == r["n"]
    assert r["per_class"]["neutral"]["recall"] is None


def test_class_folders_score_as_their_imported_copies(shared_data, tmp_path):
    """The same 48 px files, evaluated as class folders and as the 100 px corpus faces they
    were imported as, must give one report: the model sees both as training saw its faces."""
    from corpus import Corpus
    from curate.importers import run_import
    from train.data import face_size_of
    from train.evaluate import predict_paths
    from train.fit import fit
    src = tmp_path / "src"
    for part, n in (("train", 30), ("test", 6)):
        for label in ("happy", "surprise"):
            (src / part / label).mkdir(parents=True)
            for f in sorted((shared_data / "fer2013_images" / part / label).glob("*.jpg"))[:n]:
                shutil.copy(f, src / part / label / f.name)
    c = Corpus(tmp_path / "corpus")
    run_import(c, "folders", src, progress=False)
    c.db.execute("UPDATE items SET split = (SELECT p.source_split FROM provenance p"
                 " WHERE p.item_id = items.id)")
    c.db.execute("UPDATE items SET split='val' WHERE split='train' AND id % 5 = 0")
    c.db.commit()
    card = fit(c.root, tmp_path / "run", size=48, epochs=2, batch=16, preset="tiny",
               progress=False, log=lambda m: None)
    copies = [str(c.root / r[0]) for r in c.db.execute(
        "SELECT i.path FROM items i JOIN provenance p ON p.item_id = i.id"
        " WHERE p.source_split='test' ORDER BY p.source_id")]
    c.close()
    assert card["face_size"] == 100 == face_size_of(card)
    folders = evaluate(tmp_path / "run", src / "test", out=tmp_path / "e1", tta="none")
    imported = evaluate(tmp_path / "run", c.root, split="test", out=tmp_path / "e2", tta="none")
    assert folders["n"] == imported["n"] == 12
    for key in ("accuracy", "macro_f1", "top2_accuracy", "confusion"):
        assert folders[key] == imported[key], key
    assert folders["log_loss"] == pytest.approx(imported["log_loss"], abs=1e-6)
    # face by face: the same probabilities through both doors, and not through the raw file
    model, _ = load_model(tmp_path / "run")
    files = sorted(str(f) for f in (src / "test").rglob("*.jpg"))
    p_file, _ = predict_paths(model, files, 48, progress=False, face_size=100)
    p_copy, _ = predict_paths(model, copies, 48, progress=False, face_size=100)
    assert np.allclose(p_file, p_copy, atol=1e-6)
    p_raw, _ = predict_paths(model, files, 48, progress=False)
    assert not np.allclose(p_file, p_raw, atol=1e-4)
