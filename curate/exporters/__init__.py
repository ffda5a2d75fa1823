"""Exporters, one module per output format, registered by name.

A module defines NAME and export(corpus, selection, out, **options) -> str (a one-line
summary of what it wrote), and CLASSES + NOT_HELD when it can hold only some classes
(fer2013-csv: FER2013's seven codes); curate.exporters.select decides which faces go out.
"""
import importlib

EXPORTERS = {
    "fer2013-csv": "curate.exporters.fer2013_csv",
    "folders": "curate.exporters.folders",
    "pickle": "curate.exporters.pickle",
}


def get_exporter(name: str):
    if name not in EXPORTERS:
        raise KeyError(f"unknown export format {name!r}; known: {', '.join(EXPORTERS)}")
    return importlib.import_module(EXPORTERS[name])


def run_export(corpus, fmt: str, out, *, six_class: bool = False, splits=None, **options):
    """Select the faces, write them; returns (selection, summary of what was written)."""
    from .select import select
    mod = get_exporter(fmt)
    selection = select(corpus, six_class=six_class, splits=splits)
    if hasattr(mod, "CLASSES"):
        selection.keep_classes(mod.CLASSES, mod.NOT_HELD)
    return selection, mod.export(corpus, selection, out, six_class=six_class, **options)
