"""Real headless Chromium against the sandbox: lazy loading and "show more" reach every result."""
import pytest

from scraper.browser import LOCAL_ONLY, QUIET_FLAGS, is_local
from scraper.engines import BlockedPage, get_engine

Q = "surprised human face"


def test_collects_every_result_through_scrolling_and_show_more(sandbox, browser, artifacts):
    google = get_engine("google", sandbox.url)
    before = dict(sandbox.hits)
    page = browser.collect(google, Q)
    assert [r.image_url for r in page.results] == sandbox.expected(Q)        # all 45, in order
    batches = sandbox.hits.get("/sandbox/batch", 0) - before.get("/sandbox/batch", 0)
    assert batches == 4                     # 10 on the page + 4 fetched; the 4th needed the button
    assert page.page_url == google.search_url(Q)
    # Thumbnails start as data-src placeholders; the scroll loop must get every one loaded.
    thumbs = sandbox.hits.get("/encrypted-tbn0/images", 0) - before.get("/encrypted-tbn0/images", 0)
    assert thumbs >= len({r.thumbnail_url for r in page.results})   # duplicates share a thumbnail
    assert all(r.thumbnail_url and r.source_page for r in page.results)
    browser.driver.execute_script("window.scrollTo(0, document.body.scrollHeight);")
    browser.driver.save_screenshot(str(artifacts / "scraper_sandbox_results_bottom.png"))


def test_stops_at_max_results(sandbox, browser):
    google = get_engine("google", sandbox.url)
    before = sandbox.hits.get("/sandbox/batch", 0)
    page = browser.collect(google, "sad human face", max_results=15)
    assert [r.image_url for r in page.results] == sandbox.expected("sad human face")[:15]
    # It stops before the end (4 batches). Not "<= 2": on a loaded machine a batch can land
    # after the growth wait gave up, and the next round's scroll asks for one more.
    assert sandbox.hits.get("/sandbox/batch", 0) - before < 4


def test_bing_engine_runs_live_on_the_sandbox(sandbox, browser):
    page = browser.collect(get_engine("bing", sandbox.url), Q)
    assert [r.image_url for r in page.results] == sandbox.expected(Q)


def test_duckduckgo_engine_follows_next_pages_on_the_sandbox(sandbox, browser):
    ddg = get_engine("duckduckgo", sandbox.url)
    page = browser.collect(ddg, Q)
    assert [r.image_url for r in page.results] == sandbox.expected(Q)
    assert page.rounds == 5                               # 5 JSON pages of 10
    assert len(browser.collect(ddg, Q, max_results=12).results) == 12


@pytest.mark.parametrize("query, name", [("blocked captcha", "unusual traffic / captcha"),
                                         ("blocked enablejs", "enable JavaScript")])
def test_block_page_is_reported_on_load(sandbox, browser, query, name):
    with pytest.raises(BlockedPage) as info:
        browser.collect(get_engine("google", sandbox.url), query)
    assert str(info.value) == name


def test_flags_and_local_detection():
    assert {"--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run"} <= set(QUIET_FLAGS)
    assert LOCAL_ONLY == "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"
    assert is_local("http://127.0.0.1:8765") and is_local("http://localhost/x")
    assert not is_local("https://www.google.com") and not is_local(None)


def test_network_errors_are_named():
    from scraper.neterrors import from_message, from_page
    url = "http://127.0.0.1:9/search?q=x"
    msg = "unknown error: net::ERR_NAME_NOT_RESOLVED\n  (Session info: chrome=156.0)"
    assert str(from_message(msg, url)) == f"host not found (ERR_NAME_NOT_RESOLVED loading {url})"
    assert from_message("no such element: Unable to locate element", url) is None
    page = '<div class="error-code">ERR_UNSAFE_PORT</div>'
    assert from_page("chrome-error://chromewebdata/", page, url).reason == \
        "port blocked by Chromium as unsafe"
    assert from_page(url, page, url) is None               # a real page naming an error code
    assert from_message("net::ERR_SSL_PROTOCOL_ERROR", url).reason == "ssl protocol error"
