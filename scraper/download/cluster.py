"""Downloads on a Dask cluster: URL batches fetched by workers, the catalog written only here.

    Downloader(corpus, cluster="local:4")            # or "tcp://HOST:8786"; same run() API

Politeness stays global across the cluster because the driver partitions the jobs by host and
never has two batches of one host in flight: a batch holds the URLs of one host, the task
fetching it keeps at most `per_host` requests in flight and `delay` seconds between their
starts (the same HostLimiter as the local pool), and the next batch of that host is submitted
only `delay` seconds after the previous one ended. So one host sees at most `per_host`
requests at a time from the whole cluster, however many workers there are. A cluster-wide
dask.distributed.Semaphore per host would give the same cap, but at the price of a scheduler
round trip for every request, leases that outlive a killed worker until they time out, and no
way to keep the delay between request starts on different machines (their clocks differ).

Workers fetch and check the bytes (the same Fetcher as the local pool) and send them back; the
driver writes each object file on writer threads and records every job, stored or failed, in
the catalog's usual batched transactions. A worker killed mid-batch: Dask runs the batch again
elsewhere. A batch that keeps killing workers is recorded as failed ("worker died"), a
transient reason, so the next run tries those URLs again.
"""
from __future__ import annotations

import heapq
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from typing import Iterator

from corpus import Corpus, now
from corpus.cluster import BatchSource, connect, parse_cluster, run_batches, write_ahead

from .downloader import fetch_politely
from .fetch import FetchError, Fetched, Fetcher
from .limits import HostLimiter, host_of
from .summary import Job

BATCH_PER_HOST_SLOT = 8     # URLs per task for each request one host may have in flight
WRITER_THREADS = 8


class HostBatches(BatchSource):
    """Jobs grouped by host; at most one batch per host in flight and `delay` seconds between
    the end of a host's batch and the start of its next one."""

    def __init__(self, jobs: list[Job], size: int, delay: float):
        self.size, self.delay = max(1, size), delay
        self.queues: dict[str, deque] = {}
        for job in jobs:
            self.queues.setdefault(host_of(job.url), deque()).append(job)
        self.ready = deque(self.queues)          # hosts with jobs, none in flight
        self.resting: list[tuple[float, str]] = []   # (monotonic time it may go again, host)
        self.exhausted = not self.queues

    def take(self) -> list | None:
        clock = time.monotonic()
        while self.resting and self.resting[0][0] <= clock:
            self.ready.append(heapq.heappop(self.resting)[1])
        if not self.ready:
            return None
        host = self.ready.popleft()
        queue = self.queues[host]
        jobs = [queue.popleft() for _ in range(min(self.size, len(queue)))]
        # The tag says which job ends its batch: the driver commits a batch as one transaction.
        return [((job, n == len(jobs) - 1), job.url) for n, job in enumerate(jobs)]

    def finished(self, batch: list) -> None:
        host = host_of(batch[0][0][0].url)
        if not self.queues[host]:
            del self.queues[host]
            self.exhausted = not self.queues
        elif self.delay:
            heapq.heappush(self.resting, (time.monotonic() + self.delay, host))
        else:
            self.ready.append(host)

    def wait_s(self) -> float:
        return max(0.0, self.resting[0][0] - time.monotonic()) if self.resting else 0.0


def fetch_batch(fetch_kw: dict, per_host: int, delay: float, urls: list[str]) -> list[tuple]:
    """A Dask task: the URLs of one host -> [(Fetched | FetchError, time)], in order."""
    fetcher, limiter = Fetcher(**fetch_kw), HostLimiter(per_host, delay)
    try:
        with ThreadPoolExecutor(min(per_host, len(urls)), thread_name_prefix="ferkit-dl") as pool:
            return list(pool.map(lambda url: (fetch_politely(fetcher, limiter, url), now()), urls))
    finally:
        fetcher.close()


class ClusterFetcher:
    """What the Downloader uses instead of its thread pool when given a cluster."""

    def __init__(self, cluster, fetch_kw: dict, per_host: int, delay: float):
        if isinstance(cluster, str):
            parse_cluster(cluster)          # a bad spec fails before any browsing or fetching
        self.cluster, self.fetch_kw, self.per_host, self.delay = cluster, fetch_kw, per_host, delay
        self._connection = None
        self._client = None

    def fetch_all(self, corpus: Corpus, todo: list[Job]) -> Iterator[list[tuple]]:
        """Lists of (job, Fetched | FetchError, time) as batches finish, objects in place."""
        if not todo:
            return
        if self._client is None:            # one connection for every run() of a scrape
            self._connection = connect(self.cluster, threads=4)
            self._client = self._connection.__enter__()
        source = HostBatches(todo, BATCH_PER_HOST_SLOT * self.per_host, self.delay)
        results = run_batches(self._client, fetch_batch, source, split=False,
                              args=(self.fetch_kw, self.per_host, self.delay),
                              name="ferkit-download")
        jobs = ((tag, *_outcome(res)) for tag, res in results)
        with ThreadPoolExecutor(WRITER_THREADS, thread_name_prefix="ferkit-store") as pool:
            batch = []
            for (job, last), outcome, at in write_ahead(jobs, _files, corpus.store_object, pool):
                batch.append((job, outcome, at))
                if last:
                    yield batch
                    batch = []

    def close(self) -> None:
        if self._connection is not None:
            self._connection.__exit__(None, None, None)
            self._connection = self._client = None


def _outcome(res) -> tuple:
    if isinstance(res, BaseException):      # the batch kept killing its workers
        return FetchError("worker died", f"{type(res).__name__}: {res}"), now()
    return res


def _files(done: tuple) -> list[tuple[bytes, str]]:
    outcome = done[1]
    return [(outcome.data, outcome.info.format)] if isinstance(outcome, Fetched) else []
