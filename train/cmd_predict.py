"""Find the faces in new photos and give every class's probability for each face.

Faces are found and cropped by curate's extractor (curate.faces.FaceExtractor) at the model's
input size with the settings its training corpus was extracted with. An image with no face
says so; an unreadable image reports its error and the run goes on. --annotate DIR writes a
copy of each image with boxes and the top emotions. --json prints JSON lines: one object per
image, as soon as it is done. Exit status 1 when every image failed.

example:
  python -m train predict runs/fer48 photo.jpg group.png --annotate out/ --json
"""
import sys

from corpus.cli import print_json

from .card import CardError
from . import tta


def add_arguments(p):
    p.add_argument("model", help="run directory (or its model.keras)")
    p.add_argument("images", nargs="+", metavar="IMAGE")
    p.add_argument("--annotate", metavar="DIR", help="write annotated copies here")
    p.add_argument("--detector", choices=["hog", "cnn"], help="override the card's detector")
    p.add_argument("--upsample", type=int, help="override the card's detector upsampling")
    tta.add_argument(p)
    p.add_argument("--json", action="store_true",
                   help="print JSON lines: one object per image (image, faces, note/error)")
    p.add_argument("--no-progress", "--quiet", dest="quiet", action="store_true",
                   help="no progress bar")


def main(args) -> int:
    from .predict import iter_predict
    failed = done = 0
    try:
        for r in iter_predict(args.model, args.images, annotate_dir=args.annotate,
                              detector=args.detector, upsample=args.upsample,
                              progress=len(args.images) > 3 and not args.quiet,
                              tta=args.tta):
            done += 1
            failed += "error" in r
            if args.json:
                print_json(r)
            else:
                print_text(r)
    except CardError as exc:
        print(f"train predict: {exc}", file=sys.stderr)
        return 2
    return 1 if done and failed == done else 0


def print_text(r: dict) -> None:
    if "error" in r:
        print(f"{r['image']}: ERROR {r['error']}")
        return
    print(f"{r['image']}: {len(r['faces'])} face(s)" + (f" ({r['note']})" if "note" in r
                                                         else ""))
    for f in r["faces"]:
        top = ", ".join(f"{c} {p:.2f}" for c, p in f["top"])
        print(f"  box {tuple(f['box'])}: {top}")
    if "annotated" in r:
        print(f"  annotated: {r['annotated']}", flush=True)
