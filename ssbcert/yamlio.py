"""YAML files → validated pydantic models, with errors that name file, line and field.

Safe loading only (no tags that construct objects). While loading, every mapping key and sequence
item records its line, so a pydantic error location like ``steps.3.frequency_Hz`` is reported as
``protocol.yaml:27: steps[3].frequency_Hz: ...``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from ssbcert.errors import InputError

M = TypeVar("M", bound=BaseModel)

Loc = tuple[Any, ...]


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that also returns a map from data path to 1-based line."""


def _compose_lines(node: yaml.Node, path: Loc, lines: dict[Loc, int]) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            lines[path + (key,)] = key_node.start_mark.line + 1
            _compose_lines(value_node, path + (key,), lines)
            lines[path + (key,)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _compose_lines(item, path + (i,), lines)


def load_yaml_text(text: str, source: str) -> tuple[Any, dict[Loc, int]]:
    """Parse YAML text; returns (data, lines). Syntax errors become InputError with the line."""
    try:
        node = yaml.compose(text, Loader=_LineLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise InputError(
            f"YAML syntax error: {exc.problem or exc}",
            file=source,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
        ) from None
    except yaml.YAMLError as exc:
        raise InputError(f"YAML error: {exc}", file=source) from None
    lines: dict[Loc, int] = {}
    if node is not None:
        _compose_lines(node, (), lines)
    return data, lines


def load_yaml_file(path: str | Path) -> tuple[Any, dict[Loc, int]]:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("file not found", file=str(p)) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})", file=str(p)) from None
    return load_yaml_text(text, str(p))


def line_of(lines: dict[Loc, int], loc: Loc) -> int | None:
    """Line of the deepest known prefix of `loc` (pydantic adds union tags that are not in the data)."""
    loc = tuple(loc)
    while loc:
        if loc in lines:
            return lines[loc]
        loc = loc[:-1]
    return lines.get(())


def format_loc(loc: Loc) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _data_loc(loc: Loc, data: Any) -> Loc:
    """Drop pydantic's discriminator/union tags that are not keys in the data."""
    out: list[Any] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node:
            out.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            out.append(part)
            node = node[part]
        elif isinstance(node, (dict, list)):
            continue  # a tag such as 'eis' or 'function-after[...]'
        else:
            out.append(part)
    return tuple(out)


def validation_errors(exc: ValidationError, data: Any, lines: dict[Loc, int], source: str) -> list[InputError]:
    errs: list[InputError] = []
    for e in exc.errors():
        loc = _data_loc(tuple(e["loc"]), data)
        if e["type"] == "missing" and e["loc"] and loc[-1:] != tuple(e["loc"][-1:]):
            loc = loc + (e["loc"][-1],)  # the missing key is not in the data, but it is the field to name
        found: str | None = None
        if e["type"] != "missing":
            found = repr(e.get("input"))
            if len(found) > 80:
                found = found[:77] + "..."
        errs.append(
            InputError(
                e["msg"],
                file=source,
                line=line_of(lines, loc),
                field=format_loc(loc) or None,
                found=found,
            )
        )
    return errs


class InputErrors(InputError):
    """Several input errors at once; str() lists them all, first one is the headline."""

    def __init__(self, errors: list[InputError]) -> None:
        self.errors = errors
        first = errors[0]
        super().__init__(first.message, first.file, first.line, first.column, first.field, first.expected, first.found)

    def __str__(self) -> str:
        return "\n".join(InputError.__str__(e) for e in self.errors)


def validate(model: type[M], data: Any, lines: dict[Loc, int], source: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errs = validation_errors(exc, data, lines, source)
        raise (errs[0] if len(errs) == 1 else InputErrors(errs)) from None


def load_model(model: type[M], path: str | Path) -> M:
    """Read a YAML file into `model`; every problem is an InputError naming file:line and field."""
    data, lines = load_yaml_file(path)
    return validate(model, data, lines, str(path))
