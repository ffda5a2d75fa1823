import time

import numpy as np
from PIL import Image

from corpus import Corpus
from labeler.prefetch import Prefetcher, Task, render


def _paths(face_corpus):
    c = Corpus(face_corpus, create=False)
    faces = [str(c.path_of(r)) for r in c.items(kind="face")]
    parent = c.item(c.item(c.items(kind="face").__next__()["id"])["parent_id"])
    src = str(c.path_of(parent))
    c.close()
    return faces, src


def test_render_fits_size_and_draws_the_box(face_corpus):
    faces, src = _paths(face_corpus)
    face = render(Task(faces[0], (300, 300), "L"))
    assert face.size == (300, 300) and face.mode == "L"
    boxed = np.asarray(render(Task(src, (160, 160), "RGB", (85, 45, 150, 150))))
    assert boxed.shape == (160, 160, 3)                # 320x243 letterboxed into 160x160
    green = (boxed[..., 1] > 200) & (boxed[..., 0] < 80) & (boxed[..., 2] < 80)
    assert green.sum() > 100                           # the box outline is there
    plain = np.asarray(render(Task(src, (160, 160), "RGB")))
    green = (plain[..., 1] > 200) & (plain[..., 0] < 80) & (plain[..., 2] < 80)
    assert green.sum() == 0


def test_unreadable_file_gives_a_placeholder_not_a_crash(tmp_path):
    bad = tmp_path / "truncated.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    img = render(Task(str(bad), (120, 120), "L"))
    assert img.size == (120, 120)
    assert render(Task(str(tmp_path / "missing.png"), (50, 40))).size == (50, 40)


def test_worker_fills_the_cache_ahead(face_corpus):
    faces, _ = _paths(face_corpus)
    pf = Prefetcher(capacity=8)
    try:
        tasks = [Task(p, (200, 200)) for p in faces[:6]]
        pf.request(tasks)
        end = time.monotonic() + 10
        while time.monotonic() < end and len(pf._cache) < 6:
            time.sleep(0.02)
        for t in tasks:
            assert isinstance(pf.get(t), Image.Image)
        assert pf.hits == 6 and pf.misses == 0
        pf.request([Task(p, (64, 64)) for p in faces[:12]])
        time.sleep(0.5)
        assert len(pf._cache) <= 8                     # LRU bound holds
    finally:
        pf.close()


def test_disabled_prefetcher_renders_on_demand(face_corpus):
    faces, _ = _paths(face_corpus)
    pf = Prefetcher(enabled=False)
    pf.request([Task(faces[0], (10, 10))])
    assert pf._cache == {} or len(pf._cache) == 0
    pf.get(Task(faces[0], (10, 10)))
    assert pf.misses == 1
