"""Pull frames from video files into a corpus as unlabeled image items (kind 'frame').

One frame every --every seconds (decoded in order, so times are exact), stored as JPEG with its
timestamp (meta timestamp_s; provenance orig_name = the video's file name). A rerun skips frames
already stored. A file that is not a readable video is reported and the others still go in;
the exit status is then 1. Follow with `python -m curate extract CORPUS` to cut the faces.

example:
  python -m curate frames ../shared/data/photos/video/short_hamilton_clip.mp4 --into datasets/demo --every 2
"""
from __future__ import annotations

import sys

from corpus import Corpus

from .cli_options import add_no_progress
from .frames import add_video_frames


def add_arguments(p):
    p.add_argument("videos", nargs="+", metavar="VIDEO", help="video files (mp4, avi, ...)")
    p.add_argument("--into", required=True, metavar="CORPUS", help="corpus directory (created)")
    p.add_argument("--every", type=float, default=1.0, help="seconds between frames (default 1)")
    p.add_argument("--quality", type=int, default=95, help="JPEG quality of stored frames")
    p.add_argument("--max-frames", type=int, default=None, help="at most this many per video")
    add_no_progress(p)


def main(args) -> int:
    if args.every <= 0:
        print("curate frames: --every must be > 0 seconds", file=sys.stderr)
        return 2
    failed = 0
    with Corpus(args.into) as corpus:
        for path in args.videos:
            res = add_video_frames(corpus, path, every=args.every, quality=args.quality,
                                   max_frames=args.max_frames,
                                   progress=not args.no_progress)
            if res.error:
                failed += 1
                print(f"{path}: ERROR {res.error}", file=sys.stderr)
            else:
                print(f"{path}: {res.added} frames added, {res.already} already there "
                      f"(every {args.every:g} s)")
    return 1 if failed else 0
