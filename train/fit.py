"""fit(): train the CNN with RMSProp on a corpus's train split, validate on val, resume after a kill.

Run directory (runs/NAME):
    model.keras          best epoch's model (by val accuracy)
    model_card.json      data sources and counts, classes, input size, hyper-parameters, metrics, history
    checkpoint/          epoch-NNN.keras (model + optimizer) and state.json, replaced each epoch
    logs/                TensorBoard event files
"""
from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import numpy as np

from corpus import now

from .card import CARD, MODEL, read_json, write_json
from .data import (DataError, class_counts, class_weights, open_corpus, stage_dataset,
                   stage_rows, tf_dataset, train_val, unreadable)
from .seen import record_seen

DEFAULTS = {"size": 48, "epochs": 30, "batch": 64, "six_class": False, "sources": None,
            "preset": "base", "lr": 1e-3, "patience": 6, "seed": 1234, "val_fraction": 0.1,
            "stage": None}
MONITOR = "val_accuracy"


class FitError(ValueError):
    pass


def _config(state: dict | None, options: dict) -> dict:
    given = {k: v for k, v in options.items() if v is not None}
    unknown = set(given) - set(DEFAULTS)
    if unknown:
        raise FitError(f"unknown fit options: {', '.join(sorted(unknown))}")
    if state is None:
        return {**DEFAULTS, **given}
    cfg = dict(state["config"])
    for k, v in given.items():
        if k != "epochs" and v != cfg.get(k):
            raise FitError(f"--resume continues with the checkpoint's settings, but {k} was "
                           f"{cfg.get(k)!r} and is now {v!r}; drop the option or start a new run")
    cfg["epochs"] = given.get("epochs", cfg["epochs"])
    return cfg


