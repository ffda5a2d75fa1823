"""The sandbox HTTP server: 127.0.0.1 only, threaded, deterministic per query.

    srv = start_sandbox(pool_dirs, results=40)      # in-process, free port, daemon thread
    srv.url  -> "http://127.0.0.1:PORT";  srv.expected("happy face") -> [image URLs]
    srv.stop()
"""
from __future__ import annotations

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote_plus, urlsplit

from . import pages
from .plan import Entry, plan
from .pool import Pool

BLOCK_QUERIES = {"blocked captcha": "captcha", "blocked consent": "consent",
                 "blocked enablejs": "enablejs"}


class Sandbox(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, pool: Pool, *, port: int = 0, results: int = 60, batch: int = 10,
                 per_more: int = 3, slow_s: float = 1.0, batch_delay_s: float = 0.1,
                 e500_fails: int | None = None, verbose: bool = False):
        super().__init__(("127.0.0.1", port), Handler)
        self.pool, self.results, self.batch, self.per_more = pool, results, batch, per_more
        self.slow_s, self.batch_delay_s, self.verbose = slow_s, batch_delay_s, verbose
        # None: an e500 result answers 500 for ever. N: its first N requests get 500, then the
        # image: a server that comes back, which a rerun of the scraper gets past.
        self.e500_fails = e500_fails
        self.seen_429: set[str] = set()
        self.e500_hits: dict[str, int] = {}
        self.hits: dict[str, int] = {}          # path -> requests, for tests
        self.lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def handle_error(self, request, client_address):
        # A client killed mid-request (the kill -9 test, Chromium closing) is normal here.
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)

    @property
    def port(self) -> int:
        return self.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def plan(self, query: str) -> list[Entry]:
        return plan(query, self.results, len(self.pool))

    def expected(self, query: str, host: str | None = None) -> list[str]:
        """Every image URL the results page for `query` eventually shows, in order."""
        return [(host or self.url) + e.path for e in self.plan(query)]

    def cells(self, query: str, host: str, lo: int, hi: int) -> list[dict]:
        out = []
        for e in self.plan(query)[lo:hi]:
            c = pages.cell(e, host)
            w, h = self.pool.size(e.pool_idx)
            c["w"], c["h"] = (w, h) if w else ("", "")      # unknown size: left out, as Google does
            out.append(c)
        return out

    def start(self) -> "Sandbox":
        self._thread = threading.Thread(target=self.serve_forever, name="sandbox", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


def start_sandbox(pool, **kw) -> Sandbox:
    """Serve in a background thread on a free port (tests, the demo). pool: Pool or dirs."""
    return Sandbox(pool if isinstance(pool, Pool) else Pool(pool), **kw).start()


class Handler(BaseHTTPRequestHandler):
    server: Sandbox
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        if self.server.verbose:
            super().log_message(fmt, *args)

    def _send(self, status: int, body: bytes = b"", ctype: str = "text/html; charset=utf-8",
              headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        url = urlsplit(self.path)
        qs = {k: v[0] for k, v in parse_qs(url.query).items()}
        parts = url.path.strip("/").split("/")
        host = "http://" + (self.headers.get("Host") or f"127.0.0.1:{self.server.port}")
        with self.server.lock:
            self.server.hits[url.path] = self.server.hits.get(url.path, 0) + 1
        try:
            if url.path == "/search":
                return self._search(qs.get("q", ""), host)
            if url.path == "/images/search":
                cells = self.server.cells(qs.get("q", ""), host, 0, self.server.results)
                return self._send(200, pages.bing_page(qs.get("q", ""), cells).encode())
            if url.path == "/i.js":
                return self._ddg(qs.get("q", ""), int(qs.get("s", "0")), host)
            if url.path == "/sandbox/batch":
                lo = int(qs.get("b", "0")) * self.server.batch
                time.sleep(self.server.batch_delay_s)       # a network round trip
                cells = self.server.cells(qs.get("q", ""), host, lo, lo + self.server.batch)
                return self._send(200, json.dumps(cells).encode(), "application/json")
            if url.path == "/sandbox/expected":
                entries = self.server.plan(qs.get("q", ""))
                body = ([{"url": host + e.path, "kind": e.kind, "rank": e.rank} for e in entries]
                        if qs.get("detail") else [host + e.path for e in entries])
                return self._send(200, json.dumps(body).encode(), "application/json")
            if parts[0] == "img" and len(parts) == 4:
                return self._image(parts[1], int(parts[2]), int(parts[3].split(".")[0]))
            if parts[0] == "encrypted-tbn0":
                idx, variant = (int(x) for x in qs.get("q", "tbn:0_0")[4:].split("_"))
                return self._send(200, self.server.pool.render(idx, variant, thumb=True),
                                  "image/jpeg")
            if parts[0] == "site" and len(parts) == 3:
                img = f"{host}/img/ok/{parts[1]}/{parts[2].split('.')[0]}.jpg"
                return self._send(200, pages.source_page("A page with a photo", img).encode())
        except (ValueError, IndexError):
            return self._send(400, b"bad request")
        self._send(404, b"not found")

    def _search(self, query: str, host: str):
        block = BLOCK_QUERIES.get(" ".join(query.casefold().split()))
        if block:
            return self._send(200, pages.block_page(block, query).encode())
        s = self.server
        cells = s.cells(query, host, 0, s.batch)
        sizes = [(c["w"], c["h"]) for c in cells]
        html = pages.results_page(query, cells, sizes, s.results, s.batch, s.per_more)
        self._send(200, html.encode())

    def _ddg(self, query: str, start: int, host: str):
        """DuckDuckGo's i.js JSON: one batch of results and the "next" page URL."""
        s = self.server
        cells = s.cells(query, host, start, start + s.batch)
        body = {"query": query, "results": [
            {"image": c["img"], "thumbnail": c["thumb"], "url": c["src"], "title": c["title"],
             "width": c["w"] or 0, "height": c["h"] or 0, "source": "Sandbox"} for c in cells]}
        if start + s.batch < s.results:
            body["next"] = f"i.js?q={quote_plus(query)}&o=json&s={start + s.batch}"
        self._send(200, json.dumps(body).encode(), "application/json")

    def _image(self, kind: str, idx: int, variant: int):
        s = self.server
        if kind == "e404":
            return self._send(404, b"<html><body>Not Found</body></html>")
        if kind == "e500":
            with s.lock:
                n = s.e500_hits[self.path] = s.e500_hits.get(self.path, 0) + 1
            if s.e500_fails is None or n <= s.e500_fails:
                return self._send(500, b"<html><body>Internal Server Error</body></html>")
        if kind == "html":
            # A page served where an image was promised, with an image Content-Type.
            return self._send(200, pages.source_page("Login required", "/x.png").encode(),
                              "image/jpeg")
        if kind == "redir":
            return self._send(302, b"", headers={"Location": f"/img/ok/{idx}/{variant}.jpg"})
        if kind == "r429":
            with s.lock:
                first = self.path not in s.seen_429
                s.seen_429.add(self.path)
            if first:
                return self._send(429, b"slow down", "text/plain", {"Retry-After": "1"})
        if kind == "slow":
            time.sleep(s.slow_s)
        if kind not in ("ok", "slow", "r429", "dup", "e500"):
            return self._send(404, b"unknown kind")
        self._send(200, s.pool.render(idx, variant), "image/jpeg")
