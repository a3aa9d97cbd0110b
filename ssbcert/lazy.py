"""Lazy package attributes (PEP 562), so a command group can be imported for `ssbcert --help`
without loading SQLAlchemy, pydantic models, matplotlib or scipy (issue #10).

A name that is also a submodule (`ssbcert.certificate.verify` the function and the module) needs
one more step: importing the submodule binds the module on the package, so the package's class is
swapped for one that keeps answering such names with the function, as the eager imports did.
"""
from __future__ import annotations

import sys
import types
from importlib import import_module
from pathlib import Path


class _LazyPackage(types.ModuleType):
    def __getattribute__(self, name: str) -> object:
        if not name.startswith("__"):
            shadowed = types.ModuleType.__getattribute__(self, "__dict__").get("_lazy_shadowed", {})
            if name in shadowed:
                return getattr(import_module(shadowed[name]), name)
        return types.ModuleType.__getattribute__(self, name)


def make_lazy(package: str, where: dict[str, str]) -> None:
    """Let `package` import `where[name]` (a module path) when `name` is first used."""
    module = sys.modules[package]

    def __getattr__(name: str) -> object:
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(import_module(where[name]), name)

    module.__getattr__ = __getattr__  # type: ignore[method-assign]
    dirs = [Path(d) for d in getattr(module, "__path__", [])]
    module._lazy_shadowed = {n: m for n, m in where.items()  # type: ignore[attr-defined]
                             if any((d / f"{n}.py").exists() or (d / n).is_dir() for d in dirs)}
    if module._lazy_shadowed:  # type: ignore[attr-defined]
        module.__class__ = _LazyPackage
