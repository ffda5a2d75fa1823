"""crossval(): K fold models, so every labeled face is scored by a model that never saw it.

A model scores its own training faces with the labels it memorised, wrong ones included, so
those scores cannot point at wrong labels (issue 10). Here the labeled ok faces are cut into K
folds along the units `curate split` keeps together (train/folds.py); fold k's model trains on
the other folds (a few of their units held out for validation) and scores fold k. The scores go
to `predictions` with sample 'oos', the run id and the fold, for `curate issues`.

Run directory (runs/NAME):
    crossval.json        the plan (faces, labels and folds, frozen at the start) and each
                         fold's progress; replaced atomically, so it is the commit point
    crossval_card.json   settings, per-fold counts/accuracy/time, out-of-sample accuracy
    fold-K/              a `train fit` run (checkpoint/, model.keras, model_card.json, ...)

Kill -9 at any moment, then rerun with --resume: finished folds are skipped, the fold in
flight continues at its next epoch (fit's checkpoint), a fold trained but not yet scored is
scored. Labels are frozen in the plan, so a relabel during the run changes no fold's data.
"""
from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path

import numpy as np

from corpus import now
from corpus.schema import PREDICTIONS

from .card import read_json, write_json
from .data import (DataError, Sample, corpus_samples, face_size_of, iter_batches, open_corpus,
                   unreadable)
from .folds import assign_folds, face_units, hold_out
from .settings import resolve

STATE, CARD = "crossval.json", "crossval_card.json"
# Chosen for 28.7k FER2013 faces on 2 cores (docs/train.md, "crossval"): the small preset at
# FER's own 48 px costs a sixth of base per epoch. 20 epochs, not 10: on planted noise at full
# scale the 20-epoch fold models put 95 planted flips in the first 100 flagged faces against
# 83 (AUROC 0.834 against 0.806) for 1.8x the time (50 against 28 min on a bfloat16 CPU;
# about 1.5 h against 47 min in float32); vgg at 10 epochs (3 folds) ranked worse than small
# at 10 on the faces of its first fold (docs/curate.md, run 6).
# Early stopping is off (patience 0), as in `train fit` under its cosine schedule, so every
# fold runs its epochs (the best epoch is still the one kept): with patience 3, two of five
# folds on a noisy 5k subset stopped at epoch 5 with near-chance models, and their faces got
# near-random scores; patience 10, the default after that, would still stop a longer
# crossval (--epochs 40) in its high-rate middle, as it stopped a fit.
DEFAULTS = {"folds": 5, "size": 48, "preset": "small", "epochs": 20, "batch": 64, "lr": 1e-3,
            "patience": 0, "seed": 1234, "val_fraction": 0.1, "six_class": False,
            "sources": None, "identity": True}
FIT_KEYS = ("size", "preset", "epochs", "batch", "lr", "patience", "seed", "six_class",
            "sources")


class CrossvalError(ValueError):
    pass


def _config(state: dict | None, options: dict) -> dict:
    # nothing may change on --resume: folds already trained with other settings would not
    # match the rest
    return resolve(DEFAULTS, state, options, error=CrossvalError, command="crossval")


def _clear(out: Path) -> None:
    """Remove only what a crossval run writes, so a wrong --out loses nothing else."""
    for p in out.glob("fold-*"):
        shutil.rmtree(p)
    for name in (STATE, CARD):
        (out / name).unlink(missing_ok=True)


