"""Train an expression CNN with RMSProp on a corpus's train split (validated on its val split).

Streams faces from the corpus (file paths in memory, pixels per batch), augments them, weights
classes against imbalance, stops early, lowers the learning rate on plateaus, keeps the best
epoch, logs to TensorBoard and checkpoints every epoch so a killed run continues with --resume.

example:
  python -m train fit datasets/fer --out runs/fer48 --size 48 --epochs 30
  python -m train fit datasets/fer --out runs/fer48 --resume      # after a crash or kill
"""
import sys

from corpus import CorpusError

from .data import DataError
from .fit import DEFAULTS, FitError, fit
from .model import PRESETS


def add_arguments(p):
    p.add_argument("corpus", help="corpus directory (split by `python -m curate split`)")
    p.add_argument("--out", required=True, help="run directory, e.g. runs/NAME")
    p.add_argument("--size", type=int, help=f"input size in pixels, e.g. 48 or 100 "
                                            f"(default {DEFAULTS['size']})")
    p.add_argument("--epochs", type=int, help=f"default {DEFAULTS['epochs']}")
    p.add_argument("--batch", type=int, help=f"default {DEFAULTS['batch']}")
    p.add_argument("--six-class", action="store_true", default=None,
                   help="fold disgust into angry (6 classes)")
    p.add_argument("--sources", nargs="+", metavar="SRC",
                   help="only faces whose provenance source_dataset or engine is one of these")
    p.add_argument("--stage", metavar="NAME",
                   help="read pixels from this stage pickle (e.g. faces) instead of the face "
                        "files; labels and splits still come from the catalog; needs it in RAM")
    p.add_argument("--preset", choices=list(PRESETS), help=f"network size "
                                                           f"(default {DEFAULTS['preset']})")
    p.add_argument("--lr", type=float, help=f"RMSProp learning rate (default {DEFAULTS['lr']})")
    p.add_argument("--patience", type=int, help="early-stopping patience in epochs")
    p.add_argument("--val-fraction", type=float,
                   help="share of train held out when the corpus has no val split (default 0.1)")
    p.add_argument("--seed", type=int, help=f"default {DEFAULTS['seed']}")
    p.add_argument("--resume", action="store_true", help="continue from the last checkpoint")
    p.add_argument("--overwrite", action="store_true", help="discard an existing checkpoint")
    p.add_argument("--no-progress", "--quiet", dest="quiet", action="store_true",
                   help="no progress bars")


def main(args) -> int:
    options = {k: getattr(args, k) for k in DEFAULTS}
    try:
        card = fit(args.corpus, args.out, resume=args.resume, overwrite=args.overwrite,
                   progress=not args.quiet, log=lambda m: print(m, file=sys.stderr), **options)
    except (FitError, DataError, CorpusError, ValueError) as exc:
        print(f"train fit: {exc}", file=sys.stderr)
        return 2
    m = card["metrics"]
    print(f"{args.out}: best epoch {m['best_epoch']} of {m['epochs_run']}, "
          f"val accuracy {m['val_accuracy']:.3f}; classes {', '.join(card['classes'])}")
    return 0
