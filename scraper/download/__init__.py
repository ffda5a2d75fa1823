"""Download search results into a corpus: parallel, polite per host, resumable, nothing dropped.

    from scraper.download import Downloader, Job, Summary
    summary = Downloader(corpus).run([Job(url, "happy", {"engine": "bing", "query": q, ...})])

Modules: summary.py (Job, Summary), fetch.py (one HTTP GET with retries and caps),
limits.py (per-host concurrency and delay), reasons.py (which failures a rerun retries),
downloader.py (the pool and the single catalog writer).
"""
from .downloader import Downloader
from .fetch import FetchError, Fetcher
from .reasons import is_transient
from .summary import Job, Summary

__all__ = ["Downloader", "Job", "Summary", "Fetcher", "FetchError", "is_transient"]
