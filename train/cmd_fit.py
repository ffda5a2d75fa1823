"""Train an expression CNN with RMSProp on a corpus's train split (validated on its val split).

Reads each face file once into a checked cache, augments faces per epoch (seeded by the epoch,
so a resumed run continues the same run), weights classes against imbalance, smooths labels,
warms up then decays the learning rate over the epochs that fit --time-budget (or halves it
on plateaus), stops early with --patience (by default only under plateau), keeps the best
epoch, logs to TensorBoard and checkpoints every epoch so a killed run continues with
--resume. On a GPU: float16 mixed precision and a 4x batch; on a CPU with bfloat16
instructions: bfloat16 mixed precision.

example:
  python -m train fit datasets/fer --out runs/fer48 --preset vgg --time-budget 85
  python -m train fit datasets/fer --out runs/fer48 --resume      # after a crash or kill
  python -m train fit datasets/ck --out runs/ck --init runs/fer48  # transfer to a small corpus
"""
import sys

from corpus import CorpusError

from .augment import AUGMENTATIONS
from .data import DataError
from .device import PRECISIONS
from .fit import DEFAULTS, FitError, fit
from .fitdata import CLASS_WEIGHTS
from .model import PRESETS
from .schedule import SCHEDULES


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
    p.add_argument("--schedule", choices=SCHEDULES, help="learning-rate schedule: cosine (warm-up, "
                   "decay over the planned epochs) or plateau (halve on a val-loss plateau); "
                   f"default {DEFAULTS['schedule']}")
    p.add_argument("--label-smoothing", type=float,
                   help=f"share of each target spread over the classes "
                        f"(default {DEFAULTS['label_smoothing']})")
    p.add_argument("--class-weight", choices=CLASS_WEIGHTS,
                   help="capped inverse frequency, its square root, or none "
                        f"(default {DEFAULTS['class_weight']})")
    p.add_argument("--augment", choices=list(AUGMENTATIONS),
                   help=f"training augmentation (default {DEFAULTS['augment']})")
    p.add_argument("--precision", choices=["auto", *PRECISIONS],
                   help="auto: float16 mixed precision and a 4x batch on a GPU, bfloat16 on a "
                        "CPU with avx512_bf16 or amx_bf16, float32 on other CPUs; bfloat16 "
                        "needs such a CPU (default auto)")
    p.add_argument("--time-budget", type=float, metavar="MINUTES",
                   help="stop cleanly when the next epoch would end after this many minutes "
                        "(counted from the command's start); the best epoch is kept, the "
                        "learning-rate schedule plans for the epochs that fit")
    p.add_argument("--ema", type=float, metavar="MOMENTUM",
                   help="validate, keep and save an exponential moving average of the "
                        "weights, updated each step with this momentum (e.g. 0.999); off by "
                        "default")
    p.add_argument("--init", metavar="RUN",
                   help="start from this run's convolutional base (a new head when the "
                        "classes differ): head alone first, then all layers at 0.1x the rate")
    p.add_argument("--head-epochs", type=int,
                   help=f"with --init: epochs with the base frozen "
                        f"(default {DEFAULTS['head_epochs']})")
    p.add_argument("--patience", type=int,
                   help="early-stopping patience in epochs; 0 turns it off (default: off with "
                        "the cosine schedule, which plans the run's length, 10 with plateau); "
                        "may change on --resume, which continues a run early stopping ended")
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
    print(f"  {m['note']}")
    return 0
