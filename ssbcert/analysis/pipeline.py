"""One call per spectrum or per temperature series: sanity → KK → fit → arcs → conductivities (→ Arrhenius).

`analyse_spectrum` is what the certificate and the CLI call for one sweep; `analyse_series` for a
temperature series (on all cores, seeded from the neighbours, Arrhenius per process, hysteresis).
When no circuit is given, the candidates R0-p(R1,CPE1)[-p(R2,CPE2)][-CPE3] (with a series L0 when
the top frequencies are inductive) are fitted (each larger one started from the smaller fit it nests) and chosen by selection.py: AIC with a margin, a
runs test on the residuals, the DRT peak count, degenerate candidates never. Each σ is then
judged (identifiability of its arcs, plausibility against the data, agreement between candidates
that fit about as well, and with each arc's asymmetric reading, shape.py, which becomes the fit
where the data reject the symmetric shape); a value the data cannot support stays in `conductivity.invalid` with
its reason and never reaches an Arrhenius fit or a certificate.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, Sequence

import numpy as np

from ssbcert.analysis.arcs import ArcAssignment, AssignmentRules, assign_arcs
from ssbcert.analysis.arrhenius import ArrheniusResult, Hysteresis, fit_arrhenius, hysteresis, split_heating_cooling
from ssbcert.analysis.circuit import parse_circuit
from ssbcert.analysis.conductivity import MISFIT_FACTOR, Conductivity, conductivities
from ssbcert.analysis.fit import FitResult, excess_over_noise, fit_circuit, reached_noise_floor
from ssbcert.analysis.heteroscedastic import P_DIFFERS, decade_noise_weights
from ssbcert.analysis.identifiability import IdentifiabilityRules
from ssbcert.analysis.sanity import checked_spectrum, inductive_tail
from ssbcert.analysis.selection import (Candidate, SelectionRules, aic, choose, drt_arc_count, free_parameters,
                                       make_candidate)
from ssbcert.analysis.geometry import Geometry, ThroughPlane
from ssbcert.analysis.kk import DEFAULT_LIMIT_PERCENT, KKResult, kk_noise_chi2_per_dof, kk_noise_dof, lin_kk
from ssbcert.analysis.nesting import hidden_arc_starts, nested_starts, replaced_arc_starts
from ssbcert.analysis.shape import SHAPE_EVIDENCE_AIC, ShapeCheck, shape_checks
from ssbcert.analysis.stationarity import RepeatComparison, compare_repeats, withhold_non_stationary
from ssbcert.errors import InputError
from ssbcert.records import ImpedanceSpectrum

CANDIDATE_CIRCUITS = (
    "R0-p(R1,CPE1)",
    "R0-p(R1,CPE1)-CPE2",
    "R0-p(R1,CPE1)-p(R2,CPE2)",
    "R0-p(R1,CPE1)-p(R2,CPE2)-CPE3",
    # blocking electrode shunted by electronic leakage (hot oxides) or a charge-transfer interface
    "R0-p(R1,CPE1)-p(R2,CPE2)-p(R3,CPE3)",
)
AIC_MARGIN = 10.0
# a candidate whose best two probes (GIVE_UP_PROBE_NFEV evaluations each, unless already converged)
# stay above GIVE_UP_FACTOR × the KK noise floor is abandoned, once another candidate is within
# REACHED_FACTOR of it (see _fit_candidates)
GIVE_UP_FACTOR = 10.0
REACHED_FACTOR = 2.0
GIVE_UP_PROBE_NFEV = 12


@dataclass
class SpectrumAnalysis:
    """Everything the certificate needs from one spectrum; `flags` collects every warning."""

    temperature_K: float | None
    circuit: str
    circuit_selection: str
    kk: KKResult
    fit: FitResult
    arcs: ArcAssignment
    conductivity: Conductivity
    flags: list[str] = field(default_factory=list)
    candidates: list[dict[str, Any]] = field(default_factory=list)  # every circuit tried, with its evidence

    @property
    def valid(self) -> bool:
        """KK passed and the fit converged. Each σ must also pass `conductivity.is_valid(name)`."""
        return self.kk.passed and self.fit.success

    def as_dict(self) -> dict[str, Any]:
        return {
            "temperature_K": self.temperature_K, "circuit": self.circuit, "circuit_selection": self.circuit_selection,
            "valid": self.valid, "flags": list(self.flags), "kk": self.kk.as_dict(), "fit": self.fit.as_dict(),
            "arcs": self.arcs.as_dict(), "conductivity": self.conductivity.as_dict(), "candidates": list(self.candidates),
        }


def _aic(fit: FitResult) -> float:
    return aic(fit)


def _fit_candidates(f: np.ndarray, z: np.ndarray, circuits: Sequence[str], k_cell: float,
                    extra_starts: Sequence[np.ndarray], fit_options: dict[str, Any],
                    noise: tuple[float | None, int | None] = (None, None)) -> list[Candidate]:
    """Every candidate is fitted (the choice and the ambiguity check need them all); each larger
    circuit starts from the smaller fit it nests (#10). With the KK noise floor `noise`
    (χ²/dof, dof), a candidate whose best two probes stay above GIVE_UP_FACTOR × the floor is
    abandoned once another candidate is within REACHED_FACTOR of the floor: its AIC then lies so far
    above that one (ΔAIC ≥ 2N·ln 5) that it can neither be chosen nor make a σ ambiguous. While no
    candidate is that close, nothing can be judged hopeless against it, and the abandoned ones are
    fitted in full, largest first, until one is."""
    give_up = ({"noise_chi2_per_dof": noise[0], "noise_dof": noise[1], "stop_at_noise_floor": False,
                "give_up_factor": GIVE_UP_FACTOR, "give_up_probe_nfev": GIVE_UP_PROBE_NFEV}
               if GIVE_UP_FACTOR and noise[0] and fit_options.get("weighting", "modulus") == "modulus" else {})

    def fit(c: str, starts: list[np.ndarray], hopeless_ok: bool, nested_chi2: float | None = None) -> FitResult:
        return fit_circuit(f, z, c, cell_constant_per_m=k_cell, extra_starts=starts, nested_chi2=nested_chi2,
                           **fit_options, **(give_up if hopeless_ok else {}))

    out: list[Candidate] = []
    starts_of: list[list[np.ndarray]] = []
    previous: FitResult | None = None
    for c in circuits:
        n_par = len(parse_circuit(c).param_names)
        if 2 * f.size <= n_par:
            continue
        starts = [s for s in extra_starts if len(s) == n_par]
        settled = None
        if previous is not None:
            starts += nested_starts(previous, c, f, z, k_cell)
            if give_up and previous.success and reached_noise_floor(previous, *noise):
                settled = previous.chi2
        r = fit(c, starts, True, settled)
        out.append(make_candidate(r))
        starts_of.append(starts)
        if r.success or (r.given_up and np.all(np.isfinite(r.params))):
            previous = r
    if give_up:
        def reached() -> bool:
            return any(c.fit.success and c.fit.chi2 <= REACHED_FACTOR * noise[0] * c.fit.dof for c in out)  # type: ignore[operator]

        for i in reversed(range(len(out))):
            if reached():
                break
            if out[i].fit.given_up:
                out[i] = make_candidate(fit(out[i].circuit, starts_of[i], False))
    return out


def _reseed_from_degenerate(f: np.ndarray, z: np.ndarray, cands: list[Candidate], k_cell: float,
                            fit_options: dict[str, Any]) -> list[Candidate]:
    """An arc whose R ran to its upper bound is a bare CPE: that fit *is* the smaller circuit with
    p(Rk,CPEk) → CPEk, and when it fits better than that candidate's own multistart did, the smaller
    candidate is refitted from it (same parameter names, Rk dropped)."""
    by_circuit = {c.circuit: i for i, c in enumerate(cands)}
    for c in list(cands):
        if len(c.degenerate) != 1 or not c.fit.success:
            continue
        name = c.degenerate[0]
        i = c.fit.names.index(name)
        if not (name.startswith("R") and c.fit.params[i] >= 0.5 * c.fit.bounds_hi[i]):
            continue
        k = name[1:]
        reduced = c.circuit.replace(f"p(R{k},CPE{k})", f"CPE{k}")
        j = by_circuit.get(reduced)
        if j is None or cands[j].fit.chi2 <= c.fit.chi2 * (1 + 1e-6):
            continue
        values = dict(zip(c.fit.names, c.fit.params))
        names = parse_circuit(reduced).param_names
        start = np.array([values[n] for n in names], float)
        refit = fit_circuit(f, z, reduced, cell_constant_per_m=k_cell, extra_starts=[start], **fit_options)
        if refit.success and refit.chi2 < cands[j].fit.chi2:
            cands[j] = make_candidate(refit)
    return cands


def _select_fit(f: np.ndarray, z: np.ndarray, circuit: str | None, k_cell: float,
                extra_starts: Sequence[np.ndarray], fit_options: dict[str, Any],
                selection: SelectionRules = SelectionRules(), inductive: bool = False,
                noise: tuple[float | None, int | None] = (None, None),
                ) -> tuple[FitResult, str, list[Candidate]]:
    if circuit is not None:
        r = fit_circuit(f, z, circuit, cell_constant_per_m=k_cell, extra_starts=extra_starts, **fit_options)
        return r, "given", [make_candidate(r)]
    circuits = [("L0-" + c if inductive else c) for c in CANDIDATE_CIRCUITS]
    cands = _fit_candidates(f, z, circuits, k_cell, extra_starts, fit_options, noise)
    cands = _reseed_from_degenerate(f, z, cands, k_cell, fit_options)
    if not any(c.fit.success for c in cands):
        raise InputError("no candidate circuit could be fitted", field="circuit", expected="a fittable spectrum")
    drt_n = drt_arc_count(f, z) if selection.use_drt else None
    best, why = choose(cands, selection, drt_n)
    if (excess_over_noise(best.fit, noise[0]) or 0.0) > MISFIT_FACTOR:
        # the nested, probed search can end in a local minimum the plain multistart does not (trust
        # seed 492: 13.6× the noise floor against 1.3×): before the misfit rule withholds every σ,
        # the chosen circuit gets that plain search once, and the choice is made again
        fresh = fit_circuit(f, z, best.circuit, cell_constant_per_m=k_cell, extra_starts=extra_starts, **fit_options)
        if fresh.success and fresh.chi2 < best.fit.chi2:
            cands[cands.index(best)] = make_candidate(fresh)
            best, why = choose(cands, selection, drt_n)
            why += f"; {best.circuit} refitted by a plain multistart (the first search left it above the noise floor)"
    if noise[0] is not None and not reached_noise_floor(best.fit, *noise):
        # every start can agree on a basin above the noise floor when the data seeds all miss an
        # arc: before the chosen fit is judged, its own arcs are re-placed, and the circuits with one
        # arc more get that arc hidden beside each of its arcs (nesting.replaced_arc_starts,
        # hidden_arc_starts); the choice is then made again
        chosen = best.fit
        refitted = []
        for i, c in enumerate(cands):
            # a candidate that failed outright is left alone; one given up as hopeless gets its chance
            starts = (replaced_arc_starts(chosen) if c is best else
                      hidden_arc_starts(chosen, c.circuit, f, z, k_cell) if c.fit.success or c.fit.given_up else [])
            if not starts:
                continue
            fresh = fit_circuit(f, z, c.circuit, cell_constant_per_m=k_cell, extra_starts=starts, **fit_options)
            if fresh.success and (not c.fit.success or fresh.chi2 < (1 - REPLACED_GAIN_MIN) * c.fit.chi2):
                cands[i] = make_candidate(fresh)
                refitted.append(c.circuit)
        if refitted:
            best, why = choose(cands, selection, drt_n)
            why += (f"; {', '.join(refitted)} refitted with arcs re-placed (the first search agreed on a basin above "
                    "the noise floor)")
    return best.fit, f"{why}; candidates {', '.join(circuits)}", cands


UNSHOWN_ARC_MARGIN = 2.0
# the χ² gain (relative) a refit from re-placed or hidden arcs must bring to replace a candidate's
# fit: more than the solver's own tolerance, so the same basin found again changes nothing
REPLACED_GAIN_MIN = 1e-3


def _model_ambiguity(chosen: FitResult, cond: Conductivity, arcs: ArcAssignment, cands: Sequence[Candidate],
                     analyse: Any, margin: float, evidence: float = SelectionRules().evidence_aic_min) -> list[str]:
    """Candidates that fit nearly as well (ΔAIC < margin, not degenerate) but give a different
    σ_total or σ_bulk (beyond max(5 %, 2u) with u the two values' joint uncertainty) make that σ ambiguous: the data
    cannot say which circuit is right, so the value is not valid. When the chosen circuit holds an
    arc the data do not resolve, a smaller circuit counts up to UNSHOWN_ARC_MARGIN × the margin:
    that part of the AIC gain rests on an arc the data do not show, which noise of uneven size or
    heavy tails can buy (noise suite seed 1534: a third arc below the window won by ΔAIC 15.7 and
    moved σ_gb 41 % from the truth, where the two-arc circuit was within 12 %). Beyond it the gain
    is evidence enough (trust seed 5274: a buried GB arc, ΔAIC 56, σ_bulk right). An alternative's
    R_total counts even where that circuit withholds it for a doubt of its own: it is still a
    reading of the same data, and a different one leaves the chosen R_total unestablished too (noise
    seed 1534: the two circuits cut GB and electrode apart differently, σ_gb 1.27e-5 against 2.43e-5
    and σ_total 13 % low). A circuit that fits better by more than `evidence` (ΔAIC) and cannot
    vouch for a σ the chosen circuit signs (its arcs split or merge differently, in a way the data do
    not resolve) leaves that σ unestablished, whatever its own value (trust seed 7816)."""
    flags: list[str] = []
    a0 = aic(chosen)
    n_free = free_parameters(chosen)
    unshown = [a.param_names[0] for a in arcs.arcs if not a.resolved and a.r_ohm is not None]
    spread: dict[str, list[tuple[float, float, float]]] = {}  # name -> (Akaike weight, value, u) of the alternatives
    for c in cands:
        if c.fit is chosen or not c.fit.success or c.degenerate:
            continue
        smaller = free_parameters(c.fit) < n_free
        if c.aic > a0 + margin and not (unshown and smaller and c.aic <= a0 + UNSHOWN_ARC_MARGIN * margin):
            continue
        arcs_c, cond_c = analyse(c.fit)
        for name, label in _AMBIGUITY_FIELDS:
            m0, m1 = getattr(cond, name), getattr(cond_c, name)
            if (name != "sigma_total_S_per_m" and c.aic < a0 - evidence and m0 is not None and cond.is_valid(name)
                    and not cond_c.is_valid(name)):
                # the chosen value's narrow u is conditional on the simpler reading (trust seed 7816:
                # two close arcs fitted as one, σ_bulk 24 % low at 20u, where two arcs fit better by
                # ΔAIC 7.2 and leave R_bulk at ± 111 %)
                there = cond_c.invalid.get(name) or f"it has no {label}"
                why = (f"model ambiguity: {c.circuit} fits better (ΔAIC = {c.aic - a0:+.1f}) and there {there}, "
                       f"so {label} = {m0.value:.3g} rests on the simpler circuit's reading of the arcs")
                cond.withhold(name, why)
                flags.append(f"model_ambiguity_{name.removesuffix('_S_per_m')}: {why}")
                continue
            if m0 is None or m1 is None or not cond.is_valid(name) or not math.isfinite(m1.u):
                continue
            vouched = cond_c.is_valid(name)
            if not vouched and name != "sigma_total_S_per_m":
                continue
            tol = max(0.05 * abs(m0.value), 2 * math.hypot(m0.u, m1.u))
            if abs(m1.value - m0.value) > tol:
                how = ("fits about as well" if c.aic <= a0 + margin else
                       f"is as credible (the chosen circuit's arc {', '.join(unshown)} is not resolved by the data)")
                why = (f"model ambiguity: {c.circuit} {how} (ΔAIC = {c.aic - a0:+.1f}) but gives "
                       f"{label} = {m1.value:.3g} ± {m1.u:.2g} against {m0.value:.3g} ± {m0.u:.2g} S/m")
                cond.withhold(name, why)
                flags.append(f"model_ambiguity_{name.removesuffix('_S_per_m')}: {why}")
            if c.aic <= a0 + margin and vouched:
                spread.setdefault(name, []).append((math.exp(-0.5 * (c.aic - a0)), m1.value, m1.u))
    for name, alts in spread.items():
        _add_model_selection_u(cond, name, alts)
    return flags


_AMBIGUITY_FIELDS = (("sigma_total_S_per_m", "σ_total"), ("sigma_bulk_S_per_m", "σ_bulk"),
                     ("sigma_gb_apparent_S_per_m", "σ_gb"))


def _asymmetric_reading(checks: Sequence[ShapeCheck], chosen: FitResult, margin: float) -> tuple[ShapeCheck, str] | None:
    """The arc's asymmetric reading that fits best, with why, where it beats the chosen fit by more
    than the AIC `margin` a larger circuit needs: the data reject the symmetric shape, and that
    reading is the fit, judged as any chosen fit is (held-out shapes seeds 1000-2599: 14 more right
    σ signed, 2 of the 16 wrong ones left by _shape_ambiguity fixed; trust, beyond and noise on
    12 000 spectra: no σ newly wrong, 6 values moved by < 1 %)."""
    best = min((c for c in checks if c.delta_aic < -margin), key=lambda c: c.delta_aic, default=None)
    if best is None:
        return None
    return best, (f"the {best.label.replace('_', ' ')} arc is asymmetric: as a Havriliak–Negami arc (β = "
                  f"{best.beta:.2f}) it fits better than {chosen.circuit} by ΔAIC = {best.delta_aic:+.1f}, beyond the "
                  f"margin of {margin:g}, so {best.circuit} is the fit")


def _shape_ambiguity(cond: Conductivity, checks: Sequence[ShapeCheck], margin: float,
                     evidence: float = SHAPE_EVIDENCE_AIC) -> list[str]:
    """An arc refitted as an asymmetric (Havriliak–Negami) arc nests the chosen fit (β = 1). Where
    the data prefer that shape (ΔAIC < −`evidence`) and it gives a σ beyond max(5 %, 2u) of the
    chosen one, u the two values' joint uncertainty, the value rests on the symmetric shape the
    circuit assumes, and is withheld (shapes seed 2395: σ_bulk 9 % high and σ_gb 19.5 % low, where
    the asymmetric reading fits better by ΔAIC −7.2). Beyond the AIC `margin` the automatic
    analysis adopts the asymmetric reading instead; for a circuit the user gave, the data then
    reject its symmetric shape, and u is the chosen value's own, which must cover the asymmetric
    reading. Where that reading only fits about as well, the symmetric one stands: no shape the
    data do not show is preferred (noise seed 1764: a buried GB arc at β = 0.6, ΔAIC −1.1, would
    move a right σ_bulk 10 %). R_total counts even where the asymmetric reading withholds it, as in
    _model_ambiguity."""
    flags: list[str] = []
    for check in checks:
        if check.delta_aic >= -evidence:
            continue
        rejected = check.delta_aic < -margin
        for name, label in _AMBIGUITY_FIELDS:
            m0, m1 = getattr(cond, name), getattr(check.conductivity, name)
            if m0 is None or m1 is None or not cond.is_valid(name) or not math.isfinite(m1.u):
                continue
            u = m0.u if rejected else math.hypot(m0.u, m1.u)
            if abs(m1.value - m0.value) <= max(0.05 * abs(m0.value), 2 * u):
                continue
            how = (f"ΔAIC = {check.delta_aic:+.1f}, beyond the margin of {margin:g}: the data reject the symmetric "
                   "shape" if rejected else f"ΔAIC = {check.delta_aic:+.1f}")
            why = (f"arc shape: the {check.label.replace('_', ' ')} arc as an asymmetric (Havriliak–Negami, "
                   f"β = {check.beta:.2f}) arc fits better ({how}) but gives {label} = "
                   f"{m1.value:.3g} ± {m1.u:.2g} against {m0.value:.3g} ± {m0.u:.2g} S/m: the value rests on the "
                   "symmetric arc shape the circuit assumes")
            cond.withhold(name, why)
            flags.append(f"arc_shape_{name.removesuffix('_S_per_m')}: {why}")
    return flags


def _add_model_selection_u(cond: Conductivity, name: str, alts: Sequence[tuple[float, float, float]]) -> None:
    """Model-selection uncertainty (Burnham & Anderson's unconditional variance): over the chosen
    circuit and the candidates `alts` (Akaike weight, value, u) that fit about as well, the
    Akaike-weighted mean of u² + (value − reported value)², and never below the chosen u² plus the
    weighted spread. Where a circuit that fits better lost only by the simplicity margin, its own,
    larger u then counts (noise suite seed 511: a GB arc cut by the window without the electrode
    that a better-fitting circuit adds, σ_gb −15 % at ± 4.7 %)."""
    m0 = getattr(cond, name)
    if m0 is None or not cond.is_valid(name):
        return
    w_total = 1.0 + sum(w for w, _, _ in alts)
    spread2 = sum(w * (v - m0.value) ** 2 for w, v, _ in alts) / w_total
    unconditional2 = (m0.u**2 + sum(w * (u**2 + (v - m0.value) ** 2) for w, v, u in alts)) / w_total
    u2 = max(m0.u**2 + spread2, unconditional2)
    if u2 <= m0.u**2:
        return
    budget = dict(m0.budget)
    budget["model selection"] = math.sqrt(u2 - m0.u**2)
    setattr(cond, name, replace(m0, u=math.sqrt(u2), budget=budget,
                                method=m0.method + "; + model-selection uncertainty (Akaike weights)"))


def analyse_spectrum(
    spectrum: ImpedanceSpectrum,
    geometry: Geometry,
    circuit: str | None = None,
    *,
    kk_limit_percent: float = DEFAULT_LIMIT_PERCENT,
    rules: AssignmentRules = AssignmentRules(),
    f_min_Hz: float | None = None,
    f_max_Hz: float | None = None,
    extra_starts: Sequence[np.ndarray] = (),
    identifiability: IdentifiabilityRules = IdentifiabilityRules(),
    selection: SelectionRules = SelectionRules(),
    **fit_options: Any,
) -> SpectrumAnalysis:
    """Check the spectrum, KK-validate, fit (given circuit or automatic choice), judge which arcs
    the data show, assign arcs and derive σ/ASR; values the data cannot support are marked in
    `conductivity.invalid` with the reason. `fit_options` go to fit_circuit (fixed, bounds,
    weighting, n_starts, seed)."""
    f, z, sanity_flags = checked_spectrum(spectrum.frequency_Hz, spectrum.z, f_min_Hz=f_min_Hz, f_max_Hz=f_max_Hz)
    kk = lin_kk(f, z, limit_percent=kk_limit_percent)
    k_cell = geometry.cell_constant_per_m
    # No noise-floor early stop here (#10's fit option): on the trust suite it let a thin-film GB arc
    # stop in a wrong basin (σ_gb −13.5 %, outside 3u). A candidate that reaches the floor runs its
    # full multistart; only candidates far above it are abandoned early.
    inductive = circuit is None and inductive_tail(f, z)
    weights = (decade_noise_weights(f, kk.residuals_real, kk.residuals_imag)
               if kk.passed and fit_options.get("weighting", "modulus") == "modulus" and "point_weights" not in fit_options
               else None)
    if weights is not None:
        fit_options = {**fit_options, "point_weights": weights}
    noise = (kk_noise_chi2_per_dof(kk, fit_options.get("point_weights")), kk_noise_dof(kk))
    fit, how, cands = _select_fit(f, z, circuit, k_cell, extra_starts, fit_options, selection, inductive, noise)
    area = geometry.area_m2 if isinstance(geometry, ThroughPlane) else None

    def arcs_and_sigma(r: FitResult) -> tuple[ArcAssignment, Conductivity]:
        a = assign_arcs(r, k_cell, in_plane=not isinstance(geometry, ThroughPlane), rules=rules,
                        electrode_area_m2=area, identifiability=identifiability)
        return a, conductivities(r, a, geometry, noise[0], noise[1])

    arcs, cond = arcs_and_sigma(fit)
    judged: list[str] = []
    if circuit is None:
        judged += _model_ambiguity(fit, cond, arcs, cands, arcs_and_sigma, selection.aic_margin, selection.evidence_aic_min)
    checks = (shape_checks(fit, arcs, f, z, k_cell, fit_options, arcs_and_sigma)
              if fit.success and any(cond.is_valid(name) for name, _ in _AMBIGUITY_FIELDS) else [])
    # a circuit the user gave is never replaced: its σ are judged against the asymmetric reading
    adopted = _asymmetric_reading(checks, fit, selection.aic_margin) if circuit is None else None
    if adopted is not None:
        check, why = adopted
        how += f"; {check.circuit} adopted ({why})"
        fit, arcs, cond = check.fit, check.arcs, check.conductivity
        judged = [f"asymmetric_arc: {why}"] + _model_ambiguity(fit, cond, arcs, cands, arcs_and_sigma, selection.aic_margin,
                                                               selection.evidence_aic_min)
        cands = [*cands, make_candidate(fit)]
    else:
        judged += _shape_ambiguity(cond, checks, selection.aic_margin)
    flags: list[str] = list(sanity_flags)
    if inductive:
        flags.append("inductive_tail: the highest frequencies are inductive; a series inductor L0 was added to every candidate")
    if not kk.passed:
        flags.append("kk_failed: " + kk.message)
    if not fit.success:
        flags.append("fit_failed: " + fit.message)
    if fit.weighting_note():
        flags.append("noise_weighted: " + fit.weighting_note())
    if fit.noise_same_size_p < P_DIFFERS:
        flags.append(f"noise_differs_between_decades: the residual spread is not the same in every decade "
                     f"(Brown–Forsythe p = {fit.noise_same_size_p:.2g}); u from the heteroscedasticity-consistent "
                     "HC3 covariance, never below the classic one")
    flags += judged + arcs.flags + cond.flags
    out = SpectrumAnalysis(spectrum.temperature_K, fit.circuit, how, kk, fit, arcs, cond, flags)
    out.candidates = [c.as_dict() for c in cands]
    return out


@dataclass
class SeriesAnalysis:
    """A temperature series: per-spectrum analyses and Arrhenius fits per process."""

    spectra: list[SpectrumAnalysis]
    convention: str
    arrhenius: dict[str, ArrheniusResult]  # keys: 'bulk', 'grain_boundary', 'total'
    hysteresis: dict[str, Hysteresis]
    flags: list[str] = field(default_factory=list)
    stationarity: list[RepeatComparison] = field(default_factory=list)  # consecutive repeated sweeps compared

    def as_dict(self) -> dict[str, Any]:
        return {"convention": self.convention, "spectra": [s.as_dict() for s in self.spectra],
                "arrhenius": {k: v.as_dict() for k, v in self.arrhenius.items()},
                "hysteresis": {k: v.as_dict() for k, v in self.hysteresis.items()}, "flags": list(self.flags),
                "stationarity": [c.as_dict() for c in self.stationarity]}


_SIGMA_FIELDS = {"bulk": "sigma_bulk_S_per_m", "grain_boundary": "sigma_gb_apparent_S_per_m",
                 "total": "sigma_total_S_per_m"}


def analyse_series(
    spectra: Sequence[ImpedanceSpectrum],
    geometry: Geometry,
    circuit: str | None = None,
    *,
    convention: str = "sigma_T",
    u_temperature_K: float = 0.0,
    workers: int | None = None,
    **options: Any,
) -> SeriesAnalysis:
    """Analyse the spectra on `workers` processes (None: all cores for long series), each spectrum
    that needs it seeded from its neighbours' fits (`parallel.analyse_seeded`: the result does not
    depend on `workers`), withhold every σ of repeated sweeps that differ beyond their noise
    (stationarity.py), then fit Arrhenius laws to the valid points of each process and compare
    heating with cooling."""
    if not spectra:
        raise InputError("empty spectrum series", field="spectra", expected="at least one spectrum")
    for i, s in enumerate(spectra):
        if s.temperature_K is None:
            raise InputError("every spectrum of a series needs a temperature", field=f"spectra[{i}].temperature_K",
                             expected="kelvin", found="None")
    from ssbcert.analysis.parallel import analyse_seeded  # imports this module

    out = analyse_seeded(spectra, geometry, circuit, workers=workers, **options)
    repeats = compare_repeats(spectra, out)
    flags: list[str] = withhold_non_stationary(repeats, out)
    arr: dict[str, ArrheniusResult] = {}
    hyst: dict[str, Hysteresis] = {}
    temps = [float(s.temperature_K) for s in spectra]  # type: ignore[arg-type]
    heat, cool = split_heating_cooling(temps)

    def points(kind: str, idx: Sequence[int]) -> tuple[list[float], list[float], list[float]]:
        t, v, u = [], [], []
        for i in idx:
            m = getattr(out[i].conductivity, _SIGMA_FIELDS[kind])
            if m is not None and out[i].valid and out[i].conductivity.is_valid(_SIGMA_FIELDS[kind]) and m.value > 0:
                t.append(temps[i]); v.append(m.value); u.append(m.u)
        return t, v, u

    def arrhenius(kind: str, idx: Sequence[int]) -> ArrheniusResult | None:
        t, v, u = points(kind, idx)
        if len(set(t)) < 2:
            return None
        return fit_arrhenius(t, v, u if all(x > 0 for x in u) else None, u_temperature_K,
                             convention=convention, kind=kind)

    for kind in _SIGMA_FIELDS:
        whole = arrhenius(kind, range(len(out)))
        if whole is not None:
            arr[kind] = whole
        elif points(kind, range(len(out)))[0]:
            flags.append(f"arrhenius_{kind}_skipped: fewer than two valid temperatures")
        h, c = arrhenius(kind, heat), arrhenius(kind, cool)
        if h is not None and c is not None:
            hyst[kind] = hysteresis(h, c)
            if hyst[kind].significant:
                flags.append(f"hysteresis_{kind}: heating and cooling differ by more than 2 u")
    return SeriesAnalysis(out, convention, arr, hyst, flags, repeats)
