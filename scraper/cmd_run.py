"""Scrape every class's queries from a classes TOML file into a corpus.

  python -m scraper run --config classes.toml --out datasets/mine
  python -m scraper run --config classes.toml --out datasets/demo \\
      --base-url http://127.0.0.1:8765 --max-results 10 --queries-per-class 1

Images are labelled with their class (label_source 'query'); classes not yet in the corpus
taxonomy are added to it. Kill it at any moment and run the same command again: finished
queries are not browsed again and no image is fetched or stored twice.
Exit codes: 0 done, 3 some query was blocked (named), 5 the search site could not be reached
(named: connection refused, host not found, ...), 4 a page was not recognised, 6 some
downloads still fail with a transient error (rerun to retry), 1 other.
"""
from __future__ import annotations

import sys

from .cmd_query import add_common, run_queries
from .config import ConfigError, load_config


def add_arguments(p) -> None:
    p.add_argument("--config", default="classes.toml", help="classes TOML file")
    p.add_argument("--classes", help="only these classes, comma-separated")
    p.add_argument("--queries-per-class", type=int, default=None, metavar="N",
                   help="only the first N queries of each class")
    add_common(p)


def main(args) -> int:
    try:
        cfg = load_config(args.config)
        cfg = cfg.select([c.strip() for c in args.classes.split(",")] if args.classes else None)
    except ConfigError as exc:
        print(f"scraper: {exc}", file=sys.stderr)
        return 2
    pairs = [(q, c.name) for c in cfg.classes for q in c.queries[:args.queries_per_class]]
    return run_queries(args, pairs, cfg.defaults)
