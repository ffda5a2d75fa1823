"""Options every `python -m curate` command shares.

--no-progress is accepted by every command, so a script can pass it to all of them without
knowing which ones draw a bar (a command with no long work simply has nothing to hide).
"""
from __future__ import annotations


def add_no_progress(parser, shows_bar: bool = True) -> None:
    parser.add_argument("--no-progress", action="store_true",
                        help="no progress bar" if shows_bar else
                        "accepted for scripts (this command draws no progress bar)")
