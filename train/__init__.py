"""Train, evaluate and apply an expression CNN on a curated corpus."""
# Imported first: it sets TensorFlow's C++ log level before anything can import TensorFlow.
from . import quiet  # noqa: F401
