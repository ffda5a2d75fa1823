import json

import numpy as np
import pytest
from PIL import Image

from corpus import save_stage

from tests.train.conftest import build_fer_corpus
from train.data import DataError
from train.fit import FitError, fit


def test_fit_learns_better_than_chance(fer_run, shared_data):
    """10 epochs on ~650 real FER2013 faces of 3 classes beat chance (1/3) on held-out faces."""
    from train.evaluate import evaluate
    run, card = fer_run
    r = evaluate(run, shared_data / "fer2013_images" / "test", out=run / "eval-folders")
    assert r["counts"]["evaluated"] == 143 + 67 + 100          # happy, surprise, neutral
    assert r["accuracy"] >= 0.43, r["accuracy"]
    assert r["macro_f1"] >= 0.40, r["macro_f1"]
    assert card["metrics"]["val_accuracy"] > 0.40


def test_run_directory_and_card(fer_run, fer_small):
    run, card = fer_run
    assert (run / "model.keras").is_file()
    assert json.loads((run / "model_card.json").read_text()) == card
    assert card["classes"] == ["happy", "surprise", "neutral"]       # taxonomy order
    assert card["input_size"] == 48 and card["preset"] == "small"
    counts = card["data"]["counts"]
    n_train = fer_small.count(kind="face", split="train")
    assert sum(counts["train"].values()) == n_train
    assert sum(counts["val"].values()) == fer_small.count(kind="face", split="val")
    assert card["data"]["source_datasets"] == {"fer2013": n_train + sum(counts["val"].values())}
    assert card["data"]["classes_absent_from_train"] == ["angry", "disgust", "fear", "sad"]
    assert card["hyperparameters"]["optimizer"] == "RMSprop"
    assert [h["epoch"] for h in card["history"]] == list(range(1, 11))
    best = max(card["history"], key=lambda h: h["val_accuracy"])
    assert card["metrics"]["best_epoch"] == best["epoch"]
    assert list((run / "logs").rglob("events.out.tfevents.*")), "no TensorBoard logs"
    state = json.loads((run / "checkpoint" / "state.json").read_text())
    assert state["epoch"] == 10 and len(list((run / "checkpoint").glob("epoch-*"))) <= 2


def test_existing_run_needs_resume_or_overwrite(fer_run, fer_small):
    run, card = fer_run
    with pytest.raises(FitError, match="--resume"):
        fit(fer_small.root, run, epochs=10, progress=False)
    with pytest.raises(FitError, match="size"):
        fit(fer_small.root, run, resume=True, size=100, progress=False)
    again = fit(fer_small.root, run, resume=True, progress=False)   # all epochs done: no training
    assert again["history"] == card["history"]


def test_six_class_and_sources(tmp_path, shared_data):
    c = build_fer_corpus(tmp_path / "c", shared_data, classes=("angry", "disgust", "happy"),
                         n_train=24, n_test=0, val_fraction=0.25)
    card = fit(c.root, tmp_path / "six", size=48, epochs=1, batch=16, preset="tiny",
               six_class=True, progress=False, log=lambda m: None)
    assert card["classes"] == ["angry", "happy"] and card["fold"] == {"disgust": "angry"}
    assert card["data"]["counts"]["train"]["angry"] > 24              # angry + disgust
    with pytest.raises(DataError, match="no labeled"):
        fit(c.root, tmp_path / "none", sources=["bing"], epochs=1, progress=False)
    # pixels from a stage pickle (as `curate extract` writes), one face missing from it
    rows = list(c.items(kind="face"))[1:]
    save_stage(c, "faces", {"X": np.stack([np.asarray(Image.open(c.path_of(r))) for r in rows]),
                            "ids": np.array([r["id"] for r in rows]), "labels": []})
    card = fit(c.root, tmp_path / "stage", size=48, epochs=1, batch=16, preset="tiny",
               stage="faces", progress=False, log=lambda m: None)
    assert card["data"]["pixels_from"] == "stage faces" and card["data"]["not_in_stage"] == 1
    assert card["history"][0]["accuracy"] > 0
    # a face file damaged on disk after import is skipped, not fatal to the run
    c.path_of(rows[0]["id"]).write_bytes(b"\x89PNG\r\n\x1a\n damaged")
    card = fit(c.root, tmp_path / "damaged", size=48, epochs=1, batch=16, preset="tiny",
               progress=False, log=lambda m: None)
    assert card["metrics"]["epochs_run"] == 1
    assert [u["item_id"] for u in card["data"]["unreadable"]] == [rows[0]["id"]]
    assert c.item(rows[0]["id"])["status"] == "failed"
    assert "unreadable" in c.item(rows[0]["id"])["reason"]
    c.close()


def test_time_budget_stops_cleanly_and_the_card_says_so(fer_small, tmp_path):
    """A budget shorter than one epoch: one epoch runs (there must be a model), then the run
    stops cleanly, keeps its best epoch and says why; a resume with a larger budget goes on."""
    out = tmp_path / "budget"
    kw = {"size": 48, "batch": 32, "preset": "tiny", "progress": False, "log": lambda m: None}
    card = fit(fer_small.root, out, epochs=40, time_budget=0.001, **kw)
    m = card["metrics"]
    assert m["epochs_run"] == 1 and m["stopped_by"] == "time budget"
    assert "0.001-minute time budget after epoch 1 of --epochs 40" in m["note"]
    assert "the model is the best epoch, 1" in m["note"]
    assert card["hyperparameters"]["time_budget_min"] == 0.001
    assert (out / "model.keras").is_file()
    # resuming without a new budget: nothing more to do
    again = fit(fer_small.root, out, resume=True, **kw)
    assert again["metrics"]["epochs_run"] == 1
    # a larger budget (it counts the whole run) and fewer epochs: it goes on to --epochs
    more = fit(fer_small.root, out, resume=True, time_budget=600, epochs=2, **kw)
    assert more["metrics"]["epochs_run"] == 2 and more["metrics"]["stopped_by"] == "epochs"
    assert [h["epoch"] for h in more["history"]] == [1, 2]


def test_early_stopping_defaults_off_under_cosine_and_10_on_plateau():
    """The cosine schedule plans the run's length itself (patience 10 ended an 88-minute
    FER2013 run at epoch 41 of 56, its rate still 20 % of the peak)."""
    from train.fit import _config
    assert _config(None, {})["patience"] == 0
    assert _config(None, {"schedule": "plateau"})["patience"] == 10
    assert _config(None, {"patience": 7})["patience"] == 7
    with pytest.raises(FitError, match="0 .no early stopping. or more"):
        _config(None, {"patience": -1})
