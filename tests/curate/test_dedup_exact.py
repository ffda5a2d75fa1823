"""Exact duplicates on Yale: the byte-identical pairs its PROVENANCE.md lists, found by pixels."""
import io

from PIL import Image

from curate.dedup.exact import ExactPixels
from curate.dedup.run import dedup

# From yalefaces/PROVENANCE.md ("verified by identical SHA-1").
YALE_PAIRS = {frozenset({"subject04.sad", "subject04.normal"}),
              frozenset({"subject08.glasses", "subject08.normal"})} | {
    frozenset({f"subject{n}.normal", f"subject{n}.noglasses"})
    for n in ("02", "03", "06", "07", "09", "12", "14")}


def test_exact_hash_finds_exactly_the_listed_pairs(shared_data):
    files = sorted((shared_data / "yalefaces" / "images").iterdir())
    method = ExactPixels()
    by_hash = {}
    for f in files:
        by_hash.setdefault(method.hash_image(Image.open(f)), set()).add(f.name)
    found = {frozenset(v) for v in by_hash.values() if len(v) > 1}
    assert found == YALE_PAIRS


def test_same_pixels_in_another_format_is_an_exact_duplicate(shared_data, corpus):
    """The corpus already merges byte-identical files, so store each pair's partner as PNG."""
    root = shared_data / "yalefaces" / "images"
    partners = {sorted(p)[1] for p in YALE_PAIRS}
    ids = {}
    for f in sorted(root.iterdir()):
        data = f.read_bytes()
        fmt = "GIF"
        if f.name in partners:
            buf = io.BytesIO()
            Image.open(f).save(buf, "PNG")
            data, fmt = buf.getvalue(), "PNG"
        ids[f.name], _ = corpus.add_bytes(data, fmt=fmt, kind="image", width=320, height=243,
                                          provenance={"source_dataset": "yalefaces",
                                                      "orig_name": f.name})
    rep = dedup(corpus, methods=("exact",), sheet=False)
    exact = {frozenset(m["id"] for m in g["members"]) for g in rep.groups
             if all(m["method"] in ("kept", "exact") for m in g["members"])}
    for pair in YALE_PAIRS:
        assert frozenset(ids[n] for n in pair) in exact, sorted(pair)
    for name in partners:
        row = corpus.item(ids[name])
        pair = next(p for p in YALE_PAIRS if name in p)
        other = ids[next(iter(pair - {name}))]
        assert row["status"] == "duplicate"
        assert row["reason"] == f"duplicate of item {other} (exact, distance 0)"
