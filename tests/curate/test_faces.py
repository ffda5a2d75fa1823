"""FaceExtractor on real photos with real dlib: counts, boxes, alignment, edge cases."""
import math

import numpy as np
import pytest
from PIL import Image

from corpus import to_array
from curate.faces import ExtractorError, FaceExtractor, eye_angle, to_gray

SINGLE = ["face_recognition/obama_small.jpg", "face_recognition/obama-240p.jpg",
          "face_recognition/alex-lacamoire.png", "face_recognition/obama-1080p.jpg",
          "face_recognition/obama_partial_face.jpg", "skimage/astronaut.png"]


@pytest.fixture(scope="module")
def fx():
    return FaceExtractor(size=100)


def load(shared_data, rel, mode="RGB"):
    return to_array((shared_data / "photos" / rel).read_bytes(), mode)


def iou(a, b):
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    area = lambda r: (r[2] - r[0]) * (r[3] - r[1])
    return inter / (area(a) + area(b) - inter)


@pytest.mark.parametrize("rel", SINGLE)
def test_one_face_in_each_single_face_photo(shared_data, fx, rel):
    img = load(shared_data, rel)
    faces = fx.extract(img)
    assert len(faces) == 1, [(f.box, f.score) for f in faces]
    f = faces[0]
    assert f.crop.shape == (100, 100) and f.crop.dtype == np.uint8
    l, t, r, b = f.box
    assert 0 <= l < r <= img.shape[1] and 0 <= t < b <= img.shape[0]
    assert f.score >= 0.5 and not f.too_small and len(f.landmarks) == 5


@pytest.mark.parametrize("rel,n", [("face_recognition/two_people.jpg", 2),
                                   ("face_recognition/kit_with_rose.jpg", 2),
                                   ("skimage/coffee.png", 0), ("skimage/rocket.jpg", 0)])
def test_face_counts(shared_data, fx, rel, n):
    faces = fx.extract(load(shared_data, rel))
    assert len(faces) == n
    assert [f.score for f in faces] == sorted((f.score for f in faces), reverse=True)


def test_two_people_boxes_are_distinct_people(shared_data, fx):
    a, b = fx.extract(load(shared_data, "face_recognition/two_people.jpg"))
    assert iou(a.box, b.box) == 0
    # the photo is 1126 px wide: one face on each side
    assert sorted([a.box[0] < 563, b.box[0] < 563]) == [False, True]


def test_boxes_map_back_to_full_resolution(shared_data, fx):
    """Detecting on the 800 px copy gives the box a full-resolution search would give."""
    img = load(shared_data, "face_recognition/obama-1080p.jpg")
    small = fx.extract(img)[0]
    full = FaceExtractor(max_side=4000, upsample=0).extract(img)[0]
    assert iou(small.box, full.box) > 0.7, (small.box, full.box)
    assert small.box[2] > 800      # really in 1920 px coordinates, not the copy's


def test_gray_input_gives_same_face(shared_data, fx):
    rgb = fx.extract(load(shared_data, "face_recognition/obama_small.jpg"))[0]
    gray = fx.extract(load(shared_data, "face_recognition/obama_small.jpg", "L"))[0]
    assert iou(rgb.box, gray.box) > 0.9


def test_aligned_crop_has_level_eyes_even_for_a_tilted_face(shared_data, fx):
    src = Image.fromarray(load(shared_data, "face_recognition/obama.jpg"))
    tilted = np.asarray(src.rotate(18, resample=Image.BICUBIC, expand=True,
                                   fillcolor=(128, 128, 128)))
    faces = fx.extract(tilted)
    assert len(faces) == 1
    face = faces[0]
    # PIL rotates counter-clockwise: the eye line now climbs to the right (negative y).
    assert -24 < face.rotation < -12, face.rotation
    assert abs(eye_angle(fx.landmarks_in_crop(face.crop))) < 4
    for rel in ("face_recognition/two_people.jpg", "face_recognition/kit_with_rose.jpg"):
        for f in fx.extract(load(shared_data, rel)):
            assert abs(eye_angle(fx.landmarks_in_crop(f.crop))) < 4, (rel, f.rotation)


def test_crop_is_the_face_not_background(shared_data, fx):
    face = fx.extract(load(shared_data, "face_recognition/obama_small.jpg"))[0]
    # landmarks re-found on the crop sit where an aligned chip puts eyes and nose
    pts = fx.landmarks_in_crop(face.crop)
    eyes_y = [p[1] for p in pts[:4]]
    assert all(20 < y < 45 for y in eyes_y) and 40 < pts[4][1] < 75
    assert face.crop.std() > 20


def test_min_face_marks_small_faces(shared_data):
    fx = FaceExtractor(min_face=150)
    faces = fx.extract(load(shared_data, "face_recognition/obama_small.jpg"))   # face ~108 px
    assert len(faces) == 1 and faces[0].too_small


def test_size_48_and_margin(shared_data):
    face = FaceExtractor(size=48, margin=0.5).extract(
        load(shared_data, "face_recognition/obama_small.jpg"))[0]
    assert face.crop.shape == (48, 48)


def test_cnn_detector_finds_the_face(shared_data):
    img = load(shared_data, "face_recognition/obama_small.jpg")
    faces = FaceExtractor(detector="cnn", upsample=0).extract(img)
    assert len(faces) == 1
    hog = FaceExtractor().extract(img)[0]
    assert iou(faces[0].box, hog.box) > 0.4


def test_bad_inputs_and_settings_raise_clear_errors():
    with pytest.raises(ExtractorError, match="unknown detector"):
        FaceExtractor(detector="haar")
    with pytest.raises(ExtractorError, match="bad settings"):
        FaceExtractor(size=2)
    with pytest.raises(ExtractorError, match="uint8"):
        to_gray(np.zeros((10, 10), np.float32))
    with pytest.raises(ExtractorError, match="shape"):
        to_gray(np.zeros((10, 10, 2), np.uint8))


def test_eye_angle_convention():
    level = [(60, 40), (50, 40), (20, 40), (30, 40), (40, 60)]
    assert eye_angle(level) == 0
    down_right = [(60, 50), (50, 50), (20, 40), (30, 40), (40, 60)]
    assert math.isclose(eye_angle(down_right), math.degrees(math.atan2(10, 30)))


def test_tight_crop_is_found_with_a_padded_retry(shared_data, fx):
    img = load(shared_data, "face_recognition/obama.jpg")
    l, t, r, b = fx.extract(img)[0].box
    dx, dy = (r - l) * 15 // 100, (b - t) * 15 // 100    # inside the box: no forehead, no chin
    tight = np.ascontiguousarray(img[t + dy:b - dy, l + dx:r - dx])
    assert FaceExtractor(pad_retry=False).extract(tight) == []
    faces = fx.extract(tight)
    assert len(faces) == 1
    fl, ft, fr, fb = faces[0].box                          # in the tight image's coordinates
    assert 0 <= fl < fr <= tight.shape[1] and 0 <= ft < fb <= tight.shape[0]
    assert abs(eye_angle(fx.landmarks_in_crop(faces[0].crop))) < 4
