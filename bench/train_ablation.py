"""Ablation: what each means of the issue-11 recipe adds, one step at a time, at a reduced scale.

    .venv/bin/python bench/train_ablation.py [--corpus datasets/fer] [--train-faces 6000]
        [--epochs 6] [--rows first-wave,vgg,cosine,smoothing,sqrt,bfloat16]

Every row is a real `train fit` (through fit(samples=...)) on the same seeded, class-stratified
subset of the corpus's train split, validated on its val split, for a fixed number of epochs
(so rows compare at equal work whatever the machine's load), then evaluated on all 7,178
FER2013 test images without and with flip test-time averaging. Rows are cumulative: each adds
one means to the row above. Wall and CPU seconds and the load average are recorded per row;
results go to bench/results/train-ablation-*.json.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from train import quiet  # noqa: E402  (TensorFlow's start-up banners off)

from bench.results import SHARED, add_progress_flag, save  # noqa: E402

FIRST_WAVE = {"preset": "base", "schedule": "plateau", "label_smoothing": 0.0,
              "class_weight": "capped", "precision": "float32"}
ROWS = {   # name -> (what it adds, options on top of the row above)
    "first-wave": ("first wave's recipe: base preset, LR halved on plateaus, capped class "
                   "weights", {}),
    "vgg": ("+ vgg preset (4 VGG blocks, rising dropout)", {"preset": "vgg"}),
    "cosine": ("+ warm-up and cosine decay", {"schedule": "cosine"}),
    "smoothing": ("+ label smoothing 0.1", {"label_smoothing": 0.1}),
    "sqrt": ("+ square-root class weights", {"class_weight": "sqrt"}),
    "bfloat16": ("+ bfloat16 mixed precision", {"precision": "bfloat16"}),
}


def subset(corpus_dir: Path, n: int, seed: int):
    from train.data import corpus_samples, open_corpus
    c = open_corpus(corpus_dir)
    try:
        train, val = corpus_samples(c, split="train"), corpus_samples(c, split="val")
    finally:
        c.close()
    by_class: dict[str, list] = {}
    for s in train:
        by_class.setdefault(s.label, []).append(s)
    rng, picked = random.Random(seed), []
    for label in sorted(by_class):
        group = by_class[label]
        picked += rng.sample(group, round(n * len(group) / len(train)))
    return sorted(picked, key=lambda s: s.item_id), val


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default="datasets/fer")
    ap.add_argument("--train-faces", type=int, default=6000)
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--rows", default=",".join(ROWS))
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--out", default="runs/ablation")
    add_progress_flag(ap)
    args = ap.parse_args()
    quiet.load_tensorflow()
    from train.evaluate import evaluate
    from train.fit import fit
    train, val = subset(Path(args.corpus), args.train_faces, args.seed)
    note = f"ablation subset: {len(train)} train faces (seed {args.seed}), corpus val split"
    res = {"args": vars(args), "train_faces": len(train), "val_faces": len(val), "rows": []}
    options = dict(FIRST_WAVE)
    for name in args.rows.split(","):
        about, extra = ROWS[name]
        options.update(extra)
        out = Path(args.out) / name
        load0, t0, c0 = os.getloadavg(), time.perf_counter(), time.process_time()
        card = fit(args.corpus, out, overwrite=True, progress=False, log=lambda m: None,
                   samples=(train, val, note), epochs=args.epochs, seed=args.seed, **options)
        row = {"row": name, "adds": about, "options": dict(options),
               "fit_wall_s": round(time.perf_counter() - t0, 1),
               "fit_cpu_s": round(time.process_time() - c0, 1),
               "load_before": [round(x, 2) for x in load0],
               "load_after": [round(x, 2) for x in os.getloadavg()],
               "best_epoch": card["metrics"]["best_epoch"],
               "val_accuracy": card["metrics"]["val_accuracy"]}
        for tta in ("none", "flip"):
            r = evaluate(out, SHARED / "fer2013_full" / "test", out=out / f"eval-{tta}", tta=tta)
            row[tta] = {"accuracy": r["accuracy"], "macro_f1": r["macro_f1"]}
        res["rows"].append(row)
        print(f"{name:10s} acc {row['none']['accuracy']:.4f} / TTA {row['flip']['accuracy']:.4f}"
              f"  macro-F1 {row['none']['macro_f1']:.4f} / TTA {row['flip']['macro_f1']:.4f}"
              f"  fit {row['fit_wall_s']} s wall, {row['fit_cpu_s']} s CPU, load "
              f"{row['load_before'][0]}-{row['load_after'][0]}", flush=True)
    save("train-ablation", res)
    return 0


if __name__ == "__main__":
    sys.exit(main())
