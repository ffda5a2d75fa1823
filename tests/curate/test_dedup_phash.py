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
    # Every copy is found: resized, JPEG 35, 1 px cropped off two sides, brightened +15%.
    assert not missed, missed
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


ALTERATIONS = {   # issue 9 item 8: what a copy on the web has been through
    "brightness +15%": lambda im: _png(ImageEnhance.Brightness(im).enhance(1.15)),
    "rescaled to 64 px": lambda im: _png(im.resize((64, 64), Image.BICUBIC)),
    "1 px border cropped, rescaled": lambda im: _png(
        im.crop((1, 1, im.width - 1, im.height - 1)).resize(im.size, Image.BICUBIC)),
    "JPEG quality 70": lambda im: _jpeg(im, 70),
}


def test_forty_faces_with_an_altered_copy_each_all_merge(shared_data, corpus):
    """40 FER2013 faces and one altered copy of each (the four alterations in turn); before
    the aligned check 37 merged (two 1-px crops and a brightened copy stayed apart). Then
    every alteration of every face: all 160 merge, and no two originals are grouped unless
    FER2013 itself holds them twice."""
    files = sorted((shared_data / "fer2013_images" / "test").glob("*/*.jpg"))
    files = files[::len(files) // 40][:40]
    originals, planted = {}, {}
    for k, f in enumerate(files):
        oid, _ = corpus.add_bytes(f.read_bytes(), fmt="JPEG", kind="face", width=48, height=48,
                                  label=f.parent.name, label_source="import")
        originals[oid] = f.read_bytes()
        how = list(ALTERATIONS)[k % 4]
        data = ALTERATIONS[how](Image.open(f).convert("L"))
        pid, _ = corpus.add_bytes(data, fmt="JPEG" if "JPEG" in how else "PNG", kind="face")
        planted[pid] = (oid, how)

    def missed(rep):
        group_of = {m["id"]: g["kept"] for g in rep.groups for m in g["members"]}
        return [(how, pid) for pid, (oid, how) in planted.items()
                if group_of.get(pid) is None or group_of.get(pid) != group_of.get(oid)]
    rep = dedup(corpus, sheet=False)
    assert not missed(rep) and rep.marked == 40
    assert all(corpus.item(p)["reason"].startswith(f"duplicate of item {o} (phash")
               for p, (o, _) in planted.items())

    for k, f in enumerate(files):
        oid = list(originals)[k]
        for how, alter in ALTERATIONS.items():
            data = alter(Image.open(f).convert("L"))
            pid, created = corpus.add_bytes(data, fmt="JPEG" if "JPEG" in how else "PNG",
                                            kind="face")
            if created:
                planted[pid] = (oid, how)
    assert len(planted) == 160
    rep = dedup(corpus, sheet=False)
    assert not missed(rep)
    for g in rep.groups:
        origs = [m["id"] for m in g["members"] if m["id"] in originals]
        assert all(_ncc(originals[origs[0]], originals[a]) > 0.9 for a in origs[1:])


def test_no_two_expressions_of_a_ckplus_subject_merge(shared_data, corpus):
    """All 981 CK+48 faces with scraped-style labels (so the trusted-label rule protects
    nothing): groups may join frames of one expression, never two expressions."""
    files = sorted((shared_data / "ckplus48" / "CK+48").glob("*/*.png"))
    folder = {}
    for f in files:
        iid, _ = corpus.add_bytes(f.read_bytes(), fmt="PNG", kind="face", width=48, height=48,
                                  label="happy", label_source="query")
        folder[iid] = (f.name.split("_")[0], f.parent.name)
    rep = dedup(corpus, sheet=False)
    assert rep.duplicates > 300          # consecutive peak frames are near copies of each other
    for g in rep.groups:
        assert len({folder[m["id"]] for m in g["members"]}) == 1, g
