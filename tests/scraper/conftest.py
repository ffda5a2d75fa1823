"""Sandbox and browser fixtures shared by the live scraper tests (one of each per session), and
the downloader tests' local HTTP server and real photos (one server per test module)."""
import pytest

from tests.scraper.httpserver import LocalServer


@pytest.fixture(scope="session")
def sandbox_pool(shared_data):
    from scraper.sandbox import Pool
    return Pool([shared_data / "photos"])


@pytest.fixture(scope="session")
def sandbox(sandbox_pool):
    """45 results per query: 10 per batch, a "Show more results" button after 30."""
    from scraper.sandbox import start_sandbox
    srv = start_sandbox(sandbox_pool, results=45, slow_s=0.5, batch_delay_s=0.05)
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def browser():
    from scraper.browser import Browser
    b = Browser(local=True, wait_s=1.5)
    yield b
    b.close()


@pytest.fixture(scope="module")
def server():
    srv = LocalServer().start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def photos(shared_data):
    d = shared_data / "photos"
    return {
        "jpg": (d / "face_recognition" / "obama_small.jpg").read_bytes(),
        "jpg2": (d / "face_recognition" / "obama-240p.jpg").read_bytes(),
        "rgba_png": (d / "face_recognition" / "alex-lacamoire.png").read_bytes(),
        "anim_gif": (d / "skimage" / "no_time_for_that_tiny.gif").read_bytes(),
        "truncated": (d / "skimage" / "truncated.jpg").read_bytes(),
        "webp_as_jpg": (shared_data / "muxspace" / "images"
                        / "facial-expressions_2868588k.jpg").read_bytes(),
        "gif_noext": (shared_data / "yalefaces" / "images" / "subject01.happy").read_bytes(),
    }