def _plan(corpus, out: Path, cfg: dict, name: str, progress: bool, log) -> dict:
    tax, fold_map = corpus.taxonomy, {}
    if cfg["six_class"]:
        tax, fold_map = tax.six_class()
    samples = corpus_samples(corpus, sources=cfg["sources"], fold=fold_map)
    if not samples:
        raise DataError(f"{corpus.root}: no labeled status-ok faces to cross-validate")
    for s, reason in unreadable(samples, progress):
        corpus.set_status(s.item_id, "failed", reason=f"face file unreadable: {reason}",
                          user="train crossval")
        log(f"face {s.item_id} left out and marked failed: {reason}")
        samples.remove(s)
    labels = [s.label for s in samples]
    units = face_units(corpus, [s.item_id for s in samples], identity=cfg["identity"],
                       progress=progress)
    folds = assign_folds(labels, units, cfg["folds"], cfg["seed"])
    present = set(labels)
    classes = [c for c in tax.classes if c in present] + sorted(present - set(tax.classes))
    started = now()
    return {"name": name, "run": f"{name}@{started}", "started_at": started,
            "corpus": str(corpus.root), "config": cfg, "classes": classes, "fold_map": fold_map,
            "units": len(set(units)),
            "faces": [[s.item_id, s.label, f, u] for s, f, u in zip(samples, folds, units)],
            "folds": [{"fold": k + 1, "status": "pending"} for k in range(cfg["folds"])]}


def _fold_samples(corpus, state: dict, k: int) -> tuple[list, list, list]:
    paths = dict(corpus.db.execute("SELECT id, path FROM items WHERE kind='face'"))
    faces = [(Sample(str(corpus.root / paths[i]), label, i), f, u)
             for i, label, f, u in state["faces"] if paths.get(i)]
    rest = [(s, u) for s, f, u in faces if f != k]
    held = [s for s, f, _ in faces if f == k]
    is_val = hold_out([u for _, u in rest], state["config"]["val_fraction"],
                      state["config"]["seed"] + k)
    train = [s for (s, _), v in zip(rest, is_val) if not v]
    val = [s for (s, _), v in zip(rest, is_val) if v]
    return train, val, held


def _score_fold(corpus, state: dict, k: int, fold_dir: Path, held: list, progress: bool) -> dict:
    from tqdm import tqdm

    from .card import load_model
    from .tta import default, probabilities
    model, card = load_model(fold_dir)
    classes = state["classes"]
    # a class absent from this fold's training faces gets probability 0 in the full list
    where = [card["classes"].index(c) if c in card["classes"] else -1 for c in classes]
    t0, correct, scored, bad = time.perf_counter(), 0, 0, []
    classes_json = json.dumps(classes)
    bar = tqdm(total=len(held), desc=f"fold {k + 1}/{len(state['folds'])} score", unit="face",
               file=sys.stderr, disable=not progress)
    for idx, x, errors in iter_batches([s.path for s in held], card["input_size"], 256,
                                      face_size_of(card)):
        # the test-time augmentation the fold model's card names (flip: face and mirror
        # averaged), as `train evaluate` uses it
        raw = probabilities(model, x, default(card)) if idx else np.zeros((0, len(where)))
        probs = np.stack([[p[j] if j >= 0 else 0.0 for j in where] for p in raw]) if idx else raw
        at = now()
        rows = []
        for i, p in zip(idx, probs):
            s = held[i]
            correct += int(classes[int(np.argmax(p))] == s.label)
            rows.append((s.item_id, state["name"], classes_json,
                         json.dumps([round(float(v), 5) for v in p]), at, "oos", state["run"],
                         k + 1))
        with corpus.transaction():
            corpus.db.executemany(
                "INSERT OR REPLACE INTO predictions (item_id, model, classes, probs, at, sample,"
                " run, fold) VALUES (?,?,?,?,?,?,?,?)", rows)
        scored += len(idx)
        bad += [{"item_id": held[i].item_id, "reason": r} for i, r in errors]
        bar.update(len(idx) + len(errors))
    bar.close()
    h = card["history"]
    return {"fold": k + 1, "status": "done", "train": sum(card["data"]["counts"]["train"].values()),
            "val": sum(card["data"]["counts"]["val"].values()), "scored": scored,
            "accuracy": round(correct / scored, 4) if scored else None,
            "best_epoch": card["metrics"]["best_epoch"],
            "epochs_run": card["metrics"]["epochs_run"],
            "val_accuracy": round(card["metrics"]["val_accuracy"], 4),
            "seconds_train": round(sum(e.get("seconds", 0) for e in h), 1),
            "seconds_score": round(time.perf_counter() - t0, 1), "tta": default(card),
            "unreadable": bad,
            "dir": fold_dir.name}


