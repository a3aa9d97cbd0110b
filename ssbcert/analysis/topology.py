"""What each part of a circuit means physically: ohmic resistor, arc, electrode, inductor.

Solid-electrolyte circuits are a series chain of arcs (R‖CPE, R‖C, Zarc, K) plus an ohmic offset
and a blocking-electrode CPE/C. Seeding, arc ordering and arc assignment all need to know which
parameters form which arc and the arc's relaxation time τ and effective capacitance.
"""
from __future__ import annotations

import math

from dataclasses import dataclass

import numpy as np

from ssbcert.analysis.circuit import Circuit, Element, Node, Parallel, Series


@dataclass(frozen=True)
class Role:
    """One top-level series item of the circuit and what it represents physically."""

    kind: str  # 'ohmic' | 'arc' | 'electrode' | 'inductor' | 'other'
    node: Node
    elements: tuple[Element, ...]

    @property
    def signature(self) -> tuple[str, ...]:
        """Element kinds in order: arcs with the same signature are interchangeable in a fit."""
        return tuple(e.kind for e in self.elements)

    @property
    def param_names(self) -> list[str]:
        return [n for e in self.elements for n in e.param_names]


def elements_of(node: Node) -> list[Element]:
    if isinstance(node, Element):
        return [node]
    return [e for c in node.children for e in elements_of(c)]


def arc_parts(node: Node) -> tuple[Element, Element] | None:
    """(resistor, capacitive element) if node is R‖CPE or R‖C, else None."""
    if isinstance(node, Parallel) and len(node.children) == 2 and all(isinstance(c, Element) for c in node.children):
        a, b = node.children
        kinds = {a.kind, b.kind}  # type: ignore[union-attr]
        if "R" in kinds and kinds & {"CPE", "C"} and len(kinds) == 2:
            r = a if a.kind == "R" else b  # type: ignore[union-attr]
            q = b if r is a else a
            return r, q  # type: ignore[return-value]
    return None


_SINGLE_KIND = {"R": "ohmic", "CPE": "electrode", "C": "electrode", "L": "inductor", "La": "inductor",
                "Zarc": "arc", "K": "arc", "Hn": "arc"}


def circuit_roles(circuit: Circuit) -> list[Role]:
    """Classify the top-level series items (the shape every solid-electrolyte circuit has)."""
    items = circuit.root.children if isinstance(circuit.root, Series) else (circuit.root,)
    roles: list[Role] = []
    for node in items:
        els = tuple(elements_of(node))
        if isinstance(node, Element):
            kind = _SINGLE_KIND.get(node.kind, "other")
        else:
            kind = "arc" if arc_parts(node) is not None else "other"
        roles.append(Role(kind, node, els))
    return roles


def arc_r_q_n(role: Role, values: dict[str, float]) -> tuple[float, float, float]:
    """An arc as (R, Q, n) of an equivalent R‖CPE (R‖C: n = 1; Zarc/K: Q = τⁿ/R; Havriliak–Negami:
    the apex where −Im Z peaks and the exponent αβ of its broader, high-frequency side)."""
    node = role.node
    if isinstance(node, Element):
        t = node.token
        r, tau = values[f"{t}_0"], values[f"{t}_1"]
        n = values[f"{t}_2"] if node.kind in ("Zarc", "Hn") else 1.0
        if node.kind == "Hn":
            tau, n = havriliak_negami_apex_tau(tau, n, values[f"{t}_3"]), n * values[f"{t}_3"]
        return r, tau**n / r, n
    parts = arc_parts(node)
    assert parts is not None
    rel, cel = parts
    if cel.kind == "C":
        return values[rel.token], values[cel.token], 1.0
    return values[rel.token], values[f"{cel.token}_0"], values[f"{cel.token}_1"]


def havriliak_negami_apex_tau(tau: float, alpha: float, beta: float) -> float:
    """1/ω at the peak of −Im Z of R/(1 + (jωτ)^α)^β: ω_p·τ = [sin(απ/(2β+2)) / sin(αβπ/(2β+2))]^(1/α)
    (the dielectric loss-peak formula; ω_p = 1/τ at β = 1, higher as β falls)."""
    k = math.pi / (2 * beta + 2)
    return float(tau / (math.sin(alpha * k) / math.sin(alpha * beta * k)) ** (1.0 / alpha))


def hsu_mansfeld_capacitance(r: float, q: float, n: float) -> float:
    """C_eff of R‖CPE (Hsu & Mansfeld 2001): Q^(1/n)·R^((1−n)/n)."""
    return float(q ** (1.0 / n) * r ** ((1.0 - n) / n))


def brug_capacitance(q: float, n: float, r_series: float) -> float:
    """C_eff of a blocking-electrode CPE in series with R_s (Brug et al. 1984): Q^(1/n)·R_s^((1−n)/n)."""
    return float(q ** (1.0 / n) * r_series ** ((1.0 - n) / n))


def arc_tau(role: Role, values: dict[str, float]) -> float:
    """Relaxation time τ = (RQ)^(1/n) = R·C_eff; the arc's apex is at f₀ = 1/(2πτ)."""
    r, q, n = arc_r_q_n(role, values)
    return float((r * q) ** (1.0 / n))


def canonical_arc_order(circuit: Circuit, params: np.ndarray) -> np.ndarray:
    """Permutation of parameter indices that puts interchangeable arcs in order of increasing τ
    (highest frequency first), so R1 is always the fastest arc of its kind."""
    names = circuit.param_names
    idx = {n: i for i, n in enumerate(names)}
    values = dict(zip(names, map(float, params)))
    roles = [r for r in circuit_roles(circuit) if r.kind == "arc"]
    perm = np.arange(len(names))
    groups: dict[tuple[str, ...], list[Role]] = {}
    for r in roles:
        groups.setdefault(r.signature, []).append(r)
    for group in groups.values():
        if len(group) < 2:
            continue
        taus = [arc_tau(r, values) for r in group]
        order = np.argsort(taus, kind="stable")
        for slot, src in zip(group, [group[k] for k in order]):
            for a, b in zip(slot.param_names, src.param_names):
                perm[idx[a]] = idx[b]
    return perm
