"""Serve the offline image-search sandbox on 127.0.0.1: a Google-style results page with
infinite scroll, lazy thumbnails and a "Show more results" button, whose images come from a
folder of your own photos, with some slow, broken, duplicate, HTML-as-image, redirected and
rate-limited (429) results, deterministic per query.

  python -m scraper sandbox --pool ../shared/data/photos --port 8765
  python -m scraper query "happy human face" --label happy --out datasets/try \\
      --base-url http://127.0.0.1:8765

Pages: /search?q=...&tbm=isch (google engine), /images/search?q=... (bing markup),
/i.js?q=...&o=json (DuckDuckGo's JSON, 10 a page with a "next" URL),
/sandbox/expected?q=...[&detail=1] (the image URLs the page will show), "blocked captcha",
"blocked consent" and "blocked enablejs" queries answer with block pages.
"""
from __future__ import annotations

import sys

from .pool import HOW_TO, Pool, PoolError, default_pool_dirs
from .server import Sandbox, start_sandbox

__all__ = ["Pool", "PoolError", "Sandbox", "start_sandbox", "default_pool_dirs", "HOW_TO"]


def add_arguments(p) -> None:
    p.add_argument("--pool", action="append", metavar="DIR",
                   help="folder of images, searched recursively (repeatable); default: the "
                        "shared photos, muxspace and yalefaces folders under --shared-data")
    p.add_argument("--shared-data", default="../shared/data", help="where the default pool lives")
    p.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (0: any free port)")
    p.add_argument("--results", type=int, default=60, help="results per query")
    p.add_argument("--slow", type=float, default=1.0, help="seconds a 'slow' image takes")
    p.add_argument("--e500-fails", type=int, default=None, metavar="N",
                   help="the '500' results answer 500 to their first N requests only, then "
                        "the image (a server that comes back); default: 500 for ever")
    p.add_argument("--verbose", action="store_true", help="log every request")
    p.add_argument("--no-progress", action="store_true",
                   help="accepted for scripts (this command draws no progress bar)")


def main(args) -> int:
    dirs = args.pool or default_pool_dirs(args.shared_data)
    try:
        pool = Pool(dirs)
    except PoolError as exc:
        print(f"sandbox: {exc}", file=sys.stderr)
        return 2
    try:
        srv = Sandbox(pool, port=args.port, results=args.results, slow_s=args.slow,
                      e500_fails=args.e500_fails, verbose=args.verbose)
    except OSError as exc:
        print(f"sandbox: cannot listen on 127.0.0.1:{args.port}: {exc.strerror or exc} "
              f"(choose another --port, or --port 0 for any free one)", file=sys.stderr)
        return 2
    # The demo reads this line to learn the port when started with --port 0.
    print(f"sandbox: serving {len(pool)} pool images at {srv.url} "
          f"(try {srv.url}/search?q=happy+human+face&tbm=isch)", flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        srv.server_close()
    return 0
