"""Where benchmarks find the shared data and keep what they measured:
bench/results/NAME-<UTC time>.json (git-ignored)."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
# The real third-party data lives beside the checkout (../shared/data), never inside it;
# SHARED_DATA points elsewhere, e.g. on a machine where the checkout sits somewhere else.
SHARED = Path(os.environ.get("SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


def add_progress_flag(ap) -> None:
    """--no-progress on every benchmark, as on every long command of the suite: those with a
    bar drop it, the others accept the flag so one script line can pass it to any of them."""
    ap.add_argument("--no-progress", action="store_true", help="no progress bars")


def save(name: str, res: dict) -> Path:
    dest = RESULTS / f"{name}-{time.strftime('%Y%m%dT%H%M%S')}.json"
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(json.dumps(res, indent=2))
    print(f"results: {dest}")
    return dest
