"""The extraction stage: every image/frame item of a corpus -> aligned gray face items.

    run_extract(corpus, size=100, workers=2) -> ExtractStats

Work is spread over processes (decode + detect + crop are CPU-bound and release nothing to
threads); only the parent writes the catalog, in batches of images, one transaction each: a
batch's face items, their rows in `faces` and the `extractions` rows marking its images done go
in together. kill -9 therefore loses at most the batch in flight, and a rerun redoes exactly
that batch; face bytes are content-addressed, so nothing is stored twice.
"""
from __future__ import annotations

import contextlib
import json
import multiprocessing as mp
import os
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, as_completed, wait
from dataclasses import dataclass, field
from typing import Iterator

import cv2
import numpy as np
from tqdm import tqdm

from corpus import Corpus, now, save_stage, to_array
from corpus.cluster import parse_cluster

from .extract_work import _init_worker, _process, join, process_image  # noqa: F401 (tests)
from .faces import FaceExtractor

DDL = """
CREATE TABLE IF NOT EXISTS extractions (
    image_id  INTEGER PRIMARY KEY REFERENCES items(id),
    outcome   TEXT NOT NULL,        -- faces | no_face | too_small | error
    n_faces   INTEGER NOT NULL,     -- faces stored as ok items
    n_small   INTEGER NOT NULL,     -- faces stored as rejected ('too small')
    reason    TEXT,
    settings  TEXT NOT NULL,        -- JSON: detector, upsample, size, margin, ...
    at        TEXT NOT NULL
);
-- One row per face found in an image. Two images that yield byte-identical crops (a gray copy
-- of a photo) share one face item, so face_id may appear under more than one image.
CREATE TABLE IF NOT EXISTS faces (
    face_id   INTEGER NOT NULL REFERENCES items(id),
    image_id  INTEGER NOT NULL REFERENCES items(id),
    idx       INTEGER NOT NULL,     -- 0 = best score in its image
    left INTEGER, top INTEGER, right INTEGER, bottom INTEGER,   -- source image pixels
    score     REAL,
    landmarks TEXT,                 -- JSON [[x, y] x 5], source image pixels
    rotation  REAL,                 -- degrees the eye line was tilted before alignment
    detector  TEXT,
    PRIMARY KEY (image_id, idx)
);
CREATE INDEX IF NOT EXISTS faces_face ON faces(face_id);
"""
IMAGE_KINDS = ("image", "frame")
USER = "curate-extract"


@dataclass
class ExtractStats:
    images: int = 0
    faces: int = 0                  # faces found (ok), including crops already stored
    new_faces: int = 0              # face items created
    too_small: int = 0
    no_face: int = 0
    errors: int = 0
    skipped_done: int = 0
    outcomes: dict = field(default_factory=dict)

    def line(self) -> str:
        return (f"{self.images} images processed ({self.skipped_done} already done): "
                f"{self.faces} faces ({self.new_faces} new items), {self.too_small} too small, {self.no_face} without a face, "
                f"{self.errors} errors")


# ---------------------------------------------------------------- parent side
def _bounded(pool: ProcessPoolExecutor, jobs, window: int):
    """Results as they finish, with at most `window` images in flight: a finished result holds
    face PNGs, so submitting 100k images at once would keep them all in memory."""
    todo, running = iter(jobs), set()
    for job in todo:
        running.add(pool.submit(process_image, job))
        if len(running) >= window:
            done, running = wait(running, return_when=FIRST_COMPLETED)
            yield from (f.result() for f in done)
    for f in as_completed(running):
        yield f.result()


PENDING = ("FROM items WHERE kind IN ('image', 'frame') AND status='ok' AND path IS NOT NULL"
           " AND id NOT IN (SELECT image_id FROM extractions)")


def pending_images(corpus: Corpus) -> list:
    return list(corpus.db.execute(f"SELECT * {PENDING} ORDER BY id"))


def pending_jobs(corpus: Corpus, page: int = 2000) -> Iterator[tuple[int, str]]:
    """(item id, object path relative to the corpus) of every image still to do, read a page
    at a time by id: the driver never holds the whole list (10 million rows would not fit)."""
    last = -1
    while True:
        rows = corpus.db.execute(f"SELECT id, path {PENDING} AND id > ? ORDER BY id LIMIT ?",
                                 (last, page)).fetchall()
        if not rows:
            return
        yield from ((r["id"], r["path"]) for r in rows)
        last = rows[-1]["id"]


