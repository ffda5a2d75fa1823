"""What the sandbox shows for a query: a fixed, seeded list of results with their behaviours.

The same query always gives the same list (seeded by the query's SHA-256), so a test can ask
/sandbox/expected for it and compare with what the scraper collected. Most results are good
images; a few are slow, broken (404/500), HTML served as a .jpg, redirects, a second URL for
the same bytes, or a 429 with Retry-After on the first request: what a real crawl meets.
"""
from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

# Share of each misbehaviour, at least one of each once a query has 20+ results.
SPECIAL = {"slow": 0.06, "e404": 0.05, "e500": 0.04, "html": 0.04, "redir": 0.05,
           "dup": 0.05, "r429": 0.02}
# Kinds whose URL finally yields an image (dup yields bytes another result already has).
IMAGE_KINDS = ("ok", "slow", "redir", "r429", "dup")

WORDS = ("portrait", "close-up", "studio photo", "candid shot", "headshot", "face",
         "stock photo", "street photo", "selfie", "photograph")


@dataclass(frozen=True)
class Entry:
    rank: int
    kind: str
    pool_idx: int
    variant: int
    title: str

    @property
    def path(self) -> str:
        return f"/img/{self.kind}/{self.pool_idx}/{self.variant}.jpg"

    @property
    def thumb_path(self) -> str:
        # Named like Google's thumbnail host so the google parser treats it as a thumbnail.
        return f"/encrypted-tbn0/images?q=tbn:{self.pool_idx}_{self.variant}"

    @property
    def site_path(self) -> str:
        return f"/site/{self.pool_idx}/{self.variant}.html"


def seed_of(query: str) -> int:
    return int.from_bytes(hashlib.sha256(query.strip().casefold().encode()).digest()[:8], "big")


def plan(query: str, n: int, pool_size: int) -> list[Entry]:
    rng = random.Random(seed_of(query))
    kinds: list[str] = []
    if n >= 20:
        for kind, share in SPECIAL.items():
            kinds += [kind] * max(1, round(n * share))
    kinds += ["ok"] * (n - len(kinds))
    kinds = kinds[:n]
    rng.shuffle(kinds)
    if kinds and kinds[0] == "dup":      # a duplicate needs an earlier image to copy
        swap = kinds.index("ok") if "ok" in kinds else 0
        kinds[0], kinds[swap] = kinds[swap], kinds[0]
    base = seed_of(query) % 1_000_000
    entries: list[Entry] = []
    originals: list[Entry] = []
    for rank, kind in enumerate(kinds):
        title = f"{query} {rng.choice(WORDS)} #{rank + 1}"
        if kind == "dup" and originals:
            # Without replacement: two copies of one original would share one URL.
            src = originals.pop(rng.randrange(len(originals)))
            entries.append(Entry(rank, kind, src.pool_idx, src.variant, title))
            continue
        # Variants are distinct within a query, so distinct results are distinct files.
        entry = Entry(rank, kind, rng.randrange(pool_size), (base + rank * 7919) % 1_000_003, title)
        entries.append(entry)
        if kind in ("ok", "slow"):
            originals.append(entry)
    return entries
