"""The shape shared by every `python -m <package> <command>`: a registry of command modules.

Each command module has a docstring (its --help text), `add_arguments(parser)` and
`main(args) -> int`. Modules are imported only when their command runs, so `--help` stays fast
and a heavy dependency (TensorFlow) is loaded only by the commands that use it. A package's
options shared by all its commands come from a `common` module with `add_arguments(parser)`
and `apply(args)` (run after parsing, before the command; train's --verbose).

Machine-readable output follows one convention everywhere: `--json` prints JSON lines, one
object per line (per result, or one line for a one-document report), via `print_json`.
"""
from __future__ import annotations

import argparse
import importlib
import json
import sys

from .catalog import CorpusError


def print_json(obj, file=None) -> None:
    """One JSON object on one line, flushed: a reader can act on each line as it comes."""
    out = file or sys.stdout
    out.write(json.dumps(obj, ensure_ascii=False) + "\n")
    out.flush()


def run(prog: str, description: str, commands: dict[str, tuple[str, str]], argv=None,
        common=None) -> int:
    """commands: {name: (module path, one-line help)}; common: see the module docstring."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog=prog, description=description)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_, help_) in commands.items():
        sub.add_parser(name, help=help_, add_help=False)
    if not argv or argv[0] not in commands:
        parser.parse_args(argv or ["--help"])
        return 2
    name = argv[0]
    module = importlib.import_module(commands[name][0])
    cmd = argparse.ArgumentParser(prog=f"{prog} {name}", description=module.__doc__,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
    module.add_arguments(cmd)
    if common is not None:
        common.add_arguments(cmd)
    args = cmd.parse_args(argv[1:])
    try:
        if common is not None:
            common.apply(args)
        return int(module.main(args) or 0)
    except CorpusError as exc:      # e.g. not a corpus: the message says what to do
        print(f"{prog.removeprefix('python -m ')} {name}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{prog.removeprefix('python -m ')} {name}: interrupted; rerun the same command to "
              f"continue", file=sys.stderr)
        return 130
