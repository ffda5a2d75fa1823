import json

import numpy as np
from PIL import ImageTk

from corpus import Corpus, Taxonomy
from tests.labeler.conftest import press


def row(app, item_id):
    return app.corpus.item(item_id)


def test_number_keys_label_in_taxonomy_order_and_advance(make_app):
    app = make_app()
    ids = app.queue.ids
    for n, cls in enumerate(app.classes):          # 1..7: angry .. neutral
        assert app.queue.current_id == ids[n]
        press(app, f"<Key-{n + 1}>")
        r = row(app, ids[n])
        assert (r["label"], r["label_source"], r["label_by"], r["reviewed"]) == \
            (cls, "human", "tester", 1)
    assert app.queue.pos == 7
    assert f"8/{len(ids)}" in app.root.title() and "done 7" in app.root.title()


def test_x_rejects_space_keeps_arrows_move(make_app):
    app = make_app()
    a, b, c = app.queue.ids[:3]
    label_b = row(app, b)["label"]
    press(app, "<Key-x>")
    assert row(app, a)["status"] == "rejected" and row(app, a)["reviewed"] == 1
    press(app, "<space>")
    assert row(app, b)["reviewed"] == 1 and row(app, b)["label"] == label_b
    assert app.queue.current_id == c
    press(app, "<Left>", 2)
    assert app.queue.current_id == a
    press(app, "<Right>")
    assert app.queue.current_id == b
    assert row(app, c)["reviewed"] == 0            # moving changes nothing
    assert "rejected 1" in app.status_var.get() and "done 2" in app.status_var.get()


def test_ctrl_z_undoes_and_returns_to_the_face(make_app):
    app = make_app()
    a, b = app.queue.ids[:2]
    old = row(app, a)["label"]
    press(app, "<Key-1>")
    press(app, "<Key-x>")
    press(app, "<Control-z>")
    assert row(app, b)["status"] == "ok" and app.queue.current_id == b
    press(app, "<Control-z>")
    assert row(app, a)["label"] == old and row(app, a)["reviewed"] == 0
    assert app.queue.current_id == a
    assert "done 0" in app.status_var.get()


def test_face_source_box_and_top3_predictions_are_shown(make_app):
    app = make_app()
    first = app.queue.ids[0]
    classes = list(app.classes)
    probs = [0.01, 0.01, 0.02, 0.70, 0.06, 0.05, 0.15]
    app.corpus.db.execute("INSERT INTO predictions (item_id, model, classes, probs, at)"
                          " VALUES (?, 'cnn-v1', ?, ?, '2026-01-01')",
                          (first, json.dumps(classes), json.dumps(probs)))
    app.view.show()
    app.root.update()
    text = app.view.preds.cget("text")
    assert "cnn-v1" in text and "happy" in text and "70.0%" in text and "neutral" in text
    assert "angry" not in text                        # only the top 3
    info = app.view.info.cget("text")
    assert "subject01.happy" in info and "query" in info
    # The source picture has the green face box drawn from the faces table.
    face, src = app.view.tasks(first)
    assert src.box == (85, 45, 150, 150)
    img = np.asarray(app.prefetcher.get(src))
    assert ((img[..., 1] > 200) & (img[..., 0] < 80)).sum() > 100
    photo = app.view.face_slot.photo              # the face drawn at the size its room allows
    assert isinstance(photo, ImageTk.PhotoImage)
    assert (photo.width(), photo.height()) == app.view.face_slot.size == face.size
    assert photo.width() >= 200


def test_imported_crop_has_no_source_and_no_crash(make_app):
    app = make_app(label="happy")
    c = app.corpus
    crop = next(i for i in app.queue.ids if row(app, i)["parent_id"] is None)
    app.queue.goto(crop)
    app.view.show()
    app.root.update()
    face, src = app.view.tasks(crop)
    assert src is None and face is not None
    assert "muxspace" in app.view.info.cget("text")
    assert c.item(crop)["label_source"] == "import"


def test_extra_taxonomy_class_gets_key_8(face_corpus, make_app):
    c = Corpus(face_corpus, create=False)
    c.set_taxonomy(Taxonomy().with_classes(["contempt"]))
    c.close()
    app = make_app()
    assert app.classes[-1] == "contempt"
    first = app.queue.ids[0]
    press(app, "<Key-8>")
    assert row(app, first)["label"] == "contempt"


def test_help_overlay_toggles(make_app):
    app = make_app()
    press(app, "<question>")
    assert app.help_visible and app.help.winfo_ismapped()
    assert "ctrl+z" in app.help.cget("text") and "7        label neutral" in app.help.cget("text")
    press(app, "<Escape>")
    assert not app.help_visible


def test_no_faces_yet_names_curate_extract(make_app, images_corpus):
    app = make_app(images_corpus)
    assert len(app.queue) == 0
    text = app.view.face.cget("text")
    assert "Nothing to label" in text and "3 images but no faces" in text
    assert "-m curate extract" in text and str(images_corpus.name) in text
    review = make_app(images_corpus, mode="review")
    assert "-m curate extract" in review.view.heading.cget("text")


def test_empty_queue_says_so(make_app):
    app = make_app(status="rejected")
    assert len(app.queue) == 0
    assert "Nothing to label" in app.view.face.cget("text")
    events = "SELECT COUNT(*) FROM label_events"
    before = app.corpus.db.execute(events).fetchone()[0]
    press(app, "<Key-1>")                               # no crash, nothing written
    assert app.corpus.db.execute(events).fetchone()[0] == before


def test_undo_after_restart_shows_the_face_it_restored(make_app):
    first = make_app()
    a = first.queue.ids[0]
    press(first, "<Key-5>")
    again = make_app()                          # a new session: a is reviewed, not queued
    assert a not in again.queue.ids
    press(again, "<Control-z>")
    assert again.queue.current_id == a and row(again, a)["reviewed"] == 0
    assert f"face #{a} " in again.view.info.cget("text")
