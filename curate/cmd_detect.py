"""Print the faces found in image files, one JSON line per input.

    {"path": "a.jpg", "faces": [{"box": [left, top, right, bottom], "score": 1.7,
     "rotation": -0.5, "too_small": false}], "error": null}

Boxes are in the original image's pixels after EXIF orientation (what a viewer shows). An
unreadable file gets its reason in "error" and the run goes on; the exit status is 1 if any
input had an error.

example:
  python -m curate detect ../shared/data/photos/face_recognition/two_people.jpg --json
"""
from __future__ import annotations

import json

from tqdm import tqdm

from corpus import ImageError, to_array

from .cli_options import add_no_progress
from .faces import DETECTORS, FaceExtractor


def add_arguments(p):
    p.add_argument("images", nargs="+", metavar="IMAGE", help="image files (any format)")
    p.add_argument("--json", action="store_true",
                   help="JSON lines (the default output; the flag is accepted for scripts)")
    p.add_argument("--detector", choices=DETECTORS, default="hog")
    p.add_argument("--upsample", type=int, default=1)
    p.add_argument("--min-face", type=int, default=24)
    p.add_argument("--max-side", type=int, default=800)
    p.add_argument("--min-score", type=float, default=None)
    add_no_progress(p)


def detect_file(fx: FaceExtractor, path: str) -> dict:
    try:
        with open(path, "rb") as fh:
            image = to_array(fh.read(), "RGB")
    except (ImageError, OSError) as exc:
        return {"path": path, "faces": [], "error": str(exc)}
    faces = [{"box": list(f.box), "score": round(f.score, 3), "rotation": round(f.rotation, 1),
              "too_small": f.too_small} for f in fx.extract(image)]
    return {"path": path, "faces": faces, "error": None}


def main(args) -> int:
    fx = FaceExtractor(detector=args.detector, upsample=args.upsample, min_face=args.min_face,
                       max_side=args.max_side, min_score=args.min_score)
    failed = 0
    # the bar goes to stderr; stdout stays pure JSON lines
    for path in tqdm(args.images, unit="img", desc="detect",
                     disable=args.no_progress or len(args.images) < 2):
        result = detect_file(fx, path)
        failed += result["error"] is not None
        print(json.dumps(result), flush=True)
    return 1 if failed else 0
