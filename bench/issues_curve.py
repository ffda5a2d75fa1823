"""Chart: test accuracy and macro-F1 after acting on the top N issues, from bench/issues.py.

    .venv/bin/python bench/issues_curve.py bench/results/issues-leaveout*.json \
        bench/results/issues-top*.json --out docs/img/issues-act-on-top.png

Reads the files `bench/issues.py --top-only N ... [--leave-out] [--true-fit] [--fit-seed S]`
wrote. One line per way of acting (relabel / leave out) and fit seed, N on the x axis; N = 0
is the noisy labels as they are (each file's re-evaluated noisy model too). Dashed: fits on
the true labels, the level full cleaning would reach. The fits are single seeds, so the chart
also shows how far a seed alone moves a point when more than one seed was run.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.results import add_progress_flag  # noqa: E402


def series(files: list[Path]) -> tuple[dict, list]:
    """{(how, seed): {N: (acc, f1)}}, [(seed, acc, f1) of true-label fits]."""
    lines: dict = {}
    truth = []
    for f in files:
        res = json.loads(f.read_text())
        st = res.get("settings", {})
        if "tops" not in st:
            raise SystemExit(f"{f}: not a --top-only result of bench/issues.py")
        seed = st.get("fit_seed")
        seed = "default" if seed is None else seed
        line = lines.setdefault((st["how"], seed), {})
        if seed == "default":           # the full run's noisy model, fitted with the default seed
            line[0] = (res["noisy"]["accuracy"], res["noisy"]["macro_f1"])
        for n, r in res["tops"].items():
            line[int(n)] = (r["fit"]["accuracy"], r["fit"]["macro_f1"])
        if "true_labels" in res:
            truth.append((seed, res["true_labels"]["accuracy"], res["true_labels"]["macro_f1"]))
    return lines, truth


def draw(lines: dict, truth: list, out: Path) -> Path:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for k, (ax, name) in enumerate(zip(axes, ("accuracy", "macro-F1"))):
        for (how, seed), pts in sorted(lines.items(), key=str):
            ns = sorted(pts)
            ax.plot(ns, [pts[n][k] for n in ns], "o-" if how == "leave_out" else "s--",
                    label=f"{how.replace('_', ' ')}, seed {seed}")
        for seed, *vals in truth:
            ax.axhline(vals[k], ls=":", color="gray")
            ax.annotate(f"true labels, seed {seed}", (0, vals[k]), fontsize=8, color="gray",
                        xytext=(2, 2), textcoords="offset points")
        ax.set_xlabel("top N flagged faces acted on (0 = noisy labels as they are)")
        ax.set_ylabel(f"test {name} (fer2013_full/test)")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8, loc="lower right")
    fig.suptitle("Acting on the head of `curate issues`' ranking, planted noise (15 %)")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("results", nargs="+", type=Path, help="bench/issues.py --top-only results")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "issues-curve.png")
    add_progress_flag(ap)
    args = ap.parse_args()
    print(f"written {draw(*series(args.results), args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
