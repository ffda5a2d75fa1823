"""`fit --ema`: the averaged weights are what is validated, checkpointed and saved, and a
resumed run trains on from the raw weights as an uninterrupted one does."""
import json

import keras
import numpy as np
import pytest

from train.data import open_corpus
from train.fit import FitError, fit
from train.fitdata import prepare
from train.pipeline import eval_batches

from .test_fit_resume import QUIET, assert_same_figures

TINY = {"epochs": 2, "batch": 32, "preset": "tiny", "ema": 0.9}


@pytest.fixture(scope="module")
def averaged(fer_small, tmp_path_factory):
    out = tmp_path_factory.mktemp("ema") / "run"
    return out, fit(fer_small.root, out, **TINY, **QUIET)


def _val(corpus_root, cfg):
    corpus = open_corpus(corpus_root)
    try:
        data = prepare(corpus, cfg, progress=False, log=lambda m: None)
    finally:
        corpus.close()
    return eval_batches(data.x_val, data.y_val, len(data.classes), 32)


def _raw_weights(model):
    """The optimizer's average slots: in a checkpoint they hold the raw (trained) weights."""
    return [np.array(v) for v in model.optimizer._model_variables_moving_average]


def test_validation_and_checkpoint_use_the_averaged_weights(averaged, fer_small):
    out, card = averaged
    assert "momentum 0.9 " in card["hyperparameters"]["weight_average"]
    state = json.loads((out / "checkpoint" / "state.json").read_text())
    last = keras.models.load_model(out / "checkpoint" / state["ckpt"])
    averaged_w = [np.array(v) for v in last.trainable_variables]
    raw_w = _raw_weights(last)
    assert any(not np.allclose(a, r) for a, r in zip(averaged_w, raw_w)), \
        "the average equals the trained weights: no averaging happened"
    val = _val(fer_small.root, state["config"])
    logged = card["history"][-1]
    loss, acc = last.evaluate(val, verbose=0)
    assert loss == pytest.approx(logged["val_loss"], rel=1e-4)
    assert acc == pytest.approx(logged["val_accuracy"], abs=1e-6)
    for var, w in zip(last.trainable_variables, raw_w):       # the raw weights score otherwise
        var.assign(w)
    raw_loss, _ = last.evaluate(val, verbose=0)
    assert raw_loss != pytest.approx(logged["val_loss"], rel=1e-4)


def test_resume_trains_on_from_the_raw_weights(averaged, fer_small, tmp_path):
    """The checkpoint holds the average in the model; a resume must swap the raw weights back
    before training, or it would go on from the average and log other figures."""
    _, straight = averaged
    out = tmp_path / "run"
    fit(fer_small.root, out, **{**TINY, "epochs": 1}, **QUIET)
    card = fit(fer_small.root, out, **TINY, resume=True, **QUIET)
    assert_same_figures(card["history"], straight["history"])


def test_momentum_out_of_range_is_refused(fer_small, tmp_path):
    with pytest.raises(FitError, match="--ema is a momentum"):
        fit(fer_small.root, tmp_path / "run", **{**TINY, "ema": 1.5}, **QUIET)


def test_bench_train_ema_reads_both_weight_sets_of_the_last_checkpoint(averaged, fer_small):
    """bench/train_ema.py's pair (here, beside the run it needs, rather than in tests/bench):
    the averaged model is the one validated last, the raw one is the optimizer's slot copy."""
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from bench.train_ema import weights_pair
    out, card = averaged
    state, avg, raw = weights_pair(out)
    assert state["epoch"] == 2
    val = _val(fer_small.root, state["config"])
    for m in (avg, raw):
        m.compile(loss=keras.losses.CategoricalCrossentropy(label_smoothing=0.1),
                  metrics=["accuracy"])
    logged = card["history"][-1]["val_loss"]
    avg_loss, raw_loss = (m.evaluate(val, verbose=0)[0] for m in (avg, raw))
    # the pair is float32, the run trained in bfloat16 on a CPU that has it: round-off only
    assert avg_loss == pytest.approx(logged, rel=1e-3)
    assert abs(avg_loss - logged) < abs(raw_loss - logged), (avg_loss, raw_loss, logged)
