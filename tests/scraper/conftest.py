"""Sandbox and browser fixtures shared by the live scraper tests (one of each per session)."""
import pytest


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
