"""fit(): train the CNN with RMSProp on a corpus's train split, validate on val, resume after a kill.

Run directory (runs/NAME):
    model.keras          best epoch's model (by val accuracy), float32
    model_card.json      data sources and counts, classes, input size, hyper-parameters, metrics,
                         history, why the run stopped
    checkpoint/          epoch-NNN.keras (model + optimizer) and state.json, replaced each epoch
    logs/                TensorBoard event files

A resumed run continues the same run: the batches, augmentation and dropout of epoch E are a
function of (seed, E) (pipeline.py, callbacks.ReseedModel), the learning rate a function of
the epoch and the plan (schedule.py), and the optimizer's and callbacks' state come from the
checkpoint. Its logged figures match an uninterrupted run's (tests/train/test_fit_resume.py).
"""
from __future__ import annotations

import json
import shutil
import sqlite3
import time
from pathlib import Path

from .card import CARD, read_json, write_json
from .data import open_corpus
from .fitdata import prepare, sample_weights
from .seen import record_seen
from .settings import resolve

DEFAULTS = {"size": 48, "epochs": 30, "batch": 64, "six_class": False, "sources": None,
            "preset": "base", "lr": 1e-3, "patience": None, "seed": 1234, "val_fraction": 0.1,
            "stage": None, "schedule": "cosine", "label_smoothing": 0.1,
            "class_weight": "sqrt", "augment": "faces", "precision": "auto",
            "time_budget": None, "init": None, "head_epochs": 2, "ema": None}
RESUME_MAY_CHANGE = ("epochs", "time_budget", "patience")
MONITOR = "val_accuracy"
# Early stopping is off by default under the cosine schedule: the schedule already plans the
# run's length, and most of its gain comes in the low-rate tail. With patience 10 an 88-minute
# FER2013 run was stopped at epoch 41 of 56 planned, its rate still 20 % of the peak, because
# validation accuracy on 1,564 faces had only tied its best (docs/train.md, run 3).
PATIENCE = {"cosine": 0, "plateau": 10}         # 0: no early stopping
STATE_FORMAT = 2        # checkpoints of format 1 (before seeded epochs) cannot be continued


class FitError(ValueError):
    pass


def _config(state: dict | None, options: dict) -> dict:
    cfg = resolve(DEFAULTS, state, options, may_change=RESUME_MAY_CHANGE, error=FitError,
                  command="fit", whose="the checkpoint's")
    if cfg["patience"] is None:
        cfg["patience"] = PATIENCE[cfg["schedule"]]
    if cfg["patience"] < 0:
        raise FitError(f"--patience must be 0 (no early stopping) or more, not {cfg['patience']}")
    if cfg["ema"] is not None and not 0 < cfg["ema"] < 1:
        raise FitError(f"--ema is a momentum per step between 0 and 1 (e.g. 0.999), "
                       f"not {cfg['ema']}")
    return cfg


def _early_stopping(cfg: dict) -> str:
    return f"{MONITOR}, patience {cfg['patience']}" if cfg["patience"] else "off"


def _checkpoint_state(out: Path, resume: bool, overwrite: bool, log) -> dict | None:
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
    if state and state.get("format") != STATE_FORMAT:
        raise FitError(f"{out}: this checkpoint was written by an older ferkit whose epochs were "
                       f"not seeded per epoch, so it cannot be continued exactly; start a new "
                       f"run (--overwrite)")
    if resume and state is None:
        log(f"{out}: no checkpoint yet, starting from epoch 0")
    return state


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


def _face_size(corpus) -> int | None:
    size = corpus.get_meta("face_size")
    return int(size) if size is not None else None


def fit(corpus_path, out, *, resume: bool = False, overwrite: bool = False,
        progress: bool = True, log=print, samples=None, callbacks=(), **options) -> dict:
    """Train (or continue) a run; returns the model card it wrote.

    samples: (train, val, note) chosen by the caller (crossval's folds) instead of the corpus's
    splits; labels come with them, pixels through the face cache of the corpus at corpus_path.
    callbacks: extra Keras callbacks (crossval's per-fold progress bar).
    """
    import keras

    from . import device
    started = time.perf_counter()
    out = Path(out)
    if options.get("init") is not None:
        options["init"] = str(options["init"])
    state = _checkpoint_state(out, resume, overwrite, log)
    cfg = _config(state, options)
    if state and state.get("stopped_by") == "time budget" and \
            cfg["time_budget"] != state["config"]["time_budget"]:
        state["stopped_by"] = None          # a new budget: the run may go on
    if state and state.get("stopped_by") == "early stopping" and \
            cfg["patience"] != state["config"]["patience"]:
        state["stopped_by"] = None          # a new patience: the run may go on
        log(f"early stopping: {_early_stopping(state['config'])} -> {_early_stopping(cfg)} "
            f"from epoch {state['epoch'] + 1}")
    plan = device.choose(gpus=device.gpu_count(), cpu_flags=device.cpu_flags(),
                         requested=cfg["precision"], batch=cfg["batch"], lr=cfg["lr"],
                         batch_given="batch" in options and options["batch"] is not None)
    if state and state.get("device"):
        plan = device.Plan(**state["device"])          # a resume keeps the run's batch and rate
    previous_policy = keras.mixed_precision.global_policy()
    corpus = open_corpus(corpus_path)
    try:
        keras.utils.set_random_seed(cfg["seed"])
        data = prepare(corpus, cfg, samples, progress=progress, log=log)
        record_seen(out, corpus, data.train, data.val)      # what `train score` calls in-sample
        if state and state["classes"] != data.classes:
            raise FitError(f"the corpus's train classes changed since the checkpoint "
                           f"({state['classes']} -> {data.classes}); start a new run")
        device.apply(plan)
        state, info = _train(out, cfg, plan, data, state, started, progress, log, callbacks)
        keras.mixed_precision.set_global_policy(previous_policy)
        card = _card(out, corpus, cfg, plan, data, state, info)
    finally:
        keras.mixed_precision.set_global_policy(previous_policy)
        corpus.close()
    return card


