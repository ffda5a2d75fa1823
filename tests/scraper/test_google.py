"""google.parse on real saved Google pages and on the markups the JS page carries."""
import pytest

from scraper.engines import BlockedPage, UnrecognisedPage, get_engine

PAGES = "search_pages/google"


@pytest.fixture
def google():
    return get_engine("google")


def read(shared_data, name):
    return (shared_data / PAGES / name).read_text(encoding="utf-8", errors="replace")


def test_basic_html_page_gives_its_20_thumbnails(shared_data, google):
    results = google.parse(read(shared_data, "aris_google_images_basic_html_papaya.html"))
    assert len(results) == 20
    assert all(r.image_url is None for r in results)
    assert all(r.thumbnail_url.startswith("https://encrypted-tbn0.gstatic.com/images?q=tbn:")
               for r in results)
    assert len({r.thumbnail_url for r in results}) == 20
    first = results[0]
    # The result link is /url?...&url=https://... : decoded, not the Google redirect.
    assert first.source_page == "https://www.istockphoto.com/photos/papaya"
    assert first.title == "91,000+ Papaya Stock..."
    assert "&amp;" not in first.thumbnail_url
    assert all(r.source_page and r.source_page.startswith("http") for r in results)
    assert all(r.best_url == r.thumbnail_url for r in results)


@pytest.mark.parametrize("name, block", [
    ("phrona_google_images_captcha_sorry_page.html", "unusual traffic / captcha"),
    ("lyrus_google_images_js_challenge.html", "enable JavaScript"),
])
def test_block_pages_raise_with_their_name(shared_data, google, name, block):
    text = read(shared_data, name)
    assert google.detect_block(text) == block
    with pytest.raises(BlockedPage, match=block.replace("/", ".")):
        google.parse(text)


def test_results_page_is_not_a_block(shared_data, google):
    assert google.detect_block(read(shared_data, "aris_google_images_basic_html_papaya.html")) is None


def test_other_markup_is_unrecognised(shared_data, google):
    bing = (shared_data / "search_pages/bing/retrievalgo_bing_images_golang_gopher.html").read_text(
        encoding="utf-8", errors="replace")
    with pytest.raises(UnrecognisedPage):
        google.parse(bing)
    with pytest.raises(UnrecognisedPage):
        google.parse("<html><body><p>hello</p></body></html>")


def test_consent_page_is_named(google):
    page = ('<html><head><title>Before you continue to Google</title></head><body>'
            '<form action="https://consent.google.com/save"></form></body></html>')
    with pytest.raises(BlockedPage, match="consent"):
        google.parse(page)


def test_imgres_links_and_embedded_arrays(google):
    page = (
        '<html><body><a href="/imgres?imgurl=https%3A%2F%2Fa.example%2F1.jpg&amp;imgrefurl='
        'https%3A%2F%2Fa.example%2Fpage&amp;w=640&amp;h=480"><img alt="one" '
        'src="https://encrypted-tbn0.gstatic.com/images?q=tbn:T1"></a>'
        '<script>AF_initDataCallback({data:[[1,[0,"x",["https://encrypted-tbn0.gstatic.com/'
        'images?q\\u003dtbn:T2",120,160],["https://b.example/2.jpg?x\\u003d1\\u0026y\\u003d2",600,800]]],'
        '[1,[0,"y",["https://encrypted-tbn0.gstatic.com/images?q\\u003dtbn:T1",1,1],'
        '["https://a.example/1.jpg",480,640]]]]});</script></body></html>')
    results = google.parse(page, "https://www.google.com/search?q=x&tbm=isch")
    assert [r.image_url for r in results] == ["https://a.example/1.jpg",
                                              "https://b.example/2.jpg?x=1&y=2"]
    one, two = results
    assert (one.source_page, one.title, one.width, one.height) == (
        "https://a.example/page", "one", 640, 480)
    # The JSON array is [url, height, width]; its thumbnail is the array just before it.
    assert (two.width, two.height) == (800, 600)
    assert two.thumbnail_url == "https://encrypted-tbn0.gstatic.com/images?q=tbn:T2"
    assert two.best_url == two.image_url


def test_thumbnail_skipped_when_full_size_known(google):
    thumb = "https://encrypted-tbn0.gstatic.com/images?q=tbn:T9"
    page = (f'<html><body><a href="/url?q=https://site.example/p"><img class="DS1iW" src="{thumb}"></a>'
            f'<script>var d=[["{thumb}",10,10],["https://site.example/full.jpg",100,200]];</script>'
            f'</body></html>')
    results = google.parse(page)
    assert [(r.image_url, r.thumbnail_url) for r in results] == [
        ("https://site.example/full.jpg", thumb)]


def test_search_url_follows_base_url():
    assert get_engine("google").search_url("happy human face") == \
        "https://www.google.com/search?q=happy+human+face&tbm=isch"
    assert get_engine("google", "http://127.0.0.1:8765/").search_url("a b") == \
        "http://127.0.0.1:8765/search?q=a+b&tbm=isch"
