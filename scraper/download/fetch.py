"""One image URL -> verified bytes, or a FetchError saying why not.

Retries (with backoff, honouring Retry-After on 429/503) are urllib3's; what is checked here is
the rest: http/https only, a size cap enforced while streaming (Content-Length can lie or be
absent), an overall deadline (a server trickling one byte per read timeout would otherwise hold
a thread for ever), and the bytes judged by their magic number and a full Pillow decode.
"""
from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from corpus.images import ImageError, ImageInfo, verify

from .pinned import AddressRefused, Guard, PinnedAdapter

RETRY_STATUSES = (429, 500, 502, 503, 504)
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) ferkit-downloader/0.1"
CHUNK = 64 * 1024


class FetchError(Exception):
    """reason: short and countable ('http 404', 'read timeout'); detail: the specifics."""

    def __init__(self, reason: str, detail: str = "", status: int | None = None):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason, self.detail, self.status = reason, detail, status


@dataclass
class Fetched:
    data: bytes
    status: int
    info: ImageInfo
    final_url: str


def _network_reason(exc: BaseException) -> tuple[str, str]:
    """(reason, detail) of a requests/urllib3 network error, from the error at its root.

    requests wraps what happened in urllib3's MaxRetryError ("Max retries exceeded ...") once
    the retries are spent, whatever it was; the cause chain says what it really was.
    """
    chain, seen = [], set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        chain.append(exc)
        inner = getattr(exc, "reason", None)
        if not isinstance(inner, BaseException) and exc.args and \
                isinstance(exc.args[0], BaseException):
            inner = exc.args[0]
        exc = inner if isinstance(inner, BaseException) else (exc.__cause__ or exc.__context__)
    root = chain[-1]
    for err in chain:
        if isinstance(err, ConnectionRefusedError):
            return "connection refused", _short(err)
    for err in chain:
        # urllib3's NewConnectionError subclasses ConnectTimeoutError without being a timeout.
        if isinstance(err, urllib3.exceptions.ConnectTimeoutError) and \
                not isinstance(err, urllib3.exceptions.NewConnectionError):
            return "connect timeout", _short(err)
        if isinstance(err, urllib3.exceptions.ReadTimeoutError):
            return "read timeout", _short(err)
    return "connection error", _short(root)


def _image_reason(msg: str) -> str:
    """ImageError messages -> a short reason to count by."""
    for prefix, reason in (("empty body", "empty body"), ("HTML", "not an image"),
                           ("JSON", "not an image"), ("SVG", "not an image"),
                           ("unknown format", "not an image"), ("too small", "too small"),
                           ("decompression bomb", "decompression bomb")):
        if msg.startswith(prefix):
            return reason
    return "corrupt image"


def make_retry(retries: int, backoff: float, max_retry_after: float) -> Retry:
    kw = dict(total=retries, connect=retries, read=retries, status=retries, other=0,
              backoff_factor=backoff, status_forcelist=RETRY_STATUSES,
              allowed_methods=frozenset({"GET", "HEAD"}), respect_retry_after_header=True,
              raise_on_status=False)
    try:
        # A server asking for an hour's pause must not park a worker for an hour.
        return Retry(retry_after_max=max_retry_after, backoff_max=max(backoff * 8, 0.01), **kw)
    except TypeError:   # urllib3 < 2.5 has no retry_after_max
        return Retry(**kw)


