import numpy as np
import pytest

from train.card import load_model
from train.tta import probabilities


def test_flip_averages_a_face_and_its_mirror_image(fer_run, shared_data):
    from PIL import Image
    model, _ = load_model(fer_run[0])
    files = sorted((shared_data / "fer2013_images" / "test" / "happy").glob("*.jpg"))[:40]
    x = np.stack([np.asarray(Image.open(f), np.float32)[..., None] for f in files])
    for n in (3, 40):                      # a few faces (direct call) and a batch
        plain = probabilities(model, x[:n], "none")
        flip = probabilities(model, x[:n], "flip")
        mirrored = probabilities(model, x[:n, :, ::-1], "none")
        np.testing.assert_allclose(flip, (plain + mirrored) / 2, atol=1e-5)
        # so a face and its mirror image get the same answer
        np.testing.assert_allclose(probabilities(model, x[:n, :, ::-1], "flip"), flip, atol=1e-5)
        assert np.abs(flip - plain).max() > 1e-4
    with pytest.raises(ValueError, match="unknown test-time"):
        probabilities(model, x[:1], "rotate")


def test_predict_uses_the_cards_tta_unless_told(fer_run, shared_data):
    from train.predict import predict
    photo = shared_data / "photos" / "face_recognition" / "obama.jpg"
    flip, = predict(fer_run[0], [photo])
    plain, = predict(fer_run[0], [photo], tta="none")
    a, b = flip["faces"][0]["probs"], plain["faces"][0]["probs"]
    assert a != b and abs(sum(a.values()) - 1) < 1e-3
