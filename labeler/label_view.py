"""Label mode: one face large, its source image small with the face box, keys 1..9 / x / space."""
from __future__ import annotations

import json
import tkinter as tk

from . import keys
from .info import describe_issue, describe_prediction, issue_of, shown_prediction
from .prefetch import Task, placeholder
from .summary import empty_queue_hint
from .widgets import BG, FG, FlowRow, ImageSlot, button, follow_width, tip

FACE_SIZE = (360, 360)            # until the window is laid out; then as large as fits
SOURCE_SIZE = (300, 240)
SOURCE_MAX = 440                  # context only: larger costs time per key and shows no more
INFO_LINES = 7                    # face line, label line, and up to 5 lines of its origin
ORIGIN_CHARS = 300                # a longer origin (a pasted query) ends in "..."
PREFETCH_AHEAD = 12


class LabelView:
    """Face (left, square) and source picture (right) share what the controls leave.

    Grid rows below the pictures keep their height (weight 0): the class buttons, the action
    buttons; the picture row (weight 1) shrinks first when the window is small or the face's
    description wraps to many lines.
    """

    def __init__(self, app, parent):
        self.app = app
        parent.grid_columnconfigure(0, weight=1)
        parent.grid_rowconfigure(0, weight=1)
        top = tk.Frame(parent, bg=BG)
        top.grid(row=0, column=0, sticky="nsew", padx=10, pady=(8, 4))
        top.grid_rowconfigure(0, weight=1)
        # 2 : 3, so the description wraps less and the face does not grow past what helps:
        # every key press repaints both pictures, and that time grows with their pixels.
        top.grid_columnconfigure(0, weight=2, uniform="columns")
        top.grid_columnconfigure(1, weight=3, uniform="columns")
        self.face_slot = ImageSlot(top, aspect=1.0, default=FACE_SIZE, on_resize=self.show,
                                   minimum=120)
        self.face_slot.grid(row=0, column=0, sticky="nsew")
        self.face = self.face_slot.label
        tip(self.face, "The face to label: keys 1..9 label it, x rejects, space keeps")
        side = tk.Frame(top, bg=BG)
        side.grid(row=0, column=1, sticky="nsew", padx=(12, 0))
        side.grid_columnconfigure(0, weight=1)
        side.grid_rowconfigure(0, weight=1)
        self.source_slot = ImageSlot(side, aspect=SOURCE_SIZE[0] / SOURCE_SIZE[1],
                                     default=SOURCE_SIZE, on_resize=self.show, minimum=80,
                                     maximum=SOURCE_MAX)
        self.source_slot.grid(row=0, column=0, sticky="nsew")
        self.source = self.source_slot.label
        tip(self.source, "Source image, face box in green (none for imported crops)")
        # Fixed heights (in lines) for the text under the source picture: if they followed
        # each face's text, the picture would change size from face to face, jump on the
        # screen and be rendered again on the key press.
        self.info = tk.Label(side, bg=BG, fg=FG, justify="left", anchor="nw",
                             font=("TkDefaultFont", 12), wraplength=480, height=INFO_LINES)
        self.info.grid(row=1, column=0, sticky="ew", pady=(8, 0))
        follow_width(self.info, side)
        self.preds = tk.Label(side, bg=BG, fg="#9fd3ff", justify="left", anchor="nw",
                              font=("TkFixedFont", 11), height=4)
        self.preds.grid(row=2, column=0, sticky="ew", pady=(6, 0))
        tip(self.preds, "A model's top-3 classes (`train crossval` / `train score`), and "
                        "whether it trained on this face (in-sample) or not (out-of-sample)")
        # `curate issues`' verdict on this face, across the whole width (reasons run long)
        self.issue = tk.Label(top, bg=BG, fg="#ffb86b", justify="left", anchor="nw",
                              font=("TkDefaultFont", 12))
        self.issue.grid(row=1, column=0, columnspan=2, sticky="ew", pady=(6, 0))
        follow_width(self.issue, top)
        tip(self.issue, "Why `curate issues` thinks this label is wrong: a accepts the "
                        "suggestion, 1..9 relabel, x rejects, space keeps")
        self._buttons(parent)
        self._bind()

    def _buttons(self, parent) -> None:
        app = self.app
        row1 = FlowRow(parent)
        row1.grid(row=1, column=0, sticky="ew", padx=8)
        for i, cls in enumerate(app.classes):
            key = keys.class_key(i)
            if key is None:
                break
            row1.add(button(row1, f"{key} {cls}", key, f"label {cls} and go on",
                            lambda c=cls: self.do_label(c)))
        row2 = FlowRow(parent)
        row2.grid(row=2, column=0, sticky="ew", padx=8, pady=(0, 6))
        for text, action, command in (("x reject", "reject", self.do_reject),
                                      ("space keep", "keep", self.do_keep),
                                      ("a accept suggestion", "suggest", self.do_suggest),
                                      ("< prev", "prev", lambda: self.move(-1)),
                                      ("next >", "next", lambda: self.move(1)),
                                      ("undo", "undo", self.do_undo),
                                      ("? keys", "help", app.toggle_help)):
            row2.add(button(row2, text, keys.key_name(action, "label"),
                            keys.DESCRIPTIONS[action], command))

    def _bind(self) -> None:
        root = self.app.root
        for i, cls in enumerate(self.app.classes):
            key = keys.class_key(i)
            if key:
                for event in keys.tk_keys(key):
                    root.bind(event, lambda e, c=cls: self.do_label(c))
        actions = {"reject": self.do_reject, "keep": self.do_keep, "undo": self.do_undo,
                   "suggest": self.do_suggest,
                   "next": lambda: self.move(1), "prev": lambda: self.move(-1)}
        for event, action, _ in keys.LABEL_KEYS:
            if action in actions:
                root.bind(event, lambda e, f=actions[action]: f())

    # ------------------------------------------------------------------ actions
    def _current(self):
        return self.app.queue.current_id

    def do_label(self, cls: str) -> None:
        if self._current() is not None:
            self.app.session.label(self._current(), cls)
            self.move(1, force=True)

    def do_reject(self) -> None:
        if self._current() is not None:
            self.app.session.reject(self._current())
            self.move(1, force=True)

    def do_keep(self) -> None:
        if self._current() is not None:
            self.app.session.keep(self._current())
            self.move(1, force=True)

    def do_suggest(self) -> None:
        """The issue's suggestion, as if its key were pressed: a class key, or x to reject."""
        item_id = self._current()
        issue = issue_of(self.app.corpus.db, item_id) if item_id is not None else None
        if issue is None or not issue["suggested"]:
            self.app.root.bell()            # nothing to accept on this face
        elif issue["suggested"] == "reject":
            self.do_reject()
        else:
            self.do_label(issue["suggested"])

    def do_undo(self) -> None:
        item_id = self.app.session.undo()
        if item_id is not None:
            self.app.queue.bring(item_id)
        self.show()

    def move(self, step: int, force: bool = False) -> None:
        if self.app.queue.move(step) or force:
            self.show()

    # ------------------------------------------------------------------ drawing
    def tasks(self, item_id: int) -> tuple[Task, Task | None]:
        q, corpus = self.app.queue, self.app.corpus
        row = q.row(item_id)
        face = (Task(str(corpus.root / row["path"]), self.face_slot.size, "L")
                if row["path"] else None)
        src = None
        if row["parent_id"] is not None:
            parent = q.rows([row["parent_id"]]).get(row["parent_id"])
            if parent and parent["path"]:
                src = Task(str(corpus.root / parent["path"]), self.source_slot.size, "RGB",
                           self.app.boxes.box(row))
        return face, src

    def _paint(self, slot: ImageSlot, task: Task | None, text: str) -> None:
        slot.show(self.app.prefetcher.get(task) if task else placeholder(slot.size, text))

    def _set(self, widget, text: str) -> None:
        if widget.cget("text") != text:
            widget.configure(text=text)

    def show(self) -> None:
        app, q = self.app, self.app.queue
        item_id = q.current_id
        if item_id is None:
            self.face_slot.text(f"Nothing to label ({app.filters}).\n\n"
                                + empty_queue_hint(app.corpus))
            self.source_slot.text("")
            for label in (self.info, self.preds, self.issue):
                self._set(label, "")
            app.refresh_status("0/0")
            return
        row = q.row(item_id)
        face, src = self.tasks(item_id)
        self._paint(self.face_slot, face, "no stored bytes")
        self._paint(self.source_slot, src, "no source image (imported crop)")
        self._set(self.info, self._describe(row))
        self._set(self.preds, describe_prediction(shown_prediction(app.corpus.db, item_id)))
        self._set(self.issue, describe_issue(issue_of(app.corpus.db, item_id)))
        end = "  (end of queue)" if q.pos == len(q) - 1 else ""
        app.refresh_status(f"{q.pos + 1}/{len(q)}{end}")
        app.root.after_idle(self.prefetch)

    def _describe(self, row) -> str:
        status = "REJECTED" if row["status"] == "rejected" else row["status"]
        label = row["label"] or "(unlabeled)"
        by = f" by {row['label_by']}" if row["label_by"] else ""
        origin = self._origin(row["id"])
        return (f"face #{row['id']}   status: {status}   reviewed: "
                f"{'yes' if row['reviewed'] else 'no'}\n"
                f"label: {label}   source: {row['label_source'] or '-'}{by}\n{origin}")

    def _origin(self, item_id: int) -> str:
        prov = self.app.corpus.db.execute(
            "SELECT engine, query, orig_name, source_dataset, extra FROM provenance"
            " WHERE item_id=? ORDER BY id LIMIT 1", (item_id,)).fetchone()
        if prov is None:
            return ""
        parts = [f"{k}: {prov[k]}" for k in ("source_dataset", "engine", "query", "orig_name")
                 if prov[k]]
        if not parts and prov["extra"]:
            parts = [json.dumps(json.loads(prov["extra"]))[:80]]
        text = "from " + ", ".join(parts)
        return text if len(text) <= ORIGIN_CHARS else text[:ORIGIN_CHARS - 3] + "..."

    def prefetch(self) -> None:
        q = self.app.queue
        tasks = []
        ids = q.around(PREFETCH_AHEAD, behind=2)
        q.rows(ids)
        for item_id in ids:
            for task in self.tasks(item_id):
                if task:
                    tasks.append(task)
        self.app.prefetcher.request(tasks)
