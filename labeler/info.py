"""What the label view shows next to a face: its box in the source image and a model's top-3.

The box comes from the extraction stage's `faces` table when the corpus has one. Its columns
are read from the table itself, so either a corner form (left, top, right, bottom / x0..y1) or
an origin-size form (x, y, w, h) works, and a face without a row (an imported crop) just has
no box. A face item's meta may also carry {"box": [x, y, w, h]}.
"""
from __future__ import annotations

import json
import sqlite3

_FACE_KEYS = ("face_id", "item_id", "face_item_id", "id")
_CORNERS = (("left", "top", "right", "bottom"), ("x0", "y0", "x1", "y1"),
            ("box_left", "box_top", "box_right", "box_bottom"))
_SIZES = (("x", "y", "w", "h"), ("x", "y", "width", "height"),
          ("box_x", "box_y", "box_w", "box_h"))


def _box_sql(db) -> tuple[str, str, bool] | None:
    """(SELECT statement, form, takes the parent id) for this corpus' faces table, or None."""
    try:
        cols = {r[1] for r in db.execute("PRAGMA table_info(faces)")}
    except Exception:
        return None
    key = next((k for k in _FACE_KEYS if k in cols), None)
    if not cols or key is None:
        return None
    # One face item can sit in several images (byte-identical crops): prefer its parent's row.
    image = next((k for k in ("image_id", "parent_id") if k in cols), None)
    where = f"WHERE {key}=?" + (f" ORDER BY ({image} IS ?) DESC" if image else "")
    for form, options in (("corners", _CORNERS), ("size", _SIZES)):
        for names in options:
            if set(names) <= cols:
                return f"SELECT {', '.join(names)} FROM faces {where} LIMIT 1", form, bool(image)
    if "box" in cols:
        return f"SELECT box FROM faces {where} LIMIT 1", "json", bool(image)
    return None


class Boxes:
    def __init__(self, db):
        self.db = db
        self._sql = _box_sql(db)

    def box(self, row: dict) -> tuple[int, int, int, int] | None:
        """(x, y, w, h) of the face in its parent image, or None when unknown."""
        meta_box = _meta_box(row)
        if meta_box or self._sql is None:
            return meta_box
        sql, form, by_parent = self._sql
        args = (row["id"], row.get("parent_id")) if by_parent else (row["id"],)
        try:
            found = self.db.execute(sql, args).fetchone()
        except Exception:
            return None
        if found is None:
            return None
        if form == "json":
            return _as_box(found[0])
        a, b, c, d = (float(v) for v in found)
        if form == "corners":
            return (round(a), round(b), round(c - a), round(d - b))
        return (round(a), round(b), round(c), round(d))


def _meta_box(row: dict):
    if not row.get("meta"):
        return None
    try:
        return _as_box(json.loads(row["meta"]).get("box"))
    except (ValueError, AttributeError):
        return None


def _as_box(value):
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    if isinstance(value, dict):
        value = [value.get(k) for k in ("x", "y", "w", "h")]
    if isinstance(value, (list, tuple)) and len(value) == 4:
        try:
            return tuple(round(float(v)) for v in value)
        except (TypeError, ValueError):
            return None
    return None


# An out-of-sample row (a model that never trained on the face: crossval) is the honest
# opinion of a face's label, so it is shown before a newer in-sample one.
PREFERRED = " ORDER BY (sample = 'oos') DESC, at DESC"
SAMPLE_NOTE = {"oos": "out-of-sample", "in": "IN-SAMPLE: trained on this face",
               "unknown": "in- or out-of-sample unknown"}


def shown_prediction(db, item_id: int, k: int = 3) -> dict | None:
    """{model, sample, fold, top: [(class, prob)] best first} of the prediction to show."""
    row = db.execute("SELECT model, classes, probs, sample, fold FROM predictions"
                     " WHERE item_id=?" + PREFERRED + " LIMIT 1", (item_id,)).fetchone()
    if row is None:
        return None
    try:
        pairs = list(zip(json.loads(row[1]), (float(p) for p in json.loads(row[2]))))
    except (ValueError, TypeError):
        pairs = []
    pairs.sort(key=lambda cp: -cp[1])
    return {"model": row[0], "sample": row[3], "fold": row[4], "top": pairs[:k]}


def top_predictions(db, item_id: int, k: int = 3) -> tuple[str | None, list[tuple[str, float]]]:
    """(model, [(class, prob)] best first) of the prediction shown for the item."""
    shown = shown_prediction(db, item_id, k)
    return (shown["model"], shown["top"]) if shown else (None, [])


def describe_prediction(shown: dict | None) -> str:
    if not shown or not shown["top"]:
        return "no model predictions"
    fold = f", fold {shown['fold']}" if shown["fold"] else ""
    return (f"model {shown['model']} ({SAMPLE_NOTE.get(shown['sample'], shown['sample'])}"
            f"{fold}):\n" + "\n".join(f"  {c:<9} {p:6.1%}" for c, p in shown["top"]))


def issue_of(db, item_id: int) -> dict | None:
    """The face's row in `curate issues`' ranking (label_issues), or None."""
    try:
        row = db.execute("SELECT rank, score, given, suggested, reasons, (SELECT COUNT(*)"
                         " FROM label_issues) FROM label_issues WHERE item_id=?",
                         (item_id,)).fetchone()
    except sqlite3.OperationalError:           # no `curate issues` run on this corpus yet
        return None
    if row is None:
        return None
    try:
        reasons = json.loads(row[4])
    except ValueError:
        reasons = [str(row[4])]
    return {"rank": row[0], "score": row[1], "given": row[2], "suggested": row[3],
            "reasons": reasons, "of": row[5]}


def describe_issue(issue: dict | None) -> str:
    if issue is None:
        return ""
    suggestion = {None: "(look: no suggestion)", "reject": "reject"}.get(
        issue["suggested"], issue["suggested"])
    return (f"ISSUE {issue['rank']}/{issue['of']}  score {issue['score']:.2f}:  given "
            f"{issue['given'] or '-'} -> suggested {suggestion}   [a accepts]\n"
            + "\n".join(f"  {r}" for r in issue["reasons"][:3]))
