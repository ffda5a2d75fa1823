"""DuckDuckGo's i.js parser on the real saved JSON, raw and as real headless Chromium shows it."""
import json

import pytest

from scraper.engines import BlockedPage, UnrecognisedPage, get_engine
from tests.scraper.httpserver import LocalServer, ok

NAME = "phrona_duckduckgo_images_ijs_rust_programming.json"


@pytest.fixture(scope="module")
def raw(shared_data):
    return (shared_data / "search_pages" / "duckduckgo" / NAME).read_text(encoding="utf-8")


def test_all_99_results_match_the_json_rows(raw):
    rows = json.loads(raw)["results"]
    results = get_engine("duckduckgo").parse(raw)
    assert len(results) == len(rows) == 99
    for r, row in zip(results, rows):
        assert r.to_dict() == {"image_url": row["image"], "thumbnail_url": row["thumbnail"],
                               "source_page": row["url"], "title": row["title"],
                               "width": row["width"], "height": row["height"]}
    assert results[0].image_url == "https://www.rust-lang.org/static/images/rust-social-wide.jpg"
    assert (results[0].width, results[0].height) == (2048, 1024)


def test_json_inside_a_pre_as_in_a_browser(raw):
    import html
    wrapped = ('<html><head><meta name="color-scheme" content="light dark"></head><body>'
               f'<pre style="word-wrap: break-word;">{html.escape(raw, quote=False)}</pre>'
               '<div class="json-formatter-container"></div></body></html>')
    e = get_engine("duckduckgo")
    assert e.parse(wrapped) == e.parse(raw)


def test_page_source_from_real_headless_chromium(raw):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    srv = LocalServer().start()
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"):
        opts.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    try:
        e = get_engine("duckduckgo", srv.url(""))
        srv.add("/i.js", ok(raw.encode(), "application/json; charset=utf-8"))
        url = e.search_url("rust programming")
        assert url.startswith(srv.url("/i.js?q=rust+programming&o=json"))
        driver.get(url)
        source = driver.page_source
        assert not source.lstrip().startswith("{")          # the browser did wrap it
        assert e.parse(source, page_url=url) == e.parse(raw)
    finally:
        driver.quit()
        srv.stop()


def test_search_and_next_urls(raw):
    assert get_engine("duckduckgo").search_url("happy face") == \
        "https://duckduckgo.com/i.js?q=happy+face&o=json"
    assert get_engine("duckduckgo").next_url(raw) == \
        "https://duckduckgo.com/i.js?q=rust%20programming&o=json&p=1&s=100&u=bing&l=us-en&ct=AT"


@pytest.mark.parametrize("page", [
    "<html><body><div class='anomaly-modal__title'>Unfortunately, bots use DuckDuckGo too."
    "</div><form id='challenge-form'></form></body></html>",
    "If this error persists, please let us know: ops@duckduckgo.com",
])
def test_block_pages(page):
    e = get_engine("duckduckgo")
    assert e.detect_block(page)
    with pytest.raises(BlockedPage):
        e.parse(page)


@pytest.mark.parametrize("text", ['{"query": "x"}', "{broken json", "<html><p>hello</p></html>",
                                  '[1, 2]', '{"results": [{"title": "no urls"}]}'])
def test_unrecognised(text):
    with pytest.raises(UnrecognisedPage):
        get_engine("duckduckgo").parse(text)


def test_no_results_is_an_empty_answer():
    assert get_engine("duckduckgo").parse('{"results": [], "query": "zzqx"}') == []


def test_missing_sizes_are_null():
    (r,) = get_engine("duckduckgo").parse(
        '{"results": [{"image": "https://x.example/a.jpg", "width": "n/a"}]}')
    assert (r.width, r.height, r.thumbnail_url, r.source_page) == (None, None, None, None)
