"""`curate extract --cluster`: the detect-align-crop work on Dask workers, the catalog here.

The driver reads pending images a page at a time, cuts them into tasks of a few images, keeps
about two tasks per worker thread in flight, and hands each finished image's result to the
same commit code as the local pool (one transaction per --batch images). Workers never open
the catalog. What a task carries (`send`):

- "bytes" (default): the image bytes travel with the task and the crops come back as PNG
  bytes, which the driver stores. Works with any cluster: the workers need no access to the
  corpus folder. Costs the driver the image reads and one durable file write per face.
- "paths": the task carries object paths; every worker reads the images from, and writes the
  crops to, the corpus folder, which must be mounted at the same path on every machine (NFS,
  a cluster file system). The driver then only records rows: no image bytes cross the network
  twice, and its file writes (the first limit of a single writer) move to the workers.

A worker killed mid-task: Dask reruns the task elsewhere and the driver sees one result.
The driver killed: the catalog holds every committed batch; the rerun's pending list starts
after them. Commits skip images already recorded, so a result can never be stored twice.
"""
from __future__ import annotations

import contextlib
from concurrent.futures import ThreadPoolExecutor
from typing import Iterable, Iterator

from corpus import Corpus
from corpus.cluster import connect, run_batches, total_threads, write_ahead

from .extract_work import extract_batch, fingerprint

SEND_MODES = ("bytes", "paths")
# A task's image bytes stay under Dask's 10 MB large-graph warning and a worker's memory
# holds a few of them with ease; most tasks end at the image count long before this.
MAX_TASK_BYTES = 8_000_000
TASKS_PER_THREAD = 8        # smaller tasks when there is little work: the last ones end together
WRITER_THREADS = 8          # durable crop writes in flight at the driver (send="bytes")
WRITE_AHEAD = 64            # results held while their crops are written


@contextlib.contextmanager
def cluster_results(corpus: Corpus, jobs: Iterable[tuple[int, str]], settings: dict, *,
                    cluster: str, send: str = "bytes", n_todo: int, batch: int = 16):
    if send not in SEND_MODES:
        raise ValueError(f"send must be one of {SEND_MODES}, got {send!r}")
    with connect(cluster) as client:
        per_task = max(1, min(batch, n_todo // (total_threads(client) * TASKS_PER_THREAD)))
        root = str(corpus.root) if send == "paths" else None
        tasks = _tasks(corpus, jobs, per_task, send)
        results = run_batches(client, extract_batch, tasks, args=(settings, root),
                              fingerprint=fingerprint, name="ferkit-extract")
        results = (_as_result(item_id, res) for item_id, res in results)
        if send == "paths":
            yield results
        else:
            with ThreadPoolExecutor(WRITER_THREADS, thread_name_prefix="ferkit-crops") as pool:
                yield prewrite_crops(corpus, results, pool)


def prewrite_crops(corpus: Corpus, results: Iterable[dict], pool) -> Iterator[dict]:
    """Each result once its crop files are in place (written durably on the pool's threads)."""
    return write_ahead(results, lambda res: [(f["png"], "PNG") for f in res.get("faces", ())],
                       corpus.store_object, pool, ahead=WRITE_AHEAD)


def _tasks(corpus: Corpus, jobs, per_task: int, send: str) -> Iterator[list]:
    """Batches of (item id, what the worker gets), read lazily as the driver submits them."""
    task, size = [], 0
    for item_id, rel in jobs:
        if send == "paths":
            source = rel
        else:
            path = corpus.root / rel
            try:
                source = path.read_bytes()
            except OSError:
                # The worker then fails to open the same path and records the error exactly
                # as the local pool would.
                source = str(path)
        task.append((item_id, (item_id, source)))
        size += len(source)
        if len(task) >= per_task or size >= MAX_TASK_BYTES:
            yield task
            task, size = [], 0
    if task:
        yield task


def _as_result(item_id: int, res) -> dict:
    if isinstance(res, BaseException):      # a single image that kept killing its workers
        return {"id": item_id, "error": f"a worker process died on this image each time it "
                                        f"was tried ({type(res).__name__}: {res})"}
    return res
