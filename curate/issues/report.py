"""What `curate issues` hands a person: JSON records, reports/issues.csv, two PNGs.

issues.png: per given class, its top issues, each face captioned `given>suggested score`.
noise_matrix.png: cleanlab's estimate of P(given label | true label), with the confident
joint's counts; off-diagonal mass is where the labels are wrong.
"""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
from PIL import Image

from corpus import ImageError, to_pil
from corpus.sheets import contact_sheet

from .base import REJECT
from .run import IssuesResult

FIELDS = ("rank", "item_id", "given", "suggested", "score", "flagged", "kinds", "reasons",
          "source_dataset", "orig_name", "source_split", "path")
PER_CLASS = 10


def records(corpus, result: IssuesResult, *, everything: bool = False):
    """Dicts best first: the flagged issues, or every ranked face (everything=True)."""
    paths = dict(corpus.db.execute("SELECT id, path FROM items WHERE kind='face'"))
    for n, i in enumerate(result.ranked if everything else result.issues, 1):
        yield {"rank": n, "item_id": i.item_id, "given": i.given, "suggested": i.suggested,
               "score": i.score, "reasons": i.reasons, "kinds": i.kinds, "flagged": i.flagged,
               **result.provenance.get(i.item_id, {}), "path": paths.get(i.item_id)}


def write_csv(corpus, result: IssuesResult) -> Path:
    """Every ranked face (flagged issues first), so the whole ranking can be re-sorted."""
    path = corpus.root / "reports" / "issues.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(".issues.csv.tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, FIELDS, extrasaction="ignore")
        w.writeheader()
        for r in records(corpus, result, everything=True):
            w.writerow({**r, "kinds": "|".join(r["kinds"]), "reasons": " | ".join(r["reasons"])})
    tmp.replace(path)
    return path


def _caption(issue) -> str:
    sugg = "rej" if issue.suggested == REJECT else (issue.suggested or "?")[:6]
    return f"{(issue.given or '-')[:6]}>{sugg} {issue.score:.2f}".replace(" 0.", " .")


def write_sheet(corpus, result: IssuesResult, per_class: int = PER_CLASS) -> Path:
    paths = dict(corpus.db.execute("SELECT id, path FROM items WHERE kind='face'"))
    by_class: dict[str, list] = {}
    for i in result.issues:
        by_class.setdefault(i.given or "(unlabeled)", []).append(i)
    order = list(result.scores.classes) if result.scores else []
    order += sorted(c for c in by_class if c not in order)
    sections = []
    for cls in order:
        imgs, caps = [], []
        for i in by_class.get(cls, [])[:per_class]:
            try:
                pil = to_pil((corpus.root / paths[i.item_id]).read_bytes(), "L")
            except (ImageError, OSError, KeyError, TypeError):
                continue
            imgs.append(pil.resize((96, 96), Image.BICUBIC))
            caps.append(_caption(i))
        sections.append((f"given {cls}: {len(by_class.get(cls, []))} issues, top shown",
                         imgs, caps))
    s = result.scores
    title = (f"label issues, captions given>suggested score; scores from {s.model}"
             + ("" if s.out_of_sample else " (IN-SAMPLE: forced)") if s
             else "issues without a model (--no-model): near copies and unusable faces")
    return contact_sheet(sections or [("no issues", [], [])],
                         corpus.root / "reports" / "issues.png", cols=per_class, cell=96,
                         title=title)


def write_noise_matrix(corpus, result: IssuesResult) -> Path | None:
    est = result.noise
    if est is None:
        return None
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    nm, cj, classes = np.asarray(est.noise_matrix), np.asarray(est.confident_joint), est.classes
    n = len(classes)
    fig, ax = plt.subplots(figsize=(1.1 * n + 2.5, 1.0 * n + 2))
    im = ax.imshow(nm, cmap="Oranges", vmin=0, vmax=1)
    ax.set_xticks(range(n), classes, rotation=35, ha="right")
    ax.set_yticks(range(n), classes)
    ax.set_xlabel("true label (estimated)")
    ax.set_ylabel("given label")
    for g in range(n):
        for t in range(n):
            ax.text(t, g, f"{nm[g, t]:.0%}\n{int(cj[g, t])}", ha="center", va="center",
                    fontsize=8, color="white" if nm[g, t] > 0.6 else "black")
    wrong = 1 - float(np.trace(cj)) / max(1.0, float(cj.sum()))
    ax.set_title(f"P(given | true), cleanlab; counts: confident joint\n"
                 f"~{wrong:.1%} of confidently counted labels are off the diagonal")
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    fig.tight_layout()
    path = corpus.root / "reports" / "noise_matrix.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
