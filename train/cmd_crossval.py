"""K-fold cross-validation: every labeled face scored by a model that never saw it.

Folds follow the units `curate split` keeps together (subject, source photo, face identity,
dedup's look-alikes). Fold k's model trains on the other folds and scores fold k; the scores
go to the `predictions` table marked out-of-sample ('oos') with the run id, for
`python -m curate issues`. Each fold is a `train fit` run in RUN/fold-K; kill it at any
moment and continue with --resume (finished folds are kept, the fold in flight continues at
its next epoch). RUN/crossval_card.json records folds, settings, per-fold accuracy and time.

Defaults (small preset, 48 px, 20 epochs, 5 folds) are sized for the 28.7k FER2013 train
faces on a 2-core machine; docs/train.md gives the measured times and the trade-off.

example:
  python -m train crossval datasets/demo --folds 5 --out runs/cv
  python -m train crossval datasets/demo --out runs/cv --resume        # after a kill
  python -m train crossval datasets/demo --out runs/cv3 --folds 3 --preset tiny --epochs 3
"""
import sys

from corpus import CorpusError
from corpus.cli import print_json

from .crossval import DEFAULTS, CrossvalError, crossval
from .data import DataError
from .folds import FoldError
from .model import PRESETS


def add_arguments(p):
    p.add_argument("corpus", help="corpus directory")
    p.add_argument("--out", required=True, help="run directory, e.g. runs/cv")
    p.add_argument("--folds", type=int, help=f"number of folds K (default {DEFAULTS['folds']})")
    p.add_argument("--preset", choices=list(PRESETS),
                   help=f"network size of each fold model (default {DEFAULTS['preset']})")
    p.add_argument("--size", type=int, help=f"input size in pixels (default {DEFAULTS['size']})")
    p.add_argument("--epochs", type=int, help=f"epochs per fold (default {DEFAULTS['epochs']})")
    p.add_argument("--batch", type=int, help=f"default {DEFAULTS['batch']}")
    p.add_argument("--lr", type=float, help=f"RMSProp learning rate (default {DEFAULTS['lr']})")
    p.add_argument("--patience", type=int,
                   help=f"early-stopping patience in epochs, 0 is off "
                        f"(default {DEFAULTS['patience']}: every fold runs its epochs)")
    p.add_argument("--val-fraction", type=float,
                   help="share of each fold's training units held out for validation (0.1)")
    p.add_argument("--seed", type=int, help=f"default {DEFAULTS['seed']}")
    p.add_argument("--six-class", action="store_true", default=None,
                   help="fold disgust into angry (6 classes)")
    p.add_argument("--sources", nargs="+", metavar="SRC",
                   help="only faces whose provenance source_dataset or engine is one of these")
    p.add_argument("--no-identity", dest="identity", action="store_false", default=None,
                   help="do not group subject-less faces by dlib face identity")
    p.add_argument("--name", help="model name stored with each prediction (default: the run "
                                  "directory's name)")
    p.add_argument("--resume", action="store_true", help="continue a killed or stopped run")
    p.add_argument("--overwrite", action="store_true", help="discard an existing run")
    p.add_argument("--json", action="store_true", help="print the run's card as one JSON line")
    p.add_argument("--no-progress", "--quiet", dest="quiet", action="store_true",
                   help="no progress bars")


def main(args) -> int:
    options = {k: getattr(args, k) for k in DEFAULTS}
    try:
        card = crossval(args.corpus, args.out, resume=args.resume, overwrite=args.overwrite,
                        name=args.name, progress=not args.quiet,
                        log=lambda m: print(m, file=sys.stderr), **options)
    except (CrossvalError, FoldError, DataError, CorpusError, ValueError) as exc:
        print(f"train crossval: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print_json(card)
        return 0
    print(f"{'fold':>4} {'train':>7} {'val':>6} {'scored':>7} {'accuracy':>9} {'epochs':>7} "
          f"{'seconds':>8}")
    for f in card["folds"]:
        print(f"{f['fold']:>4} {f['train']:>7} {f['val']:>6} {f['scored']:>7} "
              f"{f['accuracy'] if f['accuracy'] is not None else '-':>9} {f['epochs_run']:>7} "
              f"{f['seconds_train'] + f['seconds_score']:>8.0f}")
    oos = card["out_of_sample"]
    print(f"{oos['scored']} faces scored out-of-sample (accuracy {oos['accuracy']:.3f} against "
          f"the given labels, {card['units']} units, {card['seconds']:.0f} s); "
          f"card: {args.out}/crossval_card.json")
    print(f"next: python -m curate issues {args.corpus}")
    return 0
