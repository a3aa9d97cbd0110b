"""Complex non-linear least-squares circuit fitting: log-parameters, bounds, |Z| weighting,
automatic seeds and a multistart, with the full parameter covariance.

Why our own fitter: impedance.py rebuilds and evals a string per evaluation and, with default
settings, stops far from the optimum on solid-electrolyte magnitudes (reference/eis_analysis.md
§1.8). Here the circuit is compiled once (model.py), positive parameters are fitted as logarithms
(R and Q span many decades), exponents linearly in [0, 1], by the trust-region reflective method
with Jacobian scaling (trust_region.py: scipy's trf, x_scale='jac', iterate for iterate) and an
analytic Jacobian. Covariance = s²·(JᵀJ)⁻¹ with s² the reduced χ² (GUM Type A from the residual scatter).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np

from ssbcert.analysis.circuit import Circuit, parse_circuit
from ssbcert.analysis.guess import initial_guesses
from ssbcert.analysis.heteroscedastic import robust_cov
from ssbcert.analysis.model import CompiledModel, Omega, compile_circuit
from ssbcert.analysis.topology import canonical_arc_order
from ssbcert.analysis.trust_region import Solution, solve
from ssbcert.errors import InputError
from ssbcert.uncertainty import Measured

# each weighting and the factor it puts on |Z − Ẑ| (as the certificate states it)
WEIGHTING_FACTORS = {"modulus": "1/|Z|", "unit": "1", "proportional": "1/|Z|²"}
WEIGHTINGS = tuple(WEIGHTING_FACTORS)
DEFAULT_LOG_BOUNDS = (1e-18, 1e12)
DEFAULT_EXPONENT_BOUNDS = (0.3, 1.0)
# resistances relative to the largest |Z| of the data: an arc far larger than anything measured is
# a degenerate mode (R→∞ turns R‖CPE into a bare CPE), not a result
RESISTANCE_BOUNDS = (1e-9, 1e3)
# a start whose χ² is within this factor of the noise floor (χ² per degree of freedom of a
# model-free KK-compliant fit × the fit's dof) is as good as the data allow, so the multistart may
# stop there (`stop_at_noise_floor`; a correct model at its optimum stays below it in 99 % of the
# ground-truth spectra, but on the trust suite one start reached it in a wrong basin, so the
# automatic analysis does not use it).
NOISE_FLOOR_FACTOR = 1.10
# A circuit whose best of its first GIVE_UP_AFTER_STARTS starts stays far above the floor is given
# up (`give_up_factor`); one good start can still fall into a wrong basin, two rarely both do.
GIVE_UP_AFTER_STARTS = 2
# a bound-resting solution within this relative χ² of the nested smaller fit is that fit (`nested_chi2`)
NESTED_CHI2_RTOL = 1e-3
# when a solve has converged: relative step, relative χ² decrease, scaled gradient
SOLVER_TOLERANCES = {"xtol": 1e-9, "ftol": 1e-10, "gtol": 1e-10}


@dataclass
class FitResult:
    """Everything a fit reports. Arrays are in impedance.py parameter order, natural units."""

    circuit: str
    names: list[str]
    units: list[str]
    params: np.ndarray
    stderr: np.ndarray  # NaN for fixed parameters, parameters stuck at a bound, and throughout a given-up fit
    cov: np.ndarray  # full covariance (rows/cols of fixed or at-bound parameters are 0)
    corr: np.ndarray
    fixed: list[bool]
    at_bound: list[bool]
    chi2: float  # Σ w²|Z−Ẑ|² (pseudo-χ² for modulus weighting)
    chi2_reduced: float
    dof: int
    frequency_Hz: np.ndarray
    z_data: np.ndarray
    z_fit: np.ndarray
    residuals_real: np.ndarray  # weighted: (Ẑ'−Z')·w
    residuals_imag: np.ndarray
    weighting: str
    success: bool
    message: str
    n_starts: int = 0
    nfev: int = 0
    starts_chi2: list[float] = field(default_factory=list)
    # the search box in natural units and which parameters were fitted as logarithms, so bound
    # contact and identifiability can be judged after the fit (analysis/identifiability.py)
    bounds_lo: np.ndarray = field(default_factory=lambda: np.zeros(0))
    bounds_hi: np.ndarray = field(default_factory=lambda: np.zeros(0))
    log_scaled: list[bool] = field(default_factory=list)
    # the multistart was abandoned: the circuit stayed far above the noise floor (`give_up_factor`)
    given_up: bool = False
    # p that the residual spread is the same in every decade; below heteroscedastic.P_DIFFERS the
    # covariance is the heteroscedasticity-consistent (HC3) one
    noise_same_size_p: float = 1.0
    # per-point factors on the weighting, 1/noise size (heteroscedastic.decade_noise_weights); None: even
    point_weights: np.ndarray | None = None

    def index(self, name: str) -> int:
        try:
            return self.names.index(name)
        except ValueError:
            raise KeyError(f"{name!r} is not a parameter of {self.circuit!r} ({', '.join(self.names)})") from None

    def value(self, name: str) -> float:
        return float(self.params[self.index(name)])

    def measured(self, name: str) -> Measured:
        """One parameter as a value with standard uncertainty (fit covariance, reduced-χ² scaled)."""
        i = self.index(name)
        how = "fixed by user" if self.fixed[i] else (
            "at bound: no uncertainty" if self.at_bound[i] else "CNLS fit covariance s²(JᵀJ)⁻¹, s² = reduced χ²")
        u = 0.0 if self.fixed[i] else float(self.stderr[i])
        return Measured(float(self.params[i]), u, self.units[i], how, dof=float(self.dof))

    def weighting_note(self) -> str:
        """In words, where the weights depart from the plain `weighting` (empty otherwise)."""
        if self.point_weights is None:
            return ""
        pw = self.point_weights
        plain = WEIGHTING_FACTORS.get(self.weighting, self.weighting)
        return (f"{plain} × 1/(each decade's noise size, from the lin-KK residuals), because the residual "
                f"spread differed between decades; the noisiest decade counts {float(pw.min() / pw.max()):.2g}× "
                "the quietest")

    def as_dict(self) -> dict[str, object]:
        return {
            "circuit": self.circuit,
            "weighting": self.weighting,
            "point_weighted": self.point_weights is not None,
            "parameters": [
                {"name": n, "unit": u, "value": float(v), "standard_uncertainty": float(s), "fixed": fx, "at_bound": ab}
                for n, u, v, s, fx, ab in zip(self.names, self.units, self.params, self.stderr, self.fixed, self.at_bound)
            ],
            "correlation": self.corr.tolist(),
            "chi2": self.chi2,
            "chi2_reduced": self.chi2_reduced,
            "dof": self.dof,
            "success": self.success,
            "message": self.message,
            "n_starts": self.n_starts,
            "given_up": self.given_up,
        }


def _weights(z: np.ndarray, weighting: str) -> np.ndarray:
    if weighting == "modulus":
        return 1.0 / np.abs(z)
    if weighting == "unit":
        return np.ones(z.shape)
    if weighting == "proportional":
        return 1.0 / np.abs(z) ** 2 * np.abs(z).mean()
    raise InputError("unknown weighting", field="weighting", expected=" | ".join(WEIGHTINGS), found=repr(weighting))


def weights_of(fit: FitResult) -> np.ndarray:
    """The weights a fit was made with (identifiability rebuilds its weighted Jacobian)."""
    w = _weights(fit.z_data, fit.weighting)
    return w if fit.point_weights is None else w * fit.point_weights


def _named(values: Mapping[str, object] | None, names: list[str], what: str) -> dict[str, object]:
    values = dict(values or {})
    bad = [k for k in values if k not in names]
    if bad:
        raise InputError(f"unknown parameter in {what}", field=what, expected=", ".join(names), found=", ".join(bad))
    return values


class _Problem:
    """The least-squares problem in fit coordinates θ (log p or p) for the free parameters."""

    def __init__(self, model: CompiledModel, f: np.ndarray, z: np.ndarray, w: np.ndarray,
                 fixed: dict[str, float], bounds: dict[str, tuple[float, float]]) -> None:
        c = model.circuit
        self.model, self.f, self.z, self.w = model, f, z, w
        self.omega = Omega.of(f)
        self.names = c.param_names
        self.free = np.array([n not in fixed for n in self.names])
        self.all_free = bool(self.free.all())
        self.log = np.array([s == "log" for s in c.param_scales])
        self.full = np.array([float(fixed.get(n, np.nan)) for n in self.names])
        zmax = float(np.abs(z).max())
        defaults = [
            (RESISTANCE_BOUNDS[0] * zmax, RESISTANCE_BOUNDS[1] * zmax) if u == "Ohm"
            else DEFAULT_LOG_BOUNDS if lg else DEFAULT_EXPONENT_BOUNDS
            for u, lg in zip(c.param_units, self.log)
        ]
        lo = np.array([bounds.get(n, d)[0] for n, d in zip(self.names, defaults)], float)
        hi = np.array([bounds.get(n, d)[1] for n, d in zip(self.names, defaults)], float)
        self.user_bounded = np.array([n in bounds for n in self.names])
        for n, a, b, lg in zip(self.names, lo, hi, self.log):
            if not a < b or (lg and a <= 0):
                raise InputError("invalid bounds", field=f"bounds[{n}]",
                                 expected="lower < upper, lower > 0 for positive parameters", found=f"({a}, {b})")
        self.lo_p, self.hi_p = lo, hi
        fr = self.free
        self.lo = np.where(self.log, np.log(lo), lo)[fr]
        self.hi = np.where(self.log, np.log(hi), hi)[fr]
        self.flog = self.log[fr]
        self._last: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def to_theta(self, p: np.ndarray) -> np.ndarray:
        pf = np.clip(p[self.free], self.lo_p[self.free], self.hi_p[self.free])
        th = np.where(self.flog, np.log(np.maximum(pf, 1e-300)), pf)
        span = self.hi - self.lo
        return np.clip(th, self.lo + 1e-9 * span, self.hi - 1e-9 * span)

    def to_p(self, th: np.ndarray) -> np.ndarray:
        p = self.full.copy()
        p[self.free] = np.where(self.flog, np.exp(th), th)
        return p

    def _eval(self, th: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Z and ∂Z/∂p (transposed, one row per parameter) at θ; trf asks for the residual then
        the Jacobian at the same point, so the last evaluation is cached."""
        if self._last is not None and (self._last[0] == th).all():
            return self._last[1], self._last[2]
        z, Jt = self.model.impedance_jacobian_t(self.to_p(th), self.omega)
        self._last = (th.copy(), z, Jt)
        return z, Jt

    def residual(self, th: np.ndarray) -> np.ndarray:
        d = (self._eval(th)[0] - self.z) * self.w
        return np.concatenate([d.real, d.imag])

    def jac(self, th: np.ndarray) -> np.ndarray:
        """∂residual/∂θ: ∂Z/∂p of the free parameters, times p where θ = ln p, weighted, real
        parts over imaginary ones (column-major: each parameter's column is one row of Jt)."""
        Jt = self._eval(th)[1]
        if not self.all_free:
            Jt = Jt[self.free]
        Jt = Jt * np.where(self.flog, np.exp(th), 1.0)[:, None] * self.w[None, :]
        m = Jt.shape[1]
        out = np.empty((Jt.shape[0], 2 * m))
        out[:, :m] = Jt.real
        out[:, m:] = Jt.imag
        return out.T

    def solve(self, th0: np.ndarray, max_nfev: int, probe: tuple[int, float] | None = None) -> Solution:
        """The bounded solve from θ0; with `probe` = (n, χ²_max) it is abandoned (status -2) once it
        has spent n evaluations and its χ² is still above χ²_max (one continuous solve otherwise,
        so a promising start loses nothing to the probe)."""
        stop = None
        if probe is not None:
            n_probe, chi2_max = probe

            def stop(nfev: int, cost: float) -> bool:
                return nfev >= n_probe and 2 * cost > chi2_max

        return solve(self.residual, self.jac, th0, self.lo, self.hi, max_nfev=max_nfev, stop=stop,
                     **SOLVER_TOLERANCES)


