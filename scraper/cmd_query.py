"""Scrape one image-search query into a corpus, labelled with a class (label_source 'query').

  python -m scraper query "happy human face" --label happy --out datasets/mine
  python -m scraper query "happy human face" --label happy --out datasets/try \\
      --base-url http://127.0.0.1:8765 --max-results 40        # the offline sandbox
  python -m scraper query "happy human face" --label happy --out datasets/mine \\
      --cluster tcp://10.0.0.5:8786                            # downloads on Dask workers

Kill it at any moment and run the same command again: it goes on where it stopped, and
downloads that failed with a transient error (network, timeout, 5xx, 429) are tried again.
Exit codes: 0 done (downloads that failed permanently, e.g. 404, are listed), 3 blocked
(captcha, consent, enable-JavaScript page; named), 5 the search site could not be reached
(connection refused, host not found, timed out; named), 4 the page was not recognised, 6 some
downloads still fail with a transient error (rerun to retry), 1 other failure or nothing found.
"""
from __future__ import annotations

import sys

from corpus import Corpus, TaxonomyError
from corpus.cluster import ClusterError, parse_cluster
from .pipeline import report, scrape_queries


def add_common(p) -> None:
    """Options shared by `query` and `run`."""
    p.add_argument("--out", required=True, metavar="CORPUS", help="corpus folder (created if new)")
    p.add_argument("--engine", default=None, help="search engine: google (default), bing, duckduckgo")
    p.add_argument("--base-url", help="engine site to use instead of the real one, e.g. the "
                                      "sandbox at http://127.0.0.1:8765")
    p.add_argument("--max-results", type=int, default=None, metavar="N",
                   help="results per query (default 100; 0: all the page gives)")
    p.add_argument("--workers", type=int, default=8, help="parallel downloads")
    p.add_argument("--per-host", type=int, default=4, help="parallel downloads per host")
    p.add_argument("--delay", type=float, default=0.0, help="seconds between requests to one host")
    p.add_argument("--user", help="who runs the scrape (kept in provenance)")
    p.add_argument("--refresh", action="store_true",
                   help="browse again even when an earlier run saved this query's results")
    p.add_argument("--retry-failed", action="store_true",
                   help="also try again downloads that failed permanently before (404, not an "
                        "image, too small, ...); transient failures are always retried")
    p.add_argument("--cluster", metavar="SPEC", help="fetch on Dask workers: local:N or "
                   "tcp://HOST:8786; one host is still never sent more than --per-host requests "
                   "at a time by the whole cluster (docs/downloader.md)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")


def run_queries(args, pairs, defaults: dict | None = None) -> int:
    defaults = defaults or {}
    if args.cluster:
        try:
            parse_cluster(args.cluster)     # before any browsing
        except ClusterError as exc:
            print(f"scraper: {exc}", file=sys.stderr)
            return 2
    max_results = args.max_results if args.max_results is not None \
        else defaults.get("max_results", 100)
    try:
        corpus = Corpus(args.out)
    except Exception as exc:
        print(f"scraper: cannot open corpus {args.out}: {exc}", file=sys.stderr)
        return 1
    try:
        outcomes = scrape_queries(
            corpus, pairs, engine=args.engine or defaults.get("engine", "google"),
            base_url=args.base_url or defaults.get("base_url"), max_results=max_results or None,
            workers=args.workers, per_host=args.per_host, delay=args.delay, user=args.user,
            refresh=args.refresh, retry_failed=args.retry_failed,
            progress=not args.no_progress,
            downloader_kw={"cluster": args.cluster} if args.cluster else None)
    except (ValueError, TaxonomyError, RuntimeError) as exc:
        print(f"scraper: {exc}", file=sys.stderr)
        return 1
    finally:
        corpus.close()
    text, code = report(outcomes)
    print(text)
    return code


def add_arguments(p) -> None:
    p.add_argument("query", help="what to search for")
    p.add_argument("--label", help="class the images get (e.g. happy); none: unlabelled")
    add_common(p)


def main(args) -> int:
    if not args.query.strip():
        print("scraper: the query is empty", file=sys.stderr)
        return 2
    return run_queries(args, [(" ".join(args.query.split()), args.label)])
