"""A tiny model really trained once per session, and real `python -m serve` processes on
127.0.0.1 (a free port each) that the tests talk to over HTTP."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
import requests

from serve.launch import Child
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


class ServerProcess(Child):
    """`python -m serve` in a subprocess on a free port of 127.0.0.1."""

    def __init__(self, model: Path, corpus: Path, *args: str, log: Path):
        super().__init__([sys.executable, "-m", "serve", "--model", str(model), "--corpus",
                          str(corpus), "--port", "0", *args], cwd=ROOT, log=log)
        self.corpus = corpus


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
    return start_server("--token", TOKEN, "--rate-limit", "1", "--burst", "40",
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
