"""Politeness per host: at most N requests in flight to one host, and a minimum gap between starts."""
from __future__ import annotations

import contextlib
import threading
import time
from urllib.parse import urlsplit


def host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


class HostLimiter:
    def __init__(self, per_host: int = 4, delay: float = 0.0):
        if per_host < 1:
            raise ValueError(f"per_host must be >= 1, got {per_host}")
        self.per_host = per_host
        self.delay = max(0.0, float(delay))
        self._lock = threading.Lock()
        self._slots: dict[str, threading.BoundedSemaphore] = {}
        self._next_start: dict[str, float] = {}

    def _semaphore(self, host: str) -> threading.BoundedSemaphore:
        with self._lock:
            sem = self._slots.get(host)
            if sem is None:
                sem = self._slots[host] = threading.BoundedSemaphore(self.per_host)
            return sem

    def _wait_turn(self, host: str) -> None:
        if not self.delay:
            return
        # Reserve the next start time under the lock, sleep outside it, so threads for other
        # hosts are never held up by this one's delay.
        with self._lock:
            t = max(time.monotonic(), self._next_start.get(host, 0.0))
            self._next_start[host] = t + self.delay
        pause = t - time.monotonic()
        if pause > 0:
            time.sleep(pause)

    @contextlib.contextmanager
    def slot(self, url: str):
        host = host_of(url)
        sem = self._semaphore(host)
        with sem:
            self._wait_turn(host)
            yield
