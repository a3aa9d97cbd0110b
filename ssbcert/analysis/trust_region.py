"""Bounded non-linear least squares for the circuit fit: the trust-region reflective method.

The algorithm is Branch, Coleman & Li (SIAM J. Sci. Comput. 21, 1999) with the Coleman–Li scaling,
Moré's SVD solution of the trust-region subproblem and Jacobian column scaling: the method of
``scipy.optimize.least_squares(method="trf", x_scale="jac")``, with the same constants and the same
order of floating-point operations, so it reproduces scipy's iterates bit for bit (the tests hold
it to that on random and fitted problems). Why not call scipy: a circuit fit has about ten
parameters and a few hundred residuals, where scipy's general machinery (array validation, the
batched SVD wrapper, its function wrappers) cost ~4x the circuit model per evaluation, and that
overhead was most of the automatic analysis (issue #10). This module does only the dense,
exact-solver, no-loss case.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy.linalg.lapack import dgesdd, dgesdd_lwork

EPS = float(np.finfo(float).eps)
MESSAGES = {
    -2: "stopped by the caller's probe",
    0: "the maximum number of function evaluations is exceeded",
    1: "`gtol` termination condition is satisfied",
    2: "`ftol` termination condition is satisfied",
    3: "`xtol` termination condition is satisfied",
    4: "both `ftol` and `xtol` termination conditions are satisfied",
}


@dataclass
class Solution:
    """The fields of scipy's OptimizeResult that the fit reads."""

    x: np.ndarray
    cost: float  # ½·Σ residual²
    fun: np.ndarray
    active_mask: np.ndarray  # −1 on a lower bound, 1 on an upper one, 0 inside
    nfev: int
    status: int  # as scipy: 0 budget spent, 1–4 converged, −2 stopped by `stop`

    @property
    def message(self) -> str:
        return MESSAGES[self.status]


_lwork: dict[tuple[int, int], int] = {}  # LAPACK's workspace size per matrix shape (a few per archive)


