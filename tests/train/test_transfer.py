"""`fit --init RUN`: a FER-trained base moved to a corpus with other classes (CK+48, contempt)."""
import json
import random

import keras
import numpy as np
import pytest

from corpus import Corpus
from train.fit import fit
from train.transfer import TransferError, init_model

QUIET = {"progress": False, "log": lambda m: None}
CK = {"anger": "angry", "contempt": "contempt", "happy": "happy", "surprise": "surprise"}


@pytest.fixture(scope="module")
def ck(shared_data, tmp_path_factory):
    """20 CK+48 faces of each of 4 classes (contempt among them), a quarter held out as val."""
    c = Corpus(tmp_path_factory.mktemp("ck") / "corpus")
    c.set_taxonomy(c.taxonomy.with_classes(["contempt"]))
    rng = random.Random(3)
    for folder, label in CK.items():
        for f in sorted((shared_data / "ckplus48" / "CK+48" / folder).glob("*.png"))[:20]:
            c.add_bytes(f.read_bytes(), fmt="PNG", kind="face", label=label,
                        label_source="import", split="val" if rng.random() < 0.25 else "train")
    yield c
    c.close()


def conv_weights(model):
    return [w for layer in model.layers if type(layer).__name__ == "Conv2D"
            for w in layer.get_weights()]


def test_new_classes_get_a_new_head_on_the_frozen_base_then_fine_tuning(fer_run, ck, tmp_path):
    big, big_card = fer_run
    source = keras.models.load_model(big / "model.keras")
    out = tmp_path / "ck"
    card = fit(ck.root, out, init=big, epochs=1, head_epochs=1, batch=16, **QUIET)
    assert card["classes"] == ["angry", "happy", "surprise", "contempt"]
    assert card["init"]["from_classes"] == big_card["classes"]
    assert card["init"]["head"].startswith("new")
    head_only = keras.models.load_model(out / "model.keras")
    assert head_only.output_shape == (None, 4)
    # phase 1 trained the head alone: the base is the source's, weights and BN statistics
    for a, b in zip(conv_weights(head_only), conv_weights(source)):
        np.testing.assert_array_equal(a, b)
    bn = [layer.name for layer in source.layers if "batch_normalization" in layer.name][0]
    for a, b in zip(head_only.get_layer(bn).get_weights(), source.get_layer(bn).get_weights()):
        np.testing.assert_array_equal(a, b)
    # phase 2: every layer, at a tenth of the rate
    card = fit(ck.root, out, epochs=3, resume=True, **QUIET)
    tuned = keras.models.load_model(out / "checkpoint" / json.loads(
        (out / "checkpoint" / "state.json").read_text())["ckpt"])
    assert any(not np.array_equal(a, b) for a, b in zip(conv_weights(tuned),
                                                         conv_weights(source)))
    lr = card["hyperparameters"]["learning_rate"]
    assert all(h["learning_rate"] <= 0.1 * lr + 1e-12 for h in card["history"][1:])
    assert card["history"][1]["learning_rate"] == pytest.approx(0.1 * lr)


def test_same_classes_keep_the_head_and_sizes_must_match(fer_run, fer_small, tmp_path):
    big, big_card = fer_run
    model, info = init_model(big, big_card["classes"], 48, seed=1)
    assert info["head"].startswith("kept")
    assert model.output_shape == (None, 3)
    with pytest.raises(TransferError, match="--size 48"):
        init_model(big, big_card["classes"], 100, seed=1)


def test_first_wave_model_with_augmentation_inside_loses_that_block(tmp_path):
    """Models saved before augmentation moved out of the model carry an "augment" block."""
    from keras import layers
    inp = keras.Input((48, 48, 1))
    x = layers.Rescaling(1 / 255)(inp)
    x = keras.Sequential([layers.RandomFlip("horizontal")], name="augment")(x)
    x = layers.Conv2D(4, 3)(x)
    x = layers.MaxPooling2D()(x)
    x = layers.Flatten()(x)
    x = layers.Dense(8)(x)
    old = keras.Model(inp, layers.Dense(2, activation="softmax")(x))
    old.save(tmp_path / "model.keras")
    (tmp_path / "model_card.json").write_text(json.dumps({"classes": ["happy", "sad"],
                                                          "input_size": 48}))
    model, info = init_model(tmp_path, ["happy", "sad", "sleepy"], 48, seed=1)
    assert "augment" not in [layer.name for layer in model.layers]
    assert model.output_shape == (None, 3) and info["head"] == "new (dense 8, 3 classes)"
    conv = [layer for layer in model.layers if type(layer).__name__ == "Conv2D"][0]
    np.testing.assert_array_equal(conv.get_weights()[0], old.layers[3].get_weights()[0])
