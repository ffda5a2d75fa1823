"""Benchmark: a model trained on merged data against the FER2013-only one, across datasets.

    .venv/bin/python bench/merged.py --fer-run runs/fer-vgg [--corpus datasets/merged]
        [--budget MINUTES] [--out runs/merged-vgg]

Builds the merged corpus the way a user would with the suite (skipped when it exists):
`curate import folders` fer2013_full and CK+48, `curate import csv-labels` muxspace as faces,
`curate dedup`, `curate split --keep-source-split` (FER2013 keeps its own test folder; CK+48
and muxspace are split by person, about 10 % each to val and test). Then trains FER-RUN's
preset and recipe on it under the same time budget (FER-RUN's own, unless --budget says
otherwise: a different budget makes the comparison unfair and the results say so), and
evaluates both models on
  - the 7,178 FER2013 test images (the test folder, as bench/train.py --full does), and
  - the merged corpus's CK+48 test faces (subjects neither model trained on).
Scores on CK+48 are given over the 7 FER classes both models know (the merged model's
contempt answers count as wrong there) and, for the merged model, over all 8 classes too.
Results: bench/results/merged-*.json.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.results import SHARED, add_progress_flag, save  # noqa: E402
from train import quiet  # noqa: E402  (TensorFlow's start-up banners off)

FER7 = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")


def build(root: Path) -> dict:
    from corpus import Corpus
    from curate.dedup.run import dedup
    from curate.importers import run_import
    from curate.split import split
    t0 = time.perf_counter()
    with Corpus(root) as c:
        if c.count(kind="face") == 0:
            run_import(c, "folders", SHARED / "fer2013_full", size=48, progress=False)
            run_import(c, "folders", SHARED / "ckplus48" / "CK+48", progress=False)
            run_import(c, "csv-labels", SHARED / "muxspace" / "legend_subset.csv",
                       as_kind="face", progress=False)
            dedup(c, sheet=False, progress=False)
        rep = split(c, 0.1, 0.1, seed=0, keep_source_split=True, progress=False)
    return {"seconds": round(time.perf_counter() - t0, 1),
            "counts": {s: dict(v) for s, v in rep.counts.items()}, "misses": rep.misses}


def on_fer_test(run: Path) -> dict:
    from train.evaluate import evaluate
    r = evaluate(run, SHARED / "fer2013_full" / "test", out=run / "eval-fer-test")
    return {"accuracy": r["accuracy"], "macro_f1": r["macro_f1"],
            "evaluated": r["counts"]["evaluated"], "tta": r.get("tta")}


def on_ck_test(run: Path, corpus: Path) -> dict:
    """Accuracy and macro-F1 over the 7 shared classes from the confusion matrix (rows: true
    class, columns: the model's answer, any of its classes); all classes as evaluate gives."""
    from train.evaluate import evaluate
    r = evaluate(run, corpus, split="test", sources=["CK+48"], out=run / "eval-ck-test")
    classes, m = r["confusion"]["classes"], np.array(r["confusion"]["matrix"])
    rows = [i for i, c in enumerate(classes) if c in FER7]
    hits = sum(m[i, i] for i in rows)
    f1s = []
    for i in rows:
        tp, true, said = m[i, i], m[i].sum(), m[:, i].sum()
        if true:
            f1s.append(0.0 if tp == 0 else 2 * tp / (true + said))
    return {"accuracy_7": round(float(hits / m[rows].sum()), 4),
            "macro_f1_7": round(float(np.mean(f1s)), 4), "faces_7": int(m[rows].sum()),
            "accuracy_all": r["accuracy"], "macro_f1_all": r["macro_f1"],
            "evaluated_all": r["counts"]["evaluated"], "not_in_model": r["counts"]["not_in_model"]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fer-run", default="runs/fer-vgg", help="the FER2013-only run")
    ap.add_argument("--corpus", default="datasets/merged")
    ap.add_argument("--out", default="runs/merged-vgg")
    ap.add_argument("--budget", type=float,
                    help="minutes for the merged fit (default: the FER-only run's budget)")
    ap.add_argument("--epochs", type=int, default=60)
    add_progress_flag(ap)
    args = ap.parse_args()
    fer_run, corpus, out = Path(args.fer_run), Path(args.corpus), Path(args.out)
    card = json.loads((fer_run / "model_card.json").read_text())
    hp = card["hyperparameters"]
    fer_budget = hp.get("time_budget_min")
    if args.budget is None:                 # checked before TensorFlow's slow start
        if fer_budget is None:
            ap.error(f"{fer_run} was trained without --time-budget: give --budget MINUTES")
        args.budget = fer_budget
    quiet.load_tensorflow()
    from train.fit import fit
    res = {"args": vars(args), "fer_budget_min": fer_budget, "load_before": os.getloadavg(),
           "corpus": build(corpus)}
    if not (out / "model_card.json").is_file():
        t0, c0 = time.perf_counter(), time.process_time()
        fit(corpus, out, progress=False, resume=(out / "checkpoint").is_dir(),
            preset=card["preset"], size=card["input_size"], epochs=args.epochs,
            time_budget=args.budget, seed=hp["seed"], batch=hp["batch"],
            # the FER-only run's arithmetic and recipe, whatever today's defaults pick
            precision=hp["precision"], lr=hp["learning_rate"], patience=hp["patience"],
            log=lambda m: print(m, file=sys.stderr))
        res["fit"] = {"wall_s": round(time.perf_counter() - t0, 1),
                      "cpu_s": round(time.process_time() - c0, 1)}
    merged = json.loads((out / "model_card.json").read_text())
    # The merged card's own budget, not --budget: a merged run reused from an earlier call
    # keeps whatever budget it was trained with.
    merged_budget = merged["hyperparameters"].get("time_budget_min")
    if merged_budget != fer_budget:
        print(f"note: {out} was trained for {merged_budget} minutes, {fer_run} for {fer_budget}; "
              "the two models are not trained for the same time", file=sys.stderr)
    res["merged_card"] = {"metrics": merged["metrics"], "data": merged["data"]["counts"],
                          "classes": merged["classes"], "time_budget_min": merged_budget}
    for name, run in (("fer-only", fer_run), ("merged", out)):
        res[name] = {"fer_test": on_fer_test(run), "ck_test": on_ck_test(run, corpus)}
        f, k = res[name]["fer_test"], res[name]["ck_test"]
        print(f"{name:9s} FER2013 test acc {f['accuracy']:.4f} macro-F1 {f['macro_f1']:.4f} | "
              f"CK+48 held-out (7 classes, {k['faces_7']} faces) acc {k['accuracy_7']:.4f} "
              f"macro-F1 {k['macro_f1_7']:.4f}", flush=True)
    res["load_after"] = os.getloadavg()
    save("merged", res)
    return 0


if __name__ == "__main__":
    sys.exit(main())