def _run_fold(corpus, out: Path, state: dict, k: int, progress: bool, log) -> None:
    from .fit import fit
    from .fold_bar import FoldBar
    K, cfg = len(state["folds"]), state["config"]
    fold_dir = out / f"fold-{k + 1}"
    train, val, held = _fold_samples(corpus, state, k)
    log(f"fold {k + 1}/{K}: training on {len(train)} faces (val {len(val)}), "
        f"scoring {len(held)}")
    fit(corpus.root, fold_dir, resume=(fold_dir / "checkpoint" / "state.json").is_file(),
        progress=False, log=log, samples=(train, val, f"crossval fold {k + 1}/{K}: "
                                          f"{len(val)} faces of the other folds' units"),
        callbacks=[FoldBar(f"fold {k + 1}/{K}", progress)], **{x: cfg[x] for x in FIT_KEYS})
    state["folds"][k] = _score_fold(corpus, state, k, fold_dir, held, progress)
    write_json(out / STATE, state)


def _card(corpus, state: dict) -> dict:
    from .metrics import classification_report
    classes = state["classes"]
    index = {c: i for i, c in enumerate(classes)}
    rows = corpus.db.execute("SELECT item_id, probs FROM predictions WHERE model=? AND run=?",
                             (state["name"], state["run"])).fetchall()
    label = {i: lab for i, lab, _, _ in state["faces"]}
    y = [index[label[i]] for i, _ in rows if i in label]
    p = np.array([json.loads(pr) for i, pr in rows if i in label]).reshape(-1, len(classes))
    rep = classification_report(y, p.argmax(axis=1), classes, p) if len(y) else {}
    folds = state["folds"]
    return {"name": state["name"], "run": state["run"], "written_at": now(),
            "started_at": state["started_at"], "corpus": state["corpus"], "classes": classes,
            "settings": state["config"], "fold_map": state["fold_map"],
            "faces": len(state["faces"]), "units": state["units"],
            "folds": folds,
            "seconds": round(sum(f["seconds_train"] + f["seconds_score"] for f in folds), 1),
            "out_of_sample": {"scored": len(y), "accuracy": rep.get("accuracy"),
                              "macro_f1": rep.get("macro_f1"),
                              "note": "against the given labels, wrong ones included"},
            "predictions": {"table": "predictions", "model": state["name"], "sample": "oos",
                            "run": state["run"]}}


def crossval(corpus_path, out, *, resume: bool = False, overwrite: bool = False,
             name: str | None = None, progress: bool = True, log=print, **options) -> dict:
    """Run (or continue) a K-fold cross-validation; returns the card it wrote."""
    out = Path(out)
    state = read_json(out / STATE) if (out / STATE).is_file() else None
    if state and not resume and not overwrite:
        done = sum(f["status"] == "done" for f in state["folds"])
        raise CrossvalError(f"{out} already holds a crossval run ({done} of "
                            f"{len(state['folds'])} folds done): pass --resume to continue it "
                            f"or --overwrite to start again")
    if state and overwrite:
        _clear(out)
        state = None
    cfg = _config(state, options)
    corpus = open_corpus(corpus_path)
    try:
        corpus.ensure(PREDICTIONS)
        if state is None:
            state = _plan(corpus, out, cfg, name or out.name, progress, log)
            write_json(out / STATE, state)
        elif state["corpus"] != str(corpus.root):
            raise CrossvalError(f"{out} was planned on {state['corpus']}, not {corpus.root}")
        for k, f in enumerate(state["folds"]):
            if f["status"] == "done":
                log(f"fold {k + 1}/{len(state['folds'])}: done earlier "
                    f"(accuracy {f['accuracy']})")
                continue
            _run_fold(corpus, out, state, k, progress, log)
        with corpus.transaction():      # rows an earlier run of this name left for other faces
            corpus.db.execute("DELETE FROM predictions WHERE model=? AND run IS NOT ?",
                              (state["name"], state["run"]))
        card = _card(corpus, state)
    finally:
        corpus.close()
    write_json(out / CARD, card)
    return card
