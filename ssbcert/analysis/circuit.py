"""Circuit strings in impedance.py's grammar, parsed by a small recursive-descent grammar.

Grammar (whitespace ignored)::

    circuit  := series
    series   := term ('-' term)*
    term     := parallel | element
    parallel := 'p' '(' series (',' series)+ ')'
    element  := TYPE [0-9_]*          e.g. R0, CPE_1, Wo2

The text is never evaluated: it becomes an AST of `Element`, `Series` and `Parallel` nodes.
Parameter names follow impedance.py exactly: a one-parameter element is named by its token
(``R1``), a multi-parameter element by ``TOKEN_i`` (``CPE1_0`` = Q, ``CPE1_1`` = alpha).
"""
from __future__ import annotations

import functools

import re
from dataclasses import dataclass
from typing import Union

from ssbcert.errors import InputError


@dataclass(frozen=True)
class ElementType:
    """Catalogue entry: parameter meanings, units and how each parameter is fitted ('log' or 'lin')."""

    name: str
    params: tuple[str, ...]
    units: tuple[str, ...]
    scales: tuple[str, ...]
    formula: str


# Exponent-like parameters are fitted linearly inside [0, 1]; everything else is positive and
# fitted as its logarithm.
ELEMENTS: dict[str, ElementType] = {
    e.name: e
    for e in (
        ElementType("R", ("R",), ("Ohm",), ("log",), "R"),
        ElementType("C", ("C",), ("F",), ("log",), "1/(j w C)"),
        ElementType("L", ("L",), ("H",), ("log",), "j w L"),
        ElementType("W", ("A_W",), ("Ohm sec^-1/2",), ("log",), "A_W (1-j)/sqrt(w)"),
        ElementType("Wo", ("Z0", "tau"), ("Ohm", "sec"), ("log", "log"), "Z0 coth(sqrt(j w tau))/sqrt(j w tau)"),
        ElementType("Ws", ("Z0", "tau"), ("Ohm", "sec"), ("log", "log"), "Z0 tanh(sqrt(j w tau))/sqrt(j w tau)"),
        ElementType("CPE", ("Q", "alpha"), ("Ohm^-1 sec^a", ""), ("log", "lin"), "1/(Q (j w)^alpha)"),
        ElementType("La", ("L", "alpha"), ("H sec", ""), ("log", "lin"), "(j w L)^alpha"),
        ElementType("G", ("R_G", "t_G"), ("Ohm", "sec"), ("log", "log"), "R_G/sqrt(1 + j w t_G)"),
        ElementType(
            "Gs", ("R_G", "t_G", "phi"), ("Ohm", "sec", ""), ("log", "log", "log"),
            "R_G/(sqrt(1 + j w t_G) tanh(phi sqrt(1 + j w t_G)))",
        ),
        ElementType("K", ("R", "tau"), ("Ohm", "sec"), ("log", "log"), "R/(1 + j w tau)"),
        ElementType("Zarc", ("R", "tau", "gamma"), ("Ohm", "sec", ""), ("log", "log", "lin"), "R/(1 + (j w tau)^gamma)"),
        # Havriliak–Negami: an asymmetric arc (β < 1 broadens its high-frequency side); not in
        # impedance.py's catalogue, used by the analysis to test whether an arc's shape is shown
        ElementType("Hn", ("R", "tau", "alpha", "beta"), ("Ohm", "sec", "", ""), ("log", "log", "lin", "lin"),
                    "R/(1 + (j w tau)^alpha)^beta"),
    )
}

# Longest type names first so that 'CPE1' is not read as 'C' + 'PE1'.
_ELEMENT_RE = re.compile(
    r"(" + "|".join(sorted(ELEMENTS, key=len, reverse=True)) + r")([0-9_]*)"
)


