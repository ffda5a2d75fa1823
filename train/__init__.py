"""Train, evaluate and apply an expression CNN on a curated corpus."""
import os

# TensorFlow's C++ start-up chatter (oneDNN, CPU feature notes) buries the progress bars and
# JSON the commands print; real errors still come through as Python exceptions.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
