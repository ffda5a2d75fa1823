"""What goes into the downloader (Job) and what comes out of a run (Summary)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .reasons import is_transient


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
    failed: Counter = field(default_factory=Counter)   # this run's failures: short reason -> count
    # Skipped jobs whose last attempt, in an earlier run, failed for good (not retried without
    # retry_failed): short reason -> count. They are still failing, so they are shown.
    failed_before: Counter = field(default_factory=Counter)

    @property
    def n_failed(self) -> int:
        return sum(self.failed.values())

    @property
    def still_failing(self) -> Counter:
        """Every job of the run whose last attempt failed, this run or before: reason -> count."""
        return self.failed + self.failed_before

    @property
    def transient(self) -> Counter:
        """This run's failures a rerun will try again: reason -> count."""
        return Counter({r: n for r, n in self.failed.items() if is_transient(r)})

    def merge(self, other: "Summary") -> "Summary":
        self.found += other.found
        self.downloaded += other.downloaded
        self.duplicates += other.duplicates
        self.skipped += other.skipped
        self.failed.update(other.failed)
        self.failed_before.update(other.failed_before)
        return self

    def to_dict(self) -> dict:
        return {"found": self.found, "downloaded": self.downloaded,
                "duplicates": self.duplicates, "skipped": self.skipped,
                "failed": dict(self.failed.most_common()), "failed_total": self.n_failed,
                "failed_before": dict(self.failed_before.most_common()),
                "still_failing": sum(self.still_failing.values()),
                "transient": sum(self.transient.values())}

    def __str__(self) -> str:
        line = (f"found {self.found}, downloaded {self.downloaded}, duplicates {self.duplicates},"
                f" skipped {self.skipped}, failed {self.n_failed}")
        if self.failed:
            line += f" ({counts(self.failed)})"
        if self.failed_before:
            line += (f"; not retried: {sum(self.failed_before.values())} failed before"
                     f" ({counts(self.failed_before)})")
        return line


def counts(c: Counter) -> str:
    """'http 404: 2, too large: 1', most frequent first."""
    return ", ".join(f"{r}: {n}" for r, n in c.most_common())
