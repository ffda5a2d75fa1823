"""Server settings and the checks made before anything is loaded."""
from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from pathlib import Path

TOKEN_ENV = "FERKIT_SERVE_TOKEN"


class ConfigError(ValueError):
    """Settings the server refuses to start with; the message says what to change."""


@dataclass(frozen=True)
class Settings:
    model: Path
    corpus: Path
    host: str = "127.0.0.1"
    port: int = 8000
    token: str | None = None
    allow_private_urls: bool = False
    allow_url_networks: tuple = ()       # CIDRs image_url may reach although not public
    max_bytes: int = 10_000_000          # one upload or fetched image
    max_pixels: int = 40_000_000         # width x height, read from the header before decoding
    rate: float = 10.0                   # requests per second per client; 0 = no limit
    burst: int = 20
    workers: int = field(default_factory=lambda: os.cpu_count() or 2)
    batch_window_ms: float = 5.0
    max_batch: int = 64                  # faces per model call
    url_timeout: float = 15.0            # seconds for one image_url, redirects included
    annotate_max_side: int = 1280        # the annotated copy is at most this long

    @property
    def auth(self) -> bool:
        return bool(self.token)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False            # a host name other than localhost may resolve anywhere


def check(settings: Settings) -> None:
    if not is_loopback(settings.host) and not settings.token:
        raise ConfigError(f"--host {settings.host} is reachable from other machines: give "
                          f"--token T (or set {TOKEN_ENV}) so that only holders of the token "
                          f"can upload, send feedback and read stored images")
    if settings.token is not None and len(settings.token) < 8:
        raise ConfigError("--token must be at least 8 characters")
    if not settings.corpus.joinpath("catalog.sqlite").is_file() and settings.corpus.exists() \
            and any(settings.corpus.iterdir()):
        raise ConfigError(f"{settings.corpus} is a non-empty folder but not a corpus")
    for name, value in (("max_bytes", settings.max_bytes), ("max_pixels", settings.max_pixels),
                        ("workers", settings.workers), ("max_batch", settings.max_batch)):
        if value < 1:
            raise ConfigError(f"{name} must be >= 1, got {value}")
    for net in settings.allow_url_networks:
        try:
            ipaddress.ip_network(net, strict=False)
        except ValueError:
            raise ConfigError(f"--allow-url-address {net!r} is not an IP address or network "
                              f"(e.g. 10.1.2.3 or 10.1.0.0/16)") from None
    if settings.rate < 0 or settings.burst < 1:
        raise ConfigError("--rate-limit must be >= 0 (0: off) and --burst >= 1")