def fit_circuit(
    frequency_Hz: Sequence[float] | np.ndarray,
    z: Sequence[complex] | np.ndarray,
    circuit: str | Circuit,
    *,
    initial_guess: Mapping[str, float] | Sequence[float] | None = None,
    fixed: Mapping[str, float] | None = None,
    bounds: Mapping[str, tuple[float, float]] | None = None,
    weighting: str = "modulus",
    n_starts: int = 8,
    seed: int = 0,
    cell_constant_per_m: float | None = None,
    extra_starts: Sequence[np.ndarray] = (),
    max_nfev: int = 300,
    sort_arcs: bool = True,
    noise_chi2_per_dof: float | None = None,
    noise_dof: int | None = None,
    stop_at_noise_floor: bool = True,
    give_up_factor: float | None = None,
    give_up_probe_nfev: int | None = None,
    nested_chi2: float | None = None,
    point_weights: np.ndarray | None = None,
    data_seeds: bool = True,
) -> FitResult:
    """Fit `circuit` to Z(f). Starts: user guess / extra starts (seed vectors, e.g. a neighbour's
    fit or a nested smaller circuit), automatic data seeds, then random log-perturbations of the
    best so far (each start gets `max_nfev` evaluations; the best one is resumed once if it used
    them all); stops once two starts agree on the lowest χ², or, when `noise_chi2_per_dof` (the
    modulus-weighted χ² per degree of freedom of the noise, e.g. from lin-KK) is given, as soon as a
    start reaches that floor within `noise_floor_factor` (`noise_dof`: the degrees of freedom of
    that estimate; a bound-resting element is then simply not
    needed; `stop_at_noise_floor=False` keeps the floor for giving up only). With `give_up_factor` as
    well, a circuit whose first GIVE_UP_AFTER_STARTS starts stay above that many times the floor is
    abandoned (`given_up`, not a success): it cannot describe the data (used by the automatic
    candidate selection, which refits fully when no candidate reaches the floor); with
    `give_up_probe_nfev`, those starts are judged after so many evaluations. `nested_chi2` is the
    χ² of a smaller circuit nested in this one whose fit reached the noise floor: a best solution
    resting on a bound that fits no better than it *is* that smaller circuit (e.g. R3 → ∞ turns
    p(R3,CPE3) into CPE3), so two agreeing starts settle it instead of a search for a better basin
    the data cannot show. `point_weights` multiply the weighting point by point (1/noise size where
    it differs between decades); χ² and `noise_chi2_per_dof` are then both under those weights.
    `data_seeds=False` starts only from `initial_guess` and `extra_starts` (a refit of a known
    solution, e.g. a nested reading of the chosen fit)."""
    f = np.asarray(frequency_Hz, float)
    zc = np.asarray(z, complex)
    if f.shape != zc.shape or f.ndim != 1 or f.size == 0:
        raise InputError("frequency and impedance arrays must be 1-D and of equal length",
                         field="spectrum", found=f"{f.shape} vs {zc.shape}")
    if not (np.all(np.isfinite(f)) and np.all(f > 0) and np.all(np.isfinite(zc))):
        raise InputError("spectrum contains non-finite values or non-positive frequencies", field="spectrum")
    model = compile_circuit(circuit)
    names = model.param_names
    fixed_d = {k: float(v) for k, v in _named(fixed, names, "fixed").items()}  # type: ignore[arg-type]
    bounds_d = {k: (float(v[0]), float(v[1])) for k, v in _named(bounds, names, "bounds").items()}  # type: ignore[index]
    n_free = len(names) - len(fixed_d)
    if n_free == 0:
        raise InputError("every parameter is fixed; nothing to fit", field="fixed")
    if 2 * f.size <= n_free:
        raise InputError("too few data points for the number of free parameters", field="spectrum",
                         expected=f"more than {n_free // 2} points", found=str(f.size))
    pw = None if point_weights is None else np.array(point_weights, float)
    if pw is not None and (pw.shape != f.shape or not np.all(np.isfinite(pw) & (pw > 0))):
        raise InputError("point weights must be positive and one per frequency", field="point_weights",
                         expected=f"{f.size} positive values", found=f"{pw.size} values")
    w = _weights(zc, weighting)
    prob = _Problem(model, f, zc, w if pw is None else w * pw, fixed_d, bounds_d)

    auto = (initial_guesses(model.circuit, f, zc, cell_constant_per_m)
            if data_seeds or isinstance(initial_guess, Mapping) else [])
    starts: list[np.ndarray] = [np.array(s, float) for s in extra_starts]
    if not data_seeds and not starts and initial_guess is None:
        raise InputError("data_seeds=False needs a start", field="extra_starts", expected="at least one start vector")
    if initial_guess is not None:
        if isinstance(initial_guess, Mapping):
            g = _named(initial_guess, names, "initial_guess")
            starts.insert(0, np.array([float(g.get(n, a)) for n, a in zip(names, auto[0])]))  # type: ignore[arg-type]
        else:
            v = np.array(initial_guess, float)
            if v.size != len(names):
                raise InputError("initial_guess has the wrong length", field="initial_guess",
                                 expected=f"{len(names)} values ({', '.join(names)})", found=str(v.size))
            starts.insert(0, v)
    if data_seeds:
        starts += auto
    for s in starts:
        for k, v in fixed_d.items():
            s[names.index(k)] = v

    # the χ² a correct model reaches on this noise (only comparable for |Z| weighting, as lin-KK's)
    floor = noise_chi2_per_dof * max(2 * f.size - n_free, 1) if noise_chi2_per_dof and weighting == "modulus" else None
    if floor is not None and give_up_probe_nfev and len(starts) > 1:
        # the probe judges the circuit by its first start: make it the start that fits best
        start_cost = [float(np.sum(prob.residual(prob.to_theta(s)) ** 2)) for s in starts]
        starts = [starts[i] for i in np.argsort(start_cost, kind="stable")]
    rng = np.random.default_rng(seed)
    best = None
    costs: list[float] = []
    nfev = 0
    tried = 0
    gave_up = False
    n_total = max(n_starts, len(starts))
    while tried < n_total:
        if tried < len(starts):
            th0 = prob.to_theta(starts[tried])
        else:
            jitter = np.where(prob.flog, rng.normal(0, 0.7, prob.flog.size), rng.normal(0, 0.05, prob.flog.size))
            th0 = np.clip(best.x + jitter, prob.lo + 1e-9, prob.hi - 1e-9)
        # probe: the first starts against the noise floor (a hopeless circuit shows it within a few
        # evaluations), later ones against the best so far (a start still far above it is heading
        # for a worse basin); a promising probe goes on to a full solve
        go_on = None
        if give_up_factor and give_up_probe_nfev:
            if tried < GIVE_UP_AFTER_STARTS and floor is not None:
                go_on = give_up_factor * floor
            elif best is not None:
                go_on = give_up_factor * 2 * best.cost
        res = prob.solve(th0, max_nfev, None if go_on is None else (give_up_probe_nfev, go_on))  # type: ignore[arg-type]
        tried += 1
        nfev += res.nfev
        costs.append(float(2 * res.cost))
        if best is None or res.cost < best.cost:
            best = res
        agree = sum(c <= 2 * best.cost * (1 + 1e-5) + 1e-300 for c in costs)
        # a solution resting on an upper default bound of R, Q or τ (or an exponent on its lower
        # bound) is a symptom of a wrong basin: keep searching. R → 0 (no series offset) and an
        # exponent at 1 (an ideal capacitor) are legitimate: on the trust suite, searching on after
        # those only repeated the same solution (up to 8 agreeing starts, the pipeline's p95 cost).
        am = best.active_mask
        suspicious = bool(np.any((((am == 1) & prob.flog) | ((am == -1) & ~prob.flog)) & ~prob.user_bounded[prob.free]))
        if (floor is not None and stop_at_noise_floor
                and 2 * best.cost <= noise_floor_factor(2 * f.size - n_free, noise_dof) * floor):
            break
        if (floor is not None and give_up_factor and tried >= min(GIVE_UP_AFTER_STARTS, len(starts))
                and 2 * best.cost > give_up_factor * floor):
            gave_up = True
            break
        if agree >= 2 and (not suspicious or (nested_chi2 is not None
                                              and 2 * best.cost >= (1 - NESTED_CHI2_RTOL) * nested_chi2)):
            break
    assert best is not None
    if best.status == 0:
        # the best start ran out of evaluations on its way down a long valley: resume it once (a
        # fresh trust region), rather than report a fit that only lacked the budget as failed
        more = prob.solve(best.x, max_nfev)
        nfev += more.nfev
        if more.cost <= best.cost:
            best = more
    # a given-up circuit is only compared by its χ² and residuals: no covariance is formed for it
    result = _result(prob, model, best, weighting, tried, nfev, costs, covariance=not gave_up)
    result.point_weights = pw
    if gave_up:
        result.given_up, result.success = True, False
        result.message = (f"given up after {tried} starts: χ² = {result.chi2:.3g} stays above {give_up_factor:g}× "
                          f"the noise floor ({floor:.3g}), so this circuit cannot describe the data")
    if sort_arcs and not (set(fixed_d) | set(bounds_d)):
        _apply_permutation(result, canonical_arc_order(model.circuit, result.params))
    return result


