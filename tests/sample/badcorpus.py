"""Bad-input corpus reader shared by the sample and spec tests.

Each file states what must be reported: `# expect: <message fragment>`, optionally
`# field: <field path>`, and the offending line is marked with `# <--` (or given as `# line: N`).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ssbcert.errors import InputError


@dataclass(frozen=True)
class Expectation:
    fragment: str
    line: int
    field: str | None


def expectation(path: Path) -> Expectation:
    fragment, field, line = None, None, None
    for i, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if text.startswith("# expect:"):
            fragment = text.split(":", 1)[1].strip()
        elif text.startswith("# field:"):
            field = text.split(":", 1)[1].strip()
        elif text.startswith("# line:"):
            line = int(text.split(":", 1)[1])
        elif "# <--" in text:
            line = i
    assert fragment and line, f"{path.name}: corpus file needs '# expect:' and a '# <--' marker or '# line:'"
    return Expectation(fragment, line, field)


def set_at(doc: Any, path: tuple[Any, ...], value: Any) -> None:
    """Replace the node at `path` (keys and list indices) of a parsed YAML document; used by the fuzz tests."""
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


def all_errors(exc: InputError) -> list[InputError]:
    return list(getattr(exc, "errors", [exc]))


def check(exc: InputError, path: Path, exp: Expectation) -> None:
    """The matching error names this file, the marked line and the field."""
    matches = [e for e in all_errors(exc) if exp.fragment in e.message]
    assert matches, f"{path.name}: no error mentions {exp.fragment!r}; got:\n{exc}"
    err = matches[0]
    assert err.file is not None and Path(err.file).name == path.name or Path(err.file).suffix == ".csv"
    assert err.line == exp.line, f"{path.name}: line {err.line}, expected {exp.line}\n{exc}"
    if exp.field is not None:
        assert err.field == exp.field, f"{path.name}: field {err.field!r}, expected {exp.field!r}"
    rendered = str(err)
    assert f":{exp.line}" in rendered
