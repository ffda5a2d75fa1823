"""Find, align, crop and grayscale every face of a corpus (dlib), one face item per face.

Every image and frame item not yet extracted is decoded (EXIF-upright), searched for faces on a
copy at most --max-side pixels long, aligned on its 5 landmarks (eyes level), cropped with a
margin, made 8-bit gray and SIZE x SIZE, and stored as a face item linked to its image (label
inherited). Images with no face, faces under --min-face and undecodable images are recorded in
the catalog with the reason. Interrupt or kill it at any time: a rerun continues.
Writes stages/02_faces.pkl (load with corpus.load_stage).

On a Dask cluster (--cluster), workers do the detect-align-crop work and this process stays
the only writer of the catalog; results are the same as a local run, byte for byte.

example:
  python -m curate extract datasets/demo --workers 2
  python -m curate extract datasets/fer-style --size 48 --detector cnn
  python -m curate extract datasets/big --cluster local:8
  python -m curate extract /shared/big --cluster tcp://10.0.0.5:8786 --send paths
"""
from __future__ import annotations

import sys

from corpus import Corpus
from corpus.cluster import CLUSTER_HELP, ClusterError

from .extract import run_extract
from .faces import DETECTORS, ExtractorError


def add_arguments(p):
    p.add_argument("corpus", help="corpus directory")
    p.add_argument("--size", type=int, default=None,
                   help="face side in pixels (default: the corpus' face_size, else 100; 48 for "
                        "FER2013-style)")
    p.add_argument("--detector", choices=DETECTORS, default="hog",
                   help="hog: fast frontal detector (default); cnn: dlib mmod, ~1 s/image on CPU")
    p.add_argument("--upsample", type=int, default=1,
                   help="times the detection image is doubled to find small faces (default 1)")
    p.add_argument("--min-face", type=int, default=24,
                   help="faces narrower than this (source pixels) are kept as rejected 'too small'")
    p.add_argument("--margin", type=float, default=0.25,
                   help="border around the aligned face, as a fraction of its size (default 0.25)")
    p.add_argument("--max-side", type=int, default=800,
                   help="detect on a copy at most this many pixels long (default 800)")
    p.add_argument("--min-score", type=float, default=None,
                   help="detector score cut-off (default 0.5 for hog, 0 for cnn)")
    p.add_argument("--workers", type=int, default=None, help="processes (default: CPU count)")
    p.add_argument("--batch", type=int, default=16, help="images per catalog commit")
    p.add_argument("--cluster", metavar="SPEC", help=CLUSTER_HELP)
    p.add_argument("--send", choices=("bytes", "paths"), default="bytes",
                   help="with --cluster, what tasks carry: bytes (default; workers need no "
                        "access to the corpus) or paths (the corpus folder is mounted at the "
                        "same path on every worker; workers read images and write crops there)")
    p.add_argument("--no-stage", action="store_true",
                   help="do not write stages/02_faces.pkl (it holds every face in memory: at "
                        "millions of faces, read the face items instead)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def main(args) -> int:
    corpus = Corpus(args.corpus, create=False)   # not a corpus: the CLI says so, exit 2
    try:
        stats = run_extract(corpus, size=args.size, detector=args.detector,
                            upsample=args.upsample, min_face=args.min_face, margin=args.margin,
                            max_side=args.max_side, min_score=args.min_score,
                            workers=args.workers, batch=args.batch,
                            progress=not args.no_progress, cluster=args.cluster, send=args.send,
                            write_stage=not args.no_stage)
    except (ValueError, ExtractorError, ClusterError) as exc:
        print(f"curate extract: {exc}", file=sys.stderr)
        return 2
    finally:
        corpus.close()
    print(stats.line())
    if not args.no_stage:
        print(f"faces stage: {corpus.root / 'stages' / '02_faces.pkl'}")
    return 0