def _phases(cfg: dict, lr: float) -> list[tuple[int, int | None, bool, float]]:
    """(first epoch, end epoch or None = the plan's, base frozen, learning rate) per phase."""
    from .transfer import FINE_TUNE_FACTOR
    if not cfg["init"]:
        return [(0, None, False, lr)]
    return [(0, cfg["head_epochs"], True, lr), (cfg["head_epochs"], None, False,
                                                 lr * FINE_TUNE_FACTOR)]


def _train(out, cfg, plan, data, state, started, progress, log, extra_callbacks=()):
    import keras

    from . import callbacks as cb
    from .model import build, compile_model, load
    from .pipeline import eval_batches, train_batches
    from .schedule import CosineSchedule, Planner
    from .transfer import freeze_base, init_model

    ckpt_dir = out / "checkpoint"
    ckpt_dir.mkdir(parents=True, exist_ok=True)
    n_classes, batch, seed = len(data.classes), plan.batch, cfg["seed"]
    if state:
        log(f"resuming {out} after epoch {state['epoch']} of {cfg['epochs']}")
        state["config"], info = cfg, state.get("init")
    else:
        state = {"format": STATE_FORMAT, "config": cfg, "classes": data.classes, "epoch": 0,
                 "ckpt": None, "best": None, "history": [], "early": None, "plateau": None,
                 "stopped_early": False, "stopped_by": None, "device": plan.as_dict(),
                 "plan": None, "init": None}
        info = None
    cb.prune(ckpt_dir, state)
    weights, _ = sample_weights(data.y_train, n_classes, cfg["class_weight"])
    steps = -(-len(data.y_train) // batch)
    planner = Planner(state, cfg["epochs"], cfg["time_budget"], started)
    val_ds = eval_batches(data.x_val, data.y_val, n_classes, batch)
    trained = False
    for first, end, frozen, lr in _phases(cfg, plan.lr):
        end = end if end is not None else cfg["epochs"]
        if state["stopped_by"] or state["epoch"] >= min(end, planner.planned):
            continue
        mid_phase = bool(state["ckpt"]) and state["epoch"] > first
        if mid_phase:
            model = load(ckpt_dir / state["ckpt"])         # mid-phase: optimizer state too
        else:
            if state["ckpt"]:
                model = load(ckpt_dir / state["ckpt"])      # a phase boundary: weights only
            elif cfg["init"]:
                model, info = init_model(cfg["init"], data.classes, cfg["size"], seed)
                state["init"] = info
            else:
                model = build(n_classes, cfg["size"], preset=cfg["preset"], seed=seed)
            if info:
                freeze_base(model, info["base_layers"], frozen)
            model = compile_model(model, lr, cfg["label_smoothing"], cfg["ema"])
        # patience 0 is off: a patience no run reaches keeps the callback's counters recorded
        early = cb.ResumableEarlyStopping(state["early"], monitor=MONITOR, mode="max",
                                          patience=cfg["patience"] or 10 ** 9)
        plateau_patience = max(1, (cfg["patience"] or PATIENCE["plateau"]) // 2)
        plateau = (cb.ResumablePlateau(state["plateau"], monitor="val_loss", factor=0.5,
                                       patience=plateau_patience, min_lr=1e-5)
                   if cfg["schedule"] == "plateau" else None)
        # a fine-tuning phase starts from trained weights: no warm-up there
        lr_calls = [plateau] if plateau else [CosineSchedule(
            lr, steps, planner, start_epoch=first, end_epoch=end if end < cfg["epochs"] else None,
            warmup_epochs=0.0 if first else 1.0)]
        # the average is validated and saved: it must be in the model before Checkpointer
        average = [cb.AveragedWeights(in_model=mid_phase)] if cfg["ema"] else []
        calls = [cb.ReseedModel(), early, *lr_calls, planner, *average,
                 cb.Checkpointer(ckpt_dir, state, early, plateau, planner, MONITOR),
                 keras.callbacks.TensorBoard(str(out / "logs"), write_graph=False,
                                             profile_batch=0),
                 cb.TqdmProgress(steps, cfg["epochs"], progress), *extra_callbacks]
        epochs = range(state["epoch"], end)
        model.fit(train_batches(data.x_train, data.y_train, weights, n_classes, batch=batch,
                                seed=seed, epochs=epochs, augmentation=cfg["augment"]),
                  validation_data=val_ds, epochs=end, initial_epoch=state["epoch"],
                  steps_per_epoch=steps, callbacks=calls, verbose=0, shuffle=False)
        trained = True
    if not trained and state["stopped_by"]:
        log(f"{out}: {state['stopped_by']} already ended this run at epoch {state['epoch']}")
    return state, info


def _save_best(out: Path, state: dict):
    from . import device
    from .card import MODEL
    from .model import load
    best = device.as_float32(load(out / "checkpoint" / state["best"]["ckpt"], compile=False))
    tmp = out / f".tmp-{MODEL}"
    best.save(tmp)
    tmp.replace(out / MODEL)
    return best


def _card(out, corpus, cfg, plan, data, state, info) -> dict:
    from .augment import describe
    from .card import MODEL
    from .data import class_counts
    best = _save_best(out, state)
    _, weights = sample_weights(data.y_train, len(data.classes), cfg["class_weight"])
    classes = data.classes
    hist = state["history"]
    steady = sorted(h["seconds"] for h in hist[1:]) or [h["seconds"] for h in hist]
    stop = state["stopped_by"] or "epochs"
    b = state["best"]
    note = {"epochs": f"ran all {state['epoch']} epochs",
            "early stopping": f"early stopping ended the run after epoch {state['epoch']} "
                              f"({MONITOR} had not improved for {cfg['patience']} epochs)",
            "time budget": f"stopped cleanly at the {cfg['time_budget']:g}-minute time budget "
                           f"after epoch {state['epoch']} of --epochs {cfg['epochs']}"
            if cfg["time_budget"] else ""}[stop]
    card = {
        "name": out.name, "written_at": _now(), "model_file": MODEL, "classes": classes,
        "input_size": cfg["size"], "channels": 1,
        # the side of the corpus faces it learned from: callers bring other faces to it first
        "face_size": _face_size(corpus),
        "input": "gray faces, 0..255 (scaling is a layer of the model)",
        "six_class": cfg["six_class"], "fold": {"disgust": "angry"} if cfg["six_class"] else {},
        "preset": cfg["preset"], "params": int(best.count_params()),
        "tta": "flip",
        "extractor": _extractor_settings(corpus),
        "init": info and {k: v for k, v in info.items() if k != "base_layers"},
        "data": {"corpus": str(corpus.root), "sources": cfg["sources"],
                 "validation": data.val_note, "pixels_from": data.pixels["from"],
                 "pixels": data.pixels, "not_in_stage": data.not_in_stage,
                 "unreadable": [{"item_id": s.item_id, "reason": r} for s, r in data.damaged],
                 "counts": {"train": class_counts(data.train), "val": class_counts(data.val)},
                 "val_classes_not_in_train": data.val_unknown,
                 "source_datasets": _source_counts(corpus, [s.item_id for s in
                                                            data.train + data.val
                                                            if s.item_id is not None]),
                 "classes_absent_from_train": data.absent},
        "hyperparameters": {
            "optimizer": "RMSprop", "learning_rate": plan.lr, "batch": plan.batch,
            "epochs": cfg["epochs"], "patience": cfg["patience"], "seed": cfg["seed"],
            "precision": plan.precision, "device": plan.why,
            "class_weighting": cfg["class_weight"],
            "class_weight": {classes[i]: round(w, 4) for i, w in weights.items()},
            "label_smoothing": cfg["label_smoothing"],
            "augmentation": describe(cfg["augment"]),
            "lr_schedule": ("ReduceLROnPlateau(val_loss, x0.5)" if cfg["schedule"] == "plateau"
                            else "1 epoch linear warm-up, cosine decay to 1 % over the planned "
                                 "epochs"),
            "time_budget_min": cfg["time_budget"],
            "weight_average": (f"exponential moving average, momentum {cfg['ema']:g} per step; "
                               "validation, checkpoints and the model use it"
                               if cfg["ema"] else "none"),
            "early_stopping": _early_stopping(cfg)},
        "metrics": {"best_epoch": b["epoch"], "val_accuracy": b[MONITOR],
                    "val_loss": b["val_loss"], "epochs_run": state["epoch"],
                    "stopped_by": stop, "stopped_early": stop == "early stopping",
                    "note": f"{note}; the model is the best epoch, {b['epoch']} "
                            f"({MONITOR} {b[MONITOR]:.4f})",
                    "train_images_per_s": round(len(data.y_train) / steady[len(steady) // 2], 1)
                    if steady else None,
                    "train_minutes": round((state.get("plan") or {}).get("spent_s", 0) / 60, 2)},
        "history": hist,
        "tensorboard": "logs/",
    }
    write_json(out / CARD, card)
    return card


def _now():
    from corpus import now
    return now()
