"""Small Tk pieces both views and the window share: colours, tooltips, buttons, layouts.

They live here, not in app.py, so that app.py can import the views and the views can import
these without an import circle.
"""
from __future__ import annotations

import tkinter as tk

from PIL import ImageTk
from tktooltip import ToolTip
from tktooltip.tooltip import ToolTipStatus

BG, FG = "#202225", "#e8e8e8"
BUTTON = "#3a3f47"
BUTTON_BG = (0x3a, 0x3f, 0x47)          # BUTTON as RGB, for tests that read screenshots


class KeyTip(ToolTip):
    """A tooltip that opens on a real hover only, raised above the main window.

    A window that appears under a resting pointer gets an <Enter> with no motion; the plain
    ToolTip opened on it, so a tip showed at start-up that nobody asked for. This one waits
    for the first <Motion> inside the widget. Without a window manager a tooltip would also
    open below the main window: it is lifted.
    """

    def __init__(self, widget, **kw):
        self.entered = False              # the pointer is inside but has not moved yet
        super().__init__(widget, **kw)
        widget.bind("<Motion>", self._on_motion, add="+")

    def on_enter(self, event) -> None:
        self.entered = True              # the timer starts on the first motion

    def _on_motion(self, event) -> None:
        if self.entered and self.status == ToolTipStatus.OUTSIDE:
            self.entered = False
            super().on_enter(event)

    def on_leave(self, event=None) -> None:
        self.entered = False
        super().on_leave(event)

    def _show(self) -> None:
        try:
            super()._show()
            if self.status == ToolTipStatus.VISIBLE:
                self.lift()
        except tk.TclError:     # the window closed while the tooltip's timer was pending
            pass


def tip(widget, text: str) -> KeyTip:
    # master= keeps the tooltip in the widget's Tk, not whichever Tk was created first.
    return KeyTip(widget, msg=text, delay=0.4, bg="#fffbe6", fg="#000",
                  parent_kwargs={"master": widget, "bg": "black", "padx": 1, "pady": 1})


def button(parent, text: str, key: str, what: str, command) -> tk.Button:
    """A flat dark button whose tooltip names its key."""
    b = tk.Button(parent, text=text, command=command, bg=BUTTON, fg=FG,
                  activebackground="#50565f", activeforeground=FG, highlightthickness=0,
                  padx=6, pady=2, takefocus=0)
    tip(b, f"{what}  [key: {key}]")
    return b


def follow_width(label: tk.Label, container, margin: int = 8) -> None:
    """Wrap the label's text at the container's width, so long lines wrap instead of being cut."""
    def resize(event):
        width = max(40, event.width - margin)
        if str(label.cget("wraplength")) != str(width):
            label.configure(wraplength=width)
    container.bind("<Configure>", resize, add="+")


class FlowRow(tk.Frame):
    """A row of widgets that continues on a new line when the window is too narrow for it."""

    def __init__(self, parent, gap: int = 2, **kw):
        super().__init__(parent, bg=BG, **kw)
        self.gap = gap
        self.items: list[tk.Widget] = []
        self._columns = 0
        self.bind("<Configure>", lambda e: self._flow(e.width))

    def add(self, widget: tk.Widget) -> tk.Widget:
        self.items.append(widget)
        self._flow(self.winfo_width() if self.winfo_ismapped() else 0)
        return widget

    def _flow(self, width: int) -> None:
        # Before the first layout the width is unknown: one row, as wide as the buttons ask.
        row = col = x = 0
        for w in self.items:
            need = w.winfo_reqwidth() + 2 * self.gap
            if width > 1 and col and x + need > width:
                row, col, x = row + 1, 0, 0
            w.grid(row=row, column=col, padx=self.gap, pady=self.gap, sticky="w")
            col, x = col + 1, x + need


class Room(tk.Frame):
    """A frame whose size the layout decides (grid weights), never its content.

    Content is placed inside, not packed or gridded, so it cannot push the layout (a big
    picture would squeeze the buttons off the window). When the room's size changes,
    `on_resize(width, height)` is called once the burst of <Configure> events is over.
    """

    def __init__(self, parent, on_resize, minimum: int = 64):
        super().__init__(parent, bg=BG, width=minimum, height=minimum)
        self.on_resize = on_resize
        self._pending = None
        self.bind("<Configure>", self._configured)

    def _configured(self, event) -> None:
        if self._pending is None:
            self._pending = self.after_idle(self._resized)

    def _resized(self) -> None:
        self._pending = None
        self.on_resize(self.winfo_width(), self.winfo_height())


class ImageSlot(Room):
    """One picture as large as its room allows (up to `maximum` wide), keeping `aspect`.

    `size` is the picture's size now; `on_resize()` tells the view to render again at a new
    size. Between resizes the view pastes into the same PhotoImage, so a key press costs no
    re-layout (that re-layout was most of a key press's time once).
    """

    def __init__(self, parent, *, aspect: float, default: tuple[int, int], on_resize,
                 minimum: int = 64, maximum: int | None = None):
        super().__init__(parent, self._room_changed, minimum)
        self.aspect, self.minimum, self.maximum = aspect, minimum, maximum
        self.when_resized = on_resize
        self.size = default
        self.label = tk.Label(self, bg="#000", fg=FG, bd=0)
        self.label.place(relx=0.5, rely=0.5, anchor="center")
        self.photo = None

    def fit(self, width: int, height: int) -> tuple[int, int]:
        w = min(width, round(height * self.aspect), self.maximum or width)
        w = max(self.minimum, w)
        return w, max(1, round(w / self.aspect))

    def _room_changed(self, width: int, height: int) -> None:
        size = self.fit(width, height)
        if size != self.size:
            self.size = size
            self.when_resized()

    def show(self, img) -> None:
        """Show a PIL image of exactly self.size (the prefetcher renders to that size)."""
        if self.photo is None or (self.photo.width(), self.photo.height()) != img.size:
            self.photo = ImageTk.PhotoImage("RGB", img.size, master=self)
            self.label.configure(image=self.photo, text="", bg="#000")
        self.photo.paste(img)

    def text(self, message: str) -> None:
        self.photo = None
        self.label.configure(image="", text=message, bg=BG, font=("TkDefaultFont", 12),
                             justify="left", wraplength=max(200, self.winfo_width() - 20))
