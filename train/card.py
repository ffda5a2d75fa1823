"""The model card (model_card.json beside model.keras) and atomic JSON files.

A .keras file knows its layers but not what its outputs mean; the card is where evaluate,
predict and score read the class names, the input size and the six-class fold.
"""
from __future__ import annotations

import json
from pathlib import Path

from corpus.atomic import write_atomic

MODEL = "model.keras"
CARD = "model_card.json"


class CardError(ValueError):
    pass


def write_json(path, obj) -> Path:
    """Write through a temp file and rename: a reader never sees half a file, even after kill -9."""
    return write_atomic(path, json.dumps(obj, indent=2, sort_keys=False).encode("utf-8"))


def read_json(path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def locate(model_path) -> tuple[Path, dict]:
    """A run directory or a .keras file -> (the .keras file, its card)."""
    p = Path(model_path)
    model_file = p / MODEL if p.is_dir() else p
    if not model_file.is_file():
        raise CardError(f"{model_path}: no model here (expected a run directory with {MODEL} "
                        f"or a .keras file written by `python -m train fit`)")
    card_file = model_file.parent / CARD
    if not card_file.is_file():
        raise CardError(f"{model_file}: no {CARD} beside it, so its class names are unknown")
    card = read_json(card_file)
    for key in ("classes", "input_size"):
        if key not in card:
            raise CardError(f"{card_file}: missing {key!r}")
    return model_file, card


def load_model(model_path):
    """(keras model, card) for a run directory or .keras file."""
    from .model import load
    model_file, card = locate(model_path)
    model = load(model_file)
    n_out = model.output_shape[-1]
    if n_out != len(card["classes"]):
        raise CardError(f"{model_file}: {n_out} outputs but the card names "
                        f"{len(card['classes'])} classes")
    return model, card
