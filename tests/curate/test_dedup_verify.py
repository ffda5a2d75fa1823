"""The aligned check on real faces: copies pass whatever was done to them, a posed face's other
expression does not, and neither does an inverted picture."""
import io

import numpy as np
from PIL import Image, ImageEnhance, ImageOps

from curate.dedup.verify import MAX_RESIDUAL, check, prepare, same_picture


def _reload(img, fmt, **kw):
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    buf.seek(0)
    return Image.open(buf).convert("L")


def test_copies_pass_and_other_expressions_do_not(shared_data):
    faces = sorted((shared_data / "fer2013_images" / "train").glob("*/*.jpg"))[::300]
    for f in faces:
        im = Image.open(f).convert("L")
        orig = prepare(im)
        copies = {
            "bright": ImageEnhance.Brightness(im).enhance(1.15),
            "crop+zoom": im.crop((1, 1, 47, 47)).resize((48, 48), Image.BICUBIC),
            "crop right/bottom": im.crop((0, 0, 47, 47)),
            "rescaled 100 px, JPEG 70": _reload(im.resize((100, 100), Image.LANCZOS), "JPEG",
                                                quality=70),
        }
        for how, copy in copies.items():
            corr, res = check(orig, prepare(copy))
            assert res <= MAX_RESIDUAL and same_picture(orig, prepare(copy)), (f.name, how, res)
            assert same_picture(prepare(copy), orig)                       # symmetric
        assert not same_picture(orig, prepare(ImageOps.invert(im)))

    ck = shared_data / "ckplus48" / "CK+48"
    for a, b in (("anger/S130_007_00000018.png", "disgust/S130_012_00000009.png"),
                 ("happy/S010_006_00000013.png", "surprise/S010_002_00000012.png")):
        pa, pb = prepare(Image.open(ck / a)), prepare(Image.open(ck / b))
        assert not same_picture(pa, pb) and check(pa, pb)[1] > MAX_RESIDUAL


def test_near_blank_pictures_are_judged_by_the_residual_alone():
    flat = Image.fromarray(np.full((48, 48), 128, np.uint8))
    noisy = Image.fromarray(np.clip(np.random.default_rng(0).normal(128, 1, (48, 48)), 0, 255)
                            .astype(np.uint8))
    assert prepare(flat).flat and same_picture(prepare(flat), prepare(noisy))
