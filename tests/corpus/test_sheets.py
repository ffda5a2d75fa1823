import numpy as np
from PIL import Image

from corpus.sheets import contact_sheet


def test_sections_laid_out_with_every_tile(tmp_path):
    faces = [np.full((48, 48), v, np.uint8) for v in (0, 128, 255)]
    out = contact_sheet([("happy", faces, ["#1", "#2", "#3"]), ("sad", [], [])],
                        tmp_path / "s.png", cols=2, cell=50, title="test")
    img = np.asarray(Image.open(out).convert("L"))
    # 2 columns, 3 tiles -> 2 rows in the first section, and an empty second section below it
    assert img.shape[1] == 2 * 54 + 4 and img.shape[0] > 2 * 68 + 2 * 22
    tile_black = img[28 + 22 + 4: 28 + 22 + 40, 10:40]     # first tile (value 0)
    assert tile_black.mean() < 20
