import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from train.predict import predict, safe_name
from train.quiet import BANNER

ROOT = Path(__file__).resolve().parents[2]


def test_one_entry_per_face_on_real_photos(fer_run, shared_data, tmp_path, artifacts):
    run, card = fer_run
    fr, sk = shared_data / "photos" / "face_recognition", shared_data / "photos" / "skimage"
    images = [fr / "two_people.jpg", fr / "obama.jpg", sk / "coffee.png", sk / "truncated.jpg"]
    out = predict(run, images, annotate_dir=tmp_path / "ann")
    assert [len(r["faces"]) for r in out] == [2, 1, 0, 0]
    assert out[2]["note"] == "no face found" and "error" not in out[2]
    assert "error" in out[3] and "Truncated" in out[3]["error"]      # and the run went on
    for r in out[:2]:
        w, h = Image.open(r["image"]).size
        for f in r["faces"]:
            left, top, right, bottom = f["box"]
            assert 0 <= left < right <= w and 0 <= top < bottom <= h
            assert list(f["probs"]) == card["classes"]
            assert abs(sum(f["probs"].values()) - 1) < 1e-3
            assert f["top"][0][0] == max(f["probs"], key=f["probs"].get)
        ann = Image.open(r["annotated"])
        assert ann.size == (w, h)
        # the box was drawn: pixels along its top edge are now the box colour
        left, top, right, _ = r["faces"][0]["box"]
        edge = np.asarray(ann.convert("RGB"))[top, left + 5:right - 5]
        assert (edge == (255, 220, 0)).all(axis=1).mean() > 0.9
    shutil.copy(out[0]["annotated"], artifacts / "train-predict-two_people.png")


def test_cli_json_lines_one_per_image_and_no_banners(fer_run, shared_data):
    run, _ = fer_run
    photo = shared_data / "photos" / "face_recognition" / "obama.jpg"
    done = subprocess.run([sys.executable, "-m", "train", "predict", str(run), str(photo),
                           str(shared_data / "photos" / "skimage" / "truncated.jpg"), "--json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["image"] for r in lines] == [str(photo), str(shared_data / "photos" / "skimage"
                                                           / "truncated.jpg")]
    assert len(lines[0]["faces"]) == 1 and "error" in lines[1]
    assert not BANNER.search(done.stderr), done.stderr[:500]


def test_safe_name_never_follows_the_input_path():
    assert safe_name(3, "../../etc/pass wd.jpg") == "003-pass_wd.png"
    assert safe_name(1, "/x/..png") == "001-image.png"


def test_extractor_repeats_the_corpus_settings_at_the_training_faces_size():
    """Crops are cut at the size the corpus stored its faces at, then resized to the model's
    input the way training resized them (a 48 px dlib chip is not a 100 px chip resized)."""
    from train.predict import extractor_for
    card = {"input_size": 48, "face_size": 100,
            "extractor": {"size": 100, "detector": "hog", "upsample": 0, "margin": 0.4,
                          "min_score": None, "unknown": 1}}
    s = extractor_for(card).settings()
    assert (s["size"], s["upsample"], s["margin"]) == (100, 0, 0.4)
    assert extractor_for(card, upsample=2).settings()["upsample"] == 2
    assert extractor_for({"input_size": 48, "face_size": 64}).settings()["size"] == 64
    assert extractor_for({"input_size": 48, "face_size": None}).settings()["size"] == 48
    assert extractor_for({"input_size": 48}).settings()["size"] == 100   # cards before 2026-12
