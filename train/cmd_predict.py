"""Find the faces in new photos and give every class's probability for each face.

Faces are found and cropped by curate's extractor (curate.faces.FaceExtractor) at the model's
input size with the settings its training corpus was extracted with. An image with no face
says so; an unreadable image reports its error and the run goes on. --annotate DIR writes a
copy of each image with boxes and the top emotions.

example:
  python -m train predict runs/fer48 photo.jpg group.png --annotate out/ --json
"""
import json
import sys

from .card import CardError


def add_arguments(p):
    p.add_argument("model", help="run directory (or its model.keras)")
    p.add_argument("images", nargs="+", metavar="IMAGE")
    p.add_argument("--annotate", metavar="DIR", help="write annotated copies here")
    p.add_argument("--detector", choices=["hog", "cnn"], help="override the card's detector")
    p.add_argument("--upsample", type=int, help="override the card's detector upsampling")
    p.add_argument("--json", action="store_true", help="print the results as JSON")


def main(args) -> int:
    from .predict import predict
    try:
        results = predict(args.model, args.images, annotate_dir=args.annotate,
                          detector=args.detector, upsample=args.upsample,
                          progress=len(args.images) > 3)
    except CardError as exc:
        print(f"train predict: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for r in results:
            if "error" in r:
                print(f"{r['image']}: ERROR {r['error']}")
                continue
            print(f"{r['image']}: {len(r['faces'])} face(s)" + (f" ({r['note']})"
                                                                 if "note" in r else ""))
            for f in r["faces"]:
                top = ", ".join(f"{c} {p:.2f}" for c, p in f["top"])
                print(f"  box {tuple(f['box'])}: {top}")
            if "annotated" in r:
                print(f"  annotated: {r['annotated']}")
    return 1 if results and all("error" in r for r in results) else 0