def _svd(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Thin SVD by LAPACK gesdd with the optimal workspace, as scipy.linalg.svd calls it."""
    key = a.shape
    if key not in _lwork:
        work, info = dgesdd_lwork(key[0], key[1], compute_uv=1, full_matrices=0)
        _lwork[key] = int(work.real)
    u, s, vt, info = dgesdd(a, compute_uv=1, lwork=_lwork[key], full_matrices=0, overwrite_a=0)
    if info != 0:
        raise np.linalg.LinAlgError(f"SVD did not converge (gesdd info {info})")
    return u, s, vt


def _norm(v: np.ndarray) -> float:
    return math.sqrt(v.dot(v))


def _strictly_inside(x: np.ndarray, lb: np.ndarray, ub: np.ndarray) -> np.ndarray:
    """x with components on or beyond a bound moved to the nearest float inside it (lb < ub)."""
    low, high = x <= lb, x >= ub
    if not (low.any() or high.any()):
        return x
    x = x.copy()
    x[low] = np.nextafter(lb[low], ub[low])
    x[high] = np.nextafter(ub[high], lb[high])
    return x


def active_constraints(x: np.ndarray, lb: np.ndarray, ub: np.ndarray, rtol: float) -> np.ndarray:
    """−1/1 where x lies within rtol·max(1, |bound|) of its lower/upper bound (the nearer one)."""
    active = np.zeros(x.size, dtype=int)
    to_lb, to_ub = x - lb, ub - x
    active[np.isfinite(lb) & (to_lb <= np.minimum(to_ub, rtol * np.maximum(1, np.abs(lb))))] = -1
    active[np.isfinite(ub) & (to_ub <= np.minimum(to_lb, rtol * np.maximum(1, np.abs(ub))))] = 1
    return active


def _coleman_li(x: np.ndarray, g: np.ndarray, lb: np.ndarray, ub: np.ndarray, lb_finite: np.ndarray,
                ub_finite: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The Coleman–Li scaling: distance to the bound the gradient points toward (1 where there is
    none), and the sign of that distance's derivative."""
    up = (g < 0) & ub_finite
    down = (g > 0) & lb_finite
    v = np.where(down, x - lb, np.where(up, ub - x, 1.0))
    dv = np.where(down, 1.0, np.where(up, -1.0, 0.0))
    return v, dv


def _to_bound(x: np.ndarray, s: np.ndarray, lb: np.ndarray, ub: np.ndarray) -> tuple[float, np.ndarray]:
    """The multiple t of s at which x + t·s first meets a bound, and which components meet it then."""
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        steps = np.maximum((lb - x) / s, (ub - x) / s)
    steps[s == 0] = np.inf  # a direction that does not move a component never takes it to a bound
    t = float(steps.min())
    return t, np.equal(steps, t) * np.sign(s).astype(int)


def _sphere_crossing(x: np.ndarray, s: np.ndarray, radius: float) -> float:
    """The positive t at which ‖x + t·s‖ = radius (x inside the sphere)."""
    a, b, c = s.dot(s), x.dot(s), x.dot(x) - radius**2
    q = -(b + math.copysign(math.sqrt(b * b - a * c), b))
    return max(q / a, c / q)


def _model_decrease(J: np.ndarray, g: np.ndarray, s: np.ndarray, diag: np.ndarray) -> float:
    """The quadratic model's change ½·(‖J s‖² + sᵀ·diag·s) + gᵀs."""
    Js = J.dot(s)
    return 0.5 * (Js.dot(Js) + np.dot(s * diag, s)) + s.dot(g)


def _line_minimum(J: np.ndarray, g: np.ndarray, s: np.ndarray, diag: np.ndarray, lo: float, hi: float,
                  s0: np.ndarray | None = None) -> tuple[float, float]:
    """The minimum of the quadratic model along s0 + t·s (s0 = 0 if None) for t in [lo, hi]."""
    v = J.dot(s)
    a = 0.5 * (v.dot(v) + np.dot(s * diag, s))
    b = g.dot(s)
    c = 0.0
    if s0 is not None:
        u = J.dot(s0)
        b += u.dot(v)
        c = 0.5 * u.dot(u) + g.dot(s0)
        b += np.dot(s0 * diag, s)
        c += 0.5 * np.dot(s0 * diag, s0)
    t = [lo, hi]
    if a != 0:
        turn = -0.5 * b / a
        if lo < turn < hi:
            t.append(turn)
    tt = np.asarray(t)
    y = tt * (a * tt + b) + c
    i = int(np.argmin(y))
    return float(tt[i]), float(y[i])


def _subproblem(n: int, m: int, uf: np.ndarray, s: np.ndarray, V: np.ndarray, radius: float,
                alpha: float) -> tuple[np.ndarray, float]:
    """min ‖J p + f‖ subject to ‖p‖ ≤ radius from the SVD of J (Moré 1983): the Gauss–Newton step
    when it fits, else the Levenberg–Marquardt parameter α found by a safeguarded Newton iteration
    on ‖p(α)‖ − radius (to 1 % of the radius, at most 10 steps)."""
    suf = s * uf
    full_rank = m >= n and s[-1] > EPS * m * s[0]
    if full_rank:
        p = -V.dot(uf / s)
        if _norm(p) <= radius:
            return p, 0.0

    def phi(a: float) -> tuple[float, float]:
        denom = s**2 + a
        p_norm = _norm(suf / denom)
        return p_norm - radius, -(suf**2 / denom**3).sum() / p_norm

    upper = _norm(suf) / radius
    if full_rank:
        f0, d0 = phi(0.0)
        lower = -f0 / d0
    else:
        lower = 0.0
    if not full_rank and alpha == 0:
        alpha = max(0.001 * upper, (lower * upper) ** 0.5)
    for _ in range(10):
        if alpha < lower or alpha > upper:
            alpha = max(0.001 * upper, (lower * upper) ** 0.5)
        f_a, d_a = phi(alpha)
        if f_a < 0:
            upper = alpha
        ratio = f_a / d_a
        lower = max(lower, alpha - ratio)
        alpha -= (f_a + radius) * ratio / radius
        if abs(f_a) < 0.01 * radius:
            break
    p = -V.dot(suf / (s**2 + alpha))
    p *= radius / _norm(p)
    return p, alpha


def _reflective_step(x: np.ndarray, J_h: np.ndarray, diag_h: np.ndarray, g_h: np.ndarray, p: np.ndarray,
                     p_h: np.ndarray, d: np.ndarray, radius: float, lb: np.ndarray, ub: np.ndarray,
                     theta: float) -> tuple[np.ndarray, np.ndarray, float]:
    """(step, scaled step, predicted reduction): the trust-region step if it stays inside the box,
    otherwise the best of that step cut short at the bound, its reflection off the bound, and the
    scaled steepest descent step."""
    xp = x + p
    if ((xp >= lb) & (xp <= ub)).all():
        return p, p_h, -_model_decrease(J_h, g_h, p_h, diag_h)
    p_stride, hits = _to_bound(x, p, lb, ub)
    r_h = p_h.copy()
    r_h[hits.astype(bool)] *= -1
    r = d * r_h
    p *= p_stride
    p_h *= p_stride
    x_on_bound = x + p
    to_tr = _sphere_crossing(p_h, r_h, radius)
    to_bound, _ = _to_bound(x_on_bound, r, lb, ub)
    r_stride = min(to_bound, to_tr)
    if r_stride > 0:
        r_lo = (1 - theta) * p_stride / r_stride
        r_hi = theta * to_bound if r_stride == to_bound else to_tr
    else:
        r_lo, r_hi = 0.0, -1.0
    r_value = math.inf
    if r_lo <= r_hi:
        r_stride, r_value = _line_minimum(J_h, g_h, r_h, diag_h, r_lo, r_hi, s0=p_h)
        r_h *= r_stride
        r_h += p_h
        r = r_h * d
    p *= theta
    p_h *= theta
    p_value = _model_decrease(J_h, g_h, p_h, diag_h)
    ag_h = -g_h
    ag = d * ag_h
    to_tr = radius / _norm(ag_h)
    to_bound, _ = _to_bound(x, ag, lb, ub)
    ag_stride = theta * to_bound if to_bound < to_tr else to_tr
    ag_stride, ag_value = _line_minimum(J_h, g_h, ag_h, diag_h, 0.0, ag_stride)
    ag_h *= ag_stride
    ag *= ag_stride
    if p_value < r_value and p_value < ag_value:
        return p, p_h, -p_value
    if r_value < p_value and r_value < ag_value:
        return r, r_h, -r_value
    return ag, ag_h, -ag_value


def _start_inside(x0: np.ndarray, lb: np.ndarray, ub: np.ndarray) -> np.ndarray:
    """x0 with components within 1e-10 (relative) of a bound moved that far inside, as scipy starts trf."""
    x = np.array(x0, float)
    near = active_constraints(x, lb, ub, 1e-10)
    x[near == -1] = (lb + 1e-10 * np.maximum(1, np.abs(lb)))[near == -1]
    x[near == 1] = (ub - 1e-10 * np.maximum(1, np.abs(ub)))[near == 1]
    tight = (x < lb) | (x > ub)
    x[tight] = 0.5 * (lb[tight] + ub[tight])
    return x


def _new_radius(radius: float, reduction: float, predicted: float, step_h_norm: float) -> tuple[float, float]:
    """(radius, ratio of actual to predicted reduction): shrink to ¼ of the step when the model
    predicted poorly, double when it predicted well and the step reached the region's edge."""
    if predicted > 0:
        ratio = reduction / predicted
    elif predicted == reduction == 0:
        ratio = 1.0
    else:
        ratio = 0.0
    if ratio < 0.25:
        return 0.25 * step_h_norm, ratio
    if ratio > 0.75 and step_h_norm > 0.95 * radius:
        return 2.0 * radius, ratio
    return radius, ratio


def _converged(reduction: float, cost: float, step: np.ndarray, x: np.ndarray, ratio: float, ftol: float,
               xtol: float) -> int | None:
    """Status 2 (χ² no longer falls), 3 (x no longer moves), 4 (both), None (go on)."""
    ftol_met = reduction < ftol * cost and ratio > 0.25
    xtol_met = _norm(step) < xtol * (xtol + _norm(x))
    if ftol_met and xtol_met:
        return 4
    return 2 if ftol_met else 3 if xtol_met else None


def solve(fun: Callable[[np.ndarray], np.ndarray], jac: Callable[[np.ndarray], np.ndarray], x0: np.ndarray,
          lb: np.ndarray, ub: np.ndarray, *, max_nfev: int, xtol: float, ftol: float, gtol: float,
          stop: Callable[[int, float], bool] | None = None) -> Solution:
    """Minimise ½‖fun(x)‖² for lb ≤ x ≤ ub from x0 (inside the box). `stop(nfev, cost)` is asked
    after every iteration and ends the solve with status −2 when it returns True."""
    x = _start_inside(x0, lb, ub)
    f = fun(x)
    if not np.isfinite(f).all():
        raise ValueError("residuals are not finite at the initial point")
    J = jac(x)
    nfev = 1
    m, n = J.shape
    cost = 0.5 * f.dot(f)
    g = J.T.dot(f)
    scale_inv = (J**2).sum(axis=0) ** 0.5
    scale_inv[scale_inv == 0] = 1
    scale = 1 / scale_inv
    lb_finite, ub_finite = np.isfinite(lb), np.isfinite(ub)
    v, dv = _coleman_li(x, g, lb, ub, lb_finite, ub_finite)
    v = np.where(dv != 0, v * scale_inv, v)
    radius = _norm(x * scale_inv / v**0.5)
    if radius == 0:
        radius = 1.0
    f_aug = np.zeros(m + n)
    J_aug = np.zeros((m + n, n))
    diagonal = (np.arange(m, m + n), np.arange(n))  # the rows under J hold diag(√diag_h)
    alpha = 0.0
    status: int | None = None
    while True:
        v, dv = _coleman_li(x, g, lb, ub, lb_finite, ub_finite)
        g_norm = float(np.abs(g * v).max())
        if g_norm < gtol:
            status = 1
        if status is not None or nfev == max_nfev:
            break
        v = np.where(dv != 0, v * scale_inv, v)
        d = v**0.5 * scale
        diag_h = g * dv * scale
        g_h = d * g
        f_aug[:m] = f
        J_aug[:m] = J * d
        J_h = J_aug[:m]
        J_aug[diagonal] = diag_h**0.5
        U, s, Vt = _svd(J_aug)
        V = Vt.T
        uf = U.T.dot(f_aug)
        theta = max(0.995, 1 - g_norm)
        reduction = -1.0
        while reduction <= 0 and nfev < max_nfev:
            p_h, alpha = _subproblem(n, m, uf, s, V, radius, alpha)
            step, step_h, predicted = _reflective_step(x, J_h, diag_h, g_h, d * p_h, p_h, d, radius, lb, ub, theta)
            x_new = _strictly_inside(x + step, lb, ub)
            f_new = fun(x_new)
            nfev += 1
            step_h_norm = _norm(step_h)
            if not np.isfinite(f_new).all():
                radius = 0.25 * step_h_norm
                continue
            cost_new = 0.5 * f_new.dot(f_new)
            reduction = cost - cost_new
            new_radius, ratio = _new_radius(radius, reduction, predicted, step_h_norm)
            status = _converged(reduction, cost, step, x, ratio, ftol, xtol)
            if status is not None:
                break
            alpha *= radius / new_radius
            radius = new_radius
        if reduction > 0:
            x, f, cost = x_new, f_new, cost_new
            J = jac(x)
            g = J.T.dot(f)
            scale_inv = np.maximum((J**2).sum(axis=0) ** 0.5, scale_inv)
            scale = 1 / scale_inv
        if stop is not None and stop(nfev, cost):
            status = -2
            break
    return Solution(x=x, cost=float(cost), fun=f, active_mask=active_constraints(x, lb, ub, xtol), nfev=nfev,
                    status=0 if status is None else status)
