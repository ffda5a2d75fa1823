"""Dataset importers, one small module per source format, registered by name.

A module defines NAME, KIND ('face' for sets that are already crops, 'image' for photos that
still need `curate extract`), default_dataset(path), records(path, **options) yielding
base.Record, and optionally count(path, **options), notes(path, **options) and
add_arguments(group) for its own CLI options. curate.importers.ingest stores the records.
"""
import importlib

IMPORTERS = {
    "fer2013-csv": "curate.importers.fer2013_csv",
    "folders": "curate.importers.folders",
    "jaffe": "curate.importers.jaffe",
    "csv-labels": "curate.importers.csv_labels",
    "images": "curate.importers.images",
}


def get_importer(name: str):
    if name not in IMPORTERS:
        raise KeyError(f"unknown importer {name!r}; known: {', '.join(IMPORTERS)}")
    return importlib.import_module(IMPORTERS[name])


def run_import(*args, **kw):
    from .ingest import run_import as _run
    return _run(*args, **kw)
