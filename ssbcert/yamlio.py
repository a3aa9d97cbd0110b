"""YAML files → validated pydantic models, with errors that name file, line and field.

Safe loading only (no tags that construct objects). While loading, every mapping key and sequence
item records its line, so a pydantic error location like ``steps.3.frequency_Hz`` is reported as
``protocol.yaml:27: steps[3].frequency_Hz: ...``.

Every YAML file the project reads comes through here, so the input limits live here once: a size
limit (checked before a file is read), a nesting-depth limit (checked while composing, long before
Python's recursion limit), a cap on the document's size after alias expansion (billion laughs) and
on the number of aliases, and duplicate mapping keys as an error naming both lines. The limits are
configurable with the environment variables named in :class:`YamlLimits`, or per call.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from ssbcert.errors import InputError

M = TypeVar("M", bound=BaseModel)

Loc = tuple[Any, ...]


@dataclass(frozen=True)
class YamlLimits:
    """Bounds on one YAML document; the defaults are far above any protocol, bench, sample or spec."""

    max_bytes: int = 8 * 1024 * 1024  # SSBCERT_YAML_MAX_BYTES
    max_depth: int = 64  # SSBCERT_YAML_MAX_DEPTH: nested mappings/sequences
    max_nodes: int = 500_000  # SSBCERT_YAML_MAX_NODES: nodes after alias expansion
    max_aliases: int = 1_000  # SSBCERT_YAML_MAX_ALIASES: alias uses (*name) per document

    @classmethod
    def from_env(cls) -> "YamlLimits":
        """The defaults, overridden by SSBCERT_YAML_MAX_* environment variables."""
        out: dict[str, int] = {}
        for name in ("max_bytes", "max_depth", "max_nodes", "max_aliases"):
            raw = os.environ.get(f"SSBCERT_YAML_{name.upper()}")
            if raw is None:
                continue
            try:
                out[name] = int(raw)
            except ValueError:
                raise InputError(f"SSBCERT_YAML_{name.upper()} must be an integer", found=repr(raw)) from None
        return cls(**out)


class _LimitExceeded(Exception):
    def __init__(self, message: str, mark: Any) -> None:
        super().__init__(message)
        self.message, self.mark = message, mark


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that enforces YamlLimits while composing (depth, aliases, expanded size)."""

    def __init__(self, stream: str, limits: YamlLimits) -> None:
        super().__init__(stream)
        self.limits = limits
        self._depth = 0
        self._aliases = 0
        self._sizes: dict[int, int] = {}  # id(node) -> nodes after alias expansion

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        lim = self.limits
        if self._depth >= lim.max_depth:
            raise _LimitExceeded(f"nesting deeper than {lim.max_depth} levels (limit SSBCERT_YAML_MAX_DEPTH)", event.start_mark)
        alias = isinstance(event, yaml.AliasEvent)
        if alias:
            self._aliases += 1
            if self._aliases > lim.max_aliases:
                raise _LimitExceeded(f"more than {lim.max_aliases} aliases (limit SSBCERT_YAML_MAX_ALIASES)", event.start_mark)
        self._depth += 1
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        size = self._sizes.get(id(node))
        if size is None:
            size = 1 + sum(self._sizes.get(id(child), 1) for child in _children(node))
            self._sizes[id(node)] = size
        if size > lim.max_nodes:
            raise _LimitExceeded(
                f"the document expands to more than {lim.max_nodes} nodes through aliases (limit SSBCERT_YAML_MAX_NODES)",
                event.start_mark,
            )
        return node


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _compose_lines(node: yaml.Node, path: Loc, lines: dict[Loc, int], source: str) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        first: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            line = key_node.start_mark.line + 1
            if isinstance(key_node, yaml.ScalarNode) and key != "<<":
                if key in first:
                    raise InputError(
                        f"duplicate key {key!r}: first at line {first[key]}, again at line {line}",
                        file=source, line=line, field=format_loc(path + (key,)),
                    )
                first[key] = line
            lines[path + (key,)] = line
            _compose_lines(value_node, path + (key,), lines, source)
            lines[path + (key,)] = line
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _compose_lines(item, path + (i,), lines, source)


def _check_size(n_bytes: int, source: str, limits: YamlLimits) -> None:
    if n_bytes > limits.max_bytes:
        raise InputError(
            f"file too large for YAML input: {n_bytes / 2**20:.1f} MiB, limit {limits.max_bytes / 2**20:.1f} MiB "
            "(SSBCERT_YAML_MAX_BYTES)",
            file=source,
        )


def load_yaml_text(text: str, source: str, limits: YamlLimits | None = None) -> tuple[Any, dict[Loc, int]]:
    """Parse YAML text within `limits`; returns (data, lines). Every problem is an InputError with the line."""
    limits = limits or YamlLimits.from_env()
    if len(text) > limits.max_bytes // 4:  # a character is at most 4 UTF-8 bytes
        _check_size(len(text.encode("utf-8", "surrogatepass")), source, limits)
    loader = _LineLoader(text, limits)
    try:
        node = loader.get_single_node()
        lines: dict[Loc, int] = {}
        if node is not None:
            _compose_lines(node, (), lines, source)
        data = loader.construct_document(node) if node is not None else None
    except _LimitExceeded as exc:
        raise InputError(exc.message, file=source, line=exc.mark.line + 1, column=exc.mark.column + 1) from None
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
    finally:
        loader.dispose()
    return data, lines


def read_text_limited(path: str | Path, what: str = "file", limits: YamlLimits | None = None) -> str:
    """A YAML file's text; the size limit is checked before anything is read."""
    p = Path(path)
    limits = limits or YamlLimits.from_env()
    try:
        _check_size(p.stat().st_size, str(p), limits)
        return p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{what} not found" if what != "file" else "file not found", file=str(p)) from None
    except IsADirectoryError:
        raise InputError(f"expected a {what}, found a directory", file=str(p)) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})", file=str(p)) from None


def load_yaml_file(path: str | Path, limits: YamlLimits | None = None) -> tuple[Any, dict[Loc, int]]:
    return load_yaml_text(read_text_limited(path, limits=limits), str(path), limits)


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
