"""Union-find, cutting chains into stars, the keep rule and conflicts."""
from curate.dedup.groups import UnionFind, choose_kept, conflicts, group_pairs, keep_key, stars


def item(id, source=None, label=None, w=48, h=48, reviewed=0):
    return {"id": id, "label_source": source, "label": label, "width": w, "height": h,
            "reviewed": reviewed}


def test_union_find_groups_transitively_and_deterministically():
    assert group_pairs([(5, 3), (3, 9), (1, 2), (7, 7)]) == [[1, 2], [3, 5, 9]]
    uf = UnionFind()
    uf.union(4, 2)
    assert uf.find(4) == 2


def test_keep_rule_order():
    q = item(1, "query", "happy", 200, 200)
    imp = item(2, "import", "happy", 48, 48)
    hum = item(3, "human", "sad", 48, 48)
    assert choose_kept([q, imp, hum])["id"] == 3
    assert choose_kept([q, imp])["id"] == 2
    # Same source: the reviewed one, then the larger, then the oldest.
    assert choose_kept([item(4, "import", w=48), item(5, "import", w=48, reviewed=1)])["id"] == 5
    assert choose_kept([item(6, "import", w=48), item(7, "import", w=96, h=96)])["id"] == 7
    assert choose_kept([item(9, "import"), item(8, "import")])["id"] == 8
    assert keep_key(item(1)) < keep_key(item(2))


def test_conflicts_ignore_unlabeled():
    kept = item(1, "import", "happy")
    members = [kept, item(2, "query", "sad"), item(3, None, None), item(4, "import", "happy")]
    assert [m["id"] for m in conflicts(kept, members)] == [2]


def test_stars_do_not_chain():
    # 1~2 and 2~3 but not 1~3 (values on a line, close = within 1).
    pos = {1: 0, 2: 1, 3: 2, 4: 3}
    members = [item(i, "import") for i in pos]
    groups = stars(members, lambda a, b: abs(pos[a["id"]] - pos[b["id"]]) <= 1)
    assert [[m["id"] for m in g] for g in groups] == [[1, 2], [3, 4]]
