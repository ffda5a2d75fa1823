"""Mapping a source's label spelling onto the corpus taxonomy, and recording conflicts.

Decision on classes outside FER2013's seven: an optional class the taxonomy knows
(contempt, from CK+ and muxspace) is added to the corpus taxonomy the first time a source
uses it, because a user importing CK+48 expects its seven folders back; a class a --map file
names explicitly is added too (the user asked for it). Anything else fails that row with a
reason naming the known classes, so a typo never becomes a new class.
"""
from __future__ import annotations


from corpus import now
from corpus.taxonomy import CLASS_NAME, FER_CLASSES, OPTIONAL_CLASSES, Taxonomy, TaxonomyError

CONFLICTS_DDL = """
CREATE TABLE IF NOT EXISTS label_conflicts (
    id             INTEGER PRIMARY KEY,
    item_id        INTEGER NOT NULL REFERENCES items(id),
    source_dataset TEXT,
    source_id      TEXT,
    label          TEXT,      -- what this source row says
    other_label    TEXT,      -- what the item carried before (NULL: an earlier conflict cleared it)
    other_source   TEXT,
    at             TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS label_conflicts_item ON label_conflicts(item_id);
"""

_KNOWN = Taxonomy(FER_CLASSES + OPTIONAL_CLASSES)


class LabelResolver:
    def __init__(self, corpus, mapping: dict[str, str] | None = None, log=print):
        self.corpus = corpus
        self.mapping = {Taxonomy._key(k): v for k, v in (mapping or {}).items()}
        self.log = log
        self.added: list[str] = []

    def resolve(self, raw: str | None) -> str | None:
        """The canonical class for a raw label, None for no label; TaxonomyError if unknown."""
        if raw is None or not str(raw).strip():
            return None
        key = Taxonomy._key(raw)
        explicit = key in self.mapping
        target = self.mapping.get(key, raw)
        if explicit and not target.strip():   # `name = ""` in a map file: keep, unlabeled
            return None
        tax = self.corpus.taxonomy
        try:
            return tax.canonical(target)
        except TaxonomyError:
            pass
        try:
            name = _KNOWN.canonical(target)
        except TaxonomyError:
            if not explicit:
                known = list(tax.classes) + [c for c in OPTIONAL_CLASSES if c not in tax]
                raise TaxonomyError(f"unknown class {raw!r}; known: {', '.join(known)} "
                                    f"(map it with --map FILE)")
            name = Taxonomy._key(target)
            if not CLASS_NAME.fullmatch(name):   # class names become export folder names
                raise TaxonomyError(f"--map target {target!r} is not a usable class name "
                                    f"(lower-case letters, digits, _ + -)")
        self.corpus.set_taxonomy(tax.with_classes([name]))
        self.added.append(name)
        self.log(f"corpus taxonomy extended with class {name!r} "
                 f"(fold it into another class with --map, e.g. {name} = \"neutral\")")
        return name


def reconcile(corpus, item_id: int, label: str | None, prov: dict) -> dict | None:
    """Same bytes seen again with a label: agree, adopt, or record a conflict (no silent pick).

    Returns the conflict recorded, or None. Runs inside the caller's transaction.
    """
    if label is None:
        return None
    row = corpus.item(item_id)
    if row["label"] == label:
        return None
    earlier = corpus.db.execute("SELECT 1 FROM label_conflicts WHERE item_id=? LIMIT 1",
                                (item_id,)).fetchone()
    if row["label"] is None and not earlier:
        corpus.set_label(item_id, label, source="import")
        return None
    conflict = {"item_id": item_id, "source_dataset": prov.get("source_dataset"),
                "source_id": prov.get("source_id"), "label": label,
                "other_label": row["label"], "other_source": row["label_source"]}
    corpus.db.execute("INSERT INTO label_conflicts (item_id, source_dataset, source_id, label,"
                      " other_label, other_source, at) VALUES (?,?,?,?,?,?,?)",
                      (*conflict.values(), now()))
    # A person's decision stands; a dataset's or a query's guess is withdrawn until reviewed.
    if row["label"] is not None and row["label_source"] != "human":
        corpus.set_label(item_id, None, source="import")
    return conflict


def conflicts(corpus, item_id: int | None = None) -> list[dict]:
    corpus.ensure(CONFLICTS_DDL)
    sql = "SELECT * FROM label_conflicts" + (" WHERE item_id=?" if item_id else "")
    return [dict(r) for r in corpus.db.execute(sql + " ORDER BY id",
                                               (item_id,) if item_id else ())]
