"""Open a corpus in the labeling GUI: clean scraped faces page by page, or label one by one.

  python -m labeler datasets/demo --mode review --label happy     # clean 500 "happy" faces
  python -m labeler datasets/demo --mode label --user alice       # hand-label, keys 1..9
  python -m labeler datasets/demo --source web                    # confirm web corrections

Every key press is committed to the catalog before the screen moves on; the app reopens at the
first unreviewed face, and ctrl+z undoes your actions one by one, across restarts. Press ? in
the window for the key map.
"""
from __future__ import annotations

import argparse
import os
import sys

from corpus.catalog import LABEL_SOURCES

from .queue import ORDERS, STATUS_FILTERS


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m labeler", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("corpus", help="corpus directory (e.g. datasets/demo)")
    p.add_argument("--mode", choices=("review", "label"), default="label",
                   help="review: 6x4 pages of one label, toggle rejects, Return accepts; "
                        "label: one face at a time (default)")
    p.add_argument("--label", metavar="CLASS",
                   help="only faces currently labeled CLASS (any spelling the taxonomy knows)")
    p.add_argument("--status", choices=tuple(STATUS_FILTERS), default="unreviewed",
                   help="unreviewed (default): not yet reviewed, not rejected; all: ok and "
                        "rejected; rejected: only rejected faces (to rescue some)")
    p.add_argument("--order", choices=ORDERS, default="id",
                   help="id (default), random (stable across restarts, see --seed), or "
                        "confidence: faces whose label the model most doubts first")
    p.add_argument("--source", choices=LABEL_SOURCES,
                   help="only faces whose current label came from SOURCE; web: the corrections "
                        "people sent from `python -m serve`'s page or API, to confirm or fix")
    p.add_argument("--seed", default="0", help="seed of --order random (default 0)")
    p.add_argument("--user", help="name stored with every label (default: login name)")
    p.add_argument("--summary", action="store_true",
                   help="print what there is to label and a command to start, open no window")
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    from corpus import Corpus, CorpusError, TaxonomyError
    from .queue import QueueError
    try:
        corpus = Corpus(args.corpus, create=False)
    except CorpusError as exc:
        print(f"labeler: {exc}", file=sys.stderr)
        return 2
    if args.summary:
        return print_summary(corpus, args.corpus)
    import tkinter as tk
    from .app import LabelerApp
    try:
        app = LabelerApp(corpus, mode=args.mode, label=args.label, status=args.status,
                         order=args.order, user=args.user, seed=args.seed, source=args.source)
    except (QueueError, TaxonomyError) as exc:
        print(f"labeler: {exc}", file=sys.stderr)
        return 2
    except tk.TclError as exc:
        print(f"labeler: cannot open a window ({exc}); is DISPLAY set?", file=sys.stderr)
        if not corpus.count(kind="face"):       # a window would have had nothing to show
            from .summary import empty_queue_hint
            print(f"labeler: and there is nothing to label yet. "
                  f"{empty_queue_hint(corpus, args.corpus, python())}", file=sys.stderr)
        return 2
    q = app.queue
    print(f"READY {len(q)} faces, {q.done} reviewed, starting at {q.pos + 1}", flush=True)
    if not len(q):
        from .summary import empty_queue_hint
        print(f"labeler: nothing to label. {empty_queue_hint(corpus, args.corpus, python())}",
              file=sys.stderr, flush=True)
    try:
        return app.run()
    except KeyboardInterrupt:
        return 130
    finally:
        corpus.close()


def python() -> str:
    """This interpreter as the user would type it (.venv/bin/python from the repository)."""
    py = os.path.relpath(sys.executable)
    return sys.executable if py.startswith("..") else py


def print_summary(corpus, path: str) -> int:
    from .summary import busiest_label, empty_queue_hint, format_summary, summarize
    s = summarize(corpus)
    py = python()
    hint = empty_queue_hint(corpus, path, py) if not s["faces"] else None
    corpus.close()
    print(format_summary(s))
    if hint:
        print(hint)
    label = busiest_label(s)
    if label:
        print(f"clean the biggest class first:\n  {py} -m labeler {path} --mode review "
              f"--label {label}")
    if s["unreviewed"]:
        print(f"label one by one:\n  {py} -m labeler {path} --mode label"
              + (" --order confidence" if s["scored"] else ""))
    if s["issues"]:
        print(f"work through the {s['issues']} likely wrong labels (`curate issues`) first:\n"
              f"  {py} -m labeler {path} --mode label --order issues")
    return 0


if __name__ == "__main__":
    sys.exit(main())
