"""Near duplicates: planted copies of FER2013 faces are found, unrelated faces are not grouped."""
import io

import numpy as np
from PIL import Image, ImageEnhance

from curate.dedup.run import dedup


def _png(img):
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def _jpeg(img, q):
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=q)
    return buf.getvalue()


def _variants(img):
    w, h = img.size
    return {"resized": _png(img.resize((64, 64), Image.BICUBIC)),
            "reencoded": _jpeg(img, 35),
            "cropped": _png(img.crop((0, 0, w - 1, h - 1))),
            "brightened": _png(ImageEnhance.Brightness(img).enhance(1.15))}


def _ncc(a, b):
    a = np.asarray(Image.open(io.BytesIO(a)).convert("L").resize((48, 48)), float).ravel()
    b = np.asarray(Image.open(io.BytesIO(b)).convert("L").resize((48, 48)), float).ravel()
    a, b = a - a.mean(), b - b.mean()
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-9))


def test_planted_near_duplicates_are_grouped_and_unrelated_are_not(shared_data, corpus, artifacts):
    files = sorted((shared_data / "fer2013_images" / "test").glob("*/*.jpg"))[::6]
    assert len(files) >= 90
    originals, planted = {}, {}
    for f in files:
        data = f.read_bytes()
        iid, _ = corpus.add_bytes(data, fmt="JPEG", kind="face", width=48, height=48,
                                  label=f.parent.name, label_source="import",
                                  provenance={"source_dataset": "fer2013", "orig_name": f.name})
        originals[iid] = data
    for oid in list(originals)[:12]:
        img = Image.open(io.BytesIO(originals[oid])).convert("L")
        for how, data in _variants(img).items():
            pid, created = corpus.add_bytes(data, fmt="PNG" if how != "reencoded" else "JPEG",
                                            kind="face", provenance={"orig_name": how})
            assert created
            planted[pid] = (oid, how)

    rep = dedup(corpus, sheet=True)
    group_of = {m["id"]: g["kept"] for g in rep.groups for m in g["members"]}
    missed = [(how, pid) for pid, (oid, how) in planted.items()
              if group_of.get(pid) is None or group_of.get(pid) != group_of.get(oid)]
    # Resized and re-encoded copies are always found; a 1-px crop or +15% brightness (which
    # clips highlights) now and then fails the block check (~85% / 98% found, docs/curate.md).
    assert not [m for m in missed if m[0] in ("resized", "reencoded")]
    assert len(missed) <= 4, missed
    # The original (import label) is kept over its unlabeled copies.
    for pid, (oid, how) in planted.items():
        assert corpus.item(oid)["status"] == "ok"
        if (how, pid) not in missed:
            assert corpus.item(pid)["status"] == "duplicate"
    # Two originals may share a group only if they really are the same picture (FER2013 has a
    # few): their pixels must then correlate almost perfectly.
    for g in rep.groups:
        origs = [m["id"] for m in g["members"] if m["id"] in originals]
        for a in origs[1:]:
            assert _ncc(originals[origs[0]], originals[a]) > 0.9, (origs[0], a)
    assert (corpus.root / "reports" / "duplicates.png").stat().st_size > 1000
    (artifacts / "duplicates_fer_planted.png").write_bytes(
        (corpus.root / "reports" / "duplicates.png").read_bytes())