def _face_provenance(corpus: Corpus, image_id: int) -> list[dict]:
    """A face is found where its image was found: copy the image's provenance rows."""
    out = []
    for row in corpus.provenance(image_id):
        prov = {k: v for k, v in row.items() if k not in ("id", "item_id", "extra")}
        prov.update(json.loads(row["extra"]) if row["extra"] else {})
        out.append({k: v for k, v in prov.items() if v is not None})
    return out


def _commit(corpus: Corpus, result: dict, settings: dict, stats: ExtractStats) -> bool:
    """Store one image's outcome; called inside the batch transaction. An image that already
    has its outcome (another run got there first) is left as it is: commits are idempotent."""
    db = corpus.db
    image_id = result["id"]
    if db.execute("SELECT 1 FROM extractions WHERE image_id=?", (image_id,)).fetchone():
        stats.skipped_done += 1
        return False
    image = corpus.item(image_id)
    if "error" in result:
        reason = f"extract: {result['error']}"
        db.execute("INSERT INTO extractions VALUES (?,?,?,?,?,?,?)",
                   (image_id, "error", 0, 0, result["error"], json.dumps(settings), now()))
        corpus.set_status(image_id, "failed", reason=reason, user=USER)
        stats.errors += 1
        return True
    provs = _face_provenance(corpus, image_id) if result["faces"] else []
    n_ok = n_small = 0
    for idx, f in enumerate(result["faces"]):
        size = settings["size"]
        face_id, created = corpus.add_bytes(
            f["png"], fmt="PNG", kind="face", width=size, height=size,
            label=image["label"], label_source=image["label_source"] if image["label"] else None,
            user=image["label_by"], provenance=provs[0] if provs else None,
            parent_id=image_id, subject=image["subject"], split=image["split"],
            status="rejected" if f["too_small"] else "ok",
            reason=(f"too small: face {f['box'][2] - f['box'][0]} px wide < min face "
                    f"{settings['min_face']} px") if f["too_small"] else None,
            meta={"score": round(f["score"], 3), "rotation": round(f["rotation"], 2)})
        stats.new_faces += created
        for prov in provs[1:]:
            corpus.add_provenance(face_id, prov)
        db.execute("INSERT INTO faces VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                   (face_id, image_id, idx, *f["box"], f["score"], json.dumps(f["landmarks"]),
                    f["rotation"], settings["detector"]))
        if f["too_small"]:
            n_small += 1
        else:
            n_ok += 1
    outcome = "faces" if n_ok else "too_small" if n_small else "no_face"
    reason = result.get("note")
    if outcome == "no_face":
        reason = join("no face", reason)
    elif outcome == "too_small":
        reason = join(f"only faces smaller than {settings['min_face']} px", reason)
    db.execute("INSERT INTO extractions VALUES (?,?,?,?,?,?,?)",
               (image_id, outcome, n_ok, n_small, reason, json.dumps(settings), now()))
    stats.faces += n_ok
    stats.too_small += n_small
    stats.no_face += outcome == "no_face"
    stats.outcomes[outcome] = stats.outcomes.get(outcome, 0) + 1
    return True


def resolve_size(corpus: Corpus, size: int | None) -> int:
    current = corpus.get_meta("face_size")
    if size is None:
        return int(current or 100)
    if current is not None and int(current) != int(size):
        raise ValueError(f"{corpus.root} holds {current}x{current} faces; extract with "
                         f"--size {current}, or into a new corpus for {size}x{size}")
    return int(size)


def run_extract(corpus: Corpus, *, size: int | None = None, detector: str = "hog",
                upsample: int = 1, min_face: int = 24, margin: float = 0.25,
                max_side: int = 800, min_score: float | None = None, workers: int | None = None,
                batch: int = 16, progress: bool = True, write_stage: bool = True,
                cluster=None, send: str = "bytes") -> ExtractStats:
    """cluster: None (a local process pool of `workers`), "local:N", a scheduler address or a
    dask.distributed Client; send: what a cluster's workers get, "bytes" or "paths" (see
    curate.extract_cluster)."""
    if isinstance(cluster, str):
        parse_cluster(cluster)          # a bad spec fails before anything starts
    corpus.ensure(DDL)
    size = resolve_size(corpus, size)
    corpus.set_meta("face_size", size)
    settings = {"size": size, "detector": detector, "upsample": upsample, "min_face": min_face,
                "margin": margin, "max_side": max_side, "min_score": min_score}
    n_todo = corpus.db.execute(f"SELECT COUNT(*) {PENDING}").fetchone()[0]
    stats = ExtractStats(skipped_done=corpus.db.execute(
        "SELECT COUNT(*) FROM extractions").fetchone()[0])
    # Built here first so a missing model fails once, before any worker starts.
    recorded = FaceExtractor(**settings).settings()
    with tqdm(total=n_todo, unit="img", desc="extract", disable=not progress) as bar, \
            _results(corpus, settings, n_todo, workers=workers, cluster=cluster, send=send,
                     batch=batch) as results:
        commit_results(corpus, results, recorded, stats, batch=batch, on_commit=bar.update)
    if write_stage:
        write_faces_stage(corpus)
    return stats


