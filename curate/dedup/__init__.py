"""Duplicate finding: one module per method (exact, phash) in a registry, union-find groups,
and the corpus pass in run.py (`python -m curate dedup`)."""
from . import exact, phash  # noqa: F401  (register the methods)
from .base import REGISTRY, DedupMethod

__all__ = ["REGISTRY", "DedupMethod"]
