import tkinter as tk

import pytest

from labeler.widgets import FlowRow, ImageSlot, button, tip
from tests.labeler.conftest import free_tk


@pytest.fixture
def root(xvfb):
    r = tk.Tk()
    r.geometry("300x200+0+0")
    yield r
    r.destroy()
    r = None
    free_tk()


def pump(root, ms: int) -> None:
    root.after(ms)
    root.update()


def test_tooltip_waits_for_motion_after_enter(root):
    label = tk.Label(root, text="face", width=20, height=5)
    label.pack()
    t = tip(label, "the face")
    root.update()
    label.event_generate("<Enter>", x=5, y=5)       # the window appeared under the pointer
    root.update()
    pump(root, 600)
    assert not t.winfo_viewable()
    label.event_generate("<Motion>", x=6, y=5)      # the pointer really moves
    root.update()
    pump(root, 600)
    root.update()
    assert t.winfo_viewable()
    label.event_generate("<Leave>")
    root.update()
    assert not t.winfo_viewable()


def test_flow_row_wraps_to_the_width_it_is_given(root):
    row = FlowRow(root)
    row.pack(fill="x")
    buttons = [row.add(button(row, f"{n} surprise", str(n), "label", lambda: None))
               for n in range(1, 10)]
    root.update()
    rows = {int(b.grid_info()["row"]) for b in buttons}
    assert len(rows) >= 3                       # 9 buttons of ~85 px in 300 px
    for b in buttons:
        assert 0 <= b.winfo_x() and b.winfo_x() + b.winfo_width() <= row.winfo_width()
    root.geometry("1200x200")
    pump(root, 200)
    root.update()
    assert {int(b.grid_info()["row"]) for b in buttons} == {0}


def test_image_slot_keeps_the_aspect_and_a_minimum():
    slot_fit = ImageSlot.fit
    fake = type("S", (), {"aspect": 1.25, "minimum": 80, "maximum": None})()
    assert slot_fit(fake, 500, 300) == (375, 300)      # height-bound
    assert slot_fit(fake, 250, 900) == (250, 200)      # width-bound
    assert slot_fit(fake, 10, 10) == (80, 64)
    fake.maximum = 200
    assert slot_fit(fake, 500, 300) == (200, 160)
