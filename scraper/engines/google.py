"""Google Images: results page URL, block-page detection and a parser for three markups.

Google has served image results in several shapes over the years, and a scraper meets all of
them: the basic-HTML page (no JavaScript: `img.DS1iW` thumbnails inside `/url?...` links, no
full-size URLs), classic `/imgres?imgurl=...&imgrefurl=...` result links, and the JS page whose
full-size URLs sit only in embedded script data as `["https://...jpg",height,width]` arrays
(a thumbnail array directly followed by its full-size array). The parser reads all three and
keeps page order; a full-size URL always wins over an `encrypted-tbn0` thumbnail.
"""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, quote_plus, urljoin, urlsplit

from .base import BlockedPage, Engine, Result, UnrecognisedPage

# Checked in this order: the captcha page also carries a "please enable javascript" noscript.
BLOCKS = (
    ("unusual traffic / captcha", re.compile(
        r"unusual traffic|g-recaptcha|/sorry/index|id=\"captcha-form\"", re.I)),
    ("consent page", re.compile(
        r"consent\.google\.|Before you continue to Google|action=\"[^\"]*/save\"[^>]*consent", re.I)),
    ("enable JavaScript", re.compile(
        r"/httpservice/retry/enablejs|please enable javascript|turn on javascript", re.I)),
)
# A recognised results page with nothing in it is an answer, not a layout change.
NO_RESULTS = re.compile(r"did not match any (image )?results|did not match any documents", re.I)
# ["https://...",123,456]: a URL with two integers, as Google's script data carries them.
DATA_ARRAY = re.compile(r'\["(https?:(?:[^"\\]|\\.)+)",(\d+),(\d+)\]')
THUMB_HOSTS = ("encrypted-tbn", "gstatic.com/images")


def _is_thumb(url: str) -> bool:
    return any(h in url for h in THUMB_HOSTS)


