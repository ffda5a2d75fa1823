"""A real HTTP server on 127.0.0.1 for downloader tests: routes answer with canned behaviours
(status codes, Retry-After, slow or cut bodies, redirects) and the server counts hits and the
largest number of requests it had in flight (arrived, not yet answered) at once."""
from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def ok(body: bytes, ctype: str = "image/jpeg", *, length: bool = True, pause: float = 0.0,
       headers: dict | None = None):
    """200 with body; length=False sends no Content-Length and closes to end the body."""
    def respond(h):
        if pause:
            time.sleep(pause)
        h.send_response(200)
        h.send_header("Content-Type", ctype)
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        if length:
            h.send_header("Content-Length", str(len(body)))
        else:
            h.send_header("Connection", "close")
            h.close_connection = True
        h.end_headers()
        h.wfile.write(body)
    return respond


def status(code: int, body: bytes = b"", headers: dict | None = None):
    def respond(h):
        h.send_response(code)
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)
    return respond


def redirect(location: str, code: int = 302):
    return status(code, headers={"Location": location})


def _promise(h, body: bytes, ctype: str) -> None:
    """200 with the whole body's Content-Length; the caller sends (some of) the body."""
    h.send_response(200)
    h.send_header("Content-Type", ctype)
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()


def slow(body: bytes, first: int = 64, pause: float = 2.0, ctype: str = "image/jpeg"):
    """Headers and the first bytes at once, then silence for `pause` seconds, then the rest."""
    def respond(h):
        _promise(h, body, ctype)
        h.wfile.write(body[:first])
        h.wfile.flush()
        time.sleep(pause)
        h.wfile.write(body[first:])
    return respond


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass        # clients that time out and hang up are part of the tests


class LocalServer:
    def __init__(self, port: int = 0):
        self.routes: dict[str, list] = {}
        self.hits: Counter = Counter()
        self.hit_times: dict[str, list[float]] = defaultdict(list)
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self.httpd = _QuietServer(("127.0.0.1", port), self._handler_class())
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self) -> "LocalServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread.is_alive():       # shutdown() waits for a serve_forever that never ran
            self.httpd.shutdown()
        self.httpd.server_close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def add(self, path: str, *responders) -> str:
        """Responders are used in order, one per request; the last one repeats."""
        self.routes[path] = list(responders)
        return self.url(path)

    def _handler_class(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in separate writes: without TCP_NODELAY, Nagle plus the
            # client's delayed ACK add ~40 ms to every keep-alive response.
            disable_nagle_algorithm = True
            _counted = False        # send_error() on a bad request line answers before do_GET

            def log_message(self, *args):
                pass

            def _answered(self):
                # A request counts as in flight from its arrival until the server starts to
                # answer it. The client cannot hold the answer, and so cannot have freed its
                # slot, before then; counting up to the end of the handler instead would also
                # count the moment after the client has read the whole body and sent its next
                # request, while this thread has not yet got back to decrement (seen in CI).
                if self._counted:
                    self._counted = False
                    with server._lock:
                        server.in_flight -= 1

            def send_response(self, *args, **kw):
                self._answered()
                super().send_response(*args, **kw)

            def do_GET(self):
                path = self.path.split("?")[0]
                with server._lock:
                    n = server.hits[path]
                    server.hits[path] += 1
                    server.hit_times[path].append(time.monotonic())
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                self._counted = True
                try:
                    responders = server.routes.get(path)
                    if not responders:
                        status(404, b"not found")(self)
                    else:
                        responders[min(n, len(responders) - 1)](self)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True    # the client gave up (timeout): fine
                finally:
                    self._answered()

        return Handler


def late(body: bytes, pause: float, ctype: str = "image/jpeg"):
    """Silence for `pause` seconds before the status line: a read timeout before any header."""
    def respond(h):
        time.sleep(pause)
        ok(body, ctype)(h)
    return respond


def trickle(body: bytes, every: float = 0.2, ctype: str = "image/jpeg"):
    """One byte per `every` seconds: never trips a read timeout, only an overall deadline."""
    def respond(h):
        _promise(h, body, ctype)
        for i in range(len(body)):
            h.wfile.write(body[i:i + 1])
            h.wfile.flush()
            time.sleep(every)
    return respond


def cut(body: bytes, keep: int, ctype: str = "image/jpeg"):
    """Promise the whole body in Content-Length, send `keep` bytes, hang up."""
    def respond(h):
        _promise(h, body, ctype)
        h.wfile.write(body[:keep])
        h.wfile.flush()
        h.close_connection = True
    return respond
