"""Schemas for a bench file's `options` (driver constructor) and `twin_options` (simulated twin),
derived from the constructors themselves, so a new keyword is in the schema the day it is added.

Checked when the bench file is read, so an unknown or mistyped option is an error naming the
bench-file line, not a Python `unexpected keyword argument` at run time.
"""
from __future__ import annotations

import inspect
import typing
from functools import lru_cache
from typing import Any, Callable

from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from ssbcert.drivers.catalog import CATALOG
from ssbcert.errors import InputError
from ssbcert.yamlio import Loc, format_loc, line_of

DRIVER_FIXED = ("self", "transport", "clock")  # supplied by open_bench, never by the bench file
TWIN_FIXED = ("self", "env", "faults", "seed", "noise")  # supplied by SimBench


@lru_cache(maxsize=64)
def options_model(fn: Callable[..., Any], fixed: tuple[str, ...], name: str) -> type[BaseModel]:
    """A strict pydantic model of the keyword parameters of `fn` other than `fixed`."""
    try:
        hints = typing.get_type_hints(fn)
    except (NameError, TypeError):  # an unresolvable forward reference: values untyped, names still checked
        hints = {}
    fields: dict[str, Any] = {}
    for p in inspect.signature(fn).parameters.values():
        if p.name in fixed or p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
            continue
        default = ... if p.default is p.empty else p.default
        fields[p.name] = (hints.get(p.name, Any), default)
    return create_model(name, __config__=ConfigDict(extra="forbid", strict=False), **fields)


def driver_options_model(driver: str) -> type[BaseModel]:
    cls = CATALOG[driver].driver_class()
    return options_model(cls.__init__, DRIVER_FIXED, f"{driver}_options")


def twin_options_model(driver: str) -> type[BaseModel]:
    cls = CATALOG[driver].twin_class()
    return options_model(cls.__init__, TWIN_FIXED, f"{driver}_twin_options")


def _errors(model: type[BaseModel], values: dict[str, Any], loc: Loc, what: str, lines: dict[Loc, int], source: str) -> list[InputError]:
    try:
        model.model_validate(values)
        return []
    except ValidationError as exc:
        known = ", ".join(model.model_fields) or "none"
        out = []
        for e in exc.errors():
            here = loc + tuple(e["loc"][:1])
            if e["type"] == "extra_forbidden":
                msg, found = f"unknown {what} {e['loc'][0]!r}", None
                expected = known
            else:
                msg, expected, found = f"{what}: {e['msg']}", None, repr(e.get("input"))
            out.append(InputError(msg, file=source, line=line_of(lines, here), field=format_loc(here), expected=expected, found=found))
        return out


def option_errors(config: Any, lines: dict[Loc, int], source: str) -> list[InputError]:
    """Every unknown or mistyped driver / twin option of a validated BenchConfig."""
    errs: list[InputError] = []
    for role, inst in config.instruments.items():
        base = ("instruments", role)
        errs += _errors(driver_options_model(inst.driver), dict(inst.options), base + ("options",), f"{inst.driver} driver option", lines, source)
        if inst.twin_options:
            if not config.sim:
                errs.append(InputError("twin_options apply to simulated benches only (sim: true)", file=source,
                                       line=line_of(lines, base + ("twin_options",)), field=format_loc(base + ("twin_options",))))
            else:
                errs += _errors(twin_options_model(inst.driver), dict(inst.twin_options), base + ("twin_options",), f"{inst.driver} twin option", lines, source)
    return errs
