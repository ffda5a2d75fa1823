"""image_url -> bytes through the scraper's Fetcher, never into the server's own network.

Unless --allow-private-urls is given, every address a host resolves to, on every redirect hop,
must be a public unicast one (or inside a network named by --allow-url-address: an intranet
image host, without opening the rest), and the connection goes to the address that was checked
(scraper/download/pinned.py), so a DNS answer that changes between check and connect
(rebinding) cannot reach 127.0.0.1 or a cloud metadata address.
"""
from __future__ import annotations

import ipaddress

from scraper.download import FetchError, Fetcher
from scraper.download.pinned import refuse_non_public

from .errors import ApiError

USER_AGENT = "ferkit-serve/0.1 (+image_url fetch)"


class UrlSource:
    def __init__(self, *, max_bytes: int, timeout: float, allow_private: bool,
                 allow_networks=()):
        self.allow_private = allow_private
        guard = None if allow_private else refuse_non_public
        if guard and allow_networks:
            guard = allow_networks_guard(allow_networks)
        self.fetcher = Fetcher(timeout=(min(5.0, timeout), timeout), max_bytes=max_bytes,
                               retries=0, max_redirects=5, deadline=timeout,
                               user_agent=USER_AGENT, address_guard=guard)

    def get(self, url: str) -> tuple[bytes, str]:
        """(body, final url); runs in a worker thread (requests blocks)."""
        try:
            data, _status, final_url = self.fetcher.fetch_bytes(url)
        except FetchError as exc:
            raise _api_error(exc) from None
        return data, final_url

    def close(self) -> None:
        self.fetcher.close()


def allow_networks_guard(networks):
    """refuse_non_public, except for addresses inside `networks` (CIDR strings)."""
    nets = [ipaddress.ip_network(n, strict=False) for n in networks]

    def guard(host: str, ip: str) -> None:
        addr = ipaddress.ip_address(ip.split("%", 1)[0])
        if not any(addr.version == n.version and addr in n for n in nets):
            refuse_non_public(host, ip)
    return guard


def _api_error(exc: FetchError) -> ApiError:
    if exc.reason == "address refused":
        return ApiError(400, "url_refused", f"{exc.detail}; this server does not fetch "
                                            f"addresses inside its own network")
    if exc.reason in ("unsupported scheme", "invalid url"):
        return ApiError(400, "bad_url", f"{exc.reason}: {exc.detail}")
    if exc.reason == "too large":
        return ApiError(413, "too_large", f"the image at that URL is too large ({exc.detail})")
    return ApiError(422, "fetch_failed", f"could not fetch the image: {exc}")
