"""crossval: every labeled face scored once, out-of-sample, by the fold model that never saw it."""
import json
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest

from corpus import Corpus
from tests.train.conftest import build_fer_corpus
from train.crossval import CrossvalError, crossval
from train.seen import face_keys

ROOT = Path(__file__).resolve().parents[2]


def test_every_labeled_face_scored_once_by_a_model_that_never_saw_it(noisy_template):
    info, card = noisy_template, noisy_template["card"]
    state = json.loads((info["run"] / "crossval.json").read_text())
    fold_of = {i: f + 1 for i, _, f, _ in state["faces"]}
    with Corpus(info["root"], create=False) as c:
        labeled = {r[0] for r in c.db.execute("SELECT id FROM items WHERE kind='face' AND"
                                              " status='ok' AND label IS NOT NULL")}
        rows = c.db.execute("SELECT item_id, model, sample, run, fold, classes FROM predictions"
                            ).fetchall()
        keys = face_keys(c, labeled)
    assert set(fold_of) == labeled and len(rows) == len(labeled)
    assert {r["item_id"] for r in rows} == labeled
    for r in rows:
        assert (r["model"], r["sample"], r["run"]) == ("cv", "oos", card["run"])
        assert r["fold"] == fold_of[r["item_id"]]
        assert json.loads(r["classes"]) == card["classes"]
    # the model that scored a face trained and validated on no face of its fold
    for k in range(1, 4):
        seen = json.loads((info["run"] / f"fold-{k}" / "seen_faces.json").read_text())
        mine = {keys[i] for i, f in fold_of.items() if f == k}
        assert mine and not mine & (set(seen["train"]) | set(seen["val"]))
        assert len(seen["train"]) + len(seen["val"]) + len(mine) == len(labeled)
    # no unit (subject) is cut across folds: p0..p29 and CK+'s S130 pair
    subject = {}
    with Corpus(info["root"], create=False) as c:
        subject = dict(c.db.execute("SELECT id, subject FROM items WHERE subject IS NOT NULL"))
    folds_of_subject = defaultdict(set)
    for i, f in fold_of.items():
        folds_of_subject[subject.get(i, i)].add(f)
    assert all(len(v) == 1 for v in folds_of_subject.values())
    # the card: folds, settings, per-fold counts, accuracy and time
    assert card["settings"]["folds"] == 3 and card["settings"]["preset"] == "tiny"
    assert [f["fold"] for f in card["folds"]] == [1, 2, 3]
    assert sum(f["scored"] for f in card["folds"]) == len(labeled)
    for f in card["folds"]:
        assert 0 <= f["accuracy"] <= 1 and f["seconds_train"] > 0 and f["epochs_run"] == 4
    assert card["out_of_sample"]["scored"] == len(labeled)


def test_existing_run_needs_resume_and_same_settings(noisy):
    run = noisy["run"]
    with pytest.raises(CrossvalError, match="--resume"):
        crossval(noisy["root"], run, folds=3, progress=False)
    with pytest.raises(CrossvalError, match="epochs"):
        crossval(noisy["root"], run, resume=True, epochs=9, progress=False)


def test_kill9_mid_fold_then_resume(shared_data, tmp_path):
    """A real SIGKILL while fold 2 trains: fold 1 is kept, fold 2 continues at its next epoch."""
    c = build_fer_corpus(tmp_path / "c", shared_data, n_train=30, n_test=0, val_fraction=0)
    c.close()
    out = tmp_path / "cv"
    cmd = [sys.executable, "-m", "train", "crossval", str(tmp_path / "c"), "--out", str(out),
           "--folds", "3", "--preset", "tiny", "--epochs", "6", "--batch", "16",
           "--patience", "50", "--no-progress"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    fold2 = out / "fold-2" / "checkpoint" / "state.json"
    deadline = time.monotonic() + 1200         # a hang guard, not a speed limit
    try:
        while not (fold2.exists() and json.loads(fold2.read_text())["epoch"] >= 2):
            assert proc.poll() is None, proc.communicate()[1][-2000:]
            assert time.monotonic() < deadline, "crossval did not reach fold 2, epoch 2 in 20 min"
            time.sleep(0.1)
    finally:
        proc.kill()                               # SIGKILL: nothing runs on the way out
        proc.communicate()
    state = json.loads((out / "crossval.json").read_text())
    assert [f["status"] for f in state["folds"]] == ["done", "pending", "pending"]
    fold1 = (out / "fold-1" / "model_card.json").read_text()
    killed_at = json.loads(fold2.read_text())["epoch"]
    with Corpus(tmp_path / "c", create=False) as c:
        assert c.db.execute("SELECT COUNT(*) FROM predictions").fetchone()[0] == \
            state["folds"][0]["scored"]
    done = subprocess.run(cmd + ["--resume"], cwd=ROOT, capture_output=True, text=True,
                          timeout=1800)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "fold 1/3: done earlier" in done.stderr
    assert f"resuming {out / 'fold-2'} after epoch {killed_at} of 6" in done.stderr
    assert (out / "fold-1" / "model_card.json").read_text() == fold1      # not trained again
    card = json.loads((out / "crossval_card.json").read_text())
    hist = json.loads((out / "fold-2" / "model_card.json").read_text())["history"]
    assert [h["epoch"] for h in hist] == list(range(1, 7))
    with Corpus(tmp_path / "c", create=False) as c:
        n_faces = c.count(kind="face")
        rows = c.db.execute("SELECT item_id, sample, run FROM predictions").fetchall()
    assert len(rows) == len({r[0] for r in rows}) == n_faces == card["out_of_sample"]["scored"]
    assert {(r[1], r[2]) for r in rows} == {("oos", card["run"])}
