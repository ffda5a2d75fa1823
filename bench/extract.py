"""Benchmark: `curate extract` against a plain single-process dlib loop, same images, same run.

    .venv/bin/python bench/extract.py [--repeat 10] [--workers N]
    .venv/bin/python bench/extract.py --cluster local:2 [--repeat 10]   # Dask vs the local pool
    .venv/bin/python bench/extract.py --commits 4000                  # the driver's write rate
    .venv/bin/python bench/extract.py --tasks 2000 --cluster local:2  # Dask's cost per task

The images are ../shared/data/photos (all 23, including the truncated JPEG and the animated
GIF), each repeated --repeat times with a distinct trailer byte string so the corpus keeps every
copy as its own item. The baseline is what one writes first: decode the full image, dlib HOG at
upsample 1 on it, crop the box, gray, resize to 100x100. ferkit decodes EXIF-upright, detects on
a copy at most 800 px long, aligns on landmarks, commits in batches, over N processes.
Prints images/s of both, the ratio, and the faces each found (plus how many boxes agree).

--cluster SPEC runs the same images through the local process pool (--workers) and through
the Dask cluster, in one process, on fresh corpora: "cold" includes starting the cluster and
the workers' imports, "warm" is a cluster that has already done one image (a long run's steady
state). It checks that both give the same faces, byte for byte, and prints the ratio of
images/s and the image bytes each worker took in per second.

--commits N measures the single writer alone: N images of one small face each (a real 100x100
crop with distinct bytes) committed as the extraction driver does, in --batch transactions,
once with the driver writing each crop file (send="bytes") and once with the files already in
place (send="paths": the workers wrote them).

--tasks N sends N tasks that do nothing through the same driver loop (corpus.cluster.
run_batches) on --cluster: what the scheduler and the driver cost per task, whatever it holds.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.results import SHARED, add_progress_flag  # noqa: E402

import cv2  # noqa: E402
import dlib  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402
from tqdm import tqdm  # noqa: E402

from corpus import Corpus  # noqa: E402
from curate.extract import DDL, ExtractStats, commit_results, run_extract  # noqa: E402
from curate.extract_cluster import WRITER_THREADS, prewrite_crops  # noqa: E402

PHOTOS = SHARED / "photos"


def baseline(paths: list[Path], progress: bool = True) -> tuple[float, dict]:
    det = dlib.get_frontal_face_detector()
    boxes: dict = {}
    t0 = time.perf_counter()
    for p in tqdm(paths, desc="baseline", unit="img", disable=not progress):
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


def photo_sources() -> list[Path]:
    return sorted(p for p in PHOTOS.glob("*/*") if p.suffix.lower() != ".mp4"
                  and p.name != "PROVENANCE.md")


def fill(c: Corpus, sources: list[Path], repeat: int) -> dict:
    """Each photo `repeat` times; trailing bytes after the image end are ignored by decoders
    but change the digest, so every copy is its own item. Returns item id -> (photo, copy)."""
    origin = {}
    for r in range(repeat):
        for p in sources:
            iid, _ = c.add_bytes(p.read_bytes() + f"ferkit-bench-{r}".encode())
            origin[iid] = (p, r)
    return origin


def load() -> str:
    return "load %.2f %.2f %.2f" % os.getloadavg()


def crops(c: Corpus) -> dict:
    """image sha -> tuple of (face index, box, crop sha), and crop sha -> bytes."""
    sha = dict(c.db.execute("SELECT id, sha256 FROM items"))
    faces: dict = {}
    for r in c.db.execute("SELECT * FROM faces ORDER BY image_id, idx"):
        faces.setdefault(sha[r["image_id"]], []).append(
            (r["idx"], r["left"], r["top"], r["right"], r["bottom"], sha[r["face_id"]]))
    files = {f["sha256"]: c.path_of(f).read_bytes() for f in c.items(kind="face", status=None)}
    return {"faces": faces, "files": files}


def timed_extract(c: Corpus, label: str, n: int, **kw) -> float:
    before = load()
    t0 = time.perf_counter()
    stats = run_extract(c, batch=16, progress=False, write_stage=False, **kw)
    dt = time.perf_counter() - t0
    print(f"{label}: {dt:.1f} s = {n / dt:.2f} img/s, {stats.faces} faces; {before} -> {load()}",
          flush=True)
    return dt


def bench_cluster(args, sources: list[Path], tmp: Path) -> int:
    """Cold once, then --rounds of (local pool, warm cluster) in alternating order, each on a
    fresh corpus: on a shared machine the best round of each is the least disturbed."""
    from corpus.cluster import connect, total_threads
    nbytes = sum(p.stat().st_size for p in sources) * args.repeat
    n = len(sources) * args.repeat
    print(f"images: {n} ({len(sources)} photos x {args.repeat}, {nbytes / 1e6:.1f} MB); "
          f"local pool {args.workers} processes vs --cluster {args.cluster} --send {args.send}, "
          f"{args.rounds} rounds")
    runs = 0

    def fresh() -> Corpus:
        nonlocal runs
        runs += 1
        c = Corpus(tmp / f"run{runs}")
        fill(c, sources, args.repeat)
        return c

    ref, same = None, True

    def check(c: Corpus) -> None:
        nonlocal ref, same
        got = crops(c)
        ref = ref or got
        same = same and got == ref
        c.close()

    pool, warm = [], []
    c = fresh()
    t_cold = timed_extract(c, "cluster, cold (start + imports included)", n,
                           cluster=args.cluster, send=args.send)
    check(c)
    with connect(args.cluster) as client:
        threads = total_threads(client)
        warmup = Corpus(tmp / "warmup")
        warmup.add_bytes(sources[0].read_bytes())
        run_extract(warmup, cluster=client, progress=False, write_stage=False)
        warmup.close()
        for r in range(args.rounds):
            for kind in (("pool", "warm") if r % 2 == 0 else ("warm", "pool")):
                c = fresh()
                if kind == "pool":
                    pool.append(timed_extract(c, f"local pool ({args.workers} processes)", n,
                                              workers=args.workers))
                else:
                    warm.append(timed_extract(c, "cluster, warm", n, cluster=client,
                                              send=args.send))
                check(c)
    print(f"same faces and byte-identical crops in every run: {same} "
          f"({sum(map(len, ref['faces'].values()))} faces)")
    print(f"bytes in per worker: {nbytes / min(warm) / threads / 1e6:.2f} MB/s "
          f"({threads} worker threads, best warm run)")
    print(f"RATIO cluster/pool images/s: best warm / best pool {min(pool) / min(warm):.2f}, "
          f"median {sorted(pool)[len(pool) // 2] / sorted(warm)[len(warm) // 2]:.2f}, "
          f"cold / best pool {min(pool) / t_cold:.2f}")
    return 0 if same else 1


def synthetic_results(c: Corpus, n: int) -> list[dict]:
    """n images, each with one face whose crop is a real 100x100 face with distinct bytes."""
    from curate.faces import FaceExtractor, encode_png
    photo = np.asarray(Image.open(PHOTOS / "face_recognition" / "obama_small.jpg").convert("RGB"))
    face = FaceExtractor().extract(photo)[0]
    results = []
    with c.transaction():
        for i in range(n):
            iid, _ = c.add_bytes(f"image {i}".encode(), fmt="JPEG", label="happy",
                                 label_source="query",
                                 provenance={"engine": "bing", "query": "happy",
                                             "image_url": f"http://example.test/{i}.jpg"})
            crop = face.crop.copy()
            crop[0, :4] = np.frombuffer(i.to_bytes(4, "little"), np.uint8)
            results.append({"id": iid, "note": None, "faces": [{
                "png": encode_png(crop), "box": list(face.box), "score": face.score,
                "landmarks": [list(p) for p in face.landmarks], "rotation": face.rotation,
                "too_small": False}]})
    return results


def bench_commits(args, tmp: Path) -> int:
    from curate.faces import FaceExtractor
    settings = FaceExtractor().settings()
    print(f"single writer, {args.commits} images x 1 face, --batch {args.batch}; {load()}")
    for mode in ("bytes", "paths"):
        c = Corpus(tmp / mode)
        c.ensure(DDL)
        results = synthetic_results(c, args.commits)
        if mode == "paths":         # what the workers do in paths mode, not timed here
            for r in results:
                c.store_object(r["faces"][0]["png"], "PNG")
        stats = ExtractStats()
        t0 = time.perf_counter()
        with ThreadPoolExecutor(WRITER_THREADS) as pool:
            stream = prewrite_crops(c, iter(results), pool) if mode == "bytes" else iter(results)
            commit_results(c, stream, settings, stats, batch=args.batch)
        dt = time.perf_counter() - t0
        assert stats.faces == args.commits
        size = len(results[0]["faces"][0]["png"])
        what = (f"driver writes each crop file, {WRITER_THREADS} writer threads" if mode == "bytes"
                else "crop files already in place")
        print(f"send={mode} ({what}, {size} B PNG): {args.commits / dt:.0f} faces/s "
              f"({dt:.2f} s); {load()}", flush=True)
        c.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        print(f"  catalog: {(c.root / 'catalog.sqlite').stat().st_size / args.commits:.0f} bytes"
              f" per image with its face (items, provenance, label events, faces, extractions)")
        c.close()
    return 0


def nothing(items):
    return items


def bench_tasks(args) -> int:
    from corpus.cluster import connect, run_batches
    with connect(args.cluster) as client:
        list(run_batches(client, nothing, [[(i, i)] for i in range(50)]))     # warm
        before = load()
        t0, cpu0 = time.perf_counter(), time.process_time()
        # A wide window: with real tasks (seconds each) a few per worker thread keep it busy;
        # here the point is what each task costs the driver and the scheduler.
        n = sum(1 for _ in run_batches(client, nothing, [[(i, i)] for i in range(args.tasks)],
                                       window=200))
        dt, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    print(f"{n} empty tasks through run_batches on {args.cluster}, 200 in flight: "
          f"{n / dt:.0f} tasks/s ({1000 * dt / n:.2f} ms each); this process' CPU "
          f"{1000 * cpu / n:.2f} ms per task (a local:N scheduler runs in it too); "
          f"{before} -> {load()}")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--workers", type=int, default=os.cpu_count())
    ap.add_argument("--cluster", metavar="SPEC", help="compare with a Dask cluster (local:2, ...)")
    ap.add_argument("--send", choices=("bytes", "paths"), default="bytes")
    ap.add_argument("--rounds", type=int, default=3, help="pool/cluster pairs (with --cluster)")
    ap.add_argument("--commits", type=int, metavar="N", help="measure the driver's commit rate")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--tasks", type=int, metavar="N", help="Dask's cost per task (with --cluster)")
    add_progress_flag(ap)
    args = ap.parse_args()
    if args.tasks:
        return bench_tasks(args)
    sources = photo_sources()
    if not sources:
        print(f"no photos under {PHOTOS}", file=sys.stderr)
        return 2
    print(f"load before: {os.getloadavg()}  cores: {os.cpu_count()}")
    with tempfile.TemporaryDirectory() as tmp:
        if args.commits:
            return bench_commits(args, Path(tmp))
        if args.cluster:
            return bench_cluster(args, sources, Path(tmp))
        c = Corpus(Path(tmp) / "bench")
        origin = fill(c, sources, args.repeat)
        paths = {iid: c.path_of(iid) for iid in origin}
        n = len(paths)
        t_base, base_boxes = baseline(list(paths.values()), not args.no_progress)
        t0 = time.perf_counter()
        stats = run_extract(c, workers=args.workers, batch=16, progress=not args.no_progress)
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
