"""Which download failures a rerun tries again.

Transient: what a later run may get past (the network, an overloaded or restarting server);
a rerun tries these again by default. Every other reason (http 404, not an image, too small,
too large, ...) belongs to the URL or its bytes, and is tried again only when asked
(`--retry-failed`). Reasons are the short, countable heads FetchError gives ('http 503').
"""
from __future__ import annotations

TRANSIENT = frozenset({"connection refused", "connection error", "connect timeout",
                       "read timeout", "too slow", "truncated transfer", "retries exhausted",
                       "http 408", "http 429", "worker died"})


def reason_of(text: str) -> str:
    """The countable reason at the head of a stored failure ('http 404: 404 Not Found')."""
    return text.split(":", 1)[0].strip()


def is_transient(reason: str) -> bool:
    """True for a failure a rerun should try again: network, timeouts, 5xx, 408, 429."""
    reason = reason_of(reason)
    return reason in TRANSIENT or (reason.startswith("http 5") and reason[5:].isdigit())
