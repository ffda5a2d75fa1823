"""Parse a saved search-results page offline and print one JSON object per result.

Each line has image_url, thumbnail_url, source_page, title, width, height (null where the page
does not say). Exit codes: 0 results printed (possibly none, for a recognised empty page);
3 the page is a block / consent / captcha / "enable JavaScript" page (reason on stderr);
4 the markup is not recognised as that engine's results; 2 bad arguments or unreadable file.

example:
  python -m scraper parse --engine bing ../shared/data/search_pages/bing/retrievalgo_bing_images_golang_gopher.html
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from scraper.engines import ENGINES, BlockedPage, Result, UnrecognisedPage, get_engine

EXIT_BLOCKED, EXIT_UNRECOGNISED = 3, 4


def parse_file(engine: str, path: str | Path, page_url: str | None = None) -> list[Result]:
    """Results of a saved page; raises BlockedPage / UnrecognisedPage like Engine.parse."""
    data = sys.stdin.buffer.read() if str(path) == "-" else Path(path).read_bytes()
    text = data.decode("utf-8", errors="replace")
    return get_engine(engine).parse(text, page_url=page_url)


def add_arguments(p) -> None:
    p.add_argument("--engine", required=True, choices=sorted(ENGINES),
                   help="which engine's markup the file holds")
    p.add_argument("file", help="saved results page (HTML, or JSON for duckduckgo); - for stdin")
    p.add_argument("--page-url", default=None,
                   help="URL the page was loaded from, to resolve relative links")
    p.add_argument("--no-progress", action="store_true",
                   help="accepted for scripts (this command draws no progress bar)")


def main(args) -> int:
    prog = "scraper parse"
    try:
        results = parse_file(args.engine, args.file, args.page_url)
    except OSError as exc:
        print(f"{prog}: cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as exc:
        print(f"{prog}: engine {args.engine!r} is not available: {exc}", file=sys.stderr)
        return 2
    except BlockedPage as exc:
        print(f"{prog}: blocked: {exc}", file=sys.stderr)
        return EXIT_BLOCKED
    except UnrecognisedPage as exc:
        print(f"{prog}: unrecognised: {exc}", file=sys.stderr)
        return EXIT_UNRECOGNISED
    try:
        for res in results:
            sys.stdout.write(json.dumps(res.to_dict(), ensure_ascii=False) + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader (e.g. `| head`) has gone: not an error. Point stdout at devnull so the
        # interpreter's final flush does not complain either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    print(f"{prog}: {len(results)} results", file=sys.stderr)
    return 0