def commit_results(corpus: Corpus, results, settings: dict, stats: ExtractStats, *,
                   batch: int = 16, on_commit=None) -> None:
    """The single writer: results as they arrive -> one transaction per `batch` images (or
    every 5 s when results trickle in)."""
    pending: list[dict] = []
    last = time.monotonic()

    def flush():
        nonlocal last
        if pending:
            with corpus.transaction():
                stats.images += sum(_commit(corpus, res, settings, stats) for res in pending)
            if on_commit:
                on_commit(len(pending))
            pending.clear()
        last = time.monotonic()

    for res in results:
        pending.append(res)
        if len(pending) >= batch or time.monotonic() - last > 5:
            flush()
    flush()


@contextlib.contextmanager
def _results(corpus: Corpus, settings: dict, n_todo: int, *, workers, cluster, send, batch):
    """The result dicts of every pending image, as they finish, from wherever they run."""
    jobs = pending_jobs(corpus)
    if cluster:
        from .extract_cluster import cluster_results   # Dask is imported only when asked for
        with cluster_results(corpus, jobs, settings, cluster=cluster, send=send,
                             n_todo=n_todo, batch=batch) as results:
            yield results
        return
    jobs = ((item_id, str(corpus.root / rel)) for item_id, rel in jobs)
    workers = max(1, min(workers or os.cpu_count() or 1, n_todo or 1))
    if workers == 1:
        _init_worker(settings)
        yield map(process_image, jobs)
        return
    # fork: works from any caller (no __main__ guard needed, unlike spawn); the children
    # never touch the parent's SQLite connection. A worker that dies (a crash in native
    # code) raises BrokenProcessPool here instead of hanging; a rerun goes on from there.
    pool = ProcessPoolExecutor(workers, mp_context=mp.get_context("fork"),
                               initializer=_init_worker, initargs=(settings,))
    try:
        yield _bounded(pool, jobs, window=4 * workers)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def write_faces_stage(corpus: Corpus) -> dict:
    """stages/02_faces.pkl: every ok face of the corpus as X (N x S x S uint8) + ids + labels."""
    corpus.ensure(DDL)
    size = int(corpus.get_meta("face_size", 100))
    classes = list(corpus.taxonomy.classes)
    rows = list(corpus.db.execute(
        "SELECT i.id, i.path, i.label, i.label_source, i.parent_id, f.left, f.top, f.right,"
        " f.bottom, f.score FROM items i LEFT JOIN faces f ON f.face_id = i.id"
        " AND f.image_id = i.parent_id"
        " WHERE i.kind='face' AND i.status='ok' AND i.path IS NOT NULL ORDER BY i.id"))
    X = np.zeros((len(rows), size, size), np.uint8)
    resized = 0
    for n, r in enumerate(rows):
        img = to_array((corpus.root / r["path"]).read_bytes(), "L")
        if img.shape != (size, size):
            img = cv2.resize(img, (size, size), interpolation=cv2.INTER_AREA)
            resized += 1
        X[n] = img
    payload = {
        "X": X,
        "ids": np.array([r["id"] for r in rows], np.int64),
        "source_ids": np.array([r["parent_id"] or -1 for r in rows], np.int64),
        "boxes": np.array([[r["left"], r["top"], r["right"], r["bottom"]] if r["left"] is not None
                           else [-1, -1, -1, -1] for r in rows], np.int32).reshape(-1, 4),
        "scores": np.array([r["score"] if r["score"] is not None else np.nan for r in rows],
                           np.float32),
        "labels": [r["label"] for r in rows],
        "label_sources": [r["label_source"] for r in rows],
        "y": np.array([classes.index(r["label"]) if r["label"] in classes else -1
                       for r in rows], np.int64),
        "classes": classes,
        "meta": {"face_size": size, "written_at": now(), "resized_to_fit": resized,
                 "corpus": str(corpus.root)},
    }
    save_stage(corpus, "faces", payload)
    return payload
