"""The labeler window: one view (label or review), a status bar, tooltips and the key help.

`LabelerApp(corpus, ...)` builds everything without entering the Tk main loop, so tests and the
benchmark can drive it with event_generate; `run()` is what the command line calls.
"""
from __future__ import annotations

import getpass
import sys
import time
import traceback
import tkinter as tk

from . import keys
from .info import Boxes
from .label_view import LabelView
from .prefetch import Prefetcher
from .queue import ItemQueue
from .review_view import ReviewView
from .session import Session
from .widgets import BG, FG, follow_width, tip

TITLE = "ferkit labeler"
# The size the window opens at, cut to the screen: it must work down to 1024x600.
PREFERRED = {"label": (1100, 680), "review": (1100, 760)}
VIEWS = {"label": LabelView, "review": ReviewView}


def default_user() -> str:
    try:
        return getpass.getuser()
    except Exception:       # no login name in some containers
        return "unknown"


class LabelerApp:
    def __init__(self, corpus, *, mode: str = "label", label: str | None = None,
                 status: str = "unreviewed", order: str = "id", user: str | None = None,
                 seed: str = "0", prefetch: bool = True, root: tk.Tk | None = None, out=None,
                 source: str | None = None):
        if mode not in ("label", "review"):
            raise ValueError(f"unknown mode {mode!r}; use label or review")
        self.corpus = corpus
        self.mode = mode
        self.user = user or default_user()
        self.classes = list(corpus.taxonomy.classes)
        self.queue = ItemQueue(corpus, status=status, label=label, order=order, seed=seed,
                               source=source)
        self.session = Session(corpus, self.queue, self.user, out=out)
        self.prefetcher = Prefetcher(capacity=160, enabled=prefetch)
        self.boxes = Boxes(corpus.db)
        self.filters = (f"label={label or 'any'} status={status} order={order}"
                        + (f" source={source}" if source else ""))
        self.shown_at = 0.0          # perf_counter() after the last redraw (for the benchmark)

        self.root = root or tk.Tk()
        self.root.configure(bg=BG)
        self.root.geometry(self.initial_geometry())
        self.root.minsize(480, 360)
        # Grid weights: the status bar keeps its height, the view gets the rest, and each view
        # gives its pictures what its controls leave, so no control is ever pushed out.
        self.root.grid_rowconfigure(0, weight=1)
        self.root.grid_columnconfigure(0, weight=1)
        self.body = tk.Frame(self.root, bg=BG)
        self.body.grid(row=0, column=0, sticky="nsew")
        self.status_var = tk.StringVar()
        self.bar = tk.Label(self.root, textvariable=self.status_var, anchor="w", justify="left",
                            bg="#30343a", fg=FG, font=("TkFixedFont", 10), padx=6, pady=3)
        self.bar.grid(row=1, column=0, sticky="ew")
        follow_width(self.bar, self.bar, margin=14)
        tip(self.bar, "Status: position, done/remaining, faces per class, labeling rate")
        self.help = tk.Label(self.root, text=keys.help_text(mode, self.classes), justify="left",
                             bg="#fffbe6", fg="#000", font=("TkFixedFont", 11), padx=16,
                             pady=12, relief="solid", bd=1)
        self.help_visible = False
        self.view = VIEWS[mode](self, self.body)
        self.root.bind("<question>", lambda e: self.toggle_help())
        self.root.bind("<Escape>", lambda e: self.toggle_help(False))
        self.root.protocol("WM_DELETE_WINDOW", self.close)
        self.root.report_callback_exception = self.report_error
        self.view.show()
        self.root.focus_force()

    def initial_geometry(self) -> str:
        w, h = PREFERRED[self.mode]
        w = min(w, self.root.winfo_screenwidth())
        h = min(h, self.root.winfo_screenheight())
        return f"{w}x{h}+0+0"

    # ------------------------------------------------------------------ helpers
    def toggle_help(self, show: bool | None = None) -> None:
        show = (not self.help_visible) if show is None else show
        if show:
            self.help.place(relx=0.5, rely=0.45, anchor="center")
            self.help.lift()
        else:
            self.help.place_forget()
        self.help_visible = show

    def refresh_status(self, where: str) -> None:
        q = self.queue
        counts = "  ".join(f"{c} {n}" for c, n in self.session.class_counts(self.classes))
        self.status_var.set(f"{where} | done {q.done} left {q.remaining} | {counts} | "
                            f"{self.session.rate():.0f}/min | {self.user}")
        self.root.title(f"{TITLE} - {self.corpus.root.name} - {self.mode} - {where} - "
                        f"done {q.done}")
        self.root.update_idletasks()
        self.shown_at = time.perf_counter()

    def report_error(self, exc_type, exc, tb) -> None:
        """A failed action (catalog locked, disk full) was not saved: say so, keep going."""
        traceback.print_exception(exc_type, exc, tb, file=sys.stderr)
        self.status_var.set(f"ERROR, last key NOT saved: {exc_type.__name__}: {exc}")
        self.root.title(f"{TITLE} - ERROR - last key not saved")

    def run(self) -> int:
        self.root.mainloop()
        return 0

    def close(self) -> None:
        self.prefetcher.close()
        try:
            # Tooltip timers left in Tcl's queue would fire after destroy ("invalid command").
            for pending in self.root.tk.splitlist(self.root.tk.call("after", "info")):
                self.root.after_cancel(pending)
            self.root.destroy()
        except tk.TclError:
            pass
