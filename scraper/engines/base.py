"""What every search engine module provides. One small module per engine, picked by name.

An engine knows three things: the URL of a results page for a query, how to recognise a page
that is not results (consent, captcha, "enable JavaScript"), and how to turn a results page's
markup into Result rows. Driving a browser is the same for every engine (scraper/browser.py);
the engine only says which buttons mean "show more".
"""
from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass
class Result:
    image_url: str | None            # full-size image, None when the page only has a thumbnail
    thumbnail_url: str | None = None
    source_page: str | None = None   # the page the image appears on
    title: str | None = None
    width: int | None = None
    height: int | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def best_url(self) -> str | None:
        """What to download: the full-size image if known, else the thumbnail."""
        return self.image_url or self.thumbnail_url


class BlockedPage(Exception):
    """The engine answered with a page that is not results. str() names it (exit code 3)."""


class UnrecognisedPage(Exception):
    """The markup is not this engine's results page, e.g. after a layout change (exit code 4)."""


class Engine:
    name: str = ""
    base_url: str = ""               # overridable with --base-url (tests point it at the sandbox)
    # CSS selectors of buttons that load more results when clicked, tried in order.
    more_selectors: tuple[str, ...] = ()

    def __init__(self, base_url: str | None = None):
        if base_url:
            self.base_url = base_url.rstrip("/")

    def search_url(self, query: str) -> str:
        raise NotImplementedError

    def detect_block(self, text: str) -> str | None:
        """A one-line reason if the page is a block/consent/captcha/JS page, else None."""
        return None

    def parse(self, text: str, page_url: str | None = None) -> list[Result]:
        """Results in page order; raise BlockedPage or UnrecognisedPage."""
        raise NotImplementedError
