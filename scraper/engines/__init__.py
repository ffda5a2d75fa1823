"""Engine registry: name -> module holding an Engine subclass called ENGINE."""
import importlib

from .base import BlockedPage, Engine, Result, UnrecognisedPage

ENGINES = {
    "google": "scraper.engines.google",
    "bing": "scraper.engines.bing",
    "duckduckgo": "scraper.engines.duckduckgo",
}


def get_engine(name: str, base_url: str | None = None) -> Engine:
    if name not in ENGINES:
        raise ValueError(f"unknown engine {name!r}; choose one of {', '.join(ENGINES)}")
    return importlib.import_module(ENGINES[name]).ENGINE(base_url)


__all__ = ["ENGINES", "get_engine", "Engine", "Result", "BlockedPage", "UnrecognisedPage"]
