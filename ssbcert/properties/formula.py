"""Chemical formula parser: 'Li6.4La3Zr1.4Ta0.6O12', 'Li1.3Al0.3Ti1.7(PO4)3', 'Li3xLa2/3-xTiO3' is rejected.

Fractional and decimal subscripts, nested parentheses/brackets and hydrate-style '·' parts are
accepted, because analysed compositions are written that way. Nothing is evaluated as code.
"""
from __future__ import annotations

import re
from fractions import Fraction

from ssbcert.properties.elements import ELEMENTS

_NUM = r"\d+(?:\.\d+)?(?:/\d+(?:\.\d+)?)?"
_TOKEN = re.compile(rf"([A-Z][a-z]?)({_NUM})?|({_NUM})|([(\[])|([)\]])({_NUM})?|([·*+ ]|\.(?!\d))")


class FormulaError(ValueError):
    """A composition string that is not a chemical formula with known elements."""


def _number(text: str | None) -> float:
    if text is None:
        return 1.0
    if "/" in text:
        num, den = text.split("/")
        if float(den) == 0:
            raise FormulaError(f"division by zero in subscript {text!r}")
        return float(num) / float(den)
    return float(text)


def _add(target: dict[str, float], part: dict[str, float], factor: float) -> None:
    for el, n in part.items():
        target[el] = target.get(el, 0.0) + n * factor


def parse_formula(formula: str) -> dict[str, float]:
    """Element → amount per formula unit. Raises FormulaError naming the bad position."""
    text = formula.strip()
    if not text:
        raise FormulaError("empty formula")
    stack: list[dict[str, float]] = [{}]
    pos = 0
    part_start = True
    part_factor = 1.0  # leading coefficient of a '·'-part, e.g. '·0.5H2O'
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise FormulaError(f"unexpected character {text[pos]!r} at position {pos + 1} in {formula!r}")
        sym, sub, coeff, opening, closing, group_sub, sep = m.groups()
        if sym:
            if sym not in ELEMENTS:
                raise FormulaError(f"unknown element {sym!r} in {formula!r}")
            _add(stack[-1], {sym: _number(sub)}, part_factor if len(stack) == 1 else 1.0)
        elif coeff:
            if not (part_start and len(stack) == 1):
                raise FormulaError(f"number {coeff!r} without an element at position {pos + 1} in {formula!r}")
            part_factor = _number(coeff)
        elif opening:
            stack.append({})
        elif closing:
            if len(stack) == 1:
                raise FormulaError(f"unbalanced {closing!r} at position {pos + 1} in {formula!r}")
            group = stack.pop()
            _add(stack[-1], group, _number(group_sub) * (part_factor if len(stack) == 1 else 1.0))
        elif sep and sep.strip():
            part_start, part_factor = True, 1.0
            pos = m.end()
            continue
        part_start = part_start and bool(coeff)
        pos = m.end()
    if len(stack) != 1:
        raise FormulaError(f"unclosed parenthesis in {formula!r}")
    result = {el: n for el, n in stack[0].items() if n != 0}
    if not result:
        raise FormulaError(f"no elements in {formula!r}")
    return result


def molar_mass(formula: str | dict[str, float]) -> float:
    """Molar mass in g/mol of one formula unit."""
    comp = parse_formula(formula) if isinstance(formula, str) else formula
    return sum(n * ELEMENTS[el][1] for el, n in comp.items())


def electrons_per_formula(formula: str | dict[str, float]) -> float:
    """Σ n_i Z_i (anomalous dispersion f' neglected: small for light elements at Cu Kα)."""
    comp = parse_formula(formula) if isinstance(formula, str) else formula
    return sum(n * ELEMENTS[el][0] for el, n in comp.items())
