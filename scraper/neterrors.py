"""A results page that could not be loaded at all: Chromium's network error, in plain words.

Chromium reports a failed navigation through chromedriver as `net::ERR_CONNECTION_REFUSED`
and the like (or, for some errors, shows its own error page at a chrome-error:// URL). Parsed
as a results page, that error page used to be "unrecognised page (layout change?)", exit 4,
when nothing was listening at --base-url. SiteUnreachable names it instead.
"""
from __future__ import annotations

import re

NET_ERROR = re.compile(r"(?:net::)?(ERR_[A-Z0-9_]+)")
# Chromium's code -> what a user reads; anything else is shown as its code in words.
REASONS = {
    "ERR_CONNECTION_REFUSED": "connection refused",
    "ERR_NAME_NOT_RESOLVED": "host not found",
    "ERR_NAME_RESOLUTION_FAILED": "host not found",
    "ERR_CONNECTION_TIMED_OUT": "connection timed out",
    "ERR_TIMED_OUT": "connection timed out",
    "ERR_CONNECTION_RESET": "connection reset",
    "ERR_CONNECTION_CLOSED": "connection closed",
    "ERR_EMPTY_RESPONSE": "empty response",
    "ERR_ADDRESS_UNREACHABLE": "network unreachable",
    "ERR_INTERNET_DISCONNECTED": "network unreachable",
    "ERR_UNSAFE_PORT": "port blocked by Chromium as unsafe",
}


class SiteUnreachable(Exception):
    """The search site's page could not be loaded. str(): 'connection refused (...)'."""

    def __init__(self, reason: str, code: str, url: str):
        super().__init__(f"{reason} ({code} loading {url})")
        self.reason, self.code, self.url = reason, code, url


def from_code(code: str, url: str) -> SiteUnreachable:
    return SiteUnreachable(REASONS.get(code, code[4:].lower().replace("_", " ")), code, url)


def from_message(message: str | None, url: str) -> SiteUnreachable | None:
    """The SiteUnreachable a chromedriver error message describes, or None if it is another
    kind of error."""
    found = NET_ERROR.search(message or "")
    return from_code(found.group(1), url) if found else None


def from_page(current_url: str, source: str, url: str) -> SiteUnreachable | None:
    """Chromium's own error page shown in place of the site's, or None."""
    if not current_url.startswith("chrome-error://"):
        return None
    found = NET_ERROR.search(source)
    return from_code(found.group(1) if found else "ERR_FAILED", url)
