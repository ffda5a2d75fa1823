"""Benchmark: what `fit --ema` buys, measured inside one run.

    .venv/bin/python bench/train_ema.py --run runs/fer-vgg-ema-88 [--corpus datasets/fer]

A `--ema` run's last checkpoint holds the averaged weights in the model and the raw (trained)
ones in the optimizer's average slots (train/callbacks.py, AveragedWeights). Both come from the
same epochs, data order, augmentation and batch-norm statistics, so scoring the two on the same
faces isolates the averaging from everything else a second run would change (the host's speed
under a time budget included). Each is scored without, with flip and with shift test-time
averaging on all 7,178 FER2013 test images and on the corpus's validation split; the figures
and the load go to bench/results/train-ema-*.json.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from train import quiet  # noqa: E402  (TensorFlow's start-up banners off)
from bench.results import SHARED, add_progress_flag, save  # noqa: E402
from bench.train import load_avg  # noqa: E402  (issue 11's other benchmark)

FIGURES = ("accuracy", "macro_f1", "top2_accuracy", "log_loss")


def weights_pair(run: Path):
    """(the last checkpoint's averaged model, the same model with its raw weights), float32."""
    from train import device
    from train.model import load
    state = json.loads((run / "checkpoint" / "state.json").read_text())
    if not state["config"].get("ema"):
        raise SystemExit(f"{run} was not trained with --ema: it has no averaged weights")
    ckpt = load(run / "checkpoint" / state["ckpt"])
    averaged = device.as_float32(ckpt)
    opt = ckpt.optimizer
    for var, raw in zip(opt._trainable_variables, opt._model_variables_moving_average):
        var.assign(raw)                         # the slot holds the raw weights (see above)
    return state, averaged, device.as_float32(ckpt)


def run_copy(run: Path, model, dest: Path) -> Path:
    """A run directory with the run's card and `model` as its model file, for train.evaluate."""
    dest.mkdir(parents=True)
    shutil.copy(run / "model_card.json", dest / "model_card.json")
    model.save(dest / "model.keras")
    return dest


def score(run_dir: Path, data, split, tta: str) -> dict:
    from train.evaluate import evaluate
    r = evaluate(run_dir, data, split=split, tta=tta, out=run_dir / "eval", progress=False)
    return {k: round(float(r[k]), 4) for k in FIGURES if r.get(k) is not None}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--run", type=Path, required=True, help="a run trained with `fit --ema`")
    ap.add_argument("--corpus", type=Path, help="its corpus, to score the validation split too")
    ap.add_argument("--test", type=Path, default=SHARED / "fer2013_full" / "test",
                    help="class folders to score (default: all of fer2013_full/test)")
    add_progress_flag(ap)
    args = ap.parse_args()
    quiet.load_tensorflow()
    import tensorflow as tf
    tf.get_logger().setLevel("ERROR")   # each of the 12 scorings traces its own predict step
    res = {"run": str(args.run), "load_before": load_avg(), "cpus": os.cpu_count()}
    state, averaged, raw = weights_pair(args.run)
    res["epoch"], res["ema"] = state["epoch"], state["config"]["ema"]
    sets = [("test", args.test, None)]
    if args.corpus:
        sets.append(("val", args.corpus, "val"))
    with tempfile.TemporaryDirectory() as tmp:
        copies = {which: run_copy(args.run, model, Path(tmp) / which)
                  for which, model in (("averaged", averaged), ("raw", raw))}
        for name, data, split in sets:
            for tta in ("none", "flip", "shift"):
                for which, run_dir in copies.items():
                    r = score(run_dir, data, split, tta)
                    res.setdefault(name, {}).setdefault(tta, {})[which] = r
                    print(f"{name:5} {tta:5} {which:8} " +
                          "  ".join(f"{k} {v:.4f}" for k, v in r.items()), flush=True)
    res["load_after"] = load_avg()
    save("train-ema", res)
    return 0


if __name__ == "__main__":
    sys.exit(main())
