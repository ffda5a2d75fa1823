"""`python -m curate detect` as a user runs it: JSON lines, EXIF-upright boxes, errors go on."""
import json
import subprocess
import sys
from pathlib import Path

from PIL import Image

from curate.cmd_detect import detect_file
from curate.faces import FaceExtractor

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "curate", "detect", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_json_lines_for_good_and_bad_inputs(shared_data, tmp_path):
    photos = shared_data / "photos"
    src = Image.open(photos / "face_recognition/obama_small.jpg")
    exif = Image.Exif()
    exif[0x0112] = 8          # stored rotated clockwise; a viewer turns it back
    rotated = tmp_path / "rotated.jpg"
    src.transpose(Image.Transpose.ROTATE_270).save(rotated, quality=92, exif=exif.tobytes())
    not_image = tmp_path / "notes.txt"
    not_image.write_text("<html>not an image</html>")
    inputs = [photos / "face_recognition/two_people.jpg", photos / "skimage/truncated.jpg",
              rotated, not_image, tmp_path / "missing.jpg", photos / "skimage/coffee.png",
              photos / "face_recognition/obama_small.jpg"]
    res = run_cli(*inputs, "--json")
    assert res.returncode == 1, res.stderr      # some inputs failed; all were still reported
    lines = [json.loads(line) for line in res.stdout.splitlines()]
    assert [r["path"] for r in lines] == [str(p) for p in inputs]
    two, trunc, rot, txt, missing, coffee, small = lines
    assert len(two["faces"]) == 2 and two["error"] is None
    for f in two["faces"]:
        left, top, right, bottom = f["box"]
        assert 0 <= left < right <= 1126 and 0 <= top < bottom <= 661 and f["score"] >= 0.5
    assert "runcated" in trunc["error"] and trunc["faces"] == []
    assert "HTML" in txt["error"]
    assert "No such file" in missing["error"]
    assert coffee == {"path": str(inputs[5]), "faces": [], "error": None}
    # the EXIF-rotated copy is 240x320 on disk, 320x240 upright: its box is the original's
    assert Image.open(rotated).size == (240, 320)
    assert len(rot["faces"]) == 1
    assert all(abs(a - b) <= 12 for a, b in zip(rot["faces"][0]["box"], small["faces"][0]["box"]))


def test_detect_file_function_matches_cli(shared_data):
    out = detect_file(FaceExtractor(), str(shared_data / "photos/face_recognition/kit_with_rose.jpg"))
    assert out["error"] is None and len(out["faces"]) == 2


def test_help_names_the_output():
    res = subprocess.run([sys.executable, "-m", "curate", "detect", "--help"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0 and "JSON" in res.stdout
