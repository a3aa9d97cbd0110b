"""Scoring the analysis against the trust ground truth (synthetic_trust): what benchmarks/bench_trust.py
prints and tests/analysis/test_analysis_trust.py asserts. A reported σ is *valid* when the spectrum
is valid (KK, fit) and the conductivity does not withhold it; it *misses* when it is off the truth
by more than max(5 %, 3u)."""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

from ssbcert.analysis.geometry import ThroughPlane
from ssbcert.analysis.pipeline import analyse_spectrum
from ssbcert.analysis.selection import SelectionRules
from ssbcert.analysis.synthetic_trust import TrustTruth, trust_spectrum
from ssbcert.errors import InputError
from ssbcert.records import ImpedanceSpectrum

QUANTITIES = (("sigma_bulk_S_per_m", "sigma_bulk_S_per_m"), ("sigma_gb_apparent_S_per_m", "sigma_gb_S_per_m"),
              ("sigma_total_S_per_m", "sigma_total_S_per_m"))


@dataclass
class Score:
    valid: int = 0
    misses: list[str] = field(default_factory=list)
    within1: int = 0
    within2: int = 0
    visible_bulk: int = 0
    visible_bulk_valid: int = 0
    not_covered: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    cpu_s: list[float] = field(default_factory=list)
    per_family: Counter = field(default_factory=Counter)
    per_quantity: Counter = field(default_factory=Counter)
    # seed -> quantity -> [value, u] when valid, else the reason it was withheld: what a change to
    # the analysis is compared on (`compare_reported`)
    reported: dict[int, dict[str, list[float] | str]] = field(default_factory=dict)

    @property
    def coverage(self) -> float:
        return self.visible_bulk_valid / self.visible_bulk if self.visible_bulk else 1.0

    @property
    def cal1(self) -> float:
        return self.within1 / self.valid if self.valid else 1.0

    @property
    def cal2(self) -> float:
        return self.within2 / self.valid if self.valid else 1.0


def score_one(t: TrustTruth, s: Score, selection: SelectionRules) -> None:
    spec = ImpedanceSpectrum(t.frequency_Hz, t.z.real, t.z.imag)
    s.per_family[(t.family, "spectra")] += 1
    t0 = time.process_time()
    try:
        a = analyse_spectrum(spec, ThroughPlane(t.thickness_m, t.area_m2), selection=selection)
    except InputError as e:
        s.errors.append(f"seed {t.seed} ({t.family}): {e}")
        return
    finally:
        s.cpu_s.append(time.process_time() - t0)
    c = a.conductivity
    s.reported[t.seed] = {
        name: ([m.value, m.u] if (m := getattr(c, name)) is not None and a.valid and c.is_valid(name)
               else c.invalid.get(name, "not reported" if m is None else "spectrum not valid"))
        for name, _ in QUANTITIES}
    if t.bulk_visible:
        s.visible_bulk += 1
        if a.valid and c.is_valid("sigma_bulk_S_per_m"):
            s.visible_bulk_valid += 1
        else:
            s.not_covered.append(f"seed {t.seed} ({t.family}): {c.invalid.get('sigma_bulk_S_per_m', 'spectrum not valid')}"
                                 f" [{a.circuit}]")
    if not a.valid:
        return
    for name, truth_attr in QUANTITIES:
        truth = getattr(t, truth_attr)
        if truth is None or not c.is_valid(name):
            continue
        m = getattr(c, name)
        err = abs(m.value - truth)
        s.valid += 1
        s.per_family[(t.family, "valid")] += 1
        s.within1 += err <= m.u
        s.within2 += err <= 2 * m.u
        s.per_quantity[(name, "n")] += 1
        s.per_quantity[(name, "in1")] += err <= m.u
        s.per_quantity[(name, "in2")] += err <= 2 * m.u
        if err > max(0.05 * truth, 3 * m.u):
            s.per_family[(t.family, "miss")] += 1
            s.misses.append(f"seed {t.seed} ({t.family}) {name}: {m.value:.4g} ± {m.u:.2g} vs truth {truth:.4g} "
                            f"({m.value / truth - 1:+.1%}) [{a.circuit}]")


