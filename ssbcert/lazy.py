"""Lazy package attributes (PEP 562), so a command group can be imported for `ssbcert --help`
without loading SQLAlchemy, pydantic models, matplotlib or scipy (issue #10)."""
from __future__ import annotations

from importlib import import_module
from typing import Any, Callable


def lazy_attributes(package: str, where: dict[str, str]) -> Callable[[str], Any]:
    """A module `__getattr__` that imports `where[name]` (a module path) on first access."""

    def __getattr__(name: str) -> Any:
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(import_module(where[name]), name)

    return __getattr__
