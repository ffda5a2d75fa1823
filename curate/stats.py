"""Counts by source x class x split x status, a class-balance chart, and the duplicate report.

collect(corpus) returns the JSON document `python -m curate stats --json` prints (schema in
docs/curate.md); chart() draws reports/class_balance.png from it.
"""
from __future__ import annotations

from collections import Counter, defaultdict

SCHEMA = "ferkit.stats/1"
UNLABELED = "(unlabeled)"
NO_SPLIT = "(none)"

# An item's source: its first provenance row naming a dataset or a search engine; a face with
# none (extraction does not copy provenance) inherits its source image's.
_ROWS = """
WITH src AS (
    SELECT item_id, COALESCE(source_dataset, engine) AS name, MIN(id)
    FROM provenance WHERE COALESCE(source_dataset, engine) IS NOT NULL GROUP BY item_id)
SELECT i.kind, COALESCE(s1.name, s2.name, 'unknown') AS source, i.label, i.split, i.status,
       COUNT(*) AS n
FROM items i LEFT JOIN src s1 ON s1.item_id = i.id LEFT JOIN src s2 ON s2.item_id = i.parent_id
GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
"""


def _has_table(corpus, name: str) -> bool:
    return corpus.db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?",
                             (name,)).fetchone() is not None


def _duplicates(corpus) -> dict:
    out = {"groups": 0, "items": 0, "conflicts": []}
    if not _has_table(corpus, "duplicate_groups"):
        return out
    out["groups"] = corpus.db.execute(
        "SELECT COUNT(*) FROM duplicate_groups WHERE method='kept'").fetchone()[0]
    out["items"] = corpus.db.execute(
        "SELECT COUNT(*) FROM duplicate_groups WHERE method!='kept'").fetchone()[0]
    for r in corpus.db.execute(
            "SELECT g.item_id, d.label, g.kept_id, k.label FROM duplicate_groups g"
            " JOIN items d ON d.id=g.item_id JOIN items k ON k.id=g.kept_id"
            " WHERE g.conflict=1 ORDER BY g.item_id"):
        out["conflicts"].append({"item": r[0], "label": r[1], "kept": r[2], "kept_label": r[3]})
    return out


def _web_feedback(corpus) -> dict:
    """Corrections sent through `python -m serve`: label events by web:<user>, and the faces
    whose label is such a correction still waiting for a curator (labeler --source web)."""
    events, faces, users = corpus.db.execute(
        "SELECT COUNT(*), COUNT(DISTINCT item_id), COUNT(DISTINCT user) FROM label_events"
        " WHERE user LIKE 'web:%' AND action='label' AND undone=0").fetchone()
    waiting = corpus.db.execute("SELECT COUNT(*) FROM items WHERE label_source='web'"
                                " AND reviewed=0 AND status='ok'").fetchone()[0]
    return {"events": events, "faces": faces, "users": users, "unreviewed": waiting}


def _label_conflicts(corpus) -> dict:
    """Import label conflicts (curate.importers.labels): one row per clashing source row.
    An item is open while it has no label (the import cleared it for a person to decide)."""
    out = {"items": 0, "open": 0, "conflicts": []}
    if not _has_table(corpus, "label_conflicts"):
        return out
    for r in corpus.db.execute(
            "SELECT c.item_id, c.source_dataset, c.source_id, c.label, c.other_label,"
            " i.label, i.label_source, p.orig_name FROM label_conflicts c"
            " JOIN items i ON i.id = c.item_id LEFT JOIN provenance p ON p.item_id = c.item_id"
            " AND p.source_dataset IS c.source_dataset AND p.source_id IS c.source_id"
            " GROUP BY c.id ORDER BY c.item_id, c.id"):
        out["conflicts"].append({"item": r[0], "source_dataset": r[1], "source_id": r[2],
                                 "orig_name": r[7], "label": r[3], "other_label": r[4],
                                 "current_label": r[5], "current_source": r[6]})
    items = {c["item"]: c["current_label"] for c in out["conflicts"]}
    out["items"], out["open"] = len(items), sum(v is None for v in items.values())
    return out


def collect(corpus) -> dict:
    rows = [{"kind": r[0], "source": r[1], "label": r[2], "split": r[3], "status": r[4],
             "count": r[5]} for r in corpus.db.execute(_ROWS)]
    by = defaultdict(Counter)
    for r in rows:
        for key in ("kind", "source", "status"):
            by[key][r[key]] += r["count"]
        if r["status"] == "ok":
            by["label"][r["label"] or UNLABELED] += r["count"]
            by["split"][r["split"] or NO_SPLIT] += r["count"]
    # The items a model trains on: ok faces if the corpus has any, else ok images.
    main_kind = "face" if any(r["kind"] == "face" for r in rows) else "image"
    table = defaultdict(Counter)
    for r in rows:
        if r["status"] == "ok" and r["kind"] == main_kind:
            table[r["label"] or UNLABELED][r["split"] or NO_SPLIT] += r["count"]
    reasons = [{"status": r[0], "reason": r[1], "count": r[2]} for r in corpus.db.execute(
        "SELECT status, reason, COUNT(*) FROM items WHERE status IN ('failed', 'rejected')"
        " GROUP BY 1, 2 ORDER BY 3 DESC, 2 LIMIT 10")]
    return {"schema": SCHEMA, "corpus": str(corpus.root), "classes": list(corpus.taxonomy),
            "total": sum(r["count"] for r in rows), "rows": rows,
            "by_kind": dict(by["kind"]), "by_status": dict(by["status"]),
            "by_source": dict(by["source"]), "by_class": dict(by["label"]),
            "by_split": dict(by["split"]), "main_kind": main_kind,
            "class_by_split": {k: dict(v) for k, v in sorted(table.items())},
            "duplicates": _duplicates(corpus), "label_conflicts": _label_conflicts(corpus),
            "top_reasons": reasons, "web_feedback": _web_feedback(corpus)}


