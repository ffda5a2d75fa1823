"""The classes file: which classes to scrape and the queries for each (TOML).

    [defaults]                      # optional: engine, max_results
    engine = "google"
    [classes.happy]
    queries = ["happy human face", "smiling person portrait"]
    [classes]                       # short form, also accepted
    sad = ["sad human face"]
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from corpus.taxonomy import CLASS_NAME, Taxonomy


class ConfigError(ValueError):
    """A classes file that cannot be used; the message names the file and the problem."""


@dataclass
class ClassQueries:
    name: str
    queries: list[str]


@dataclass
class ScrapeConfig:
    classes: list[ClassQueries]
    defaults: dict = field(default_factory=dict)

    @property
    def class_names(self) -> list[str]:
        return [c.name for c in self.classes]

    def select(self, names: list[str] | None) -> "ScrapeConfig":
        if not names:
            return self
        unknown = [n for n in names if n not in self.class_names]
        if unknown:
            raise ConfigError(f"class(es) {', '.join(unknown)} not in the config; it has "
                              f"{', '.join(self.class_names)}")
        return ScrapeConfig([c for c in self.classes if c.name in names], self.defaults)


DEFAULT_KEYS = {"engine": str, "max_results": int, "workers": int, "base_url": str}


def load_config(path: str | Path) -> ScrapeConfig:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such classes file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    return parse_config(data, str(path))


def parse_config(data: dict, where: str = "config") -> ScrapeConfig:
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict):
        raise ConfigError(f"{where}: [defaults] must be a table")
    for key, value in defaults.items():
        if key not in DEFAULT_KEYS:
            raise ConfigError(f"{where}: unknown default {key!r}; known: {', '.join(DEFAULT_KEYS)}")
        if not isinstance(value, DEFAULT_KEYS[key]):
            raise ConfigError(f"{where}: defaults.{key} must be {DEFAULT_KEYS[key].__name__}")
    table = data.get("classes")
    if not isinstance(table, dict) or not table:
        raise ConfigError(f"{where}: no [classes.<name>] tables with queries")
    classes = []
    for name, body in table.items():
        queries = body.get("queries") if isinstance(body, dict) else body
        if not isinstance(queries, list) or not queries or \
                not all(isinstance(q, str) and q.strip() for q in queries):
            raise ConfigError(f"{where}: class {name!r} needs a non-empty list of query strings")
        if not CLASS_NAME.fullmatch(Taxonomy._key(name)):
            raise ConfigError(f"{where}: class name {name!r} is not usable: lower-case letters, "
                              f"digits, _ + - (it becomes a folder name in exports)")
        seen, unique = set(), []
        for q in (" ".join(q.split()) for q in queries):
            if q.casefold() not in seen:
                seen.add(q.casefold())
                unique.append(q)
        classes.append(ClassQueries(name.strip(), unique))
    return ScrapeConfig(classes, dict(defaults))
