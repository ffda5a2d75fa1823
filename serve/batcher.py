"""Faces of concurrent requests gathered into one model call.

One thread owns the model. It waits for a request, then keeps collecting for `window` seconds
or until `max_items` faces are waiting, runs the model once on all of them and hands each
request its rows. A model call has a fixed cost (dispatch, thread start-up) that a batch pays
once; under load the queue fills while the model runs, so batches form without waiting.
"""
from __future__ import annotations

import queue
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field

import numpy as np

_STOP = object()


@dataclass
class BatchStats:
    calls: int = 0           # model calls
    requests: int = 0        # requests answered by them
    faces: int = 0
    largest: int = 0         # most requests in one call

    def as_dict(self) -> dict:
        return {"model_calls": self.calls, "requests": self.requests, "faces": self.faces,
                "largest_batch": self.largest}


@dataclass
class _Job:
    x: np.ndarray
    future: Future = field(default_factory=Future)


class MicroBatcher:
    def __init__(self, fn, *, window: float = 0.005, max_items: int = 64):
        self.fn, self.window, self.max_items = fn, float(window), int(max_items)
        self.stats = BatchStats()
        self._queue: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._loop, name="serve-model", daemon=True)
        self._thread.start()

    def submit(self, x: np.ndarray) -> Future:
        """x: N inputs (N may be 0); the future gets the N rows of output."""
        job = _Job(x)
        if len(x) == 0:
            job.future.set_result(np.zeros((0,), np.float32))
        else:
            self._queue.put(job)
        return job.future

    def close(self) -> None:
        self._queue.put(_STOP)
        self._thread.join(timeout=10)

    def _gather(self, first: _Job) -> tuple[list[_Job], bool]:
        jobs, n = [first], len(first.x)
        deadline = time.monotonic() + self.window
        while n < self.max_items:
            left = deadline - time.monotonic()
            try:
                job = self._queue.get(timeout=left) if left > 0 else self._queue.get_nowait()
            except queue.Empty:
                break
            if job is _STOP:
                return jobs, True
            jobs.append(job)
            n += len(job.x)
        return jobs, False

    def _loop(self) -> None:
        stop = False
        while not stop:
            first = self._queue.get()
            if first is _STOP:
                break
            jobs, stop = self._gather(first)
            try:
                out = self.fn(np.concatenate([j.x for j in jobs]))
            except Exception as exc:       # every waiting request learns of it; the loop goes on
                for j in jobs:
                    j.future.set_exception(exc)
                continue
            s = self.stats
            s.calls += 1
            s.requests += len(jobs)
            s.faces += len(out)
            s.largest = max(s.largest, len(jobs))
            start = 0
            for j in jobs:
                j.future.set_result(out[start:start + len(j.x)])
                start += len(j.x)
