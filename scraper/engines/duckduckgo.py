"""DuckDuckGo Images: results are JSON from `i.js` (image, thumbnail, url, title, width,
height, source), not HTML. A browser that opens that URL shows the JSON inside a <pre> (that
is what Selenium's page_source returns), so parse() takes the raw JSON or that wrapping.

Live DuckDuckGo answers i.js only with a `vqd` token taken from its search page; the base-URL
override points the engine at a local server, where the token is not needed.
"""
from __future__ import annotations

import html
import json
import re
from urllib.parse import quote_plus, urljoin

from .base import BlockedPage, Engine, Result, UnrecognisedPage

BLOCKS = (
    ("anomaly / captcha", re.compile(
        r"anomaly-modal|bots use DuckDuckGo too|challenge-form|select all squares", re.I)),
    ("error page (missing or expired vqd token?)", re.compile(
        r"If this error persists, please let us know", re.I)),
    ("enable JavaScript", re.compile(r"enable javascript|non-JavaScript site", re.I)),
)
PRE = re.compile(r"<pre\b[^>]*>(.*?)</pre>", re.S | re.I)


def _int(value) -> int | None:
    try:
        n = int(value)
    except (TypeError, ValueError):
        return None
    return n if n > 0 else None


def _str(value) -> str | None:
    return (value.strip() or None) if isinstance(value, str) else None


def _json_text(text: str) -> str | None:
    """The JSON document in `text`: as is, or unwrapped from the browser's <pre>."""
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith(("{", "[")):
        return stripped
    m = PRE.search(text)
    if m:
        inner = html.unescape(re.sub(r"<[^>]+>", "", m.group(1))).strip()
        if inner.startswith(("{", "[")):
            return inner
    return None


class DuckDuckGoEngine(Engine):
    name = "duckduckgo"
    base_url = "https://duckduckgo.com"
    more_selectors = ()     # paging is the JSON's "next" URL, not a button

    def search_url(self, query: str) -> str:
        return f"{self.base_url}/i.js?q={quote_plus(query)}&o=json"

    def detect_block(self, text: str) -> str | None:
        if _json_text(text) is not None:
            return None
        for name, pattern in BLOCKS:
            if pattern.search(text):
                return name
        return None

    def next_url(self, text: str) -> str | None:
        """The URL of the next page of results, if the JSON names one."""
        data = self._load(text)
        nxt = data.get("next") if isinstance(data, dict) else None
        return urljoin(self.base_url + "/", nxt) if isinstance(nxt, str) and nxt else None

    def _load(self, text: str):
        doc = _json_text(text)
        if doc is None:
            reason = self.detect_block(text)
            if reason:
                raise BlockedPage(f"duckduckgo: {reason} page instead of results")
            raise UnrecognisedPage("not JSON (raw or in a <pre>): not a duckduckgo i.js answer")
        try:
            return json.loads(doc)
        except ValueError as exc:
            raise UnrecognisedPage(f"duckduckgo i.js answer is not valid JSON: {exc}") from None

    def parse(self, text: str, page_url: str | None = None) -> list[Result]:
        data = self._load(text)
        rows = data.get("results") if isinstance(data, dict) else None
        if not isinstance(rows, list):
            raise UnrecognisedPage("JSON without a 'results' list: not a duckduckgo i.js answer")
        base = page_url or ""
        results = []
        for row in rows:
            if not isinstance(row, dict):
                continue
            image, thumb = _str(row.get("image")), _str(row.get("thumbnail"))
            if not image and not thumb:
                continue
            results.append(Result(
                image_url=urljoin(base, image) if image else None,
                thumbnail_url=urljoin(base, thumb) if thumb else None,
                source_page=_str(row.get("url")),
                title=_str(row.get("title")),
                width=_int(row.get("width")),
                height=_int(row.get("height")),
            ))
        if rows and not results:
            raise UnrecognisedPage("results carry no image or thumbnail URLs: "
                                   "duckduckgo's JSON may have changed")
        return results


ENGINE = DuckDuckGoEngine
