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
_LINE_H = _FONT.getbbox("Ag|")[3] + 2


def caption_lines(text: str, width: float, font=_FONT) -> list[str]:
    """The caption broken into lines no wider than `width` pixels: at spaces, at explicit
    newlines, and inside a word only when the word alone is wider than the cell. Nothing is
    cut off: a class name cut to "surpri" reads as another word."""
    lines = []
    for para in str(text).split("\n"):
        line = ""
        for word in para.split(" "):
            joined = f"{line} {word}" if line else word
            if font.getlength(joined) <= width:
                line = joined
                continue
            if line:
                lines.append(line)
            while len(word) > 1 and font.getlength(word) > width:
                n = 1                       # the longest piece that fits, at least a letter
                while n < len(word) and font.getlength(word[:n + 1]) <= width:
                    n += 1
                lines.append(word[:n])
                word = word[n:]
            line = word
        lines.append(line)
    return lines


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

    One block per section with its heading, `cols` tiles a row, each tile captioned below;
    captions wrap within the cell (see caption_lines), and every caption row is as tall as
    the longest caption needs.
    """
    head_h, pad = 22, 4
    title_h = head_h + 6 if title else 0
    wrapped = [[caption_lines(c, cell - 2) for c in captions] for _, _, captions in sections]
    cap_h = max([14] + [len(lines) * _LINE_H + 2 for sec in wrapped for lines in sec])
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
    for (heading, images, captions, rows), lines in zip(blocks, wrapped):
        draw.rectangle([0, y, width, y + head_h - 4], fill=(225, 232, 245))
        draw.text((pad, y + 4), f"{heading} ({len(images)})", fill=(0, 0, 0), font=_FONT)
        y += head_h
        if not images:
            draw.text((pad, y + 4), "(none)", fill=(120, 120, 120), font=_FONT)
        for i, img in enumerate(images):
            r, c = divmod(i, cols)
            x0, y0 = pad + c * (cell + pad), y + r * (cell + cap_h + pad)
            sheet.paste(_tile(img, cell), (x0, y0))
            for k, line in enumerate(lines[i] if i < len(lines) else []):
                draw.text((x0 + 1, y0 + cell + 1 + k * _LINE_H), line, fill=(0, 0, 0),
                          font=_FONT)
        y += rows * (cell + cap_h + pad) + pad
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(out)
    return out
