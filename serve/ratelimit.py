"""Per-client token buckets: `rate` requests per second on average, bursts up to `burst`.

A client is its peer address. Behind a reverse proxy every request comes from the proxy, so
rate-limit there instead (the X-Forwarded-For header is not trusted: any client can write it).
"""
from __future__ import annotations

import math
import threading
import time


class RateLimiter:
    def __init__(self, rate: float, burst: int, *, clock=time.monotonic, idle_forget: float = 600):
        self.rate, self.burst, self.clock = float(rate), int(burst), clock
        self.idle_forget = idle_forget
        self._buckets: dict[str, tuple[float, float]] = {}     # client -> (tokens, last time)
        self._lock = threading.Lock()
        self._last_sweep = clock()

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def take(self, client: str) -> float:
        """0 if the request may go ahead, else the seconds until it may."""
        if not self.enabled:
            return 0.0
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.get(client, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[client] = (tokens - 1.0, now)
                wait = 0.0
            else:
                self._buckets[client] = (tokens, now)
                wait = (1.0 - tokens) / self.rate
            if now - self._last_sweep > self.idle_forget:
                self._sweep(now)
        return wait

    def _sweep(self, now: float) -> None:
        """Forget clients idle long enough to be full again: the table cannot grow for ever."""
        self._buckets = {c: v for c, v in self._buckets.items()
                         if now - v[1] < self.idle_forget}
        self._last_sweep = now

    @staticmethod
    def retry_after(wait: float) -> str:
        return str(max(1, math.ceil(wait)))
