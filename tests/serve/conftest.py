"""A tiny model really trained once per session, and real `python -m serve` processes on
127.0.0.1 (a free port each) that the tests talk to over HTTP."""
from __future__ import annotations

import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import requests

from tests.train.conftest import build_fer_corpus

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "test-token-0123"


@pytest.fixture(scope="session")
def serve_model(shared_data, tmp_path_factory) -> Path:
    """A tiny 48x48 CNN fitted for 2 epochs on 3 FER2013 classes (~15 s): its accuracy does not
    matter here, only that it is a real run directory with a real card."""
    from train.fit import fit
    base = tmp_path_factory.mktemp("serve-model")
    build_fer_corpus(base / "fer", shared_data, n_train=40, n_test=2).close()
    fit(base / "fer", base / "run", size=48, epochs=2, batch=32, preset="tiny", patience=5,
        progress=False, log=lambda m: print(m, file=sys.stderr))
    return base / "run"


class ServerProcess:
    """`python -m serve` in a subprocess; ready once it prints its URL."""

    def __init__(self, model: Path, corpus: Path, *args: str, log: Path):
        self.model, self.corpus, self.args, self.log_path = model, corpus, args, log
        self.proc: subprocess.Popen | None = None
        self.base = ""

    def start(self, timeout: float = 180) -> "ServerProcess":
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "serve", "--model", str(self.model), "--corpus",
             str(self.corpus), "--port", "0", *self.args],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=self._log, text=True)
        lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._pump, args=(lines,), daemon=True).start()
        try:
            while True:
                line = lines.get(timeout=timeout)
                if line is None:
                    raise RuntimeError(f"serve exited ({self.proc.wait()}): "
                                       f"{self.log_path.read_text()[-3000:]}")
                if "ready on " in line:
                    self.base = line.split("ready on ")[1].split()[0].rstrip("/")
                    return self
        except queue.Empty:
            self.kill()
            raise RuntimeError(f"serve not ready after {timeout} s") from None

    def _pump(self, lines: queue.Queue) -> None:
        for line in self.proc.stdout:
            lines.put(line)
        lines.put(None)

    def url(self, path: str) -> str:
        return self.base + path

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as after a crash or an OOM kill."""
        if self.alive():
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=20)


@pytest.fixture(scope="session")
def start_server(serve_model, tmp_path_factory):
    started = []

    def start(*args: str, corpus: Path | None = None) -> ServerProcess:
        corpus = corpus or tmp_path_factory.mktemp("web") / "corpus"
        log = tmp_path_factory.getbasetemp() / f"serve-{len(started)}.log"
        s = ServerProcess(serve_model, corpus, *args, log=log).start()
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()


@pytest.fixture(scope="session")
def server(start_server) -> ServerProcess:
    """The plain local set-up: no token, private URLs refused, no rate limit."""
    return start_server("--rate-limit", "0")


@pytest.fixture(scope="session")
def guarded(start_server) -> ServerProcess:
    """A token, a low rate limit, and image_url allowed to reach this machine's test servers."""
    return start_server("--token", TOKEN, "--rate-limit", "3", "--burst", "40",
                        "--allow-private-urls")


@pytest.fixture(scope="session")
def photos(shared_data) -> Path:
    return shared_data / "photos"


def post_image(server: ServerProcess, path_or_bytes, name: str = "photo.jpg", *,
               params=None, headers=None) -> requests.Response:
    data = path_or_bytes if isinstance(path_or_bytes, bytes) else Path(path_or_bytes).read_bytes()
    return requests.post(server.url("/v1/predict"), files={"image": (name, data)},
                         params=params, headers=headers, timeout=120)


def open_corpus(server: ServerProcess):
    """The server's corpus, opened beside it as another process would (SQLite WAL)."""
    from corpus import Corpus
    return Corpus(server.corpus, create=False, readonly=True)
