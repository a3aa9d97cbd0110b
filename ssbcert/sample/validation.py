"""Pydantic validation with messages a lab user can act on (shared by sample and spec files).

Wraps yamlio.validate: unknown keys get a "did you mean …" hint (most are unit-less or misspelt
names such as `diameter` for `diameter_mm`), and pydantic's "Value error, " prefix is dropped.
"""
from __future__ import annotations

import difflib
from functools import lru_cache
from typing import Any, TypeVar

from pydantic import BaseModel

from ssbcert.errors import InputError
from ssbcert.yamlio import InputErrors, Loc, validate

M = TypeVar("M", bound=BaseModel)


@lru_cache(maxsize=16)
def _field_names(model: type[BaseModel]) -> tuple[str, ...]:
    schema = model.model_json_schema()
    names: set[str] = set(schema.get("properties", {}))
    for sub in schema.get("$defs", {}).values():
        names |= set(sub.get("properties", {}))
    return tuple(sorted(names))


def _improve(err: InputError, model: type[BaseModel]) -> InputError:
    msg = err.message
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    if msg == "Extra inputs are not permitted" and err.field:
        key = err.field.split(".")[-1].split("[")[0]
        hint = difflib.get_close_matches(key, _field_names(model), n=1, cutoff=0.5)
        msg = f"unknown field {key!r}"
        if hint:
            msg += f"; did you mean {hint[0]!r}?"
        msg += " (units belong in field names, e.g. diameter_mm)"
        return InputError(msg, err.file, err.line, err.column, err.field)
    return InputError(msg, err.file, err.line, err.column, err.field, err.expected, err.found)


def validate_with_hints(model: type[M], data: Any, lines: dict[Loc, int], source: str) -> M:
    if data is None:
        raise InputError("file is empty; expected a mapping of fields", file=source, line=1)
    if not isinstance(data, dict):
        raise InputError("expected a mapping of fields at the top level", file=source, line=1,
                         found=type(data).__name__)
    try:
        return validate(model, data, lines, source)
    except InputErrors as exc:
        raise InputErrors([_improve(e, model) for e in exc.errors]) from None
    except InputError as exc:
        raise _improve(exc, model) from None
