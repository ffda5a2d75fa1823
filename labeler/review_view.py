"""Review mode: a 6x4 page of faces; a click or the cell's key toggles reject, Return accepts.

Each toggle is committed on its own; Return marks the rest of the page reviewed in one
transaction, so a page is either accepted or not.
"""
from __future__ import annotations

import tkinter as tk

from PIL import Image, ImageDraw, ImageTk

from . import keys
from .app import BG, FG
from .prefetch import Task, placeholder

CELL = (118, 118)
PAGE = keys.GRID_COLS * keys.GRID_ROWS_N
BLANK = Image.new("RGB", CELL, (32, 34, 37))


def rejected_look(img: Image.Image) -> Image.Image:
    """Tint red and cross out, so rejected faces stand out at a glance."""
    img = Image.blend(img.convert("RGB"), Image.new("RGB", img.size, (200, 0, 0)), 0.45)
    draw = ImageDraw.Draw(img)
    draw.line([(0, 0), img.size], fill=(255, 60, 60), width=4)
    draw.line([(0, img.height), (img.width, 0)], fill=(255, 60, 60), width=4)
    return img


class ReviewView:
    def __init__(self, app, parent):
        self.app = app
        self.page = app.queue.pos // PAGE
        self.photos: list = [None] * PAGE
        self.page_ids: list[int] = []
        grid = tk.Frame(parent, bg=BG)
        grid.pack(side="top", padx=10, pady=8)
        self.cells, self.captions = [], []
        for n in range(PAGE):
            r, c = divmod(n, keys.GRID_COLS)
            frame = tk.Frame(grid, bg=BG, padx=3, pady=2)
            frame.grid(row=r, column=c)
            cell = tk.Label(frame, bg="#000", width=CELL[0], height=CELL[1], bd=0)
            cell.pack()
            cap = tk.Label(frame, bg=BG, fg=FG, font=("TkFixedFont", 9))
            cap.pack(fill="x")
            cell.bind("<Button-1>", lambda e, n=n: self.toggle(n))
            app.tip(cell, f"click or key {keys.GRID_KEYS[n]}: toggle reject")
            self.cells.append(cell)
            self.captions.append(cap)
        self.heading = tk.Label(parent, bg=BG, fg=FG, font=("TkDefaultFont", 11))
        self.heading.pack(side="top")
        bar = tk.Frame(parent, bg=BG)
        bar.pack(side="top", pady=4)
        for text, action, command in (("Return accept page", "accept", self.accept),
                                      ("< page", "prev", lambda: self.turn(-1)),
                                      ("page >", "next", lambda: self.turn(1)),
                                      ("undo", "undo", self.do_undo),
                                      ("? keys", "help", app.toggle_help)):
            app.button(bar, text, keys.key_name(action, "review"), keys.DESCRIPTIONS[action],
                       command).pack(side="left", padx=3)
        self._bind()

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
        return Task(str(self.app.corpus.root / row["path"]), CELL, "L")

    def draw_cell(self, n: int) -> None:
        if n >= len(self.page_ids):
            self._paint(n, BLANK)
            self._caption(n, "", FG)
            return
        item_id = self.page_ids[n]
        row = self.app.queue.row(item_id)
        task = self.task(row)
        img = self.app.prefetcher.get(task) if task else placeholder(CELL, "no bytes")
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
            self.photos[n] = ImageTk.PhotoImage("RGB", CELL, master=self.app.root)
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
            text=f"page {self.page + 1}/{self.pages}   ({self.app.filters})   "
                 f"* = reviewed" if self.page_ids else f"Nothing to review ({self.app.filters})")
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