def noise_floor_factor(fit_dof: int, noise_dof: int | None) -> float:
    """How far above the noise floor a correct model's optimum may lie: three standard deviations
    of χ²_fit/(s²_KK·dof), from the ν = fit_dof − noise_dof degrees of freedom the model has fewer
    than lin-KK and the scatter of s²_KK itself; never below NOISE_FLOOR_FACTOR."""
    if noise_dof is None or not 0 < noise_dof < fit_dof:
        return NOISE_FLOOR_FACTOR
    nu = fit_dof - noise_dof
    sd = math.sqrt(2 * nu) / fit_dof + nu / fit_dof * math.sqrt(2 / noise_dof)
    return max(NOISE_FLOOR_FACTOR, 1 + 3 * sd)


def reached_noise_floor(result: FitResult, noise_chi2_per_dof: float | None, noise_dof: int | None = None) -> bool:
    """Whether a fit is as good as the noise allows (see `noise_floor_factor`)."""
    return bool(noise_chi2_per_dof and result.weighting == "modulus"
                and result.chi2 <= noise_floor_factor(result.dof, noise_dof) * noise_chi2_per_dof * result.dof)


def excess_over_noise(result: FitResult, noise_chi2_per_dof: float | None) -> float | None:
    """χ² / (the noise floor's χ² per dof × the fit's dof): ~1 for a circuit that describes the data
    to its noise; None when there is no floor to compare with (no KK noise, other weighting)."""
    if not noise_chi2_per_dof or result.weighting != "modulus":
        return None
    return result.chi2 / (noise_chi2_per_dof * result.dof)


