"""Benchmark: training images per second by batch size, on this machine's CPU (issue 11).

    .venv/bin/python bench/train_batch.py [--corpus datasets/fer] [--preset vgg] \
        [--batches 64 128 256] [--faces 4096] [--rounds 3]

Under `--time-budget` a faster epoch is more epochs, and on this 2-core CPU the epochs a
budget holds have moved the FER2013 result more than any recipe change (docs/train.md, runs
3-7). A larger batch gives the matrix kernels bigger blocks, which may raise img/s on a CPU as
it does on a GPU. This measures it: one model per batch size, the same preset, precision
(`--precision auto` picks as `train fit` does) and train faces, fed by ferkit's pipeline
(face cache -> seeded augmentation -> batches), their epochs alternated round by round so
every size sees the same load; each model's first epoch (graph tracing) is not timed. Ratios
are against the first size given. Figures and the load go to bench/results/train-batch-*.json.
It says nothing about accuracy: a larger batch takes fewer optimizer steps per epoch, so a
recipe that uses one needs its own run.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from train import quiet  # noqa: E402  (TensorFlow's start-up banners off)
from bench.results import add_progress_flag, save  # noqa: E402
from bench.train import load_avg, train_arrays  # noqa: E402
from corpus.taxonomy import FER_CLASSES  # noqa: E402


def models_by_batch(x, y, n_classes: int, *, preset: str, batches: list[int], seed: int):
    """batch -> a callable that trains one epoch of its own model on (x, y)."""
    import keras

    from train.model import build, compile_model
    from train.pipeline import train_batches
    out = {}
    for batch in batches:
        keras.utils.set_random_seed(seed)
        model = compile_model(build(n_classes, x.shape[1], preset=preset, seed=seed), 1e-3, 0.1)
        steps = -(-len(x) // batch)
        ds = train_batches(x, y, np.ones(len(y)), n_classes, batch=batch, seed=seed,
                           epochs=range(1))
        out[batch] = (lambda m=model, d=ds, s=steps:
                      m.fit(d, epochs=1, steps_per_epoch=s, verbose=0, shuffle=False))
    return out


def measure(epochs: dict, n: int, rounds: int, progress: bool) -> dict:
    """Alternate one epoch per batch size for rounds + 1 rounds; the first is not timed."""
    times = {b: [] for b in epochs}
    for r in range(rounds + 1):
        for batch, go in epochs.items():
            t = time.perf_counter()
            go()
            if r:
                times[batch].append(time.perf_counter() - t)
            if progress:
                print(f"round {r}{' (untimed)' if not r else ''}, batch {batch}: "
                      f"{time.perf_counter() - t:.1f} s (load {load_avg()})", file=sys.stderr)
    first = next(iter(times))
    base = n / float(np.median(times[first]))
    return {str(b): {"images_per_s": round(n / float(np.median(v)), 1),
                     "ratio": round(n / float(np.median(v)) / base, 3),
                     "epoch_seconds": [round(t, 2) for t in v]} for b, v in times.items()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=ROOT / "datasets" / "fer")
    ap.add_argument("--preset", default="vgg")
    ap.add_argument("--batches", type=int, nargs="+", default=[64, 128, 256])
    ap.add_argument("--faces", type=int, default=4096, help="train faces per epoch")
    ap.add_argument("--size", type=int, default=48)
    ap.add_argument("--rounds", type=int, default=3, help="timed epochs per batch size")
    ap.add_argument("--precision", default="auto")
    ap.add_argument("--seed", type=int, default=1234)
    add_progress_flag(ap)
    args = ap.parse_args()
    if len(set(args.batches)) != len(args.batches) or min(args.batches) < 1:
        ap.error("--batches: distinct positive sizes")
    quiet.load_tensorflow()
    from train import device
    plan = device.choose(gpus=device.gpu_count(), cpu_flags=device.cpu_flags(),
                         requested=args.precision)
    res = {"args": {k: str(v) for k, v in vars(args).items()}, "precision": plan.precision,
           "why": plan.why, "cpus": os.cpu_count(), "load_before": load_avg()}
    x, y = train_arrays(args.corpus, args.faces, args.size, seed=args.seed)
    device.apply(plan)
    epochs = models_by_batch(x, y, len(FER_CLASSES), preset=args.preset,
                             batches=args.batches, seed=args.seed)
    res["faces"] = len(x)
    res["by_batch"] = measure(epochs, len(x), args.rounds, not args.no_progress)
    res["load_after"] = load_avg()
    print(f"{args.preset}, {plan.precision}, {len(x)} faces, {args.rounds} timed epochs each, "
          f"load {res['load_before']} -> {res['load_after']}")
    for b, r in res["by_batch"].items():
        print(f"  batch {b:>4}: {r['images_per_s']:7.1f} img/s  x{r['ratio']:.2f}  "
              f"epochs {r['epoch_seconds']}")
    save("train-batch", res)
    return 0


if __name__ == "__main__":
    sys.exit(main())
