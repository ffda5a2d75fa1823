"""Benchmark: a small corpus with a new class, fine-tuned from a big run against trained from scratch.

    .venv/bin/python bench/transfer.py --init runs/fer-vgg [--epochs 30] [--workdir runs/transfer]

CK+48 (981 faces of 123 subjects, 7 classes with contempt, which FER2013 lacks) is imported
into its own corpus and split by subject (`curate split --val 0.1 --test 0.2`: no person in two
splits). Then, on the same train/val faces and for the same number of epochs:
  scratch:    `train fit` with INIT's preset from random weights
  fine-tuned: `train fit --init INIT` (INIT's convolutional base, a new 7-way head; the head
              alone for --head-epochs, then every layer at 0.1x the rate)
and INIT itself, as it is (no contempt; its contempt faces are left out and counted).
Each is evaluated on the held-out subjects' faces (the corpus's test split) with the card's
test-time augmentation; wall and CPU seconds and the load average are recorded.
Results: bench/results/transfer-*.json.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.results import SHARED, add_progress_flag, save  # noqa: E402
from train import quiet  # noqa: E402  (TensorFlow's start-up banners off)



def build_corpus(root: Path, seed: int, test: float) -> dict:
    from corpus import Corpus
    from curate.importers import run_import
    from curate.split import split
    with Corpus(root) as c:
        if not c.count(kind="face"):
            run_import(c, "folders", SHARED / "ckplus48" / "CK+48", size=48, progress=False)
        rep = split(c, 0.1, test, seed=seed, progress=False)
        subjects = {s: {r[0] for r in c.db.execute(
            "SELECT DISTINCT subject FROM items WHERE split=? AND status='ok'", (s,))}
            for s in ("train", "val", "test")}
    assert not (subjects["train"] & subjects["test"]), "a subject in train and test"
    return {"counts": {s: dict(v) for s, v in rep.counts.items()}, "units": rep.units,
            "test_subjects": len(subjects["test"]), "misses": rep.misses}


def timed_fit(corpus: Path, out: Path, **options) -> dict:
    from train.fit import fit
    load0, t0, c0 = os.getloadavg(), time.perf_counter(), time.process_time()
    card = fit(corpus, out, overwrite=True, progress=False, log=lambda m: None, **options)
    return {"wall_s": round(time.perf_counter() - t0, 1),
            "cpu_s": round(time.process_time() - c0, 1),
            "load": [round(load0[0], 2), round(os.getloadavg()[0], 2)],
            "best_epoch": card["metrics"]["best_epoch"],
            "epochs_run": card["metrics"]["epochs_run"],
            "val_accuracy": card["metrics"]["val_accuracy"], "init": card.get("init")}


def scores(run: Path, corpus: Path) -> dict:
    from train.evaluate import evaluate
    r = evaluate(run, corpus, split="test", out=run / "eval-ck-test")
    return {"accuracy": r["accuracy"], "macro_f1": r["macro_f1"], "tta": r.get("tta"),
            "evaluated": r["counts"]["evaluated"], "not_in_model": r["counts"]["not_in_model"],
            "recall": {c: v["recall"] for c, v in r["per_class"].items()}}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--init", default="runs/fer-vgg", help="the big run to start from")
    ap.add_argument("--workdir", default="runs/transfer")
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--head-epochs", type=int, default=2)
    ap.add_argument("--test", type=float, default=0.2, help="share of CK+48 held out (by subject)")
    ap.add_argument("--seed", type=int, default=1234)
    add_progress_flag(ap)
    args = ap.parse_args()
    quiet.load_tensorflow()
    init = Path(args.init)
    card = json.loads((init / "model_card.json").read_text())
    work = Path(args.workdir)
    corpus = work / "ck"
    res = {"args": vars(args), "init_card": {k: card.get(k) for k in ("name", "preset",
                                                                        "classes", "input_size")},
           "corpus": build_corpus(corpus, args.seed, args.test), "rows": {}}
    common = dict(preset=card["preset"], size=card["input_size"], epochs=args.epochs,
                  seed=args.seed, patience=args.epochs)
    plan = [("scratch", common),
            ("fine-tuned", {**common, "init": str(init), "head_epochs": args.head_epochs})]
    for name, options in plan:
        row = timed_fit(corpus, work / name, **options)
        row.update(scores(work / name, corpus))
        res["rows"][name] = row
        print(f"{name:10s} CK+48 held-out subjects: acc {row['accuracy']:.4f}, macro-F1 "
              f"{row['macro_f1']:.4f} ({row['evaluated']} faces); fit {row['wall_s']} s wall, "
              f"{row['cpu_s']} s CPU, best epoch {row['best_epoch']}, load {row['load']}",
              flush=True)
    as_is = scores(init, corpus)
    res["rows"]["init as is"] = as_is
    print(f"{init.name} as is (no contempt): acc {as_is['accuracy']:.4f}, macro-F1 "
          f"{as_is['macro_f1']:.4f} on {as_is['evaluated']} faces (left out: "
          f"{as_is['not_in_model']})")
    save("transfer", res)
    return 0


if __name__ == "__main__":
    sys.exit(main())