def _apply_permutation(r: FitResult, perm: np.ndarray) -> None:
    """Reorder interchangeable arcs (fits are label-agnostic) so the fastest arc comes first."""
    if np.array_equal(perm, np.arange(perm.size)):
        return
    r.params = r.params[perm]
    r.stderr = r.stderr[perm]
    r.cov = r.cov[np.ix_(perm, perm)]
    r.corr = r.corr[np.ix_(perm, perm)]
    r.at_bound = [r.at_bound[i] for i in perm]
    if r.bounds_lo.size == perm.size:
        r.bounds_lo, r.bounds_hi = r.bounds_lo[perm], r.bounds_hi[perm]


def _result(prob: _Problem, model: CompiledModel, res: Solution, weighting: str, tried: int, nfev: int,
            costs: list[float], covariance: bool = True) -> FitResult:
    p = prob.to_p(res.x)
    n = len(prob.names)
    m = res.fun.size
    at_b = np.zeros(n, bool)
    at_b[prob.free] = res.active_mask != 0
    n_free = int(prob.free.sum())
    dof = max(m - n_free, 1)
    chi2 = float(2 * res.cost)
    s2 = chi2 / dof
    # an exponent resting on 1 (ideal capacitor) stays in the covariance: the data allow n < 1, and
    # dropping that direction would understate u of every R and C it correlates with (near-bound effect)
    act = (res.active_mask == 0) | ((res.active_mask == 1) & ~prob.flog)
    cov_th = np.zeros((n_free, n_free))
    p_same_noise = 1.0
    if covariance and act.any():
        Ja = prob.jac(res.x)[:, act]
        u_, sv, vt = np.linalg.svd(Ja, full_matrices=False)
        tol = sv.max() * max(Ja.shape) * np.finfo(float).eps
        inv = np.where(sv > tol, 1.0 / np.where(sv > tol, sv, 1.0) ** 2, 0.0)
        classic = (vt.T * inv) @ vt * s2
        cov_th[np.ix_(act, act)], p_same_noise = robust_cov(u_, sv, vt, sv > tol, res.fun, classic, prob.f)
    d = np.where(prob.flog, p[prob.free], 1.0)
    cov = np.zeros((n, n))
    cov[np.ix_(prob.free, prob.free)] = cov_th * np.outer(d, d)
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    se[~prob.free | at_b | (not covariance)] = np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.sqrt(np.diag(cov))
        corr = np.where(np.outer(sd, sd) > 0, cov / np.outer(sd, sd), 0.0)
    np.fill_diagonal(corr, 1.0)
    zf = model.impedance(p, prob.f)
    r = (zf - prob.z) * prob.w
    names_b = [nm for nm, b in zip(prob.names, at_b) if b]
    ok = bool(res.status > 0 and np.all(np.isfinite(p)) and math.isfinite(chi2))
    msg = res.message + (f"; at bound: {', '.join(names_b)}" if names_b else "")
    return FitResult(
        circuit=model.circuit.text, names=list(prob.names), units=model.circuit.param_units, params=p,
        stderr=se, cov=cov, corr=corr, fixed=[not x for x in prob.free], at_bound=list(at_b), chi2=chi2,
        chi2_reduced=s2, dof=dof, frequency_Hz=prob.f, z_data=prob.z, z_fit=zf, residuals_real=r.real,
        residuals_imag=r.imag, weighting=weighting, success=ok, message=msg, n_starts=tried, nfev=nfev,
        starts_chi2=costs, bounds_lo=prob.lo_p.copy(), bounds_hi=prob.hi_p.copy(), log_scaled=list(prob.log),
        noise_same_size_p=p_same_noise,
    )


def fit_batch(
    spectra: Sequence[tuple[np.ndarray, np.ndarray]],
    circuit: str | Circuit,
    *,
    seed_from_neighbour: bool = True,
    **kwargs: object,
) -> list[FitResult]:
    """Fit a series (e.g. a temperature series in measurement order), each spectrum seeded from the
    previous fit as its first start, plus its own data seeds."""
    circ = parse_circuit(circuit) if isinstance(circuit, str) else circuit
    out: list[FitResult] = []
    for f, z in spectra:
        extra = [out[-1].params.copy()] if (seed_from_neighbour and out and out[-1].success) else []
        out.append(fit_circuit(f, z, circ, extra_starts=extra, **kwargs))  # type: ignore[arg-type]
    return out
