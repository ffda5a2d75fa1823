import json
import os
import shutil
import subprocess
import time
import tkinter as tk

import pytest
from PIL import Image
from tktooltip.tooltip import ToolTipStatus

from labeler.app import LabelerApp
from labeler.widgets import BUTTON_BG, KeyTip


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
    button.event_generate("<Enter>", x=2, y=2)     # what a hover sends: enter, then motion
    button.event_generate("<Motion>", x=3, y=2)
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


# ---------------------------------------------------------------- layout on a small screen
LONG_QUERY = ("portrait of a happy smiling person laughing outdoors in bright sunlight, stock "
              "photo, high resolution, free to use, 4k wallpaper download, page 3 of results")


def settle(app, rounds: int = 20) -> None:
    """Let Tk handle what is pending: events, the layout, idle redraws (a few rounds, so what
    one round schedules runs too)."""
    for _ in range(rounds):
        app.root.update()
        time.sleep(0.005)


def pump_until(app, predicate, what: str, timeout: float = 20.0) -> None:
    """Run Tk until predicate() holds: no guess of how long the X server or a loaded
    machine takes."""
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        app.root.update()
        time.sleep(0.01)
    settle(app)


def resize(app, geometry: str) -> None:
    app.root.geometry(geometry)
    pump_until(app, lambda: "%dx%d" % (app.root.winfo_width(), app.root.winfo_height())
               == geometry, f"the window to become {geometry}")


def root_on(display: str) -> tk.Tk:
    keep = os.environ["DISPLAY"]
    root = tk.Tk(screenName=display)
    os.environ["DISPLAY"] = keep        # Tk wrote its screen into the process' environment
    return root


def move_pointer(display: str, x: int, y: int) -> None:
    subprocess.run(["xdotool", "mousemove", str(x), str(y)], check=True, timeout=10,
                   env={**os.environ, "DISPLAY": display})


def visible_area(app):
    """The part of the window that is on the screen: (x0, y0, x1, y1) in screen pixels."""
    r = app.root
    x, y = r.winfo_rootx(), r.winfo_rooty()
    return (max(0, x), max(0, y), min(r.winfo_screenwidth(), x + r.winfo_width()),
            min(r.winfo_screenheight(), y + r.winfo_height()))


def rect(w):
    x, y = w.winfo_rootx(), w.winfo_rooty()
    return x, y, x + w.winfo_width(), y + w.winfo_height()


def assert_shown(w, area, what):
    x0, y0, x1, y1 = rect(w)
    assert w.winfo_viewable(), f"{what} is not mapped"
    assert w.winfo_width() > 1 and w.winfo_height() > 1, f"{what} has no room"
    assert (area[0] <= x0 and area[1] <= y0 and x1 <= area[2] and y1 <= area[3]), \
        f"{what} at {(x0, y0, x1, y1)} is not inside the visible window {area}"


def status_bar(app):
    return next(w for w in widgets(app.root) if isinstance(w, tk.Label)
                and str(w.cget("textvariable")) == str(app.status_var))


def image_width(label) -> int:
    name = str(label.cget("image"))
    return int(label.tk.call("image", "width", name)) if name else 0


def long_source_line(corpus_path):
    """The first face gets a scraped query long enough to wrap, and a model's top-3."""
    from corpus import Corpus
    c = Corpus(corpus_path, create=False)
    first = c.db.execute("SELECT MIN(id) FROM items WHERE kind='face'").fetchone()[0]
    probs = [0.02, 0.01, 0.02, 0.81, 0.04, 0.02, 0.08]
    with c.transaction():
        c.db.execute("UPDATE provenance SET engine='google', query=? WHERE item_id=?",
                     (LONG_QUERY, first))
        c.db.execute("INSERT INTO predictions (item_id, model, classes, probs, at)"
                     " VALUES (?, 'cnn-demo', ?, ?, '2026-01-01')",
                     (first, json.dumps(list(c.taxonomy.classes)), json.dumps(probs)))
    c.close()


@pytest.mark.skipif(shutil.which("xdotool") is None or shutil.which("import") is None,
                    reason="needs xdotool and ImageMagick's import")
