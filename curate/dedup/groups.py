"""Union-find over matching pairs, and the rule that picks the one item a group keeps.

Keep rule (documented in docs/curate.md): the best label source wins (human > import > query >
model > none), then a reviewed item, then the larger picture (width x height), then the oldest
item (lowest id: the original that later copies were derived from or found after).
"""
from __future__ import annotations

from typing import Iterable

SOURCE_RANK = {"human": 4, "import": 3, "query": 2, "model": 1}


class UnionFind:
    def __init__(self):
        self.parent: dict = {}

    def find(self, x):
        self.parent.setdefault(x, x)
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:          # path compression
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a, b) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # The smaller id becomes the root, so groups come out the same on every run.
            if rb < ra:
                ra, rb = rb, ra
            self.parent[rb] = ra

    def groups(self) -> list[list]:
        out: dict = {}
        for x in self.parent:
            out.setdefault(self.find(x), []).append(x)
        return sorted((sorted(g) for g in out.values() if len(g) > 1), key=lambda g: g[0])


def group_pairs(pairs: Iterable[tuple]) -> list[list]:
    uf = UnionFind()
    for a, b in pairs:
        uf.union(a, b)
    return uf.groups()


def keep_key(item) -> tuple:
    """Sort key: the smallest is kept. item: a mapping with label_source, reviewed, size, id."""
    area = (item["width"] or 0) * (item["height"] or 0)
    return (-SOURCE_RANK.get(item["label_source"], 0), -int(item["reviewed"] or 0), -area,
            item["id"])


def stars(members: list, close) -> list[list]:
    """Cut a connected component into groups where every member is close to its kept item.

    Union-find alone chains: a~b and b~c put a and c together even when they are far apart
    (on a posed set such as Yale, different expressions of one person chain into one group).
    Here the best item by keep_key takes everything close to it, then the best of the rest
    does the same, and so on. Returns groups of two or more, kept item first.
    """
    left = sorted(members, key=keep_key)
    out = []
    while left:
        kept, rest = left[0], left[1:]
        group = [kept] + [m for m in rest if close(kept, m)]
        taken = {m["id"] for m in group}
        left = [m for m in rest if m["id"] not in taken]
        if len(group) > 1:
            out.append(group)
    return out


def choose_kept(members: list) -> dict:
    return min(members, key=keep_key)


def conflicts(kept, members: list) -> list:
    """Members whose label disagrees with the kept one (unlabeled members never conflict)."""
    return [m for m in members if m["id"] != kept["id"] and m["label"] is not None
            and kept["label"] is not None and m["label"] != kept["label"]]
