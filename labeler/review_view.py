"""Review mode: a 6x4 page of faces; a click or the cell's key toggles reject, Return accepts.

Each toggle is committed on its own; Return marks the rest of the page reviewed in one
transaction, so a page is either accepted or not.
"""
from __future__ import annotations

import tkinter as tk

from PIL import Image, ImageDraw, ImageTk

from . import keys
from .prefetch import Task, placeholder
from .summary import empty_queue_hint
from .widgets import BG, FG, FlowRow, Room, button, follow_width, tip

CELL = (118, 118)                 # until the window is laid out; then as large as fits
CELL_PAD = (3, 2)
PAGE = keys.GRID_COLS * keys.GRID_ROWS_N


def rejected_look(img: Image.Image) -> Image.Image:
    """Tint red and cross out, so rejected faces stand out at a glance."""
    img = Image.blend(img.convert("RGB"), Image.new("RGB", img.size, (200, 0, 0)), 0.45)
    draw = ImageDraw.Draw(img)
    draw.line([(0, 0), img.size], fill=(255, 60, 60), width=4)
    draw.line([(0, img.height), (img.width, 0)], fill=(255, 60, 60), width=4)
    return img


def cell_size(width: int, height: int, caption: int) -> tuple[int, int]:
    """The largest square cell for which the 6 x 4 grid and its captions fit the room."""
    w = width // keys.GRID_COLS - 2 * CELL_PAD[0]
    h = height // keys.GRID_ROWS_N - 2 * CELL_PAD[1] - caption
    side = max(32, min(w, h))
    return side, side