class Fetcher:
    def __init__(self, *, timeout=(5, 20), max_bytes: int = 25_000_000, retries: int = 3,
                 backoff: float = 0.5, max_retry_after: float = 30.0, max_redirects: int = 10,
                 deadline: float = 120.0, min_size=None, user_agent: str = USER_AGENT,
                 address_guard: Guard | None = None):
        """address_guard(host, ip): called for every address a host resolves to, redirect hops
        included, before connecting to it (see pinned.py); raise AddressRefused to refuse."""
        self.timeout = timeout
        self.address_guard = address_guard
        self.max_bytes = max_bytes
        self.retry = make_retry(retries, backoff, max_retry_after)
        self.max_redirects = max_redirects
        self.deadline = deadline
        if isinstance(min_size, int):
            min_size = (min_size, min_size)
        self.min_size = tuple(min_size) if min_size else None
        self.user_agent = user_agent
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._sessions_lock = threading.Lock()

    def session(self) -> requests.Session:
        """One Session per thread: Sessions share connection pools and are not thread-safe."""
        s = getattr(self._local, "session", None)
        if s is None:
            s = requests.Session()
            pool = dict(max_retries=self.retry, pool_connections=8, pool_maxsize=4)
            adapter = (PinnedAdapter(self.address_guard, **pool) if self.address_guard
                       else HTTPAdapter(**pool))
            s.mount("http://", adapter)
            s.mount("https://", adapter)
            s.max_redirects = self.max_redirects
            # With no proxy configured, skip requests' per-request scan of the environment
            # (~0.6 ms of CPU each, a quarter of our per-image cost) and never send .netrc
            # credentials to image hosts.
            # A guard needs direct connections: it ignores proxies from the environment.
            if self.address_guard or not any(k.lower().endswith("_proxy") for k in os.environ):
                s.trust_env = False
            s.headers.update({"User-Agent": self.user_agent,
                              "Accept": "image/avif,image/webp,image/*,*/*;q=0.8"})
            self._local.session = s
            with self._sessions_lock:
                self._sessions.append(s)
        return s

    def close(self) -> None:
        """Close every thread's session (their pooled connections)."""
        with self._sessions_lock:
            sessions, self._sessions = self._sessions, []
        for s in sessions:
            s.close()

    @staticmethod
    def check_url(url: str) -> None:
        try:
            parts = urlsplit(url)
        except ValueError as exc:
            raise FetchError("invalid url", str(exc)) from None
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            raise FetchError("unsupported scheme",
                             f"{scheme or 'no'} scheme; only http and https are fetched")
        if not parts.hostname:
            raise FetchError("invalid url", "no host name")

    def fetch_bytes(self, url: str) -> tuple[bytes, int, str]:
        """(body, status, final url) with every check but the image decode, for a caller that
        judges the bytes itself (before decoding them)."""
        self.check_url(url)
        return self._get(url)

    def fetch(self, url: str) -> Fetched:
        data, status, final_url = self.fetch_bytes(url)
        try:
            info = verify(data, min_size=self.min_size)
        except ImageError as exc:
            raise FetchError(_image_reason(str(exc)), str(exc), status) from None
        return Fetched(data, status, info, final_url)

    def _get(self, url: str) -> tuple[bytes, int, str]:
        start = time.monotonic()
        try:
            resp = self.session().get(url, timeout=self.timeout, stream=True)
        except AddressRefused as exc:
            raise FetchError("address refused", str(exc)) from None
        except requests.exceptions.ConnectTimeout as exc:
            raise FetchError("connect timeout", _short(exc)) from None
        except requests.exceptions.ReadTimeout as exc:
            raise FetchError("read timeout", _short(exc)) from None
        except requests.exceptions.TooManyRedirects as exc:
            raise FetchError("too many redirects", _short(exc)) from None
        except requests.exceptions.InvalidSchema as exc:
            raise FetchError("unsupported scheme", f"redirected to {_short(exc)}") from None
        except requests.exceptions.RetryError as exc:
            raise FetchError("retries exhausted", _short(exc)) from None
        except (requests.exceptions.ConnectionError, requests.exceptions.RequestException,
                urllib3.exceptions.HTTPError) as exc:
            raise FetchError(*_network_reason(exc)) from None
        with resp:
            status = resp.status_code
            if status >= 300:
                raise FetchError(f"http {status}", f"{status} {resp.reason or ''}".strip(),
                                 status)
            declared = resp.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > self.max_bytes:
                raise FetchError("too large", f"Content-Length {declared} > {self.max_bytes}",
                                 status)
            buf = bytearray()
            raw = resp.raw
            try:
                # read1 returns whatever has arrived, so the deadline is checked even while a
                # server trickles bytes (iter_content would wait for a whole chunk).
                while True:
                    chunk = raw.read1(CHUNK, decode_content=True)
                    if not chunk:
                        break
                    buf += chunk
                    if len(buf) > self.max_bytes:
                        raise FetchError("too large", f"body over {self.max_bytes} bytes", status)
                    if time.monotonic() - start > self.deadline:
                        raise FetchError("too slow", f"not done after {self.deadline:g} s", status)
            except urllib3.exceptions.ReadTimeoutError as exc:
                raise FetchError("read timeout", _short(exc), status) from None
            except (urllib3.exceptions.ProtocolError, urllib3.exceptions.DecodeError) as exc:
                raise FetchError("truncated transfer", _short(exc), status) from None
            except (urllib3.exceptions.HTTPError, OSError) as exc:
                raise FetchError(*_network_reason(exc), status) from None
            return bytes(buf), status, resp.url


def _short(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 300 else text[:297] + "..."
