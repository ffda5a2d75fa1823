"""Counts by source x class x split x status, duplicates and label conflicts.

Prints a readable table (or the JSON document on one line with --json, the JSON-lines
convention of every command; schema in docs/curate.md) and
writes the class-balance chart CORPUS/reports/class_balance.png (stacked by split and by
source).

example:
  python -m curate stats datasets/demo
  python -m curate stats datasets/demo --json > stats.json
"""
from __future__ import annotations

from corpus import Corpus
from corpus.cli import print_json

from .cli_options import add_no_progress


def add_arguments(parser) -> None:
    parser.add_argument("corpus", help="corpus directory")
    parser.add_argument("--json", action="store_true",
                        help="print the JSON document instead, on one line")
    parser.add_argument("--no-chart", action="store_true",
                        help="skip reports/class_balance.png")
    add_no_progress(parser, shows_bar=False)


def main(args) -> int:
    from .stats import chart, collect, format_table
    corpus = Corpus(args.corpus, create=False)   # not a corpus: the CLI says so, exit 2
    with corpus:
        stats = collect(corpus)
        if not args.no_chart:
            stats["chart"] = chart(stats, corpus.root / "reports" / "class_balance.png")
    if args.json:
        print_json(stats)
    else:
        print(format_table(stats))
        if stats.get("chart"):
            print(f"\nchart: {stats['chart']}")
    return 0