class ReviewView:
    """The grid's room (weight 1) gets what the heading, the buttons and the status bar
    leave; the cells are sized to fill it."""

    def __init__(self, app, parent):
        self.app = app
        self.page = app.queue.pos // PAGE
        self.cell = CELL
        self.photos: list = [None] * PAGE
        self.page_ids: list[int] = []
        parent.grid_columnconfigure(0, weight=1)
        parent.grid_rowconfigure(0, weight=1)
        room = Room(parent, self._room_changed)
        room.grid(row=0, column=0, sticky="nsew", padx=10, pady=(8, 0))
        grid = tk.Frame(room, bg=BG)
        grid.place(relx=0.5, rely=0.0, anchor="n")
        self.cells, self.captions = [], []
        for n in range(PAGE):
            r, c = divmod(n, keys.GRID_COLS)
            frame = tk.Frame(grid, bg=BG, padx=CELL_PAD[0], pady=CELL_PAD[1])
            frame.grid(row=r, column=c)
            cell = tk.Label(frame, bg="#000", width=CELL[0], height=CELL[1], bd=0)
            cell.pack()
            cap = tk.Label(frame, bg=BG, fg=FG, font=("TkFixedFont", 9))
            cap.pack(fill="x")
            cell.bind("<Button-1>", lambda e, n=n: self.toggle(n))
            tip(cell, f"click or key {keys.GRID_KEYS[n]}: toggle reject")
            self.cells.append(cell)
            self.captions.append(cap)
        self.heading = tk.Label(parent, bg=BG, fg=FG, font=("TkDefaultFont", 11))
        self.heading.grid(row=1, column=0, sticky="ew", pady=(2, 0))
        follow_width(self.heading, parent, margin=20)
        bar = FlowRow(parent, gap=3)
        bar.grid(row=2, column=0, pady=4)
        for text, action, command in (("Return accept page", "accept", self.accept),
                                      ("< page", "prev", lambda: self.turn(-1)),
                                      ("page >", "next", lambda: self.turn(1)),
                                      ("undo", "undo", self.do_undo),
                                      ("? keys", "help", app.toggle_help)):
            bar.add(button(bar, text, keys.key_name(action, "review"),
                           keys.DESCRIPTIONS[action], command))
        self._bind()

    def _room_changed(self, width: int, height: int) -> None:
        size = cell_size(width, height, self.captions[0].winfo_reqheight())
        if size != self.cell:
            self.cell = size
            for cell in self.cells:           # let go of the old images before they go
                cell.configure(image="", width=size[0], height=size[1])
            self.photos = [None] * PAGE       # new PhotoImages at the new size
            self.show()

    def _bind(self) -> None:
        root = self.app.root
        for n, char in enumerate(keys.GRID_KEYS):
            for event in keys.tk_keys(char):
                root.bind(event, lambda e, n=n: self.toggle(n))
        actions = {"accept": self.accept, "next": lambda: self.turn(1),
                   "prev": lambda: self.turn(-1), "undo": self.do_undo}
        for event, action, _ in keys.REVIEW_KEYS:
            if action in actions:
                root.bind(event, lambda e, f=actions[action]: f())

    @property
    def pages(self) -> int:
        return max(1, -(-len(self.app.queue) // PAGE))

    # ------------------------------------------------------------------ actions
    def toggle(self, n: int) -> None:
        if n >= len(self.page_ids):
            return
        item_id = self.page_ids[n]
        row = self.app.queue.row(item_id)
        if row["status"] == "rejected":
            self.app.session.restore(item_id)
        else:
            self.app.session.reject(item_id)
        self.draw_cell(n)
        self.status()

    def accept(self) -> None:
        if not self.page_ids:
            return
        self.app.session.accept(self.page_ids)
        if self.page < self.pages - 1:
            self.page += 1
        self.show()

    def turn(self, step: int) -> None:
        new = max(0, min(self.pages - 1, self.page + step))
        if new != self.page:
            self.page = new
            self.show()

    def do_undo(self) -> None:
        item_id = self.app.session.undo()
        if item_id is not None and self.app.queue.bring(item_id):
            self.page = self.app.queue.pos // PAGE
        self.show()

    # ------------------------------------------------------------------ drawing
    def task(self, row) -> Task | None:
        if not row or not row["path"]:
            return None
        return Task(str(self.app.corpus.root / row["path"]), self.cell, "L")

    def draw_cell(self, n: int) -> None:
        if n >= len(self.page_ids):
            self._paint(n, Image.new("RGB", self.cell, (32, 34, 37)))
            self._caption(n, "", FG)
            return
        item_id = self.page_ids[n]
        row = self.app.queue.row(item_id)
        task = self.task(row)
        img = self.app.prefetcher.get(task) if task else placeholder(self.cell, "no bytes")
        rejected = row["status"] == "rejected"
        if rejected:
            img = rejected_look(img)
        self._paint(n, img)
        mark = "REJECTED" if rejected else (row["label"] or "-")[:9]
        tick = "*" if row["reviewed"] else " "
        self._caption(n, f"{keys.GRID_KEYS[n]} {tick}{mark}", "#ff8080" if rejected else FG)

    def _paint(self, n: int, img) -> None:
        # One PhotoImage per cell, repainted in place: configuring 24 new images per page
        # re-lays out the grid and was most of a page turn's time.
        if self.photos[n] is None:
            self.photos[n] = ImageTk.PhotoImage("RGB", self.cell, master=self.app.root)
            self.cells[n].configure(image=self.photos[n])
        self.photos[n].paste(img)

    def _caption(self, n: int, text: str, fg: str) -> None:
        cap = self.captions[n]
        if cap.cget("text") != text or cap.cget("fg") != fg:
            cap.configure(text=text, fg=fg)

    def show(self) -> None:
        q = self.app.queue
        self.page_ids = q.ids[self.page * PAGE:(self.page + 1) * PAGE]
        if self.page_ids:
            q.pos = q.index[self.page_ids[0]]
        q.rows(self.page_ids)
        for n in range(PAGE):
            self.draw_cell(n)
        self.heading.configure(
            text=f"page {self.page + 1}/{self.pages}   ({self.app.filters})   * = reviewed"
            if self.page_ids else f"Nothing to review ({self.app.filters}). "
                                  + empty_queue_hint(self.app.corpus))
        self.status()
        self.app.root.after_idle(self.prefetch)

    def status(self) -> None:
        q = self.app.queue
        first = self.page * PAGE
        self.app.refresh_status(f"page {self.page + 1}/{self.pages} faces {first + 1}-"
                                f"{first + len(self.page_ids)}/{len(q)}")

    def prefetch(self) -> None:
        q = self.app.queue
        nxt = q.ids[(self.page + 1) * PAGE:(self.page + 2) * PAGE]
        rows = q.rows(nxt)
        self.app.prefetcher.request([t for t in (self.task(rows.get(i)) for i in nxt) if t])
