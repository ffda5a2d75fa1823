"""Where each item came from, in one place: `curate issues` shows it and `curate split`
stratifies by its dataset (a dataset placed by its own source split must not take another
dataset's share of a split)."""
from __future__ import annotations


def provenance(corpus, ids) -> dict[int, dict]:
    """source_dataset (or scraper engine), orig_name, source_split of each item, taken from its
    own first provenance row, else from the image it was cut from."""
    first: dict[int, dict] = {}
    for r in corpus.db.execute("SELECT item_id, COALESCE(source_dataset, engine) AS ds,"
                               " orig_name, source_split FROM provenance ORDER BY id"):
        first.setdefault(r[0], {"source_dataset": r[1], "orig_name": r[2],
                                "source_split": r[3]})
    parent = dict(corpus.db.execute("SELECT id, parent_id FROM items WHERE parent_id IS NOT NULL"))
    empty = {"source_dataset": None, "orig_name": None, "source_split": None}
    return {i: first.get(i) or first.get(parent.get(i)) or empty for i in ids}
