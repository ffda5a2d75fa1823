"""Serve a trained model: a web page and a REST API whose corrections land in the corpus.

  python -m serve --model runs/fer48 --corpus datasets/web
  python -m serve --model runs/fer48 --corpus datasets/web --host 0.0.0.0 --token "$TOKEN"

Open http://127.0.0.1:8000/ for the page, /docs for the API. Every uploaded photo becomes an
item of CORPUS (provenance engine 'web'), its faces are cut as `curate extract` would cut them,
and a correction sent from the page is an unreviewed label by web:<user>, shown by
`python -m labeler CORPUS --source web`. Off loopback a token is required.
"""
from __future__ import annotations

import argparse
import os
import socket
import sys
from pathlib import Path

from .config import TOKEN_ENV, ConfigError, Settings, check


def build_parser() -> argparse.ArgumentParser:
    d = Settings(Path("."), Path("."))
    p = argparse.ArgumentParser(prog="python -m serve", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="run directory of `python -m train fit`")
    p.add_argument("--corpus", required=True,
                   help="corpus that receives uploads and feedback (created if missing)")
    p.add_argument("--host", default=d.host, help=f"address to listen on (default {d.host})")
    p.add_argument("--port", type=int, default=d.port,
                   help=f"port (default {d.port}; 0 picks a free one and prints it)")
    p.add_argument("--token", default=os.environ.get(TOKEN_ENV),
                   help=f"bearer token for predict, feedback and images (default ${TOKEN_ENV}); "
                        f"required when --host is not loopback")
    p.add_argument("--allow-private-urls", action="store_true",
                   help="let image_url reach loopback, private and link-local addresses "
                        "(only for a server whose network holds nothing to protect)")
    p.add_argument("--allow-url-address", action="append", default=[], metavar="CIDR",
                   help="an address or network image_url may reach although it is not public, "
                        "e.g. an intranet image host (repeatable); every other address, "
                        "redirect hops included, is still checked")
    p.add_argument("--max-bytes", type=int, default=d.max_bytes,
                   help=f"largest upload or fetched image in bytes (default {d.max_bytes:,})")
    p.add_argument("--max-pixels", type=int, default=d.max_pixels,
                   help=f"largest image in pixels, read from its header (default "
                        f"{d.max_pixels:,})")
    p.add_argument("--rate-limit", type=float, default=d.rate, metavar="PER_SECOND",
                   help=f"requests per second per client (default {d.rate:g}; 0: off)")
    p.add_argument("--burst", type=int, default=d.burst,
                   help=f"requests a client may send at once (default {d.burst})")
    p.add_argument("--workers", type=int, default=d.workers,
                   help=f"threads for decoding and face detection (default {d.workers})")
    p.add_argument("--batch-window-ms", type=float, default=d.batch_window_ms,
                   help=f"how long the model waits to batch faces of concurrent requests "
                        f"(default {d.batch_window_ms:g})")
    p.add_argument("--verbose", action="store_true", help="access log and TensorFlow's messages")
    return p


def settings_from(args) -> Settings:
    return Settings(model=Path(args.model), corpus=Path(args.corpus), host=args.host,
                    port=args.port, token=args.token or None,
                    allow_private_urls=args.allow_private_urls,
                    allow_url_networks=tuple(args.allow_url_address), max_bytes=args.max_bytes,
                    max_pixels=args.max_pixels, rate=args.rate_limit, burst=args.burst,
                    workers=args.workers, batch_window_ms=args.batch_window_ms)


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    settings = settings_from(args)
    try:
        check(settings)
    except ConfigError as exc:
        print(f"serve: {exc}", file=sys.stderr)
        return 2
    from train.card import CardError, locate
    try:
        locate(settings.model)          # a wrong path fails here, before TensorFlow loads
    except (CardError, ValueError) as exc:
        print(f"serve: {exc}", file=sys.stderr)
        return 2
    import uvicorn

    from corpus import CorpusError
    from train.quiet import load_tensorflow

    from .app import create_app
    from .engine import Engine
    print(f"serve: loading {settings.model} ...", file=sys.stderr, flush=True)
    load_tensorflow(verbose=args.verbose)       # TensorFlow's start-up banners only if asked
    try:
        engine = Engine(settings)
    except (CardError, CorpusError, OSError, ValueError) as exc:
        print(f"serve: {exc}", file=sys.stderr)
        return 2
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((settings.host, settings.port))
    except OSError as exc:
        print(f"serve: cannot listen on {settings.host}:{settings.port}: {exc}", file=sys.stderr)
        engine.close()
        return 2
    port = sock.getsockname()[1]
    host = f"[{settings.host}]" if family == socket.AF_INET6 else settings.host
    app = create_app(settings, engine)
    config = uvicorn.Config(app, log_level="info" if args.verbose else "warning",
                            access_log=args.verbose, timeout_graceful_shutdown=5)

    class Server(uvicorn.Server):
        async def startup(self, sockets=None):
            await super().startup(sockets)
            if self.started:            # tests and scripts wait for this line
                print(f"serve: ready on http://{host}:{port}/ (API docs: /docs)", flush=True)

    Server(config).run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main())
