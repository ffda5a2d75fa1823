"""Train, evaluate and apply an expression CNN on a curated corpus."""
# Imported first: they set what TensorFlow reads at import (oneDNN kernels, the C++ log level)
# before anything can import TensorFlow.
from . import tfenv  # noqa: F401
from . import quiet  # noqa: F401
