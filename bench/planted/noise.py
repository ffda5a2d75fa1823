"""The benchmark's corpus (fer2013_full/train, or a seeded subset), its planted flips, timing."""
from __future__ import annotations

import os
import random
import resource
import sys
import time
from pathlib import Path

from bench.results import SHARED
from corpus import Corpus

DATA = SHARED / "fer2013_full"
PAIRS = (("sad", "neutral"), ("fear", "surprise"), ("angry", "disgust"))
NOISE_USER, CLEANER = "bench-noise", "bench-cleaner"


def load_avg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


class Clock:
    """Wall and CPU seconds (all threads of this process) per named step."""

    def __init__(self):
        self.steps: dict[str, dict] = {}

    def __call__(self, name: str):
        clock = self

        class _Step:
            def __enter__(self):
                self.t, self.cpu = time.perf_counter(), cpu_seconds()
                print(f"[{time.strftime('%H:%M:%S')}] {name} (load {load_avg()})",
                      file=sys.stderr, flush=True)

            def __exit__(self, *exc):
                clock.steps[name] = {"wall_s": round(time.perf_counter() - self.t, 1),
                                     "cpu_s": round(cpu_seconds() - self.cpu, 1),
                                     "load_after": load_avg()}
        return _Step()


def cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


# ---------------------------------------------------------------- corpus and noise
def build(root: Path, limit: int | None, seed: int) -> dict[int, str]:
    """Import the train folder (or a seeded subset); returns item id -> true label."""
    files = sorted((p, p.parent.name) for p in (DATA / "train").glob("*/*.jpg"))
    random.Random(seed).shuffle(files)
    files = files[:limit] if limit else files
    c = Corpus(root)
    truth = {}
    for path, label in files:
        iid, created = c.add_bytes(path.read_bytes(), fmt="JPEG", kind="face", width=48,
                                   height=48, label=label, label_source="import", split="train",
                                   provenance={"source_dataset": "fer2013_full",
                                               "orig_name": path.name, "source_split": "train"})
        if created:
            truth[iid] = label
    c.close()
    return truth


def flips(truth: dict[int, str], seed: int) -> dict[int, str]:
    """The planted noise as item id -> wrong label, drawn from `seed` alone: the same seed
    gives the same flips, so a later step can replant them or read them without writing."""
    rng = random.Random(seed)
    classes = sorted(set(truth.values()))
    ids = sorted(truth)
    uniform = set(rng.sample(ids, round(0.10 * len(ids))))
    partner = {a: b for x, y in PAIRS for a, b in ((x, y), (y, x))}
    pool = [i for i in ids if i not in uniform and truth[i] in partner]
    paired = set(rng.sample(pool, min(len(pool), round(0.05 * len(ids)))))
    out = {i: rng.choice([x for x in classes if x != truth[i]]) for i in sorted(uniform)}
    out.update({i: partner[truth[i]] for i in sorted(paired)})
    return out


def plant(root: Path, truth: dict[int, str], seed: int) -> set[int]:
    wrong = flips(truth, seed)
    with Corpus(root, create=False) as c, c.transaction():
        for i, label in wrong.items():
            c.set_label(i, label, source="import", user=NOISE_USER)
    return set(wrong)


def true_labels(root: Path) -> dict[int, str]:
    """Item id -> label of a finished run's corpus, which must hold no planted noise: a run
    stopped before its end leaves it planted, and its labels are then not the truth."""
    with Corpus(root, create=False) as c:
        if c.db.execute("SELECT COUNT(*) FROM label_events WHERE user=? AND undone=0",
                        (NOISE_USER,)).fetchone()[0]:
            sys.exit(f"{root} still holds planted noise (a run was stopped before its end): "
                     f"undo it with python -m curate issues {root} --revert --user {NOISE_USER}")
        return dict(c.db.execute("SELECT id, label FROM items WHERE label IS NOT NULL"))
