"""The key map of both views, in one place: bindings, tooltips and the ? help read it."""
from __future__ import annotations

# Review grid cells follow the keyboard's own rows, so the key sits where the face sits.
GRID_ROWS = ("123456", "qwerty", "asdfgh", "zxcvbn")
GRID_COLS, GRID_ROWS_N = 6, 4
GRID_KEYS = "".join(GRID_ROWS)    # 24 keys for a 6x4 grid

CLASS_KEYS = "123456789"          # 1..9 in the taxonomy's order

# (Tk event, what it does, how the help names it)
LABEL_KEYS = [
    ("<Key-x>", "reject", "x"),
    ("<Key-X>", "reject", None),              # Caps Lock on must not make keys dead
    ("<space>", "keep", "space"),
    ("<Key-a>", "suggest", "a"),
    ("<Key-A>", "suggest", None),
    ("<Right>", "next", "Right"),
    ("<Left>", "prev", "Left"),
    ("<Control-z>", "undo", "ctrl+z"),
    ("<Control-Z>", "undo", None),
    ("<question>", "help", "?"),
]
REVIEW_KEYS = [
    ("<Return>", "accept", "Return"),
    ("<Next>", "next", "PageDown / Right"),
    ("<Right>", "next", None),
    ("<Prior>", "prev", "PageUp / Left"),
    ("<Left>", "prev", None),
    ("<Control-z>", "undo", "ctrl+z"),
    ("<Control-Z>", "undo", None),
    ("<question>", "help", "?"),
]
DESCRIPTIONS = {
    "reject": "reject: not a face / unusable, then next",
    "keep": "keep the current label (mark reviewed), then next",
    "suggest": "accept the issue's suggestion (its label, or reject), then next",
    "next": "next without changing anything",
    "prev": "previous without changing anything",
    "undo": "undo your last action (works across restarts)",
    "help": "show this key map",
    "accept": "accept the page: the rest keep their label, next page",
}


def key_name(action: str, mode: str) -> str:
    table = LABEL_KEYS if mode == "label" else REVIEW_KEYS
    return next(name for _, act, name in table if act == action and name)


def class_key(index: int) -> str | None:
    return CLASS_KEYS[index] if index < len(CLASS_KEYS) else None


def tk_keys(char: str) -> list[str]:
    """Tk events for a plain key, upper case too (Caps Lock)."""
    return [f"<Key-{c}>" for c in dict.fromkeys((char, char.upper()))]


def help_text(mode: str, classes) -> str:
    lines = []
    if mode == "label":
        lines.append("Label mode: one face at a time")
        for i, cls in enumerate(classes):
            key = class_key(i)
            if key:
                lines.append(f"  {key:<8} label {cls}, then next")
        table = LABEL_KEYS
    else:
        lines.append("Review mode: a page of faces of one label")
        for r in range(GRID_ROWS_N):
            keys = " ".join(GRID_KEYS[r * GRID_COLS:(r + 1) * GRID_COLS])
            lines.append(f"  {keys}   toggle reject of row {r + 1} (or click a face)")
        table = REVIEW_KEYS
    for _, action, name in table:
        if name:
            lines.append(f"  {name:<8} {DESCRIPTIONS[action]}")
    return "\n".join(lines)
