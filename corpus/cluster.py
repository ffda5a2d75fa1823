"""Fan a stage's work out to a Dask cluster while the driver stays the catalog's only writer.

    with connect("local:2") as client:              # or "tcp://HOST:8786", or a scheduler file
        for tag, result in run_batches(client, work, batches, fingerprint=fp):
            ...                                     # commit it: only this process writes

`work(*args, items)` runs on a worker and returns one result per item, in order; exceptions for
single items are the work function's to turn into results. The driver keeps a bounded number
of batches in flight (so its memory is flat at any corpus size) and yields per-item results as
batches finish, in completion order. Dask reschedules the tasks of a worker that dies; a batch
that has killed `distributed.scheduler.allowed-failures` + 1 workers comes back as
KilledWorker and is split into single items, and a single item that does it again is tried
once more with nothing else in flight: one poisonous input is pinned down and reported (its
result is the KilledWorker) while everything else goes on.
"""
from __future__ import annotations

import contextlib
import logging
import os
import re
import time
import uuid
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

CLUSTER_HELP = ("run on Dask: local:N starts N worker processes here; tcp://HOST:8786 uses a "
                "running scheduler (or give its scheduler JSON file)")
WAIT_FOR_WORKERS_S = 60
LOCAL_HTTP = {"dashboard": False, "dashboard_address": "127.0.0.1:0"}
# Set for this process and the workers of a local:N cluster (they inherit the config); a running
# scheduler's workers keep their own settings.
# - Dask's housekeeping, measured idle on local:2: 3.7 % of a core in the driver and 2.7 % in
#   each worker, mostly a 20 ms event-loop tick and a 10 ms sampling profiler; with these
#   settings 0.7 % and 0.3 %.
# - A local:N cluster forgets a worker whose process died if its restart has not registered
#   within 15 s; on a busy machine a restart took longer, and the run was left with no worker.
SETTINGS = {"distributed.admin.tick.interval": "1s", "distributed.worker.profile.enabled": False,
            "distributed.admin.system-monitor.interval": "2s",
            "distributed.worker.memory.monitor-interval": "1s",
            "distributed.deploy.lost-worker-timeout": "10 minutes"}


class ClusterError(RuntimeError):
    """A cluster that cannot be reached or whose workers cannot do the work; says why."""


@dataclass(frozen=True)
class ClusterSpec:
    local: int | None = None        # local:N
    address: str | None = None      # tcp://host:port (any scheme Dask knows)
    scheduler_file: str | None = None

    def __str__(self) -> str:
        return f"local:{self.local}" if self.local else self.address or self.scheduler_file


def parse_cluster(spec: str) -> ClusterSpec:
    spec = (spec or "").strip()
    m = re.fullmatch(r"local:(\d+)", spec)
    if m:
        if int(m.group(1)) < 1:
            raise ClusterError("local:N needs N >= 1 worker processes")
        return ClusterSpec(local=int(m.group(1)))
    if re.fullmatch(r"[a-z][a-z0-9+.-]*://\S+", spec):
        return ClusterSpec(address=spec)
    if spec.endswith(".json"):
        if not os.path.isfile(spec):
            raise ClusterError(f"scheduler file {spec} does not exist")
        return ClusterSpec(scheduler_file=spec)
    raise ClusterError(f"--cluster {spec!r}: expected local:N, tcp://HOST:PORT or a scheduler "
                       f"JSON file")


@contextlib.contextmanager
def connect(spec, *, wait_s: float = WAIT_FOR_WORKERS_S, timeout_s: float = 10,
            threads: int = 1):
    """A Client on the cluster, closed (and a local cluster shut down) on the way out.
    A Client given instead of a spec is used as it is and left open (a notebook's own).
    threads: per worker process of a local:N cluster (1 for CPU-bound work)."""
    import dask
    from dask.distributed import Client

    if isinstance(spec, Client):
        yield spec
        return
    spec = parse_cluster(spec) if isinstance(spec, str) else spec
    with dask.config.set(SETTINGS):
        yield from _connect(spec, wait_s, timeout_s, threads)


