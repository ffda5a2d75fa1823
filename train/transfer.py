"""`fit --init RUN`: start from a trained model's convolutional base instead of random weights.

The base is every layer up to the one named model.FEATURES (the last Flatten in models from
before that name). When the new run's classes equal RUN's (same names, same order) the head is
kept too; otherwise a new head is put on the base. Training then goes in two phases (fit.py):
the head alone with the base frozen (its BatchNormalization layers in inference mode), so the
new head's random start does not wreck the base, then every layer at FINE_TUNE_FACTOR times
the learning rate.
"""
from __future__ import annotations

from pathlib import Path

from .card import load_model
from .model import FEATURES, head

FINE_TUNE_FACTOR = 0.1


class TransferError(ValueError):
    pass


def _features_layer(model):
    names = [layer.name for layer in model.layers]
    if FEATURES in names:
        return model.get_layer(FEATURES)
    flat = [layer for layer in model.layers if type(layer).__name__ in
            ("Flatten", "GlobalAveragePooling2D", "GlobalMaxPooling2D")]
    if not flat:
        raise TransferError("the model has no Flatten/pooling layer ending a convolutional base")
    return flat[-1]


def _base_output(model, features):
    """The features tensor; models from before augmentation left the model carry an "augment"
    block, which is skipped (the pipeline augments now) by re-calling the chain without it."""
    if not any(layer.name == "augment" for layer in model.layers):
        return features.output
    x = model.inputs[0]
    for layer in model.layers[1:]:
        if layer.name != "augment":
            x = layer(x)
        if layer is features:
            return x
    raise TransferError("could not rebuild the base without its augmentation block")


def init_model(run, classes: list[str], size: int, seed: int):
    """(model sharing RUN's base weights, description for the card)."""
    import keras
    old, card = load_model(run)
    if card["input_size"] != size:
        raise TransferError(f"{run} takes {card['input_size']} px faces; train with --size "
                            f"{card['input_size']} to start from it")
    features = _features_layer(old)
    x = _base_output(old, features)
    info = {"from": str(Path(run)), "from_classes": card["classes"],
            "from_preset": card.get("preset")}
    if card["classes"] == classes and x is features.output:
        model, info["head"] = old, "kept (same classes in the same order)"
    else:
        dense = [layer for layer in old.layers[old.layers.index(features) + 1:]
                 if type(layer).__name__ == "Dense"]
        units = dense[0].units if len(dense) > 1 else 128
        model = keras.Model(old.inputs[0], head(x, len(classes), units, seed),
                            name=f"{old.name}_to_{len(classes)}")
        info["head"] = f"new (dense {units}, {len(classes)} classes)"
    info["base_layers"] = base_layer_names(model)
    return model, info


def base_layer_names(model) -> list[str]:
    names = [layer.name for layer in model.layers]
    end = names.index(FEATURES) if FEATURES in names else \
        model.layers.index(_features_layer(model))
    return names[:end + 1]


def freeze_base(model, base: list[str], frozen: bool) -> None:
    for layer in model.layers:
        if layer.name in base:
            layer.trainable = not frozen
