"""Builders the downloader tests share: a fast-retrying Downloader, a Job, the one stored item.
(The HTTP server and photo fixtures they use are in conftest.py.)"""
from scraper.download import Downloader, Job


def fast(corpus, **kw):
    """A downloader with tiny backoffs so retry tests take milliseconds, not seconds."""
    kw.setdefault("retries", 2)
    kw.setdefault("backoff", 0.01)
    kw.setdefault("progress", False)
    return Downloader(corpus, **kw)


def job(url, label=None, **prov):
    return Job(url, label, {"engine": "bing", "query": "happy human face",
                            "page_url": "http://127.0.0.1/results", **prov})


def only_item(corpus):
    rows = list(corpus.items(status=None))
    assert len(rows) == 1, [dict(r) for r in rows]
    return rows[0]