def _connect(spec: ClusterSpec, wait_s: float, timeout_s: float, threads: int):
    from dask.distributed import Client, LocalCluster

    cluster = None
    try:
        if spec.local:
            # CPU-bound work wants one thread per process: dlib and the image decoders hold
            # the GIL, so threads would only take turns. No dashboard; the scheduler's HTTP
            # endpoint (health, metrics) takes a free port on 127.0.0.1, not 8787 everywhere.
            cluster = LocalCluster(n_workers=spec.local, threads_per_worker=threads,
                                   processes=True, dashboard_address=None,
                                   silence_logs=logging.ERROR, scheduler_kwargs=LOCAL_HTTP)
            client = Client(cluster, set_as_default=False)
        else:
            kw = ({"address": spec.address} if spec.address
                  else {"scheduler_file": spec.scheduler_file})
            client = Client(timeout=f"{timeout_s}s", set_as_default=False, **kw)
    except (OSError, TimeoutError) as exc:
        if cluster is not None:
            cluster.close()
        raise ClusterError(f"cannot reach the Dask scheduler at {spec}: {exc}") from None
    try:
        try:
            client.wait_for_workers(1, timeout=wait_s)
        except TimeoutError:
            raise ClusterError(f"no Dask worker joined the scheduler at {spec} within "
                               f"{wait_s:.0f} s; start some with `dask worker {spec}`") from None
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def total_threads(client) -> int:
    return max(1, sum(client.nthreads().values()))


def _call(work: Callable, fingerprint: Callable | None, args: tuple, items: list) -> tuple:
    """What a task runs on the worker: the work, plus what the driver checks it ran with."""
    return (fingerprint() if fingerprint else None), work(*args, items)


class BatchSource:
    """Where run_batches takes its batches from; this one hands out an iterable's, in order.

    A source that must hold batches back (downloads: one batch per host at a time, a pause
    between a host's batches) overrides take() to return None while nothing may start,
    finished() to hear when a batch is done, and wait_s() to say when to ask again."""

    def __init__(self, batches: Iterable = ()):
        self._it = iter(batches)
        self.exhausted = False

    def take(self) -> list | None:
        batch = next(self._it, None)
        self.exhausted = batch is None
        return batch

    def finished(self, batch: list) -> None:
        pass

    def wait_s(self) -> float:
        return 0.0


def run_batches(client, work: Callable, batches: Iterable[list[tuple[Any, Any]]] | BatchSource,
                *, args: tuple = (), fingerprint: Callable | None = None,
                window: int | None = None, split: bool = True, name: str = "ferkit",
                no_worker_s: float = WAIT_FOR_WORKERS_S) -> Iterator[tuple[Any, Any]]:
    """Yield (tag, result) for every (tag, item) of every batch, as batches finish.

    Only the items travel; tags stay on the driver. `fingerprint()`, if given, runs on the
    driver and on every worker: a worker whose value differs (other library versions would
    give other bytes) stops the run with a ClusterError before any of its results are used.
    split=False: a batch that kept killing workers is not split up (the source's own rules,
    such as one batch per host, then still hold); each of its items gets the KilledWorker.
    A cluster left without any worker for `no_worker_s` seconds stops the run (Dask itself
    would wait for ever).
    """
    from dask.distributed import as_completed
    from distributed import KilledWorker

    source = batches if isinstance(batches, BatchSource) else BatchSource(batches)
    expected = fingerprint() if fingerprint else None
    window = window or 2 * total_threads(client) + 1
    pieces: list[list] = []         # single items of a batch that kept killing workers
    suspects: list[list] = []       # single items that did too; each retried alone at the end
    live: dict[str, tuple] = {}     # task key -> (future, batch, "source" | "piece" | "alone")
    # with_results: the results are gathered as tasks finish, concurrently; asking each future
    # for its result in turn would cost the driver a round trip to a worker per task.
    running = as_completed(loop=client.loop, with_results=True, raise_errors=False)

    def take() -> tuple[list | None, str]:
        if pieces:
            return pieces.pop(), "piece"
        batch = None if source.exhausted else source.take()
        if batch is None and suspects and not live:
            # Dask also fails the tasks that merely waited on a dying worker, so a single
            # item is only judged once it has killed a worker with nothing else in flight.
            return suspects.pop(), "alone"
        return batch, "source"

    def fill() -> None:
        while len(live) < window:
            batch, kind = take()
            if batch is None:
                break
            key = f"{name}-{uuid.uuid4().hex}"
            fut = client.submit(_call, work, fingerprint, args, [item for _, item in batch],
                                key=key, pure=False, retries=1)
            live[key] = (fut, batch, kind)
            running.add(fut)
        while not live and not (source.exhausted and not pieces and not suspects):
            time.sleep(max(source.wait_s(), 0.01))     # a source holding its batches back
            fill()

    try:
        fill()
        for fut, res in _finished(running, client, no_worker_s):
            _, batch, kind = live.pop(fut.key)
            status = fut.status
            fut.release()
            if status == "finished":
                got, results = res
            else:           # error: res is (type, exception, traceback); or cancelled
                exc = res[1] if isinstance(res, tuple) else res
                if not isinstance(exc, KilledWorker):
                    raise ClusterError(worker_failure(exc)) from exc
                if kind == "alone" or not split:
                    got, results = expected, [exc] * len(batch)
                else:
                    (pieces if len(batch) > 1 else suspects).extend([p] for p in batch)
                    got, results = expected, []
            if got != expected:
                raise ClusterError(f"a worker differs from this driver: {explain(expected, got)}")
            if kind == "source":
                source.finished(batch)
            fill()
            yield from zip((tag for tag, _ in batch), results)
    finally:
        # The run stopped early (an error, Ctrl-C): drop what is queued on the cluster.
        with contextlib.suppress(Exception):
            if live:
                client.cancel([f for f, *_ in live.values()], force=True)


