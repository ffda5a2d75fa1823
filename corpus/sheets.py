"""Contact sheets: grids of small images with captions, in titled sections, saved as PNG.

Used wherever a person should look rather than read: extracted faces per class, duplicate
groups, a model's most confident mistakes.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

_FONT = ImageFont.load_default()


def _tile(img: np.ndarray | Image.Image, cell: int) -> Image.Image:
    pil = img if isinstance(img, Image.Image) else Image.fromarray(np.asarray(img, np.uint8))
    pil = pil.convert("RGB")
    pil.thumbnail((cell, cell))
    out = Image.new("RGB", (cell, cell), (40, 40, 40))
    out.paste(pil, ((cell - pil.width) // 2, (cell - pil.height) // 2))
    return out


def contact_sheet(sections: Sequence[tuple[str, Sequence, Sequence[str]]], out: str | Path, *,
                  cols: int = 10, cell: int = 96, title: str | None = None) -> Path:
    """sections: [(heading, images, captions)]; images are uint8 arrays (gray or RGB) or PIL.

    One block per section with its heading, `cols` tiles a row, each tile captioned below.
    """
    cap_h, head_h, pad = 14, 22, 4
    title_h = head_h + 6 if title else 0
    blocks = []
    for heading, images, captions in sections:
        rows = max(1, -(-len(images) // cols))
        blocks.append((heading, images, captions, rows))
    width = cols * (cell + pad) + pad
    height = title_h + sum(head_h + r * (cell + cap_h + pad) + pad for *_, r in blocks)
    sheet = Image.new("RGB", (width, max(height, 40)), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    y = 0
    if title:
        draw.text((pad, 6), title, fill=(0, 0, 0), font=_FONT)
        y = title_h
    for heading, images, captions, rows in blocks:
        draw.rectangle([0, y, width, y + head_h - 4], fill=(225, 232, 245))
        draw.text((pad, y + 4), f"{heading} ({len(images)})", fill=(0, 0, 0), font=_FONT)
        y += head_h
        if not images:
            draw.text((pad, y + 4), "(none)", fill=(120, 120, 120), font=_FONT)
        for i, img in enumerate(images):
            r, c = divmod(i, cols)
            x0, y0 = pad + c * (cell + pad), y + r * (cell + cap_h + pad)
            sheet.paste(_tile(img, cell), (x0, y0))
            if i < len(captions):
                draw.text((x0 + 1, y0 + cell + 1), str(captions[i])[:18], fill=(0, 0, 0),
                          font=_FONT)
        y += rows * (cell + cap_h + pad) + pad
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(out)
    return out
