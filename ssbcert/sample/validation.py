"""Pydantic validation with messages a lab user can act on (shared by sample and spec files).

Builds on yamlio's line-aware errors (which name missing fields too) and adds: the discriminator key for an unknown layout tag, a "did you mean …"
hint for unknown keys (most are unit-less or misspelt names such as `diameter` for
`diameter_mm`), and no "Value error, " prefix.
"""
from __future__ import annotations

import difflib
from functools import lru_cache
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ssbcert.errors import InputError
from ssbcert.yamlio import InputErrors, Loc, _data_loc, format_loc, line_of, validation_errors

M = TypeVar("M", bound=BaseModel)


@lru_cache(maxsize=16)
def _field_names(model: type[BaseModel]) -> tuple[str, ...]:
    schema = model.model_json_schema()
    names: set[str] = set(schema.get("properties", {}))
    for sub in schema.get("$defs", {}).values():
        names |= set(sub.get("properties", {}))
    return tuple(sorted(names))


def _improve(err: InputError, raw: dict[str, Any], data: Any, lines: dict[Loc, int], model: type[BaseModel]) -> InputError:
    msg = err.message.removeprefix("Value error, ")
    field, line = err.field, err.line
    loc = _data_loc(tuple(raw["loc"]), data)
    if raw["type"] == "model_type" and "Value" in str(raw.get("ctx", {}).get("class_name", "")):
        msg = "expected a number, or a mapping {value: …, u: …} with u the standard uncertainty"
    elif raw["type"] == "union_tag_invalid":
        key = str(raw.get("ctx", {}).get("discriminator", "")).strip("'")
        field = format_loc(loc + (key,))
        line = line_of(lines, loc + (key,))
    elif raw["type"] == "extra_forbidden" and err.field:
        key = str(raw["loc"][-1])
        hint = difflib.get_close_matches(key, _field_names(model), n=1, cutoff=0.5)
        msg = f"unknown field {key!r}" + (f"; did you mean {hint[0]!r}?" if hint else "")
        if hint and hint[0].startswith(key + "_"):
            msg += " (the unit belongs in the field name)"
        return InputError(msg, err.file, line, err.column, field)
    found = None if err.found and err.found.startswith("{") else err.found  # a whole section: noise, not help
    return InputError(msg, err.file, line, err.column, field, err.expected, found)


def validate_with_hints(model: type[M], data: Any, lines: dict[Loc, int], source: str) -> M:
    """model.model_validate(data); every problem becomes an InputError with file:line and field."""
    if data is None:
        raise InputError("file is empty; expected a mapping of fields", file=source, line=1)
    if not isinstance(data, dict):
        raise InputError("expected a mapping of fields at the top level", file=source,
                         line=lines.get((), 1), found=type(data).__name__)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errs = [_improve(e, raw, data, lines, model)
                for e, raw in zip(validation_errors(exc, data, lines, source), exc.errors())]
        raise (errs[0] if len(errs) == 1 else InputErrors(errs)) from None
