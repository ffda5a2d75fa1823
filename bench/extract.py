"""Benchmark: `curate extract` against a plain single-process dlib loop, same images, same run.

    .venv/bin/python bench/extract.py [--repeat 10] [--workers N]

The images are ../shared/data/photos (all 23, including the truncated JPEG and the animated
GIF), each repeated --repeat times with a distinct trailer byte string so the corpus keeps every
copy as its own item. The baseline is what one writes first: decode the full image, dlib HOG at
upsample 1 on it, crop the box, gray, resize to 100x100. ferkit decodes EXIF-upright, detects on
a copy at most 800 px long, aligns on landmarks, commits in batches, over N processes.
Prints images/s of both, the ratio, and the faces each found (plus how many boxes agree).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402
import dlib  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402
from tqdm import tqdm  # noqa: E402

from corpus import Corpus  # noqa: E402
from curate.extract import run_extract  # noqa: E402

PHOTOS = ROOT.parent / "shared" / "data" / "photos"


def baseline(paths: list[Path]) -> tuple[float, dict]:
    det = dlib.get_frontal_face_detector()
    boxes: dict = {}
    t0 = time.perf_counter()
    for p in tqdm(paths, desc="baseline", unit="img"):
        try:
            img = np.asarray(Image.open(p).convert("RGB"))
        except Exception:       # the truncated JPEG: a plain loop just skips it
            boxes[p] = []
            continue
        found = []
        for r in det(img, 1):
            crop = img[max(0, r.top()):r.bottom(), max(0, r.left()):r.right()]
            if crop.size:
                cv2.resize(cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY), (100, 100))
            found.append((r.left(), r.top(), r.right(), r.bottom()))
        boxes[p] = found
    return time.perf_counter() - t0, boxes


def iou(a, b):
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - ix * iy
    return ix * iy / union if union else 0.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--workers", type=int, default=os.cpu_count())
    args = ap.parse_args()
    sources = sorted(p for p in PHOTOS.glob("*/*") if p.suffix.lower() != ".mp4"
                     and p.name != "PROVENANCE.md")
    if not sources:
        print(f"no photos under {PHOTOS}", file=sys.stderr)
        return 2
    print(f"load before: {os.getloadavg()}  cores: {os.cpu_count()}")
    with tempfile.TemporaryDirectory() as tmp:
        c = Corpus(Path(tmp) / "bench")
        origin = {}
        for r in range(args.repeat):
            for p in sources:
                # trailing bytes after the image end are ignored by decoders, change the digest
                iid, _ = c.add_bytes(p.read_bytes() + f"ferkit-bench-{r}".encode())
                origin[iid] = (p, r)
        paths = {iid: c.path_of(iid) for iid in origin}
        n = len(paths)
        t_base, base_boxes = baseline(list(paths.values()))
        t0 = time.perf_counter()
        stats = run_extract(c, workers=args.workers, batch=16)
        t_ours = time.perf_counter() - t0
        ours = {}
        for row in c.db.execute("SELECT image_id, left, top, right, bottom FROM faces f JOIN items i"
                                " ON i.id = f.face_id WHERE i.status='ok'"):
            ours.setdefault(row[0], []).append(tuple(row[1:]))
        n_base = sum(len(v) for v in base_boxes.values())
        n_ours = sum(len(v) for v in ours.values())
        matched = sum(1 for iid, path in paths.items() for b in ours.get(iid, [])
                      if any(iou(b, q) >= 0.4 for q in base_boxes[path]))
        print(f"load after: {os.getloadavg()}")
        print(f"images: {n} ({len(sources)} photos x {args.repeat})")
        print(f"baseline (1 process, full-res HOG up1): {t_base:.1f} s = {n / t_base:.2f} img/s, "
              f"{n_base} faces")
        print(f"ferkit extract ({args.workers} workers, detect <= 800 px, align, commit): "
              f"{t_ours:.1f} s = {n / t_ours:.2f} img/s, {n_ours} faces; {stats.line()}")
        print(f"faces found by both (IoU >= 0.4): {matched}; only baseline: {n_base - matched}; "
              f"only ferkit: {n_ours - matched}")
        per = {}
        for iid, (p, r) in origin.items():
            if r == 0:
                per[p.name] = (len(base_boxes[paths[iid]]), len(ours.get(iid, [])))
        diff = {k: v for k, v in per.items() if v[0] != v[1]}
        print(f"photos where the counts differ (baseline, ferkit): {diff}")
        print(f"RATIO ferkit/baseline images/s: {(n / t_ours) / (n / t_base):.2f}")
        c.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