def _order(stats, labels) -> list[str]:
    known = [c for c in stats["classes"] if c in labels]
    return known + sorted(set(labels) - set(known))


def chart(stats: dict, out) -> str:
    """Two stacked bar charts of ok items of the main kind per class: by split, by source."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    main = [r for r in stats["rows"] if r["status"] == "ok" and r["kind"] == stats["main_kind"]]
    labels = _order(stats, {r["label"] or UNLABELED for r in main})
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.8), sharey=True)
    for ax, key, empty in ((axes[0], "split", NO_SPLIT), (axes[1], "source", "unknown")):
        counts = defaultdict(Counter)
        for r in main:
            counts[r[key] or empty][r["label"] or UNLABELED] += r["count"]
        bottom = [0] * len(labels)
        for name in sorted(counts, key=lambda s: (["train", "val", "test"] + [s]).index(s)):
            vals = [counts[name][c] for c in labels]
            ax.bar(labels, vals, bottom=bottom, label=name)
            bottom = [b + v for b, v in zip(bottom, vals)]
        for x, total in enumerate(bottom):
            ax.text(x, total, str(total), ha="center", va="bottom", fontsize=8)
        ax.set_title(f"ok {stats['main_kind']}s per class, by {key}")
        ax.tick_params(axis="x", rotation=30)
        ax.legend(fontsize=8)
    axes[0].set_ylabel("items")
    fig.suptitle(f"class balance: {stats['corpus']}", fontsize=9)
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return str(out)


def format_table(stats: dict) -> str:
    lines = [f"{stats['total']} items in {stats['corpus']}",
             "by kind: " + ", ".join(f"{k} {v}" for k, v in sorted(stats["by_kind"].items())),
             "by status: " + ", ".join(f"{k} {v}" for k, v in sorted(stats["by_status"].items())),
             ""]
    table = stats["class_by_split"]
    splits = [s for s in ("train", "val", "test", NO_SPLIT)
              if any(s in row for row in table.values())]
    labels = _order(stats, table)
    w = max([len(x) for x in labels] + [12])
    lines.append(f"ok {stats['main_kind']}s, class x split:")
    lines.append(f"{'class':<{w}}" + "".join(f"{s:>9}" for s in splits) + f"{'total':>9}")
    for c in labels:
        row = table[c]
        lines.append(f"{c:<{w}}" + "".join(f"{row.get(s, 0):>9}" for s in splits)
                     + f"{sum(row.values()):>9}")
    lines.append(f"{'total':<{w}}" + "".join(
        f"{sum(table[c].get(s, 0) for c in labels):>9}" for s in splits)
        + f"{sum(sum(r.values()) for r in table.values()):>9}")
    lines.append("")
    per_source = defaultdict(Counter)
    for r in stats["rows"]:
        per_source[r["source"]][r["status"]] += r["count"]
    statuses = sorted(stats["by_status"])
    ws = max([len(s) for s in per_source] + [12])
    lines.append(f"{'source':<{ws}}" + "".join(f"{s:>11}" for s in statuses))
    for src in sorted(per_source):
        lines.append(f"{src:<{ws}}" + "".join(f"{per_source[src][s]:>11}" for s in statuses))
    d = stats["duplicates"]
    lines += ["", f"duplicates: {d['items']} items in {d['groups']} groups, "
                  f"{len(d['conflicts'])} label conflicts"]
    for c in d["conflicts"][:20]:
        lines.append(f"  conflict: item {c['item']} ({c['label']}) duplicates item "
                     f"{c['kept']} ({c['kept_label']})")
    w = stats.get("web_feedback") or {}
    if w.get("events"):
        lines.append(f"web feedback: {w['events']} corrections of {w['faces']} faces by "
                     f"{w['users']} users, {w['unreviewed']} waiting for review "
                     f"(python -m labeler CORPUS --source web)")
    lc = stats["label_conflicts"]
    lines.append(f"import label conflicts: {lc['items']} items ({lc['open']} still unlabeled)")
    for c in lc["conflicts"][:20]:
        lines.append(f"  item {c['item']} ({c['orig_name'] or c['source_id']}, "
                     f"{c['source_dataset']}): {c['label']} vs {c['other_label'] or 'earlier'};"
                     f" now {c['current_label'] or 'unlabeled'}")
    if len(lc["conflicts"]) > 20:
        lines.append(f"  ... and {len(lc['conflicts']) - 20} more (--json lists all)")
    for r in stats["top_reasons"]:
        lines.append(f"{r['status']} x{r['count']}: {r['reason']}")
    return "\n".join(lines)
