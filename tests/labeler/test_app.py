import tkinter as tk

import pytest

from labeler.app import KeyTip, LabelerApp


def widgets(w):
    yield w
    for child in w.winfo_children():
        yield from widgets(child)


def tooltips(app):
    return [w for w in widgets(app.root) if isinstance(w, KeyTip)]


@pytest.mark.parametrize("mode", ["label", "review"])
def test_every_button_has_a_tooltip_naming_its_key(make_app, mode):
    app = make_app(mode=mode)
    buttons = [w for w in widgets(app.root) if isinstance(w, tk.Button)]
    assert len(buttons) >= (13 if mode == "label" else 5)
    tips = {id(t.widget): t for t in tooltips(app)}
    for b in buttons:
        tip = tips.get(id(b))
        assert tip is not None, f"button {b.cget('text')!r} has no tooltip"
        assert "[key: " in tip.msg_var.get()
    if mode == "review":
        cell_tips = [t for t in tips.values() if t.widget in app.view.cells]
        assert len(cell_tips) == 24


def test_tooltip_opens_above_the_window_on_hover(make_app):
    app = make_app()
    button = next(w for w in widgets(app.root) if isinstance(w, tk.Button))
    tip = next(t for t in tooltips(app) if t.widget is button)
    button.event_generate("<Enter>", x=2, y=2)
    app.root.update()
    app.root.after(600)                         # past the 0.4 s delay
    app.root.update()
    assert tip.winfo_viewable()
    assert "label angry" in tip.msg_var.get() and "[key: 1]" in tip.msg_var.get()


def test_status_bar_shows_position_counts_rate_and_user(make_app):
    app = make_app()
    bar = app.status_var.get()
    assert bar.startswith(f"1/{len(app.queue)}") and "done 0" in bar
    for cls in app.classes + ["unlabeled", "rejected"]:
        assert f"{cls} " in bar
    app.root.event_generate("<Key-4>")
    app.root.event_generate("<Key-4>")
    app.root.update()
    bar = app.status_var.get()
    assert bar.startswith(f"3/{len(app.queue)}") and "done 2" in bar and "/min" in bar
    assert not bar.split("|")[-2].strip().startswith("0/min")
    assert bar.endswith("tester")


def test_bad_mode_is_refused(face_corpus, xvfb):
    from corpus import Corpus
    c = Corpus(face_corpus, create=False)
    with pytest.raises(ValueError, match="unknown mode"):
        LabelerApp(c, mode="grid")
    c.close()


def test_a_failed_write_is_reported_and_not_acknowledged(make_app, face_corpus):
    import sqlite3
    app = make_app()
    first = app.queue.current_id
    blocker = sqlite3.connect(face_corpus / "catalog.sqlite", isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")          # another writer holds the catalog
    app.corpus.db.execute("PRAGMA busy_timeout=100")
    try:
        app.root.event_generate("<Key-4>")
        app.root.update()
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert "NOT saved" in app.status_var.get() and "locked" in app.status_var.get()
    assert app.queue.current_id == first        # the screen did not move on
    assert "ACK" not in app.session.out.getvalue()
    app.root.event_generate("<Key-4>")          # the next try goes through
    app.root.update()
    assert app.corpus.item(first)["label_by"] == "tester"
