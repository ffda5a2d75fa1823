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

from tktooltip import ToolTip
from tktooltip.tooltip import ToolTipStatus

from . import keys
from .info import Boxes
from .prefetch import Prefetcher
from .queue import ItemQueue
from .session import Session

TITLE = "ferkit labeler"
BG, FG = "#202225", "#e8e8e8"


class KeyTip(ToolTip):
    """A tooltip raised above the main window: without a window manager it would open below."""

    def _show(self) -> None:
        try:
            super()._show()
            if self.status == ToolTipStatus.VISIBLE:
                self.lift()
        except tk.TclError:     # the window closed while the tooltip's timer was pending
            pass


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
        self.root.geometry("1100x500+0+0" if mode == "label" else "1100x690+0+0")
        self.status_var = tk.StringVar()
        bar = tk.Label(self.root, textvariable=self.status_var, anchor="w", bg="#30343a",
                       fg=FG, font=("TkFixedFont", 10), padx=6, pady=3)
        bar.pack(side="bottom", fill="x")      # packed first: a short window squeezes the body
        self.body = tk.Frame(self.root, bg=BG)
        self.body.pack(side="top", fill="both", expand=True)
        self.tip(bar, "Status: position, done/remaining, faces per class, labeling rate")
        self.help = tk.Label(self.root, text=keys.help_text(mode, self.classes), justify="left",
                             bg="#fffbe6", fg="#000", font=("TkFixedFont", 11), padx=16,
                             pady=12, relief="solid", bd=1)
        self.help_visible = False
        if mode == "label":
            from .label_view import LabelView
            self.view = LabelView(self, self.body)
        else:
            from .review_view import ReviewView
            self.view = ReviewView(self, self.body)
        self.root.bind("<question>", lambda e: self.toggle_help())
        self.root.bind("<Escape>", lambda e: self.toggle_help(False))
        self.root.protocol("WM_DELETE_WINDOW", self.close)
        self.root.report_callback_exception = self.report_error
        self.view.show()
        self.root.focus_force()

    # ------------------------------------------------------------------ helpers
    def tip(self, widget, text: str) -> None:
        # master= keeps the tooltip in this app's Tk, not whichever Tk was created first.
        KeyTip(widget, msg=text, delay=0.4, bg="#fffbe6", fg="#000",
               parent_kwargs={"master": widget, "bg": "black", "padx": 1, "pady": 1})

    def button(self, parent, text: str, key: str, what: str, command) -> tk.Button:
        b = tk.Button(parent, text=text, command=command, bg="#3a3f47", fg=FG,
                      activebackground="#50565f", activeforeground=FG, highlightthickness=0,
                      padx=6, pady=2, takefocus=0)
        self.tip(b, f"{what}  [key: {key}]")
        return b

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