def _finished(running, client, no_worker_s: float) -> Iterator[tuple]:
    """(future, result) pairs from an as_completed as tasks finish, also those added meanwhile."""
    checked, alone_since = time.monotonic(), None
    every = min(5.0, no_worker_s / 2)
    while not running.is_empty():
        if running.has_ready():
            yield next(running)
            continue
        with running.thread_condition:
            running.thread_condition.wait(timeout=0.1)
        if time.monotonic() - checked > every:
            checked = time.monotonic()
            if client.nthreads():
                alone_since = None
            elif alone_since is None:
                alone_since = checked
            elif checked - alone_since > no_worker_s:
                raise ClusterError(f"the cluster has had no worker for {no_worker_s:.0f} s "
                                   f"(all died or were stopped); rerun when workers are back")


def write_ahead(results: Iterable, files: Callable[[Any], list[tuple[bytes, str | None]]],
                store: Callable[[bytes, str | None], Any], pool, ahead: int = 64) -> Iterator:
    """Pass results on once the files each one brings (`files(result)` -> [(bytes, format)])
    are stored by `store` on the `pool`'s threads, at most `ahead` results held meanwhile.

    The driver writes every object durably (fsync) before its catalog row; one at a time that
    is its first limit (a few hundred files/s on a busy disk). fsync gives up the GIL, so
    several in flight overlap; the commit then finds each file in place and skips it."""
    queue: deque = deque()
    for res in results:
        queue.append((res, [pool.submit(store, data, fmt) for data, fmt in files(res)]))
        while queue and (len(queue) > ahead or all(w.done() for w in queue[0][1])):
            yield _stored(*queue.popleft())
    while queue:
        yield _stored(*queue.popleft())


def _stored(res, writes: list):
    for w in writes:
        w.result()          # a disk error stops the run here, before the row is committed
    return res


def worker_failure(exc: BaseException) -> str:
    text = f"a task failed on a worker: {type(exc).__name__}: {' '.join(str(exc).split())}"
    chain, seen = exc, set()
    while chain is not None and id(chain) not in seen:
        seen.add(id(chain))
        if isinstance(chain, ImportError):
            return (f"{text} ({type(chain).__name__}: {chain}; every worker needs ferkit "
                    f"importable, e.g. started from the ferkit folder or with it on PYTHONPATH, "
                    f"and the same requirements installed)")
        chain = chain.__cause__ or chain.__context__
    return text


def explain(expected: dict | None, got: dict | None) -> str:
    expected, got = expected or {}, got or {}
    diff = [f"{k}: worker {got.get(k)!r}, driver {expected.get(k)!r}"
            for k in sorted(set(expected) | set(got)) if expected.get(k) != got.get(k)]
    return "; ".join(diff) + " (install the same versions on every machine)"
