"""What there is to label in a corpus, without opening a window (demo step, --summary)."""
from __future__ import annotations


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
