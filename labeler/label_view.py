"""Label mode: one face large, its source image small with the face box, keys 1..9 / x / space."""
from __future__ import annotations

import json
import tkinter as tk

from PIL import ImageTk

from . import keys
from .app import BG, FG
from .info import top_predictions
from .prefetch import Task, placeholder

FACE_SIZE = (360, 360)
SOURCE_SIZE = (300, 240)
PREFETCH_AHEAD = 12


class LabelView:
    def __init__(self, app, parent):
        self.app = app
        self.photos = {}                  # keep PhotoImages alive while shown
        top = tk.Frame(parent, bg=BG)
        top.pack(side="top", fill="both", expand=True, padx=10, pady=8)
        self.face = tk.Label(top, bg="#000", width=FACE_SIZE[0], height=FACE_SIZE[1])
        self.face.pack(side="left", anchor="n")
        app.tip(self.face, "The face to label: keys 1..9 label it, x rejects, space keeps")
        side = tk.Frame(top, bg=BG)
        side.pack(side="left", fill="both", expand=True, padx=(12, 0))
        self.source = tk.Label(side, bg="#000", width=SOURCE_SIZE[0], height=SOURCE_SIZE[1])
        self.source.pack(side="top", anchor="nw")
        app.tip(self.source, "Source image, face box in green (none for imported crops)")
        self.info = tk.Label(side, bg=BG, fg=FG, justify="left", anchor="nw",
                             font=("TkDefaultFont", 12), wraplength=560)
        self.info.pack(side="top", fill="x", pady=(8, 0))
        self.preds = tk.Label(side, bg=BG, fg="#9fd3ff", justify="left", anchor="nw",
                              font=("TkFixedFont", 11))
        self.preds.pack(side="top", fill="x", pady=(6, 0))
        app.tip(self.preds, "A model's top-3 classes (from `train score`), if scored")
        self._buttons(parent)
        self._bind()

    def _buttons(self, parent) -> None:
        app = self.app
        row1 = tk.Frame(parent, bg=BG)
        row1.pack(side="top", fill="x", padx=10, pady=(0, 4))
        for i, cls in enumerate(app.classes):
            key = keys.class_key(i)
            if key is None:
                break
            app.button(row1, f"{key} {cls}", key, f"label {cls} and go on",
                       lambda c=cls: self.do_label(c)).pack(side="left", padx=2)
        row2 = tk.Frame(parent, bg=BG)
        row2.pack(side="top", fill="x", padx=10, pady=(0, 6))
        for text, action, command in (("x reject", "reject", self.do_reject),
                                      ("space keep", "keep", self.do_keep),
                                      ("< prev", "prev", lambda: self.move(-1)),
                                      ("next >", "next", lambda: self.move(1)),
                                      ("undo", "undo", self.do_undo),
                                      ("? keys", "help", app.toggle_help)):
            app.button(row2, text, keys.key_name(action, "label"), keys.DESCRIPTIONS[action],
                       command).pack(side="left", padx=2)

    def _bind(self) -> None:
        root = self.app.root
        for i, cls in enumerate(self.app.classes):
            key = keys.class_key(i)
            if key:
                for event in keys.tk_keys(key):
                    root.bind(event, lambda e, c=cls: self.do_label(c))
        actions = {"reject": self.do_reject, "keep": self.do_keep, "undo": self.do_undo,
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
        face = Task(str(corpus.root / row["path"]), FACE_SIZE, "L") if row["path"] else None
        src = None
        if row["parent_id"] is not None:
            parent = q.rows([row["parent_id"]]).get(row["parent_id"])
            if parent and parent["path"]:
                src = Task(str(corpus.root / parent["path"]), SOURCE_SIZE, "RGB",
                           self.app.boxes.box(row))
        return face, src

    def _paint(self, widget, slot: str, task: Task | None, size, text: str) -> None:
        img = self.app.prefetcher.get(task) if task else placeholder(size, text)
        if slot not in self.photos:
            self.photos[slot] = ImageTk.PhotoImage("RGB", size, master=self.app.root)
            widget.configure(image=self.photos[slot], text="", width=size[0], height=size[1])
        self.photos[slot].paste(img)        # same size always: no re-layout

    def _set(self, widget, text: str) -> None:
        if widget.cget("text") != text:
            widget.configure(text=text)

    def show(self) -> None:
        app, q = self.app, self.app.queue
        item_id = q.current_id
        if item_id is None:
            self.photos.clear()
            self.face.configure(image="", text=f"Nothing to label\n({app.filters})", fg=FG,
                                width=40, height=10)
            app.refresh_status("0/0")
            return
        row = q.row(item_id)
        face, src = self.tasks(item_id)
        self._paint(self.face, "face", face, FACE_SIZE, "no stored bytes")
        self._paint(self.source, "source", src, SOURCE_SIZE, "no source image (imported crop)")
        self._set(self.info, self._describe(row))
        model, top = top_predictions(app.corpus.db, item_id)
        self._set(self.preds, (f"model {model}:\n" + "\n".join(
            f"  {c:<9} {p:6.1%}" for c, p in top)) if top else "no model predictions")
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
        return "from " + ", ".join(parts)

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
