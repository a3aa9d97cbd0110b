"""Positional wrapper over uncertainty.propagate, so budget entries can carry readable labels
("fracture load", "support ring diameter") that are not Python identifiers."""
from __future__ import annotations

from typing import Callable

from ssbcert.uncertainty import Measured, propagate


def gum(f: Callable[..., float], inputs: dict[str, Measured], unit: str, method: str) -> Measured:
    """y = f(x1, x2, …) in the order of `inputs`; u(y), budget and dof as in uncertainty.propagate."""
    return propagate(lambda **kw: f(*kw.values()), inputs, unit, method)
