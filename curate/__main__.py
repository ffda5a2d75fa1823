import sys

from corpus.cli import run

COMMANDS = {
    "extract": ("curate.cmd_extract", "find, align, crop and grayscale every face (dlib)"),
    "detect": ("curate.cmd_detect", "print the faces found in image files as JSON lines"),
    "frames": ("curate.cmd_frames", "pull frames from videos into a corpus as unlabeled images"),
    "sheet": ("curate.cmd_sheet", "write a contact sheet PNG of extracted faces per label"),
    "import": ("curate.cmd_import", "import a public dataset (fer2013-csv, folders, jaffe, ...)"),
    "export": ("curate.cmd_export", "export the curated corpus (fer2013-csv, folders, pickle)"),
    "dedup": ("curate.cmd_dedup", "find exact and near duplicates across every source"),
    "split": ("curate.cmd_split", "stratified, leak-free train/val/test split"),
    "stats": ("curate.cmd_stats", "counts by source x class x split x status, balance chart"),
    "issues": ("curate.cmd_issues", "faces whose label is most likely wrong (cleanlab on "
                                    "out-of-sample scores)"),
}

if __name__ == "__main__":
    sys.exit(run("python -m curate", "Curate a face corpus.", COMMANDS))
