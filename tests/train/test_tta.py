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


def test_shift_moves_the_face_and_mirrors_the_edge():
    from train.tta import shifted
    x = np.arange(2 * 5 * 5, dtype=np.float32).reshape(2, 5, 5, 1)
    down = shifted(x, 1, 0)
    assert np.array_equal(down[:, 1:], x[:, :-1])            # moved one row down
    assert np.array_equal(down[:, 0], x[:, 1])               # the new top row mirrors row 1
    left = shifted(x, 0, -2)
    assert np.array_equal(left[:, :, :-2], x[:, :, 2:])
    assert np.array_equal(left[:, :, -2:], x[:, :, [-2, -3]])


def test_shift_averages_ten_views_and_a_mirror_gets_the_same_answer(fer_run, shared_data):
    from PIL import Image

    from train.tta import shifted
    model, _ = load_model(fer_run[0])
    files = sorted((shared_data / "fer2013_images" / "test" / "surprise").glob("*.jpg"))[:40]
    x = np.stack([np.asarray(Image.open(f), np.float32)[..., None] for f in files])
    views = [x, x[:, :, ::-1]]
    views += [shifted(v, dy, dx) for v in views for dy, dx in ((3, 0), (-3, 0), (0, 3), (0, -3))]
    by_hand = np.mean([probabilities(model, v, "none") for v in views], axis=0)
    shift = probabilities(model, x, "shift")
    np.testing.assert_allclose(shift, by_hand, atol=1e-5)
    # the ten views of a mirror image are the mirror images of the ten views
    np.testing.assert_allclose(probabilities(model, x[:, :, ::-1], "shift"), shift, atol=1e-5)
    assert np.abs(shift - probabilities(model, x, "flip")).max() > 1e-4
