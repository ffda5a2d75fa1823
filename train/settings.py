"""Settings of a run that can be resumed: defaults, what the user gave, what a resume keeps.

`train fit` and `train crossval` share the rule: a new run takes the defaults overridden by
the options given; a resumed run keeps the settings it started with, and an option that
contradicts them is refused (naming it) unless it is one the command lets change.
"""
from __future__ import annotations


def resolve(defaults: dict, state: dict | None, options: dict, *, may_change=(),
            error=ValueError, command: str = "run", whose: str = "the run's") -> dict:
    given = {k: v for k, v in options.items() if v is not None}
    unknown = set(given) - set(defaults)
    if unknown:
        raise error(f"unknown {command} options: {', '.join(sorted(unknown))}")
    if state is None:
        return {**defaults, **given}
    # a setting added after the run started is absent from its state: the run ran without
    # it, which is what the default (off, or the behaviour before it) says
    cfg = {**defaults, **state["config"]}
    for k, v in given.items():
        if k not in may_change and v != cfg.get(k):
            raise error(f"--resume continues with {whose} settings, but {k} was {cfg.get(k)!r} "
                        f"and is now {v!r}; drop the option or start a new run (--overwrite)")
    cfg.update({k: given[k] for k in may_change if k in given})
    return cfg