def compare_reported(before: Mapping[Any, Mapping[str, Any]], after: Mapping[Any, Mapping[str, Any]],
                     rtol: float = 1e-3) -> list[str]:
    """Every σ whose validity changed, or whose value or u moved by more than `rtol`, between two
    runs on the same seeds (keys may be ints or, from JSON, strings): how a speed change to the
    analysis shows it signs exactly what it signed before."""
    out: list[str] = []
    old = {int(k): v for k, v in before.items()}
    for seed, now in sorted((int(k), v) for k, v in after.items()):
        if seed not in old:
            continue
        for name, _ in QUANTITIES:
            a, b = old[seed].get(name), now.get(name)
            if isinstance(a, list) and isinstance(b, list):
                if any(abs(y - x) > rtol * abs(x) for x, y in zip(a, b)):
                    out.append(f"seed {seed} {name}: {a[0]:.5g} ± {a[1]:.2g} → {b[0]:.5g} ± {b[1]:.2g}")
            elif isinstance(a, list) != isinstance(b, list):
                was = f"{a[0]:.5g} ± {a[1]:.2g}" if isinstance(a, list) else f"withheld ({a})"
                now_s = f"{b[0]:.5g} ± {b[1]:.2g}" if isinstance(b, list) else f"withheld ({b})"
                out.append(f"seed {seed} {name}: {was} → {now_s}")
    return out


def run(seeds: Iterable[int], selection: SelectionRules = SelectionRules(),
        make: Callable[[int], TrustTruth] = trust_spectrum) -> Score:
    """Score the analysis on the spectra `make(seed)` (the trust suite, or synthetic_beyond's)."""
    s = Score()
    for seed in seeds:
        score_one(make(seed), s, selection)
    return s


@dataclass
class DriftScore:
    """Repeated sweeps of still and drifting samples (synthetic_drift): which pairs were called not
    stationary, and every valid σ that lies off all the states its own sweep saw."""

    still: int = 0
    still_flagged: list[str] = field(default_factory=list)  # false alarms
    drifting: int = 0
    drifting_seen: int = 0
    unseen: list[str] = field(default_factory=list)  # drifting samples no comparison flagged
    valid: int = 0
    misses: list[str] = field(default_factory=list)
    misses_without_rule: int = 0  # off the states and would be valid without rule_not_stationary


def score_drift(seeds: Iterable[int], n_sweeps: int = 3) -> DriftScore:
    """A σ misses when it lies outside [smallest − slack, largest + slack] of its sweep's true
    values, slack = max(5 %, 3u)."""
    from ssbcert.analysis.pipeline import analyse_series
    from ssbcert.analysis.synthetic_drift import drifting_sweeps

    s = DriftScore()
    for seed in seeds:
        t = drifting_sweeps(seed, n_sweeps)
        series = analyse_series(t.sweeps, ThroughPlane(t.thickness_m, t.area_m2), workers=1)
        seen = any(not c.stationary for c in series.stationarity)
        ratios = ", ".join(f"{c.ratio:.3g}" for c in series.stationarity)
        if t.drift_per_sweep == 0:
            s.still += 1
            if seen:
                s.still_flagged.append(f"seed {seed}: χ²/2N {ratios}")
        else:
            s.drifting += 1
            s.drifting_seen += seen
            if not seen:
                s.unseen.append(f"seed {seed}: drift {t.drift_per_sweep:+.1%} per sweep, noise {t.noise_fraction:.2%}, "
                                f"χ²/2N {ratios}")
        for i, a in enumerate(series.spectra):
            for name, states in (("sigma_bulk_S_per_m", t.sigma_bulk), ("sigma_gb_apparent_S_per_m", t.sigma_gb),
                                 ("sigma_total_S_per_m", t.sigma_total)):
                m = getattr(a.conductivity, name)
                if m is None or not a.valid:
                    continue
                lo, hi = states[i]
                slack = max(0.05 * lo, 3 * m.u)
                off = not lo - slack <= m.value <= hi + slack
                short = name.removesuffix("_S_per_m")
                # withheld before the stationarity rule (which, being the root cause, states its reason first)
                earlier = any(f.startswith((f"not_valid_{short}", f"model_ambiguity_{short}", f"arc_shape_{short}"))
                              for f in a.conductivity.flags + a.flags)
                if a.conductivity.is_valid(name):
                    s.valid += 1
                    if off:
                        s.misses.append(f"seed {seed} sweep {i + 1} {name}: {m.value:.4g} ± {m.u:.2g} vs "
                                        f"{lo:.4g}..{hi:.4g} (drift {t.drift_per_sweep:+.1%})")
                elif off and not earlier:
                    s.misses_without_rule += 1
    return s
