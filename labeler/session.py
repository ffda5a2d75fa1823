"""Every user action, written to the catalog (one transaction) before the screen moves on.

After each commit the session prints an `ACK ...` line and updates its counters; a view only
redraws after that, so whatever the user saw acknowledged survives kill -9.
"""
from __future__ import annotations

import sys
import time
from collections import Counter, deque

REJECT_REASON = "rejected in labeler: not a face / unusable"


class Session:
    def __init__(self, corpus, queue, user: str, *, out=None):
        self.corpus = corpus
        self.queue = queue
        self.user = user
        self.out = out if out is not None else sys.stdout
        self.counts = Counter()
        for label, status, n in corpus.db.execute(
                "SELECT label, status, COUNT(*) FROM items WHERE kind='face'"
                " AND status IN ('ok', 'rejected') GROUP BY label, status"):
            self.counts[_bucket(label, status)] += n
        self._times: deque[float] = deque(maxlen=500)

    # ------------------------------------------------------------------ actions
    def label(self, item_id: int, cls: str) -> dict:
        old = self.queue.row(item_id)
        self.corpus.set_label(item_id, cls, source="human", user=self.user, reviewed=True,
                              restore=old["status"] != "ok")
        return self._done("label", item_id, old, cls)

    def reject(self, item_id: int) -> dict:
        old = self.queue.row(item_id)
        self.corpus.set_status(item_id, "rejected", reason=REJECT_REASON, user=self.user,
                               reviewed=True)
        return self._done("reject", item_id, old)

    def restore(self, item_id: int) -> dict:
        old = self.queue.row(item_id)
        self.corpus.set_status(item_id, "ok", user=self.user, reviewed=True)
        return self._done("restore", item_id, old)

    def keep(self, item_id: int) -> dict:
        old = self.queue.row(item_id)
        self.corpus.mark_reviewed(item_id, user=self.user)
        return self._done("keep", item_id, old)

    def accept(self, item_ids: list[int]) -> list[int]:
        """Mark a review page's not-yet-reviewed faces reviewed, all in one transaction."""
        rows = self.queue.rows(item_ids)
        todo = [i for i in item_ids if i in rows and not rows[i]["reviewed"]]
        with self.corpus.transaction():
            for item_id in todo:
                self.corpus.mark_reviewed(item_id, user=self.user)
        for item_id in todo:
            self.queue.refresh(item_id)
        self._tick()
        self._ack(f"accept {len(todo)} {','.join(map(str, todo))}")
        return todo

    def undo(self) -> int | None:
        """Undo this user's newest action (any session, any day). Returns the item id."""
        ev = self.corpus.undo(user=self.user)
        if ev is None:
            self._ack("undo none")
            return None
        item_id = ev["item_id"]
        self.counts[_bucket(ev["new_label"], ev["new_status"])] -= 1
        self.counts[_bucket(ev["old_label"], ev["old_status"])] += 1
        self.queue.refresh(item_id)
        self._ack(f"undo {ev['action']} {item_id}")
        return item_id

    # ------------------------------------------------------------------ bookkeeping
    def _done(self, action: str, item_id: int, old: dict, extra: str = "") -> dict:
        new = self.queue.refresh(item_id)
        self.counts[_bucket(old["label"], old["status"])] -= 1
        self.counts[_bucket(new["label"], new["status"])] += 1
        self._tick()
        self._ack(f"{action} {item_id} {extra}".rstrip())
        return new

    def _tick(self) -> None:
        self._times.append(time.monotonic())

    def _ack(self, text: str) -> None:
        print(f"ACK {text}", file=self.out, flush=True)

    def rate(self) -> float:
        """Actions per minute over the last five minutes of work."""
        now = time.monotonic()
        recent = [t for t in self._times if now - t <= 300]
        if len(recent) < 2:
            return 0.0
        span = max(now - recent[0], 1.0)
        return 60.0 * len(recent) / span

    def class_counts(self, classes) -> list[tuple[str, int]]:
        out = [(c, self.counts[c]) for c in classes]
        out.append(("unlabeled", self.counts["unlabeled"]))
        out.append(("rejected", self.counts["rejected"]))
        return out


def _bucket(label, status) -> str:
    if status == "rejected":
        return "rejected"
    if status != "ok":
        return "other"
    return label or "unlabeled"
