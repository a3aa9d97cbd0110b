"""GUM (JCGM 100:2008) uncertainty helpers shared by analysis, sample properties and the certificate.

A Measured value carries its standard uncertainty u, its unit and how it was obtained (Type A/B,
fit covariance, propagation). Propagation is first-order (law of propagation of uncertainty) with
a numerically differentiated Jacobian, so any formula can be propagated without hand derivatives.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
from scipy import stats


P_K2 = 0.9545  # the coverage probability of k = 2 for a normal distribution (2Φ(2) − 1 = 0.95450)


@dataclass(frozen=True)
class Measured:
    """A value with standard uncertainty. `dof` is the effective degrees of freedom (inf = Type B / large n)."""

    value: float
    u: float
    unit: str
    method: str = ""
    dof: float = math.inf
    budget: dict[str, float] = field(default_factory=dict)  # contribution (in value's unit) per input

    @property
    def relative_u(self) -> float:
        return abs(self.u / self.value) if self.value else math.inf

    def coverage_factor(self, level: float = 0.95) -> float:
        """k for the requested coverage: Student t with the effective dof. "≈95 %" is the k = 2
        convention, i.e. p = 95.45 % (EA-4/02 M:2022 Annex E, JCGM 100 G.6.4): k = 2 at dof = ∞ and
        t₉₅.₄₅(ν) > 2 below it, so a finite dof never yields a smaller U than an infinite one."""
        p = P_K2 if abs(level - 0.95) < 1e-12 else level
        if math.isinf(self.dof) or self.dof > 1e6:
            return 2.0 if p == P_K2 else float(stats.norm.ppf(0.5 + p / 2))
        return float(stats.t.ppf(0.5 + p / 2, max(self.dof, 1.0)))

    def expanded(self, level: float = 0.95) -> float:
        return self.coverage_factor(level) * self.u

    def to_dict(self) -> dict[str, object]:
        return {
            "value": self.value,
            "standard_uncertainty": self.u,
            "unit": self.unit,
            "method": self.method,
            "dof": None if math.isinf(self.dof) else self.dof,
            "budget": dict(self.budget),
        }


def type_a(readings: Sequence[float], unit: str, method: str = "Type A: mean of repeated readings") -> Measured:
    """Mean of n readings, u = s/sqrt(n), dof = n-1 (GUM 4.2)."""
    x = np.asarray(readings, dtype=float)
    if x.size == 0:
        raise ValueError("type_a: no readings")
    if x.size == 1:
        return Measured(float(x[0]), math.nan, unit, method + " (single reading: no Type A estimate)", dof=0.0)
    return Measured(float(x.mean()), float(x.std(ddof=1) / math.sqrt(x.size)), unit, method, dof=float(x.size - 1))


def type_b_rectangular(value: float, half_width: float, unit: str, method: str = "Type B: rectangular") -> Measured:
    """Tolerance ±a with no better knowledge: u = a/sqrt(3) (GUM 4.3.7)."""
    return Measured(value, abs(half_width) / math.sqrt(3.0), unit, method)


def jacobian(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, rel_step: float = 1e-6,
             columns: Sequence[int] | np.ndarray | None = None) -> np.ndarray:
    """Central-difference Jacobian of a vector function; step scaled to each input's magnitude.
    With `columns`, only those inputs are differenced (the other columns are 0)."""
    x = np.asarray(x, dtype=float)
    f0 = np.atleast_1d(np.asarray(f(x), dtype=float))
    jac = np.empty((f0.size, x.size)) if columns is None else np.zeros((f0.size, x.size))
    for i in range(x.size) if columns is None else columns:
        h = rel_step * max(abs(x[i]), 1e-300)
        xp, xm = x.copy(), x.copy()
        xp[i] += h
        xm[i] -= h
        jac[:, i] = (np.atleast_1d(f(xp)) - np.atleast_1d(f(xm))) / (2 * h)
    return jac


def correlated_groups(cov: np.ndarray) -> list[list[int]]:
    """Indices of inputs joined by non-zero covariances (connected components, smallest index first)."""
    from scipy.sparse.csgraph import connected_components  # loaded when a dof is propagated, not at import

    n, labels = connected_components(np.asarray(cov) != 0.0, directed=False)
    return [np.flatnonzero(labels == g).tolist() for g in range(n)]


def welch_satterthwaite(c: np.ndarray, cov: np.ndarray, dof: Sequence[float],
                        groups: list[list[int]] | None = None) -> float:
    """ν_eff (GUM G.4.1) for y with sensitivities c, input covariance cov and input dof.

    Inputs joined by a correlation count as one component (Willink, Metrologia 44 (2007) 340, as in
    GTC's ensembles): its variance is c_gᵀ·cov_g·c_g and its dof the smallest in the group, which is
    the group's common dof when the correlated inputs come from one sample, and conservative otherwise.
    Correlated inputs that all have infinite dof (Type B) leave the formula as it is. `groups`
    (from :func:`correlated_groups`) saves finding them again for each output of one covariance.
    """
    c = np.asarray(c, float)
    var_y = float(c @ cov @ c)
    denom = 0.0
    for idx in correlated_groups(cov) if groups is None else groups:
        nu = min(dof[i] for i in idx)
        if math.isinf(nu) or nu <= 0:
            continue
        v = float(c[idx] @ cov[np.ix_(idx, idx)] @ c[idx])
        denom += v * v / nu
    return var_y**2 / denom if denom > 0 and var_y > 0 else math.inf


def propagate(
    f: Callable[..., float],
    inputs: dict[str, Measured],
    unit: str,
    method: str,
    correlation: np.ndarray | None = None,
) -> Measured:
    """y = f(**inputs) with u(y) from the law of propagation (GUM 5.1.2 / 5.2.2).

    The budget lists |c_i|·u_i per input; ν_eff by Welch–Satterthwaite (:func:`welch_satterthwaite`,
    correlated inputs grouped). Sensitivities come from a central-difference Jacobian, so any formula
    written with math or numpy can be propagated (checked against GTC in tests/units).
    """
    names = list(inputs)
    x = np.array([inputs[n].value for n in names], dtype=float)
    u = np.array([inputs[n].u for n in names], dtype=float)

    def g(v: np.ndarray) -> float:
        return float(f(**dict(zip(names, v))))

    y = g(x)
    c = jacobian(lambda v: np.array([g(v)]), x)[0]
    r = np.eye(len(names)) if correlation is None else np.asarray(correlation, dtype=float)
    cov = r * np.outer(u, u)
    uy = float(math.sqrt(max(c @ cov @ c, 0.0)))
    contrib = {n: float(abs(ci) * ui) for n, ci, ui in zip(names, c, u)}
    dof = welch_satterthwaite(c, cov, [inputs[n].dof for n in names]) if uy > 0 else math.inf
    return Measured(y, uy, unit, method, dof=dof, budget=contrib)


def propagate_cov(
    f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, cov: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Vector form: y = f(x), cov_y = J cov Jᵀ. Used with fit covariances (correlated parameters)."""
    y, cov_y, _ = propagate_cov_dof(f, x, cov)
    return y, cov_y


def propagate_cov_dof(
    f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, cov: np.ndarray, dof: Sequence[float] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`propagate_cov` plus each output's ν_eff by Welch–Satterthwaite from the inputs' dof (all
    infinite when None), so a Type-A input with few readings widens the coverage factor of every
    output it reaches."""
    y = np.atleast_1d(np.asarray(f(np.asarray(x, dtype=float)), dtype=float))
    cov = np.asarray(cov, dtype=float)
    # an input with no (co)variance (fixed, at a bound, an exact geometry) adds nothing to cov_y or
    # ν_eff whatever its sensitivity: its column is left 0 rather than differenced
    j = jacobian(f, x, columns=np.flatnonzero(np.any(cov != 0, axis=0)))
    cov_y = j @ cov @ j.T
    if dof is None:
        return y, cov_y, np.full(y.size, math.inf)
    dof = list(dof)
    groups = [g for g in correlated_groups(cov) if 0 < min(dof[i] for i in g) < math.inf]  # only finite ν count
    with np.errstate(invalid="ignore"):
        nu = np.array([welch_satterthwaite(row, cov, dof, groups) if groups and np.all(np.isfinite(row)) else math.inf
                       for row in j])
    return y, cov_y, nu
