"""The ferkit corpus: one format read and written by every stage (scraper, curate, labeler, train).

    from corpus import Corpus, load_stage
    c = Corpus("datasets/demo")
    faces = load_stage(c, "faces")        # safe: numpy arrays and plain types only
"""
from .catalog import Corpus, CorpusError, now, sha256_bytes
from .images import ImageError, ImageInfo, sniff, to_array, to_pil, verify
from .stages import UnsafePickleError, load_stage, save_stage
from .taxonomy import FER_CLASSES, Taxonomy, TaxonomyError, load_mapping

__all__ = ["Corpus", "CorpusError", "now", "sha256_bytes", "ImageError", "ImageInfo", "sniff",
           "to_array", "to_pil", "verify", "UnsafePickleError", "load_stage", "save_stage",
           "FER_CLASSES", "Taxonomy", "TaxonomyError", "load_mapping"]
