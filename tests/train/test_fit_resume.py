"""A resumed run continues the same run: its logged figures match an uninterrupted one (issue 9.3).

Before epochs were seeded by (seed, epoch), the first resumed epoch replayed epoch 1's shuffle
order, augmentation and dropout masks: the figures after a resume differed (loss 1.55 vs 1.96)
while the epoch and optimizer counters looked right.
"""
import json
import subprocess
import sys
import time
from pathlib import Path

import keras
import numpy as np
import pytest

from train.fit import fit

ROOT = Path(__file__).resolve().parents[2]
FIGURES = ("loss", "accuracy", "val_loss", "val_accuracy", "learning_rate")
QUIET = {"progress": False, "log": lambda m: None}


def assert_same_figures(a: list[dict], b: list[dict]):
    assert [h["epoch"] for h in a] == [h["epoch"] for h in b]
    for x, y in zip(a, b):
        for k in FIGURES:
            # the same computation on the same CPU: equal to float round-off
            assert x[k] == pytest.approx(y[k], rel=1e-4, abs=1e-5), (x["epoch"], k, x[k], y[k])


@pytest.fixture(scope="module")
def straight(fer_small, tmp_path_factory):
    """Uninterrupted 2-epoch tiny run, the reference."""
    out = tmp_path_factory.mktemp("straight") / "run"
    return out, fit(fer_small.root, out, epochs=2, batch=32, preset="tiny", **QUIET)


def test_resume_with_more_epochs_continues_the_same_run(fer_small, tmp_path, straight):
    """The issue's commands: --epochs 1, then --resume --epochs 2. (Epoch 1 is the warm-up in
    both runs; lengthening a run later than that re-plans the cosine decay from there on.)"""
    _, straight = straight
    out = tmp_path / "run"
    fit(fer_small.root, out, epochs=1, batch=32, preset="tiny", **QUIET)
    card = fit(fer_small.root, out, epochs=2, batch=32, preset="tiny", resume=True, **QUIET)
    assert_same_figures(card["history"], straight["history"])


def test_kill9_then_resume_logs_the_uninterrupted_figures(fer_small, tmp_path, straight):
    straight_dir, straight = straight
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "train", "fit", str(fer_small.root), "--out", str(out),
           "--size", "48", "--batch", "32", "--preset", "tiny", "--epochs", "2", "--quiet"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    state_file = out / "checkpoint" / "state.json"
    deadline = time.monotonic() + 300
    try:
        while not (state_file.exists() and json.loads(state_file.read_text())["epoch"] >= 1):
            assert proc.poll() is None, proc.communicate()[1][-2000:]
            assert time.monotonic() < deadline, "fit did not reach epoch 1 in 300 s"
            time.sleep(0.05)
    finally:
        proc.kill()                                               # SIGKILL: no cleanup runs
        proc.communicate()
    killed_at = json.loads(state_file.read_text())["epoch"]
    if killed_at == 2:
        pytest.skip("the run finished before it could be killed")
    assert not (out / "model.keras").exists()
    done = subprocess.run(cmd + ["--resume"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"after epoch {killed_at} of 2" in done.stderr
    card = json.loads((out / "model_card.json").read_text())
    assert_same_figures(card["history"], straight["history"])
    assert card["metrics"]["best_epoch"] == straight["metrics"]["best_epoch"]
    # the optimizer's state came back too: its step counter ran on, it did not restart
    state = json.loads(state_file.read_text())
    last = keras.models.load_model(out / "checkpoint" / state["ckpt"])
    steps = -(-sum(card["data"]["counts"]["train"].values()) // 32)
    assert int(last.optimizer.iterations.numpy()) == 2 * steps
    # and the kept model is the same model
    x = np.random.default_rng(0).integers(0, 256, (4, 48, 48, 1)).astype(np.float32)
    np.testing.assert_allclose(keras.models.load_model(out / "model.keras").predict(x, verbose=0),
                               keras.models.load_model(straight_dir / "model.keras").predict(
                                   x, verbose=0), atol=1e-4)


class _StopAfter(keras.callbacks.Callback):
    """Ends fit() by an exception after epoch N's checkpoint is committed, as a kill would."""

    def __init__(self, n: int):
        super().__init__()
        self.n = n

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 == self.n:
            raise _Stopped()


class _Stopped(Exception):
    pass


def test_a_run_early_stopping_ended_goes_on_with_a_new_patience(fer_small, tmp_path):
    """An 88-minute run was ended by early stopping at epoch 41 of 56 planned; `--resume
    --patience 0` let it go on. Here the state after epoch 2 is made what a patience-1 run
    writes when epoch 2 did not beat epoch 1 (whether it does depends on the data), then the
    resumed run must log the figures of a run that never had early stopping, and the card
    must say early stopping is off."""
    kw = {"epochs": 3, "batch": 32, "preset": "tiny", "progress": False}
    straight = fit(fer_small.root, tmp_path / "straight", log=lambda m: None, **kw)
    assert straight["hyperparameters"]["early_stopping"] == "off"
    out = tmp_path / "run"
    with pytest.raises(_Stopped):
        fit(fer_small.root, out, callbacks=[_StopAfter(2)], log=lambda m: None, **kw)
    state_file = out / "checkpoint" / "state.json"
    state = json.loads(state_file.read_text())
    state["config"]["patience"] = 1
    state.update(stopped_by="early stopping", stopped_early=True,
                 early={"wait": 1, "best": state["history"][0]["val_accuracy"]})
    state_file.write_text(json.dumps(state))
    same = fit(fer_small.root, out, resume=True, log=lambda m: None, **kw)
    assert same["metrics"]["epochs_run"] == 2 and same["metrics"]["stopped_by"] == "early stopping"
    assert same["hyperparameters"]["early_stopping"] == "val_accuracy, patience 1"
    said = []
    card = fit(fer_small.root, out, resume=True, patience=0, log=said.append, **kw)
    assert "early stopping: val_accuracy, patience 1 -> off from epoch 3" in said
    assert card["metrics"]["epochs_run"] == 3 and card["metrics"]["stopped_by"] == "epochs"
    assert card["hyperparameters"]["early_stopping"] == "off"
    assert_same_figures(card["history"], straight["history"])
