"""Class names: the 7 FER classes in FER2013's order, optional extras, synonyms and mappings.

Datasets spell classes differently (FER2013 codes, "happiness", "ANGER", JAFFE's "HA"), so
every stage passes names through Taxonomy.canonical() before storing them.
"""
from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

# FER2013's code order: 0=angry 1=disgust 2=fear 3=happy 4=sad 5=surprise 6=neutral.
FER_CLASSES = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
OPTIONAL_CLASSES = ("contempt",)

SYNONYMS = {
    "anger": "angry", "angry": "angry", "mad": "angry", "furious": "angry",
    "disgust": "disgust", "disgusted": "disgust", "disgusting": "disgust",
    "fear": "fear", "fearful": "fear", "afraid": "fear", "scared": "fear",
    "happy": "happy", "happiness": "happy", "joy": "happy", "smile": "happy",
    "sad": "sad", "sadness": "sad",
    "surprise": "surprise", "surprised": "surprise",
    "neutral": "neutral", "neutrality": "neutral", "normal": "neutral", "calm": "neutral",
    "contempt": "contempt", "contemptuous": "contempt",
}

# Mememoji's 6-class setup folds disgust (FER2013's rarest class) into angry.
SIX_CLASS_MAP = {"disgust": "angry"}


# Class names become folder names in exports (Keras wants <split>/<class>/), so they are kept to
# a safe alphabet here rather than sanitised at every place that writes a path.
CLASS_NAME = re.compile(r"[a-z0-9][a-z0-9_+-]{0,63}")


class TaxonomyError(ValueError):
    pass


class Taxonomy:
    def __init__(self, classes=FER_CLASSES, synonyms: dict | None = None):
        self.classes = tuple(classes)
        bad = [c for c in self.classes if not isinstance(c, str) or not CLASS_NAME.fullmatch(c)]
        if bad:
            raise TaxonomyError(f"class names must be lower-case letters, digits, _ + - (start with a "
                                f"letter or digit, at most 64): {bad}")
        if len(set(self.classes)) != len(self.classes):
            raise TaxonomyError(f"duplicate class names in {self.classes}")
        self.synonyms = dict(SYNONYMS)
        self.synonyms.update({c: c for c in self.classes})
        if synonyms:
            self.synonyms.update({self._key(k): v for k, v in synonyms.items()})

    @staticmethod
    def _key(name: str) -> str:
        return " ".join(str(name).strip().casefold().split())

    def canonical(self, name: str) -> str:
        """Map a spelling to its class; raise TaxonomyError naming the known classes if none."""
        key = self._key(name)
        cls = self.synonyms.get(key, key)
        if cls not in self.classes:
            raise TaxonomyError(f"unknown class {name!r}; known: {', '.join(self.classes)}"
                                f" (add it to the taxonomy or a mapping file)")
        return cls

    def maybe_canonical(self, name: str | None) -> str | None:
        if name is None or not str(name).strip():
            return None
        try:
            return self.canonical(name)
        except TaxonomyError:
            return None

    def index(self, name: str) -> int:
        return self.classes.index(self.canonical(name))

    def with_classes(self, extra) -> "Taxonomy":
        merged = list(self.classes) + [c for c in extra if c not in self.classes]
        return Taxonomy(merged, {k: v for k, v in self.synonyms.items()})

    def six_class(self) -> tuple["Taxonomy", dict]:
        """The taxonomy with disgust folded into angry, and the name map to apply."""
        mapping = {k: v for k, v in SIX_CLASS_MAP.items() if k in self.classes}
        return Taxonomy([c for c in self.classes if c not in mapping]), mapping

    def __len__(self):
        return len(self.classes)

    def __iter__(self):
        return iter(self.classes)

    def __repr__(self):
        return f"Taxonomy({list(self.classes)})"


def load_mapping(path: str | Path) -> dict[str, str]:
    """A mapping file ({"source name": "class"}) as TOML ([map] table or top level) or JSON."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise TaxonomyError(f"{path}: not a valid mapping file: {exc}") from None
    data = data.get("map", data)
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise TaxonomyError(f"{path}: a mapping file maps names to class names (strings)")
    return data