@dataclass(frozen=True)
class Element:
    kind: str
    token: str

    @property
    def type(self) -> ElementType:
        return ELEMENTS[self.kind]

    @property
    def param_names(self) -> list[str]:
        n = len(self.type.params)
        return [self.token] if n == 1 else [f"{self.token}_{i}" for i in range(n)]


@dataclass(frozen=True)
class Series:
    children: tuple["Node", ...]


@dataclass(frozen=True)
class Parallel:
    children: tuple["Node", ...]


Node = Union[Element, Series, Parallel]


@dataclass(frozen=True)
class Circuit:
    """A parsed circuit: the source text, its AST and the flat list of elements in string order."""

    text: str
    root: Node
    elements: tuple[Element, ...]

    @property
    def param_names(self) -> list[str]:
        return [n for e in self.elements for n in e.param_names]

    @property
    def param_units(self) -> list[str]:
        return [u for e in self.elements for u in e.type.units]

    @property
    def param_scales(self) -> list[str]:
        return [s for e in self.elements for s in e.type.scales]

    def __str__(self) -> str:
        return self.text


class _Parser:
    def __init__(self, text: str, field: str) -> None:
        self.src = text
        self.s = "".join(text.split())
        self.i = 0
        self.field = field
        self.elements: list[Element] = []

    def error(self, expected: str) -> InputError:
        found = repr(self.s[self.i:self.i + 12]) if self.i < len(self.s) else "end of text"
        return InputError(
            f"invalid circuit string {self.src!r} at character {self.i + 1}",
            field=self.field, expected=expected, found=found,
        )

    def parse(self) -> Circuit:
        if not self.s:
            raise InputError("empty circuit string", field=self.field, expected="e.g. 'R0-p(R1,CPE1)'", found="''")
        root = self.series()
        if self.i != len(self.s):
            raise self.error("'-', ',' or end of text")
        tokens = [e.token for e in self.elements]
        dups = sorted({t for t in tokens if tokens.count(t) > 1})
        if dups:
            raise InputError(
                f"circuit string {self.src!r} uses an element name twice",
                field=self.field, expected="unique element names", found=", ".join(dups),
            )
        return Circuit(self.src, root, tuple(self.elements))

    def series(self) -> Node:
        terms = [self.term()]
        while self.i < len(self.s) and self.s[self.i] == "-":
            self.i += 1
            terms.append(self.term())
        return terms[0] if len(terms) == 1 else Series(tuple(terms))

    def term(self) -> Node:
        if self.s.startswith("p(", self.i):
            self.i += 2
            branches = [self.series()]
            while self.i < len(self.s) and self.s[self.i] == ",":
                self.i += 1
                branches.append(self.series())
            if self.i >= len(self.s) or self.s[self.i] != ")":
                raise self.error("',' or ')' closing p(")
            self.i += 1
            if len(branches) < 2:
                raise self.error("at least two branches inside p(...)")
            return Parallel(tuple(branches))
        m = _ELEMENT_RE.match(self.s, self.i)
        if not m:
            raise self.error("an element (" + ", ".join(ELEMENTS) + ") or p(")
        # The token ends at the next grammar symbol; anything else glued on is not an element name.
        end = m.end()
        if end < len(self.s) and self.s[end] not in "-,)":
            self.i = m.start()
            raise self.error("an element name made of a type and digits/underscores, e.g. R1, CPE_2")
        self.i = end
        el = Element(m.group(1), m.group(0))
        self.elements.append(el)
        return el


def parse_circuit(text: str, field: str = "circuit") -> Circuit:
    """Parse an impedance.py circuit string into a `Circuit`; raises InputError naming the position."""
    if not isinstance(text, str):
        raise InputError("circuit must be a string", field=field, expected="str", found=type(text).__name__)
    return _parse(text, field)


@functools.lru_cache(maxsize=256)
def _parse(text: str, field: str) -> Circuit:
    """A Circuit is immutable, and the automatic analysis parses the same few strings hundreds of
    times per spectrum (errors are raised, hence never cached)."""
    return _Parser(text, field).parse()