@pytest.mark.parametrize("mode", ["label", "review"])
def test_every_control_shows_at_1024x600_and_no_tooltip_opens_unasked(
        make_app, small_screen, face_corpus, artifacts, mode):
    long_source_line(face_corpus)
    app = make_app(mode=mode, root=root_on(small_screen))
    assert (app.root.winfo_screenwidth(), app.root.winfo_screenheight()) == (1024, 600)
    pump_until(app, lambda: (app.root.winfo_width(), app.root.winfo_height()) == (1024, 600),
               "the window to open at the screen's size")
    if mode == "label":
        assert LONG_QUERY[-20:] in app.view.info.cget("text")
    # The window appears again under a resting pointer (as it opens under one): a tooltip
    # must wait for the pointer to move.
    under = app.view.face if mode == "label" else app.view.cells[8]
    pointer = (under.winfo_rootx() + 20, under.winfo_rooty() + 20)
    app.root.withdraw()
    pump_until(app, lambda: not app.root.winfo_viewable(), "the window to go")
    move_pointer(small_screen, *pointer)
    app.root.deiconify()
    tip = next(t for t in tooltips(app) if t.widget is under)
    entered = lambda: getattr(tip, "entered", False) or tip.status != ToolTipStatus.OUTSIDE  # noqa
    pump_until(app, entered, "the <Enter> of the widget under the pointer")
    deadline = time.monotonic() + 0.9
    pump_until(app, lambda: time.monotonic() > deadline, "0.9 s")
    assert app.root.winfo_containing(*pointer) is under
    assert tip.status == ToolTipStatus.OUTSIDE     # no timer started: it waits for a move
    assert not [t.msg_var.get() for t in tooltips(app) if t.winfo_viewable()]

    area = visible_area(app)
    buttons = [w for w in widgets(app.root) if isinstance(w, tk.Button)]
    assert len(buttons) == (14 if mode == "label" else 5)     # 7 classes + 7 actions
    for b in buttons:
        assert_shown(b, area, f"button {b.cget('text')!r}")
    bar = status_bar(app)
    assert_shown(bar, area, "status bar")
    assert bar.winfo_reqheight() <= bar.winfo_height(), "status bar text cut off"
    if mode == "label":
        assert_shown(app.view.info, area, "face info")
        # the whole wrapped description fits the lines kept for it
        info = app.view.info
        whole = tk.Label(info.master, text=info.cget("text"), font=info.cget("font"),
                         wraplength=info.cget("wraplength"), justify="left")
        assert whole.winfo_reqheight() <= info.winfo_height()
        whole.destroy()
        assert image_width(app.view.face) >= 200, "the face is drawn too small to judge"
        # the next face has a short description and no model: the pictures keep their size
        sizes = (app.view.face_slot.size, app.view.source_slot.size)
        app.root.event_generate("<Right>")
        settle(app)
        assert "no model predictions" in app.view.preds.cget("text")
        assert (app.view.face_slot.size, app.view.source_slot.size) == sizes
        app.root.event_generate("<Left>")
        settle(app)
    else:
        for n, cell in enumerate(app.view.cells):
            assert_shown(cell, area, f"cell {n}")
        assert image_width(app.view.cells[0]) >= 64

    shot = artifacts / f"labeler-1024x600-{mode}.png"
    subprocess.run(["import", "-display", small_screen, "-window", "root", str(shot)],
                   check=True, timeout=30)
    # What the screen shows at every button is that button (its face colour), not something
    # drawn over it.
    pixels = Image.open(shot).convert("RGB")
    for b in buttons:
        colours = pixels.crop(rect(b)).getcolors(1 << 16)
        assert max(colours)[1] == BUTTON_BG, f"button {b.cget('text')!r} is covered"

    # A real hover still opens a tooltip.
    b = buttons[0]
    move_pointer(small_screen, b.winfo_rootx() + 5, b.winfo_rooty() + 5)
    tip = next(t for t in tooltips(app) if t.widget is b)
    pump_until(app, tip.winfo_viewable, "the hovered button's tooltip")
    assert "[key: " in tip.msg_var.get()


@pytest.mark.parametrize("mode", ["label", "review"])
def test_the_pictures_grow_and_shrink_with_the_window(make_app, mode):
    app = make_app(mode=mode)
    picture = app.view.face if mode == "label" else app.view.cells[0]
    sizes = {}
    # 560x420: narrower than the button rows, which wrap instead of running off the side.
    for geometry in ("1024x600", "1280x800", "560x420"):
        resize(app, geometry)
        sizes[geometry] = image_width(picture)
        area = visible_area(app)
        for b in (w for w in widgets(app.root) if isinstance(w, tk.Button)):
            assert_shown(b, area, f"button {b.cget('text')!r} at {geometry}")
        assert_shown(status_bar(app), area, f"status bar at {geometry}")
    assert sizes["560x420"] + 40 <= sizes["1024x600"] and \
        sizes["1024x600"] + 40 <= sizes["1280x800"], sizes
