"""Decode the next images on a worker thread so a key press shows the next face at once.

The worker only reads files and makes display-ready PIL images (resized, box drawn); the Tk
PhotoImage is made on the main thread, because Tk objects must not be touched from others.
"""
from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

from corpus.images import ImageError, to_pil


@dataclass(frozen=True)
class Task:
    """One picture to prepare: a file, the box it must fit in, and an optional face box."""
    path: str
    size: tuple[int, int]
    mode: str = "L"
    box: tuple[int, int, int, int] | None = None   # x, y, w, h in source pixels

    @property
    def key(self):
        return (self.path, self.size, self.mode, self.box)


def render(task: Task) -> Image.Image:
    """Decode, fit into task.size (up- or down-scaled, aspect kept) and draw the box."""
    try:
        data = Path(task.path).read_bytes()
        img = to_pil(data, task.mode)
    except (OSError, ImageError) as exc:
        return placeholder(task.size, f"cannot show: {exc}")
    scale = min(task.size[0] / img.width, task.size[1] / img.height)
    new = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
    img = img.resize(new, Image.BILINEAR)
    # Letterboxed to exactly task.size, so a view can paste into the PhotoImage it already
    # shows instead of configuring a new one (that re-layout was the slow part of a key press).
    off = ((task.size[0] - new[0]) // 2, (task.size[1] - new[1]) // 2)
    out = Image.new("RGB" if task.box else img.mode, task.size)
    out.paste(img, off)
    if task.box:
        x, y, w, h = (v * scale for v in task.box)
        x, y = x + off[0], y + off[1]
        draw = ImageDraw.Draw(out)
        draw.rectangle([x, y, x + w, y + h], outline=(0, 255, 0), width=2)
    return out


@functools.lru_cache(maxsize=32)
def placeholder(size: tuple[int, int], text: str) -> Image.Image:
    img = Image.new("RGB", size, (60, 20, 20))
    ImageDraw.Draw(img).multiline_text((6, 6), _wrap(text, 30), fill=(255, 220, 220))
    return img


def _wrap(text: str, width: int) -> str:
    return "\n".join(text[i:i + width] for i in range(0, len(text), width))


class Prefetcher:
    """An LRU of rendered images fed by one daemon thread; get() renders on a miss."""

    def __init__(self, capacity: int = 64, enabled: bool = True):
        self.capacity = capacity
        self.enabled = enabled
        self._cache: OrderedDict = OrderedDict()
        self._pending: list[Task] = []
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._stop = False
        self.hits = self.misses = 0
        self._thread = None
        if enabled:
            self._thread = threading.Thread(target=self._run, name="labeler-prefetch",
                                            daemon=True)
            self._thread.start()

    def request(self, tasks: list[Task]) -> None:
        """Replace the wish list: the user moved, so older wishes are less useful."""
        if not self.enabled:
            return
        with self._wake:
            self._pending = [t for t in tasks if t.key not in self._cache]
            self._wake.notify()

    def get(self, task: Task) -> Image.Image:
        with self._lock:
            img = self._cache.get(task.key)
            if img is not None:
                self._cache.move_to_end(task.key)
                self.hits += 1
                return img
        self.misses += 1
        img = render(task)
        self._store(task.key, img)
        return img

    def _store(self, key, img) -> None:
        with self._lock:
            self._cache[key] = img
            self._cache.move_to_end(key)
            while len(self._cache) > self.capacity:
                self._cache.popitem(last=False)

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._pending and not self._stop:
                    self._wake.wait()
                if self._stop:
                    return
                task = self._pending.pop(0)
                if task.key in self._cache:
                    continue
            self._store(task.key, render(task))

    def close(self) -> None:
        with self._wake:
            self._stop = True
            self._wake.notify()