def _source_counts(corpus, ids: list[int]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        rows = corpus.db.execute(
            "SELECT COALESCE(p.source_dataset, p.engine, 'unknown') AS src, COUNT(DISTINCT i.id)"
            " FROM items i JOIN provenance p ON p.item_id IN (i.id, i.parent_id)"
            f" WHERE i.id IN ({','.join('?' * len(chunk))}) GROUP BY src", chunk)
        for src, n in rows:
            counts[src] = counts.get(src, 0) + n
    return dict(sorted(counts.items()))


def _extractor_settings(corpus) -> dict | None:
    """How the corpus's faces were cut (curate extract records it), for predict to repeat."""
    try:
        row = corpus.db.execute("SELECT settings FROM extractions WHERE settings IS NOT NULL"
                                " ORDER BY rowid DESC LIMIT 1").fetchone()
    except sqlite3.OperationalError:        # no extractions table: crops imported as they are
        return None
    return json.loads(row[0]) if row else None


def fit(corpus_path, out, *, resume: bool = False, overwrite: bool = False,
        progress: bool = True, log=print, samples=None, callbacks=(), **options) -> dict:
    """Train (or continue) a run; returns the model card it wrote.

    samples: (train, val, note) chosen by the caller (crossval's folds) instead of the corpus's
    splits; the caller has already checked that their files decode. callbacks: extra Keras
    callbacks (crossval's per-fold progress bar).
    """
    import keras

    from . import callbacks as cb
    from .model import build, compile_model, load

    out = Path(out)
    ckpt_dir = out / "checkpoint"
    state_file = ckpt_dir / "state.json"
    state = read_json(state_file) if state_file.is_file() else None
    if state and not resume and not overwrite:
        raise FitError(f"{out} already has a checkpoint at epoch {state['epoch']}: pass --resume "
                       f"to continue it or --overwrite to start again")
    if state and overwrite:
        shutil.rmtree(ckpt_dir)
        shutil.rmtree(out / "logs", ignore_errors=True)
        state = None
    if resume and state is None:
        log(f"{out}: no checkpoint yet, starting from epoch 0")
    cfg = _config(state, options)
    keras.utils.set_random_seed(cfg["seed"])

    corpus = open_corpus(corpus_path)
    tax, fold = corpus.taxonomy, {}
    if cfg["six_class"]:
        tax, fold = tax.six_class()
    if samples is None:
        train, val, val_note = train_val(corpus, sources=cfg["sources"], fold=fold,
                                         seed=cfg["seed"], val_fraction=cfg["val_fraction"])
    else:
        train, val, val_note = (list(x) for x in samples)
    damaged = [] if cfg["stage"] or samples is not None else unreadable(train + val, progress)
    for s, reason in damaged:
        corpus.set_status(s.item_id, "failed", reason=f"face file unreadable: {reason}",
                          user="train fit")
        log(f"face {s.item_id} left out and marked failed: {reason}")
    if damaged:
        gone = {s.item_id for s, _ in damaged}
        train = [s for s in train if s.item_id not in gone]
        val = [s for s in val if s.item_id not in gone]
    present = {s.label for s in train}
    classes = [c for c in tax.classes if c in present] + sorted(present - set(tax.classes))
    if len(classes) < 2:
        raise DataError(f"the train split has only {classes}: a classifier needs 2+ classes")
    if state and state["classes"] != classes:
        raise FitError(f"the corpus's train classes changed since the checkpoint "
                       f"({state['classes']} -> {classes}); start a new run")
    index = {c: i for i, c in enumerate(classes)}
    val_unknown = class_counts(s for s in val if s.label not in index)
    val = [s for s in val if s.label in index]
    if not val:
        raise DataError("no val faces of the trained classes; run `python -m curate split`")
    size, batch, seed = cfg["size"], cfg["batch"], cfg["seed"]
    not_in_stage = 0
    if cfg["stage"]:
        X, rows, missing = stage_rows(corpus, cfg["stage"], train + val)
        not_in_stage = len(missing)
        tr = [(s, r) for s, r in zip(train, rows[:len(train)]) if r >= 0]
        va = [(s, r) for s, r in zip(val, rows[len(train):]) if r >= 0]
        if not tr or not va:
            raise DataError(f"stage {cfg['stage']!r} lacks the train or val faces; rewrite it "
                            f"(e.g. `python -m curate extract`) or train without --stage")
        train, tr_rows = [s for s, _ in tr], [r for _, r in tr]
        val, val_rows = [s for s, _ in va], [r for _, r in va]
    y_train = np.array([index[s.label] for s in train], np.int32)
    y_val = [index[s.label] for s in val]
    weights = class_weights(y_train, len(classes))
    record_seen(out, corpus, train, val)        # what `train score` calls in-sample
    if cfg["stage"]:
        train_ds = stage_dataset(X, tr_rows, y_train, size, batch, shuffle=True, seed=seed)
        val_ds = stage_dataset(X, val_rows, y_val, size, batch, shuffle=False, seed=seed)
    else:
        train_ds = tf_dataset([s.path for s in train], y_train, size, batch, shuffle=True,
                              seed=seed)
        val_ds = tf_dataset([s.path for s in val], y_val, size, batch, shuffle=False, seed=seed)

    ckpt_dir.mkdir(parents=True, exist_ok=True)
    if state:
        model = load(ckpt_dir / state["ckpt"])
        log(f"resuming {out} after epoch {state['epoch']} of {cfg['epochs']}")
    else:
        model = compile_model(build(len(classes), size, preset=cfg["preset"], seed=cfg["seed"]),
                              cfg["lr"])
        state = {"config": cfg, "classes": classes, "epoch": 0, "ckpt": None, "best": None,
                 "history": [], "early": None, "plateau": None, "stopped_early": False}
    cb.prune(ckpt_dir, state)
    early = cb.ResumableEarlyStopping(state["early"], monitor=MONITOR, mode="max",
                                      patience=cfg["patience"])
    plateau = cb.ResumablePlateau(state["plateau"], monitor="val_loss", factor=0.5,
                                  patience=max(1, cfg["patience"] // 2), min_lr=1e-5)
    steps = -(-len(train) // batch)
    calls = [early, plateau, cb.Checkpointer(ckpt_dir, state, early, plateau, MONITOR),
             keras.callbacks.TensorBoard(str(out / "logs"), write_graph=False, profile_batch=0),
             cb.TqdmProgress(steps, cfg["epochs"], progress), *callbacks]
    if state["epoch"] < cfg["epochs"] and not state["stopped_early"]:
        model.fit(train_ds, validation_data=val_ds, epochs=cfg["epochs"],
                  initial_epoch=state["epoch"], class_weight=weights, callbacks=calls, verbose=0,
                  shuffle=False)     # tf_dataset shuffles, seeded, each epoch
    elif state["stopped_early"]:
        log(f"{out}: early stopping already ended this run at epoch {state['epoch']}")

    best = load(ckpt_dir / state["best"]["ckpt"])
    tmp = out / f".tmp-{MODEL}"
    best.save(tmp)
    tmp.replace(out / MODEL)
    card = {
        "name": out.name, "written_at": now(), "model_file": MODEL, "classes": classes,
        "input_size": size, "channels": 1,
        "input": "gray faces, 0..255 (scaling and augmentation are layers of the model)",
        "six_class": cfg["six_class"], "fold": fold, "preset": cfg["preset"],
        "params": int(best.count_params()),
        "extractor": _extractor_settings(corpus),
        "data": {"corpus": str(corpus.root), "sources": cfg["sources"], "validation": val_note,
                 "pixels_from": f"stage {cfg['stage']}" if cfg["stage"] else "corpus files",
                 "not_in_stage": not_in_stage,
                 "unreadable": [{"item_id": s.item_id, "reason": r} for s, r in damaged],
                 "counts": {"train": class_counts(train), "val": class_counts(val)},
                 "val_classes_not_in_train": val_unknown,
                 "source_datasets": _source_counts(corpus, [s.item_id for s in train + val]),
                 "classes_absent_from_train": [c for c in tax.classes if c not in present]},
        "hyperparameters": {"optimizer": "RMSprop", "learning_rate": cfg["lr"], "batch": batch,
                            "epochs": cfg["epochs"], "patience": cfg["patience"],
                            "seed": cfg["seed"], "class_weight": {classes[i]: round(w, 4)
                                                                  for i, w in weights.items()},
                            "augmentation": "flip, rotate 0.03, shift 0.08, zoom 0.1, "
                                            "brightness 0.1, contrast 0.2",
                            "lr_schedule": "ReduceLROnPlateau(val_loss, x0.5)",
                            "early_stopping": f"{MONITOR}, patience {cfg['patience']}"},
        "metrics": {"best_epoch": state["best"]["epoch"],
                    "val_accuracy": state["best"][MONITOR],
                    "val_loss": state["best"]["val_loss"], "epochs_run": state["epoch"],
                    "stopped_early": state["stopped_early"]},
        "history": state["history"],
        "tensorboard": "logs/",
    }
    write_json(out / CARD, card)
    corpus.close()
    return card
