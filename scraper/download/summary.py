"""What goes into the downloader (Job) and what comes out of a run (Summary)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Job:
    url: str
    label: str | None = None
    # engine, query, page_url (the results page), plus extras such as source_page, title,
    # width, height, thumbnail_url; everything here ends up in the item's provenance.
    provenance: dict = field(default_factory=dict)

    @property
    def key(self) -> tuple:
        """What makes a job 'already done' on a rerun: the same URL found by the same search."""
        return (self.provenance.get("engine"), self.provenance.get("query"), self.url)


@dataclass
class Summary:
    found: int = 0          # jobs given to run()
    downloaded: int = 0     # new items stored
    duplicates: int = 0     # bytes already in the corpus: provenance added to the existing item
    skipped: int = 0        # job already recorded by an earlier run, or repeated within this one
    failed: Counter = field(default_factory=Counter)   # short reason -> count

    @property
    def n_failed(self) -> int:
        return sum(self.failed.values())

    def merge(self, other: "Summary") -> "Summary":
        self.found += other.found
        self.downloaded += other.downloaded
        self.duplicates += other.duplicates
        self.skipped += other.skipped
        self.failed.update(other.failed)
        return self

    def to_dict(self) -> dict:
        return {"found": self.found, "downloaded": self.downloaded,
                "duplicates": self.duplicates, "skipped": self.skipped,
                "failed": dict(self.failed.most_common()), "failed_total": self.n_failed}

    def __str__(self) -> str:
        line = (f"found {self.found}, downloaded {self.downloaded}, duplicates {self.duplicates},"
                f" skipped {self.skipped}, failed {self.n_failed}")
        if self.failed:
            line += " (" + ", ".join(f"{r}: {n}" for r, n in self.failed.most_common()) + ")"
        return line
