"""Bing Images: each result is an `a.iusc` whose `m` attribute holds JSON with `murl` (the
full-size image), `turl` (thumbnail), `purl` (the page it is on) and `t` (title); the full
size is in the link's `expw`/`exph` query parameters. The same markup comes in the full page
and in the `/images/async` fragments that infinite scroll appends, so one parser reads both.

Every `a.iusc` is reported, in page order, even when two carry the same `murl` (Bing repeats an
image in related clusters); the downloader fetches a URL once per query.
"""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, quote_plus, urljoin, urlsplit

from .base import BlockedPage, Engine, Result, UnrecognisedPage

# Checked only when a page has no results: a results page may carry a consent banner.
BLOCKS = (
    ("captcha / human verification", re.compile(
        r"/challenge/verify|b_captcha|solve the challenge|verify (that )?you are (a )?human"
        r"|One last step", re.I)),
    ("consent page", re.compile(r"bnp_btn_accept|consent\.bing\.|id=\"bnp_container\"", re.I)),
    ("enable JavaScript", re.compile(r"enable javascript|javascript is (disabled|required)",
                                     re.I)),
)
# Markup of a results page that happens to be empty: an answer, not a layout change.
EMPTY_RESULTS = re.compile(r"There are no results for|class=\"dgControl|id=\"mmComponent_images",
                           re.I)


def _int(value) -> int | None:
    try:
        n = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return n if n > 0 else None


class _IuscLinks(HTMLParser):
    """Collect (attrs of a.iusc, attrs of the first img inside it) in page order."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[list[dict]] = []
        self._in = None

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            a = dict(attrs)
            if "iusc" in (a.get("class") or "").split():
                self._in = [a, {}]
                self.links.append(self._in)
        elif tag == "img" and self._in is not None and not self._in[1]:
            self._in[1] = dict(attrs)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "a":
            self._in = None


def _thumb_from_img(img: dict) -> str | None:
    # Lazy thumbnails keep a data: placeholder in src until scrolled into view.
    for key in ("src", "data-src", "src2"):
        val = img.get(key)
        if val and not val.startswith("data:"):
            return val
    return None


class BingEngine(Engine):
    name = "bing"
    base_url = "https://www.bing.com"
    # The "See more images" button under the grid, in its known class spellings.
    more_selectors = ("a.btn_seemore", ".mm_seemore a", "#bop_container .mm_seemore a",
                      "input[value='See more images']")

    def search_url(self, query: str) -> str:
        return f"{self.base_url}/images/search?q={quote_plus(query)}&form=HDRSC2&first=1"

    def detect_block(self, text: str) -> str | None:
        if 'class="iusc"' in text or "class=\"iusc " in text:
            return None
        for name, pattern in BLOCKS:
            if pattern.search(text):
                return name
        return None

    def parse(self, text: str, page_url: str | None = None) -> list[Result]:
        parser = _IuscLinks()
        parser.feed(text)
        parser.close()
        results = []
        for attrs, img in parser.links:
            res = self._result(attrs, img, page_url)
            if res is not None:
                results.append(res)
        if results:
            return results
        reason = self.detect_block(text)
        if reason:
            raise BlockedPage(f"bing: {reason} page instead of results")
        if parser.links:
            raise UnrecognisedPage(f"{len(parser.links)} a.iusc links but none carries usable "
                                   f"JSON in its m attribute: bing's markup may have changed")
        if EMPTY_RESULTS.search(text):
            return []
        raise UnrecognisedPage("no a.iusc result links: not a bing image results page "
                               "(or bing's markup changed)")

    @staticmethod
    def _result(attrs: dict, img: dict, page_url: str | None) -> Result | None:
        try:
            m = json.loads(attrs.get("m") or "")
        except ValueError:
            m = None
        if not isinstance(m, dict):
            m = {}
        base = page_url or ""
        qs = parse_qs(urlsplit(attrs.get("href") or "").query)
        # Related-cluster tiles carry a thinner m (no purl, no title): fall back to the
        # link's mediaurl parameter, the img's lazy src and the link's label.
        murl = m.get("murl") or (qs.get("mediaurl") or [None])[0]
        turl = m.get("turl") or _thumb_from_img(img)
        if not murl and not turl:
            return None
        label = (attrs.get("aria-label") or img.get("alt") or "").strip()
        if label.startswith("Image result for"):
            label = ""
        return Result(
            image_url=urljoin(base, murl) if murl else None,
            thumbnail_url=urljoin(base, turl) if turl else None,
            source_page=m.get("purl") or None,
            title=(m.get("t") or m.get("desc") or label).strip() or None,
            width=_int((qs.get("expw") or [None])[0]),
            height=_int((qs.get("exph") or [None])[0]),
        )


ENGINE = BingEngine
