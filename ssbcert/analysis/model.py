"""Compile a parsed circuit once into a vectorised impedance function with an analytic Jacobian.

Each element contributes Z(ω) and ∂Z/∂p for its own parameters; a series node adds them, a
parallel node combines Z = 1/Σ(1/Z_i) and rescales each branch's derivative columns by (Z/Z_i)².
A subtree's parameters are a contiguous slice of the flat vector (string order), so the Jacobian
is filled in place, column block by column block, without any per-call string handling.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ssbcert.analysis.circuit import Circuit, Element, Parallel, Series, parse_circuit

_HALF_PI_J = 0.5j * np.pi


@dataclass(frozen=True)
class Omega:
    """Angular frequencies and their logarithms, computed once per spectrum (every CPE needs ln ω,
    and its exponent's derivative ln(jω) = ln ω + jπ/2)."""

    w: np.ndarray
    log_w: np.ndarray
    log_jw: np.ndarray

    @classmethod
    def of(cls, frequency_Hz: np.ndarray) -> "Omega":
        w = 2 * np.pi * np.asarray(frequency_Hz, dtype=float)
        log_w = np.log(w)
        return cls(w, log_w, log_w + _HALF_PI_J)


# f(params, omega, jac_rows) -> Z ; jac_rows is a (n_params_of_element, n_freq) view to fill: the
# Jacobian is kept transposed so each parameter's derivative is one contiguous row.
_ElemFn = Callable[[np.ndarray, Omega, np.ndarray], np.ndarray]


def _r(p, o, J):
    J[0] = 1.0
    return np.full(o.w.shape, p[0], dtype=complex)


def _c(p, o, J):
    z = 1.0 / (1j * o.w * p[0])
    J[0] = -z / p[0]
    return z


def _l(p, o, J):
    J[0] = 1j * o.w
    return 1j * o.w * p[0]


def _w(p, o, J):
    d = (1 - 1j) / np.sqrt(o.w)
    J[0] = d
    return p[0] * d


def _phase(a: float) -> complex:
    """j^a = e^(jπa/2)."""
    return complex(np.cos(0.5 * np.pi * a), np.sin(0.5 * np.pi * a))


def _jpow(x: np.ndarray, a: float) -> np.ndarray:
    """(j·x)^a for real x > 0, via x^a·e^(jπa/2): much cheaper than a complex power."""
    return np.exp(a * np.log(x)) * _phase(a)


def _cpe(p, o, J):
    # 1/(Q (jω)^n) = ω^-n e^(-jπn/2) / Q, from the precomputed ln ω
    z = np.exp(-p[1] * o.log_w) * (_phase(-p[1]) / p[0])
    J[0] = z * (-1.0 / p[0])
    J[1] = -z * o.log_jw
    return z


def _la(p, o, J):
    z = np.exp(p[1] * (o.log_w + np.log(p[0]))) * _phase(p[1])
    J[0] = p[1] * z / p[0]
    J[1] = z * (o.log_w + np.log(p[0]) + _HALF_PI_J)
    return z


def _k(p, o, J):
    d = 1.0 + 1j * o.w * p[1]
    z = p[0] / d
    J[0] = 1.0 / d
    J[1] = -p[0] * 1j * o.w / d**2
    return z


def _zarc(p, o, J):
    u = _jpow(o.w * p[1], p[2])
    d = 1.0 + u
    z = p[0] / d
    J[0] = 1.0 / d
    J[1] = -p[0] * p[2] * u / (p[1] * d**2)
    J[2] = -p[0] * u * (o.log_w + np.log(p[1]) + _HALF_PI_J) / d**2
    return z


def _hn(p, o, J):
    log_jwt = o.log_jw + np.log(p[1])
    u = np.exp(p[2] * log_jwt)  # (jωτ)^α
    d = 1.0 + u
    log_d = np.log(d)  # Re d > 0 for α ≤ 1: the principal branch is continuous
    z = p[0] * np.exp(-p[3] * log_d)
    dz_du = -p[3] * z / d
    J[0] = z / p[0]
    J[1] = dz_du * p[2] * u / p[1]
    J[2] = dz_du * u * log_jwt
    J[3] = -z * log_d
    return z


def _wo_z(p, w):
    x = np.sqrt(1j * w * p[1])
    return p[0] / (x * np.tanh(x))


def _ws_z(p, w):
    x = np.sqrt(1j * w * p[1])
    return p[0] * np.tanh(x) / x


def _g_z(p, w):
    return p[0] / np.sqrt(1 + 1j * w * p[1])


def _gs_z(p, w):
    x = np.sqrt(1 + 1j * w * p[1])
    return p[0] / (x * np.tanh(p[2] * x))


def _numeric(zf: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> _ElemFn:
    """Wrap a Z-only element with a central-difference derivative (rarely used, transcendental elements)."""

    def fn(p, o, J):
        z = zf(p, o.w)
        for k in range(len(p)):
            h = 1e-6 * abs(p[k]) or 1e-12
            pp, pm = p.copy(), p.copy()
            pp[k] += h
            pm[k] -= h
            J[k] = (zf(pp, o.w) - zf(pm, o.w)) / (2 * h)
        return z

    return fn


ELEMENT_FUNCTIONS: dict[str, _ElemFn] = {
    "R": _r, "C": _c, "L": _l, "W": _w, "CPE": _cpe, "La": _la, "K": _k, "Zarc": _zarc, "Hn": _hn,
    "Wo": _numeric(_wo_z), "Ws": _numeric(_ws_z), "G": _numeric(_g_z), "Gs": _numeric(_gs_z),
}

_NodeFn = Callable[[np.ndarray, Omega, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class CompiledModel:
    """Vectorised circuit: `impedance(p, f)` and `impedance_jacobian(p, f)` on natural parameters."""

    circuit: Circuit
    _fn: _NodeFn

    @property
    def param_names(self) -> list[str]:
        return self.circuit.param_names

    @property
    def n_params(self) -> int:
        return len(self.circuit.param_names)

    def impedance_jacobian_t(self, params: np.ndarray, omega: Omega) -> tuple[np.ndarray, np.ndarray]:
        """Z (n_f,) complex and the transposed Jacobian ∂Z/∂p (n_p, n_f) complex: the fit's inner
        loop, with ω and ln ω computed once by the caller."""
        p = np.asarray(params, dtype=float)
        J = np.zeros((p.size, omega.w.size), dtype=complex)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            z = self._fn(p, omega, J)
        return z, J

    def impedance_jacobian(self, params: np.ndarray, frequency_Hz: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Z (n_f,) complex and ∂Z/∂p (n_f, n_p) complex."""
        z, J = self.impedance_jacobian_t(params, Omega.of(frequency_Hz))
        return z, J.T

    def impedance(self, params: np.ndarray, frequency_Hz: np.ndarray) -> np.ndarray:
        return self.impedance_jacobian_t(params, Omega.of(frequency_Hz))[0]


def _compile_node(node, start: int) -> tuple[_NodeFn, int]:
    """Return (fn, end) where fn fills J[start:end] and returns Z of this subtree."""
    if isinstance(node, Element):
        n = len(node.type.params)
        efn = ELEMENT_FUNCTIONS[node.kind]
        a, b = start, start + n

        def elem(p, o, J, efn=efn, a=a, b=b):
            return efn(p[a:b], o, J[a:b])

        return elem, b
    parts: list[tuple[_NodeFn, int, int]] = []
    pos = start
    for child in node.children:
        fn, end = _compile_node(child, pos)
        parts.append((fn, pos, end))
        pos = end
    if isinstance(node, Series):
        def series(p, o, J, parts=parts):
            z = parts[0][0](p, o, J)
            for fn, _, _ in parts[1:]:
                z = z + fn(p, o, J)
            return z

        return series, pos
    assert isinstance(node, Parallel)
    if [getattr(c, "kind", None) for c in node.children] == ["R", "CPE"]:
        return _r_cpe(start), pos

    def parallel(p, o, J, parts=parts):
        ys = [1.0 / fn(p, o, J) for fn, _, _ in parts]
        y = ys[0]
        for yi in ys[1:]:
            y = y + yi
        z = 1.0 / y
        for (_, a, b), yi in zip(parts, ys):
            if b > a:
                J[a:b] *= (z * yi) ** 2  # ∂Z/∂Z_i = (Z/Z_i)²
        return z

    return parallel, pos


def _r_cpe(a: int) -> _NodeFn:
    """R‖CPE, the arc of every solid electrolyte, in admittance form: Y = 1/R + Q(jω)^n, so no
    element impedance is inverted and each derivative is −Z²·∂Y/∂p (the fit's hottest node)."""

    def r_cpe(p, o, J):
        r, q, n = p[a], p[a + 1], p[a + 2]
        y_q = np.exp(n * o.log_w) * _phase(n)  # (jω)^n
        z = 1.0 / (1.0 / r + q * y_q)
        z2 = z * z
        J[a] = z2 / (r * r)
        J[a + 1] = -z2 * y_q
        J[a + 2] = -q * z2 * y_q * o.log_jw
        return z

    return r_cpe


def compile_circuit(circuit: Circuit | str) -> CompiledModel:
    """Parse (if needed) and compile once; the result is reused for every evaluation of a fit."""
    c = parse_circuit(circuit) if isinstance(circuit, str) else circuit
    fn, end = _compile_node(c.root, 0)
    assert end == len(c.param_names)
    return CompiledModel(c, fn)
