"""TensorFlow's start-up banners, kept off the terminal unless --verbose.

Importing TensorFlow 2.21 prints the absl "log messages before absl::InitializeLog()" warning
and the oneDNN note from C++, twice (two native libraries load), before TF_CPP_MIN_LOG_LEVEL
can apply. They bury the progress bars and the output users read, so every `python -m train`
command imports TensorFlow through `load_tensorflow()`, which sends file descriptor 2 to a
temporary file during the import and writes back whatever is not a known banner line (a real
error still shows). `--verbose` (on every train command) imports it with nothing hidden and
TensorFlow's own log level at the user's setting or 0.
"""
from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile

# Read before the default below is set, so --verbose can give the user's own choice back.
USER_LOG_LEVEL = os.environ.get("TF_CPP_MIN_LOG_LEVEL")
# Later C++ notes (CPU features, oneDNN per op) stay quiet by default, in library use too.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

BANNER = re.compile("|".join((
    r"All log messages before absl::InitializeLog\(\) is called are written to STDERR",
    r"oneDNN custom operations are on",
    r"This TensorFlow binary is optimized to use available CPU instructions",
    r"To enable the following instructions: .* rebuild TensorFlow",
    r"Unable to register cu(DNN|FFT|BLAS) factory",
    r"computation placer already registered",
    r"Could not find cuda drivers on your machine",
    r"TF-TRT Warning: Could not find TensorRT",
)))


def add_arguments(parser) -> None:
    """--verbose on every train command (corpus.cli.run calls this for each one)."""
    parser.add_argument("--verbose", action="store_true",
                        help="show TensorFlow's own start-up banners and log messages")


def apply(args) -> None:
    load_tensorflow(verbose=getattr(args, "verbose", False))


def load_tensorflow(verbose: bool = False) -> None:
    """Import TensorFlow and Keras once, with the start-up banners hidden unless verbose."""
    if "tensorflow" in sys.modules:
        return
    if verbose:
        os.environ["TF_CPP_MIN_LOG_LEVEL"] = USER_LOG_LEVEL or "0"
        import keras  # noqa: F401
        import tensorflow  # noqa: F401
        return
    with _stderr_filtered():
        import keras  # noqa: F401
        import tensorflow  # noqa: F401


def without_banners(text: str) -> str:
    return "".join(line for line in text.splitlines(keepends=True) if not BANNER.search(line))


@contextlib.contextmanager
def _stderr_filtered():
    # The banners come from C++ straight to file descriptor 2, not through sys.stderr.
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as caught:
        os.dup2(caught.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            caught.seek(0)
            rest = without_banners(caught.read().decode("utf-8", errors="replace"))
            if rest:
                sys.stderr.write(rest)
                sys.stderr.flush()
