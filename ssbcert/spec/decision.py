"""Conformity decisions per ILAC-G8:09/2019 and JCGM 106:2012 (certification.md §6.2).

simple  – shared risk, guard band w = 0: pass inside the limits, fail outside.
guarded – w = U = k·u: pass only beyond the limit by w; within ±w of a limit the outcome is
          inconclusive (ILAC-G8 'conditional pass' / 'conditional fail'); fail beyond the limit by w.
Log scale applies the rule to ln x with the relative uncertainty, for quantities spanning decades.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Literal, Mapping

from ssbcert.numfmt import format_with_uncertainty
from ssbcert.spec.model import Requirement, Spec
from ssbcert.units import UnitError, display_unit, factor, normalise, pretty, snap
from ssbcert.uncertainty import Measured

Outcome = Literal["pass", "fail", "inconclusive"]


@dataclass(frozen=True)
class Decision:
    quantity: str
    outcome: Outcome
    detail: str  # 'pass', 'conditional pass', 'conditional fail', 'fail', 'no result', 'uncertainty unknown'
    rule: str
    informative: bool
    reasoning: str
    unit: str  # the result's reported unit; value, U and the limits (converted from the spec's unit) are in it
    value: float | None = None
    expanded_uncertainty: float | None = None
    coverage_factor: float | None = None
    coverage_probability: float = 0.95
    lower: float | None = None
    upper: float | None = None
    guard_band: float | None = None  # in the spec unit (linear) or as a relative width (log)
    distribution: str = "normal"
    spec_ref: str = ""

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _fmt(x: float) -> str:
    return f"{x:.3g}"


def _zone(y: float, w: float, lo: float | None, hi: float | None) -> str:
    """Position of y relative to the limits with guard band w (all in the decision scale)."""
    if (lo is not None and y < lo - w) or (hi is not None and y > hi + w):
        return "fail"
    if (lo is not None and y < lo) or (hi is not None and y > hi):
        return "conditional fail"
    if (lo is not None and y < lo + w) or (hi is not None and y > hi - w):
        return "conditional pass"
    return "pass"


def _u(unit: str) -> str:
    text = pretty(unit)
    return f" {text}" if text else ""


def _scaled(value: float | None, f: float) -> float | None:
    """A limit in another unit, so 95 % is 0.95 and not 0.9500000000000001."""
    return None if value is None else snap(value * f)


def decide(req: Requirement, result: Measured | None, default_rule: str = "guarded", level: float = 0.95,
           spec_ref: str = "", unit: str | None = None) -> Decision:
    """One requirement against one result (result in any unit of the quantity's dimension).

    The decision is made and written in `unit`, the unit the result is reported in (default: the
    quantity's display unit, as on the certificate); the spec's limits are converted to it first,
    so '≥ 95 %' against a relative density of 0.975 reads 97.5 % ≥ 95 %, never 0.975 against 95.
    """
    rule = req.rule or default_rule
    dist = "log-normal" if req.scale == "log" else "normal"
    out = normalise(unit) if unit else display_unit(req.quantity)
    try:
        to_out = factor(req.unit, out)
    except UnitError:  # a caller asked for a unit of another dimension: judge in the spec's own unit
        out, to_out = normalise(req.unit), 1.0
    lower, upper = _scaled(req.lower, to_out), _scaled(req.upper, to_out)
    base = dict(quantity=req.quantity, rule=rule, informative=req.is_informative, unit=out,
                lower=lower, upper=upper, coverage_probability=level, distribution=dist, spec_ref=spec_ref)
    limits = " and ".join(p for p in (f"≥ {_fmt(lower)}" if lower is not None else "",
                                      f"≤ {_fmt(upper)}" if upper is not None else "") if p) + _u(out)
    if result is None:
        return Decision(outcome="inconclusive", detail="no result", reasoning=f"no result for {req.quantity}; "
                        f"requirement {limits} not evaluated", **base)
    try:
        to_res = factor(result.unit, out)
    except UnitError:
        return Decision(outcome="inconclusive", detail="unit mismatch", reasoning=f"result unit {result.unit!r} "
                        f"cannot be compared with {req.unit!r}", **base)
    x = result.value * to_res
    u = result.u * to_res
    k = result.coverage_factor(level)
    big_u = k * u if math.isfinite(u) else math.nan
    if rule == "guarded" and not math.isfinite(big_u):
        return Decision(outcome="inconclusive", detail="uncertainty unknown", value=x, reasoning=
                        f"{req.quantity} = {_fmt(x)}{_u(out)} has no uncertainty; guarded acceptance needs U", **base)
    w = big_u if rule == "guarded" else 0.0
    if req.scale == "log":
        if x <= 0:
            return Decision(outcome="fail" if req.lower is not None else "inconclusive", detail="non-positive value",
                            value=x, reasoning=f"{req.quantity} = {_fmt(x)} ≤ 0 on a log scale", **base)
        w_rel = w / x
        zone = _zone(math.log(x), w_rel, *(None if v is None else math.log(v) for v in (lower, upper)))
        acc = [f"{_fmt(lower * math.exp(w_rel))}" if lower is not None else None,
               f"{_fmt(upper * math.exp(-w_rel))}" if upper is not None else None]
        band = w_rel
        band_text = f"w = U/x = {w_rel:.3g} on ln x"
    else:
        zone = _zone(x, w, lower, upper)
        acc = [_fmt(lower + w) if lower is not None else None, _fmt(upper - w) if upper is not None else None]
        band = w
        band_text = f"w = U = {_fmt(w)}{_u(out)}"
    if rule == "simple":
        zone = "pass" if zone in ("pass", "conditional pass") else "fail"
        rule_text = "simple acceptance (shared risk, w = 0, ILAC-G8)"
    else:
        acc_text = ", ".join(f"{side} acceptance limit {a}{_u(out)}" for side, a in zip(("lower", "upper"), acc) if a)
        rule_text = f"guarded acceptance (ILAC-G8, {band_text}; {acc_text})"
    outcome: Outcome = {"pass": "pass", "fail": "fail"}.get(zone, "inconclusive")  # type: ignore[assignment]
    text = (f"{req.quantity} = {format_with_uncertainty(x, big_u)}{_u(out)} (U at k = {k:.2f}, {level:.0%}); "
            f"requirement {limits}{' (log scale)' if req.scale == 'log' else ''}; {rule_text} → {zone}")
    if req.is_informative:
        text += " [informative goal, not a conformity statement]"
    return Decision(outcome=outcome, detail=zone, value=x, expanded_uncertainty=big_u, coverage_factor=k,
                    guard_band=band, reasoning=text, **base)


def evaluate(spec: Spec, results: Mapping[str, Measured], units: Mapping[str, str] | None = None) -> list[Decision]:
    """One Decision per requirement, in the spec's order; `units` maps quantity → its reported unit."""
    ref = f"{spec.spec_id} rev {spec.revision}"
    units = units or {}
    return [decide(r, results.get(r.quantity), spec.decision_rule, spec.coverage_probability, ref,
                   unit=units.get(r.quantity)) for r in spec.requirements]
