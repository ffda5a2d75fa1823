"""The pool: fetch in parallel threads, write the catalog from one thread.

Workers fetch, check and put the bytes in their content-addressed file (atomic rename, not
yet an item); every catalog write happens in the thread that called run(), one transaction per
batch of finished jobs, so a kill -9 leaves each job either fully recorded or not at all. On a
rerun, jobs already stored (same engine, query and URL in provenance) are skipped, so nothing is
fetched or counted twice; a job whose last attempt failed is tried again when that failure was
transient (network, timeout, 5xx, 429), or for any failure with retry_failed. Every attempt
stays on record: each failure is its own failed item.
"""
from __future__ import annotations

import concurrent.futures as cf
import threading
from typing import Iterable

from tqdm import tqdm

from corpus import Corpus, now

from .fetch import FetchError, Fetched, Fetcher
from .limits import HostLimiter
from .reasons import is_transient, reason_of
from .summary import Job, Summary


class Downloader:
    def __init__(self, corpus: Corpus, workers: int = 8, per_host: int = 4, delay: float = 0.0,
                 timeout=(5, 20), max_bytes: int = 25_000_000, min_size=None, retries: int = 3,
                 progress: bool = True, *, backoff: float = 0.5, max_retry_after: float = 30.0,
                 deadline: float = 120.0, user_agent: str | None = None,
                 retry_failed: bool = False, user: str | None = None, cluster=None):
        """cluster: None (a pool of `workers` threads here), or "local:N", "tcp://HOST:PORT" or a
        dask.distributed Client: URL batches are fetched by Dask workers (see cluster.py)."""
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        self.corpus = corpus
        self.workers = workers
        self.progress = progress
        # Jobs whose last attempt failed transiently are always tried again. False: one that
        # failed for good (404, not an image, ...) is skipped. True: it is tried again too. A
        # new failure adds a new failed item, so each attempt stays on record.
        self.retry_failed = retry_failed
        self.user = user            # stored as label_by with each query label
        self.limiter = HostLimiter(per_host, delay)
        kw = {"user_agent": user_agent} if user_agent else {}
        fetch_kw = dict(timeout=timeout, max_bytes=max_bytes, retries=retries, backoff=backoff,
                        max_retry_after=max_retry_after, deadline=deadline, min_size=min_size,
                        **kw)
        self.fetcher = Fetcher(**fetch_kw)
        self.cluster = None
        if cluster is not None:
            from .cluster import ClusterFetcher      # Dask is imported only when asked for
            self.cluster = ClusterFetcher(cluster, fetch_kw, per_host, delay)
        self._write_lock = threading.Lock()

    # ------------------------------------------------------------------ public
    def run(self, jobs: Iterable[Job], desc: str | None = None) -> Summary:
        jobs = list(jobs)
        summary = Summary(found=len(jobs))
        labels = self._canonical_labels(jobs)          # a bad label fails before any fetch
        earlier, seen, todo = self.recorded(), set(), []
        for job in jobs:
            last = earlier.get(job.key, "")
            if job.key in seen or last is None or (last and not self.wants_again(last)):
                summary.skipped += 1
                if job.key not in seen and last:
                    summary.failed_before[reason_of(last)] += 1
            else:
                todo.append(job)
            seen.add(job.key)            # the same URL twice in one list is fetched once
        bar = tqdm(total=len(jobs), initial=summary.skipped, desc=desc or "download",
                   unit="img", disable=not self.progress, leave=True, dynamic_ncols=True)
        try:
            batches = (self.cluster.fetch_all(self.corpus, todo) if self.cluster
                       else self._fetch_all(todo))
            for batch in batches:
                # One transaction per batch of finished jobs: each catalog call hands the GIL
                # back and forth with busy workers, so fewer statements keep the writer ahead.
                # A batch commits whole or not at all; a job in a lost batch is redone on rerun.
                with self._write_lock, self.corpus.transaction():
                    for job, outcome, at in batch:
                        self._record(job, labels.get(job.label), outcome, at, summary)
                bar.update(len(batch))
                bar.set_postfix(new=summary.downloaded, dup=summary.duplicates,
                                failed=summary.n_failed, refresh=False)
        finally:
            bar.close()
        return summary

    def recorded(self) -> dict[tuple, str | None]:
        """(engine, query, image_url) of every job an earlier run recorded -> None when its
        bytes are in the corpus (whatever became of the item since), else the reason of its
        latest failed attempt."""
        sql = ("SELECT p.engine, p.query, p.image_url, i.status, i.reason FROM provenance p"
               " JOIN items i ON i.id = p.item_id WHERE p.image_url IS NOT NULL ORDER BY p.id")
        out: dict[tuple, str | None] = {}
        for engine, query, url, status, reason in self.corpus.db.execute(sql):
            key = (engine, query, url)
            if out.get(key, "") is not None:         # once stored, later rows change nothing
                out[key] = (reason or "failed") if status == "failed" else None
        return out

    def wants_again(self, reason: str) -> bool:
        """Whether a job whose last attempt failed with `reason` is fetched again now."""
        return self.retry_failed or is_transient(reason)

    def close(self) -> None:
        self.fetcher.close()
        if self.cluster is not None:
            self.cluster.close()

    def __enter__(self) -> "Downloader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ internals
    def _canonical_labels(self, jobs: list[Job]) -> dict:
        tax = self.corpus.taxonomy
        return {lab: tax.canonical(lab) for lab in {j.label for j in jobs} if lab is not None}

    def _work(self, job: Job):
        outcome = fetch_politely(self.fetcher, self.limiter, job.url)
        if isinstance(outcome, Fetched):
            # The file write (with its fsync) happens here, in parallel; the catalog row is
            # added by the writer thread. A disk error propagates and stops the run loudly.
            self.corpus.store_object(outcome.data, outcome.info.format)
        return job, outcome, now()

    def _fetch_all(self, todo: list[Job]):
        """Yield lists of (job, Fetched | FetchError, time) as they finish, with a bounded
        window in flight so finished-but-unwritten images never pile up in memory."""
        window = self.workers * 4
        pending: set[cf.Future] = set()
        it = iter(todo)
        pool = cf.ThreadPoolExecutor(self.workers, thread_name_prefix="ferkit-dl")
        try:
            while True:
                while len(pending) < window:
                    job = next(it, None)
                    if job is None:
                        break
                    pending.add(pool.submit(self._work, job))
                if not pending:
                    return
                finished, pending = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
                yield [fut.result() for fut in finished]
        finally:
            # On Ctrl-C or an error, drop what has not started; running fetches end on their
            # own timeouts and their results are simply not recorded (a rerun redoes them).
            pool.shutdown(wait=False, cancel_futures=True)

    def _record(self, job: Job, label: str | None, outcome, at: str, summary: Summary) -> None:
        prov = dict(job.provenance)
        prov.update(image_url=job.url, fetched_at=at)
        if isinstance(outcome, Fetched):
            prov["http_status"] = outcome.status
            if outcome.final_url and outcome.final_url != job.url:
                prov["final_url"] = outcome.final_url
            info = outcome.info
            meta = {"frames": info.frames} if info.frames > 1 else None
            _, created = self.corpus.add_bytes(
                outcome.data, fmt=info.format, kind="image", width=info.width,
                height=info.height, label=label, label_source="query" if label else None,
                user=self.user, provenance=prov, meta=meta)
            if created:
                summary.downloaded += 1
            else:
                summary.duplicates += 1
        else:
            prov["http_status"] = outcome.status
            self.corpus.add_failed(str(outcome), provenance=prov, label=label)
            summary.failed[outcome.reason] += 1


def fetch_politely(fetcher: Fetcher, limiter: HostLimiter, url: str) -> Fetched | FetchError:
    """One URL under the host limiter; every failure comes back as a FetchError (also on a
    Dask worker, see cluster.py)."""
    try:
        with limiter.slot(url):
            return fetcher.fetch(url)
    except FetchError as exc:
        return exc
    except Exception as exc:   # a bug or an odd library error must not drop the job
        return FetchError("error", f"{type(exc).__name__}: {exc}")
