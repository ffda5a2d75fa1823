"""Bing's parser on real saved pages (../shared/data/search_pages/bing) and on block pages."""
import html
import json
import re

import pytest

from scraper.engines import BlockedPage, UnrecognisedPage, get_engine

PAGES = {"retrievalgo_bing_images_golang_gopher.html": 47,
         "retrievalgo_bing_images_golang_gopher_pastyear.html": 27,
         "phrona_bing_images_async_rust_programming.html": 35}


@pytest.fixture(scope="module")
def pages(shared_data):
    d = shared_data / "search_pages" / "bing"
    return {name: (d / name).read_text(encoding="utf-8", errors="replace") for name in PAGES}


def murls_by_regex(text):
    """An independent reading of the page: each iusc anchor's m JSON, in page order."""
    out = []
    for m in re.finditer(r'<a [^>]*class="iusc"[^>]*\sm="([^"]*)"', text):
        out.append(json.loads(html.unescape(m.group(1)))["murl"])
    return out


@pytest.mark.parametrize("name", sorted(PAGES))
def test_every_iusc_result_in_page_order(pages, name):
    results = get_engine("bing").parse(pages[name])
    assert len(results) == PAGES[name]
    assert [r.image_url for r in results] == murls_by_regex(pages[name])
    for r in results:
        assert r.image_url.startswith("http") and r.thumbnail_url.startswith("https://")
        assert r.title and r.width > 0 and r.height > 0
        # Related-cluster tiles do not say which page the image is on: null, not a guess.
        assert r.source_page is None or r.source_page.startswith("http")
    assert sum(r.source_page is not None for r in results) >= len(results) // 2


def test_full_page_first_result_and_duplicates(pages):
    results = get_engine("bing").parse(pages["retrievalgo_bing_images_golang_gopher.html"])
    first = results[0].to_dict()
    assert first == {
        "image_url": "https://vectorseek.com/wp-content/uploads/2023/03/Golang-Gopher-Logo-Vector.jpg",
        "thumbnail_url": "https://ts4.mm.bing.net/th?id=OIP.LQQi0et0FFshviPhL18q9QHaHa&pid=15.1",
        "source_page": "https://vectorseek.com/vector_logo/golang-gopher-logo-vector/",
        "title": "Golang Gopher Logo PNG (Transparent) SVG AI – Free Download",
        "width": 1000, "height": 1000}
    # Bing repeats some images in related clusters: reported as found, 42 distinct URLs.
    assert len({r.image_url for r in results}) == 42


def test_async_fragment_has_no_html_wrapper_and_still_parses(pages):
    text = pages["phrona_bing_images_async_rust_programming.html"]
    assert "<html" not in text[:2000].lower()
    assert len(get_engine("bing").parse(text)) == 35


def test_size_comes_from_each_links_expw_exph(pages):
    text = pages["retrievalgo_bing_images_golang_gopher.html"]
    tags = re.findall(r'<a [^>]*class="iusc"[^>]*>', text)
    expected = [(int(re.search(r"expw=(\d+)", t)[1]), int(re.search(r"exph=(\d+)", t)[1]))
                for t in tags]
    assert [(r.width, r.height) for r in get_engine("bing").parse(text)] == expected
    # The caption under a main result says the same size.
    assert "1000&#215;1000" in text and expected[0] == (1000, 1000)


def test_search_url_and_base_override():
    assert get_engine("bing").search_url("happy human face").startswith(
        "https://www.bing.com/images/search?q=happy+human+face")
    e = get_engine("bing", "http://127.0.0.1:8123/")
    assert e.search_url("a&b").startswith("http://127.0.0.1:8123/images/search?q=a%26b")
    assert e.more_selectors and all(isinstance(s, str) for s in e.more_selectors)


@pytest.mark.parametrize("page,reason", [
    ("<html><body><h1>One last step</h1><p>Please solve the challenge below to continue"
     "</p><form action='/challenge/verify'></form></body></html>", "captcha"),
    ("<html><body><div id=\"bnp_container\"><button id=\"bnp_btn_accept\">Accept</button>"
     "</div></body></html>", "consent"),
    ("<html><body><noscript>Please enable JavaScript to view the page.</noscript></body>"
     "</html>", "JavaScript"),
])
def test_block_pages(page, reason):
    e = get_engine("bing")
    assert reason in e.detect_block(page)
    with pytest.raises(BlockedPage, match=reason):
        e.parse(page)


def test_results_with_a_consent_banner_are_results(pages):
    text = pages["retrievalgo_bing_images_golang_gopher_pastyear.html"]
    banner = '<div id="bnp_container"><button id="bnp_btn_accept">Accept</button></div>'
    page = text.replace("<body", banner + "<body", 1)
    assert get_engine("bing").detect_block(page) is None
    assert len(get_engine("bing").parse(page)) == 27


def test_other_markup_is_unrecognised(shared_data):
    ddg = (shared_data / "search_pages" / "duckduckgo"
           / "phrona_duckduckgo_images_ijs_rust_programming.json").read_text()
    google = (shared_data / "search_pages" / "google"
              / "aris_google_images_basic_html_papaya.html").read_text()
    for text in (ddg, google, ""):
        with pytest.raises(UnrecognisedPage):
            get_engine("bing").parse(text)


def test_broken_m_json_falls_back_to_the_thumbnail():
    page = ('<div class="dgControl"><a class="iusc" m="{not json" href="/images/search?expw=10">'
            '<img class="mimg" src="https://th.example/t.jpg"></a>'
            '<a class="iusc" m="{&quot;murl&quot;:&quot;https://x.example/a.png&quot;}" '
            'href="/images/search?view=detailV2&amp;expw=640&amp;exph=480"></a></div>')
    a, b = get_engine("bing").parse(page)
    assert (a.image_url, a.thumbnail_url, a.best_url) == (None, "https://th.example/t.jpg",
                                                         "https://th.example/t.jpg")
    assert (b.image_url, b.width, b.height, b.title) == ("https://x.example/a.png", 640, 480, None)


def test_empty_results_page_is_an_empty_answer():
    page = '<html><body><div id="mmComponent_images_1">There are no results for zzqx</div></body></html>'
    assert get_engine("bing").parse(page) == []
