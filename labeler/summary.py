"""What there is to label in a corpus, without opening a window (demo step, --summary)."""
from __future__ import annotations

import os
import sqlite3


def summarize(corpus) -> dict:
    db = corpus.db
    per_label = {}
    for label, reviewed, n in db.execute(
            "SELECT label, reviewed, COUNT(*) FROM items WHERE kind='face' AND status='ok'"
            " GROUP BY label, reviewed"):
        entry = per_label.setdefault(label or "unlabeled", {"unreviewed": 0, "reviewed": 0})
        entry["reviewed" if reviewed else "unreviewed"] += n
    one = lambda sql: db.execute(sql).fetchone()[0]   # noqa: E731
    return {
        "faces": one("SELECT COUNT(*) FROM items WHERE kind='face' AND status IN ('ok','rejected')"),
        "unreviewed": one("SELECT COUNT(*) FROM items WHERE kind='face' AND status='ok'"
                          " AND reviewed=0"),
        "rejected": one("SELECT COUNT(*) FROM items WHERE kind='face' AND status='rejected'"),
        "scored": one("SELECT COUNT(DISTINCT item_id) FROM predictions"),
        "issues": one("SELECT COUNT(*) FROM label_issues") if db.execute(
            "SELECT 1 FROM sqlite_master WHERE name='label_issues'").fetchone() else 0,
        "labelers": [r[0] for r in db.execute(
            "SELECT DISTINCT user FROM label_events WHERE user IS NOT NULL AND undone=0"
            " AND new_source='human' ORDER BY user")],
        "per_label": per_label,
    }


def busiest_label(summary: dict) -> str | None:
    """The labeled class with the most unreviewed faces: the best first review session."""
    labeled = {k: v["unreviewed"] for k, v in summary["per_label"].items()
               if k != "unlabeled" and v["unreviewed"]}
    return max(sorted(labeled), key=labeled.get) if labeled else None


def format_summary(summary: dict) -> str:
    lines = [f"{summary['faces']} faces: {summary['unreviewed']} unreviewed, "
             f"{summary['rejected']} rejected, {summary['scored']} scored by a model"]
    for label, e in sorted(summary["per_label"].items()):
        lines.append(f"  {label:<10} {e['unreviewed']:>6} unreviewed {e['reviewed']:>6} reviewed")
    if summary["labelers"]:
        lines.append("labeled by: " + ", ".join(summary["labelers"]))
    return "\n".join(lines)


def shown_path(root) -> str:
    """The corpus path as the user would type it: relative when under the working folder."""
    rel = os.path.relpath(root)
    return str(root) if rel.startswith("..") else rel


def empty_queue_hint(corpus, path: str | None = None, python: str = "python") -> str:
    """Why there is nothing to label, and the command that makes something to label.

    A corpus straight from the scraper or `curate import images` holds images, not faces:
    the labeler shows faces only, so it names the extraction step instead of just "nothing".
    """
    db, path = corpus.db, path or shown_path(corpus.root)
    one = lambda sql: db.execute(sql).fetchone()[0]   # noqa: E731
    faces = one("SELECT COUNT(*) FROM items WHERE kind='face' AND status IN ('ok','rejected')")
    images = one("SELECT COUNT(*) FROM items WHERE kind IN ('image','frame') AND status='ok'")
    extract = f"{python} -m curate extract {path}"
    if faces == 0 and images:
        return (f"This corpus has {images} images but no faces yet. Cut the faces out of "
                f"them first:\n  {extract}\nthen open the labeler again.")
    if faces == 0:
        return (f"This corpus has no images or faces yet: add images with `{python} -m "
                f"scraper` or `{python} -m curate import`, then run\n  {extract}")
    # Images with no face cut from them and no extraction record were never searched.
    unsearched = ("SELECT COUNT(*) FROM items i WHERE kind IN ('image','frame') AND status='ok'"
                  " AND NOT EXISTS (SELECT 1 FROM items f WHERE f.parent_id = i.id)")
    try:
        pending = one(unsearched + " AND id NOT IN (SELECT image_id FROM extractions)")
    except sqlite3.OperationalError:        # no extractions table: never extracted here
        pending = one(unsearched)
    hint = (f"None of its {faces} faces matches these filters; --status all shows reviewed "
            f"faces too.")
    if pending:
        hint += f"\n{pending} images are not yet searched for faces:\n  {extract}"
    return hint
