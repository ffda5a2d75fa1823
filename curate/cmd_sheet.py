"""Write a contact sheet PNG of the extracted faces: one block per label, each face with its id.

Faces (kind 'face', status ok) are grouped by their current label in the corpus taxonomy's
order, then the unlabeled ones, at most --per-class each (lowest ids first, so the sheet is
stable between runs); faces rejected as too small get a block of their own. Look at it to
check crops, alignment and inherited labels at a glance.

example:
  python -m curate sheet datasets/demo            # -> datasets/demo/reports/faces_sheet.png
"""
from __future__ import annotations

import sys
from pathlib import Path

from corpus import Corpus, ImageError, to_array
from corpus.sheets import contact_sheet

from .cli_options import add_no_progress


def add_arguments(p):
    p.add_argument("corpus", help="corpus directory")
    p.add_argument("--per-class", type=int, default=40, help="faces shown per label (default 40)")
    p.add_argument("--cols", type=int, default=10, help="faces per row")
    p.add_argument("--out", default=None,
                   help="PNG path (default CORPUS/reports/faces_sheet.png)")
    add_no_progress(p, shows_bar=False)


def _faces(corpus: Corpus, where: str, args: tuple, cap: int):
    rows = corpus.db.execute(
        f"SELECT * FROM items WHERE kind='face' AND path IS NOT NULL AND {where} ORDER BY id",
        args).fetchall()
    images, captions = [], []
    for row in rows[:cap]:
        try:
            images.append(to_array(corpus.read_bytes(row), "L"))
        except (ImageError, OSError) as exc:   # a damaged object shows as a caption, not a crash
            print(f"face {row['id']}: {exc}", file=sys.stderr)
            continue
        captions.append(f"#{row['id']}")
    return images, captions, len(rows)


def write_sheet(corpus: Corpus, out: str | Path | None = None, *, per_class: int = 40,
                cols: int = 10) -> tuple[Path, int]:
    """Write the sheet; returns (path, faces shown)."""
    out = Path(out) if out else corpus.root / "reports" / "faces_sheet.png"
    sections, shown, total = [], 0, 0
    labels = [r[0] for r in corpus.db.execute(
        "SELECT DISTINCT label FROM items WHERE kind='face' AND status='ok' AND label IS NOT NULL")]
    order = list(corpus.taxonomy.classes) + sorted(set(labels) - set(corpus.taxonomy.classes))
    blocks = [(lab, "status='ok' AND label=?", (lab,)) for lab in order if lab in labels]
    blocks.append(("unlabeled", "status='ok' AND label IS NULL", ()))
    blocks.append(("rejected: too small", "status='rejected' AND reason LIKE 'too small%'", ()))
    for heading, where, args in blocks:
        images, captions, n = _faces(corpus, where, args, per_class)
        if not n and heading != "unlabeled":
            continue
        total += n
        shown += len(images)
        # contact_sheet appends the number shown; say when there are more than that.
        more = f": {n} in all, shown" if n > len(images) else ""
        sections.append((f"{heading}{more}", images, captions))
    size = corpus.get_meta("face_size", 100)
    contact_sheet(sections, out, cols=cols, cell=max(48, min(int(size), 100)),
                  title=f"{corpus.root.name}: {total} faces ({size}x{size}), up to {per_class} "
                        f"per label")
    return out, shown


def main(args) -> int:
    corpus = Corpus(args.corpus, create=False)   # not a corpus: the CLI says so, exit 2
    with corpus:
        out, shown = write_sheet(corpus, args.out, per_class=args.per_class, cols=args.cols)
    print(f"contact sheet of {shown} faces: {out}")
    return 0