def _param(url: str, *names: str) -> str | None:
    qs = parse_qs(urlsplit(url).query)
    for name in names:
        vals = [v for v in qs.get(name, []) if v]
        if vals:
            return vals[0]
    return None


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class _Anchors(HTMLParser):
    """Anchors in page order, each with its images (src, data-src, class) and visible text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.anchors: list[dict] = []
        self._open: list[dict] = []
        self.skip = 0               # inside <script>/<style>

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "style"):
            self.skip += 1
        elif tag == "a":
            rec = {"href": a.get("href") or "", "imgs": [], "text": []}
            self.anchors.append(rec)
            self._open.append(rec)
        elif tag == "img" and self._open:
            self._open[-1]["imgs"].append(a)

    def handle_startendtag(self, tag, attrs):
        if tag == "img":
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)
        elif tag == "a" and self._open:
            self._open.pop()

    def handle_data(self, data):
        if self._open and not self.skip and data.strip():
            self._open[-1]["text"].append(data.strip())


def _img_src(img: dict, page_url: str | None) -> str | None:
    # Lazy thumbnails keep a placeholder data: URI in src until scrolled into view.
    for key in ("src", "data-src", "data-iurl"):
        val = img.get(key)
        if val and not val.startswith("data:"):
            return urljoin(page_url or "", val)
    return None


class GoogleEngine(Engine):
    name = "google"
    base_url = "https://www.google.com"
    # "Show more results" (input.mye4qd on the JS page); the sandbox uses the same markup.
    more_selectors = ("input.mye4qd", "input[value='Show more results']",
                      "button[aria-label='Show more results']")

    def search_url(self, query: str) -> str:
        return f"{self.base_url}/search?q={quote_plus(query)}&tbm=isch"

    def detect_block(self, text: str) -> str | None:
        head = text[:200_000]
        for name, pattern in BLOCKS:
            if pattern.search(head):
                # A results page may mention JavaScript in a footer; only a page without
                # any result markup counts as the "enable JavaScript" interstitial.
                if name == "enable JavaScript" and ("/imgres?" in text or "DS1iW" in text):
                    continue
                return name
        return None

    def parse(self, text: str, page_url: str | None = None) -> list[Result]:
        block = self.detect_block(text)
        if block:
            raise BlockedPage(block)
        base = page_url or self.base_url + "/"
        anchors = _Anchors()
        anchors.feed(text)
        anchors.close()
        results: list[Result] = []
        results += self._from_anchors(anchors.anchors, base)
        results += self._from_data(text)
        results = _merge(results)
        if not results and not NO_RESULTS.search(text) and not self._looks_like_results(text):
            raise UnrecognisedPage("no Google Images results, block page or empty-results notice "
                                   "found in this markup (layout change?)")
        return results

    @staticmethod
    def _looks_like_results(text: str) -> bool:
        return bool(re.search(r"<title>[^<]*- Google Search</title>", text)) and "tbm=isch" in text \
            and ("islrg" in text or "DS1iW" in text)

    def _from_anchors(self, anchors: list[dict], base: str) -> list[Result]:
        out: list[Result] = []
        titles: dict[str, str] = {}          # basic HTML: the caption is a second link
        for a in anchors:
            href = a["href"]
            if href.startswith("/url?") and not a["imgs"] and a["text"]:
                target = _param(href, "url", "q")
                if target:
                    titles.setdefault(target, a["text"][0])
        for a in anchors:
            href = urljoin(base, a["href"])
            thumb = next((s for s in (_img_src(i, base) for i in a["imgs"]) if s), None)
            title = next((i.get("alt") for i in a["imgs"] if i.get("alt")), None) \
                or (" ".join(a["text"]) or None)
            if "/imgres?" in href:
                full = _param(href, "imgurl")
                if full:
                    out.append(Result(full, thumb, _param(href, "imgrefurl"), title,
                                      _int(_param(href, "w")), _int(_param(href, "h"))))
            elif "/url?" in href and thumb and a["imgs"]:
                target = _param(href, "url", "q")
                out.append(Result(None, thumb, target, titles.get(target) or title))
        return out

    @staticmethod
    def _from_data(text: str) -> list[Result]:
        out: list[Result] = []
        pending_thumb: tuple[str, int] | None = None
        for m in DATA_ARRAY.finditer(text):
            url = json.loads(f'"{m.group(1)}"')        # undo \u003d, \u0026, \/ escapes
            h, w = int(m.group(2)), int(m.group(3))
            adjacent = pending_thumb is not None and text[pending_thumb[1]:m.start()].strip() == ","
            if _is_thumb(url):
                pending_thumb = (url, m.end())
                continue
            thumb = pending_thumb[0] if adjacent else None
            out.append(Result(url, thumb, None, None, w, h))
            pending_thumb = None
        return out


def _merge(results: list[Result]) -> list[Result]:
    """One Result per image in first-seen order, filling gaps from later sightings."""
    by_full: dict[str, Result] = {}
    thumbs_with_full: set[str] = set()
    order: list[Result] = []
    for r in results:
        if r.image_url:
            seen = by_full.get(r.image_url)
            if seen is None:
                by_full[r.image_url] = r
                order.append(r)
            else:
                for field in ("thumbnail_url", "source_page", "title", "width", "height"):
                    if getattr(seen, field) is None:
                        setattr(seen, field, getattr(r, field))
            if r.thumbnail_url:
                thumbs_with_full.add(r.thumbnail_url)
        else:
            order.append(r)
    out, seen_thumbs = [], set()
    for r in order:
        if r.image_url is None:
            # A thumbnail is only worth downloading when no full-size URL is known for it.
            if r.thumbnail_url in thumbs_with_full or r.thumbnail_url in seen_thumbs:
                continue
            seen_thumbs.add(r.thumbnail_url)
        out.append(r)
    return out


ENGINE = GoogleEngine
