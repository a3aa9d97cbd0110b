"""A thickness measured on fewer points than the sampling plan asks, and the lab's policy for it.

certification.md §4.2 fixes the fewest thickness points per method. With fewer, the spread of h
over the electrode area is unknown (one point) or too uncertain for the coverage factor the
certificate states (the cell geometry carries u(h), not its degrees of freedom), so a decision
resting on h cannot claim its 95 %. By the lab's policy (`policy.thickness_below_sampling_plan`)
every such decision becomes inconclusive, or is only flagged; the shortfall is always a deviation.
Which results rest on h follows the data: each is recomputed with h changed by one part in a
million, and whatever moves rests on it (σ and ε_r through the cell constant, ASR only where h/K
depends on h, densities and areal quantities through the sample record; never an activation
energy, whose slope h only offsets).
"""
from __future__ import annotations

from ssbcert.certificate.model import Conformity
from ssbcert.certify.findings import Findings
from ssbcert.certify.inputs import CertificateInputs
from ssbcert.certify.policy import made_inconclusive
from ssbcert.properties.thickness import below_sampling_plan
from ssbcert.sample.compute import compute_sample_properties

_NUDGE = 1e-6  # relative change of h that tells which results depend on it
_MOVED = 1e-9  # relative change of a result that counts as moving with h (far above rounding, far below 1e-6)

# analysis results: how each depends on the cell geometry (K = cell constant)
_THROUGH_K = ("ionic_conductivity", "electronic_conductivity", "relative_permittivity")  # σ = K/R, ε = C·K/ε₀
_THROUGH_H_OVER_K = ("asr",)  # ASR = h/σ = h·R/K


def thickness_shortfall(inputs: CertificateInputs) -> str | None:
    """How the sample's thickness points fall short of the plan ("2 profilometer points; the
    sampling plan asks for ≥ 3 …"), or None when they do not."""
    t = inputs.sample.thickness
    return None if t is None else below_sampling_plan(t.method, len(t.readings_um))


def _moved(a: float, b: float) -> bool:
    return abs(b - a) > _MOVED * max(abs(a), abs(b), 1e-300)


def _geometry_dependence(inputs: CertificateInputs) -> tuple[bool, bool]:
    """(K depends on h, h/K depends on h)."""
    geo = inputs.geometry
    values = {n: m.value for n, m in geo.inputs().items()}
    if "thickness_m" not in values:
        return False, False
    k = geo.cell_constant_function()
    nudged = dict(values, thickness_m=values["thickness_m"] * (1 + _NUDGE))
    k0, k1 = k(**values), k(**nudged)
    return _moved(k0, k1), _moved(values["thickness_m"] / k0, nudged["thickness_m"] / k1)


def results_resting_on_thickness(inputs: CertificateInputs, findings: Findings) -> set[str]:
    """Result ids (as on the certificate) whose value depends on the film thickness."""
    out: set[str] = set()
    via_k, via_h_over_k = _geometry_dependence(inputs)
    for f in findings.items:
        if (via_k and f.quantity.startswith(_THROUGH_K)) or (via_h_over_k and f.quantity.startswith(_THROUGH_H_OVER_K)):
            out.add(f.id)
    rec = inputs.sample
    t = rec.thickness
    if t is None:
        return out
    nudged_t = t.model_copy(update={"readings_um": [r * (1 + _NUDGE) for r in t.readings_um]})
    nudged = compute_sample_properties(rec.model_copy(update={"thickness": nudged_t}))
    for qid, m in inputs.properties.items():
        other = nudged.get(qid)
        if qid.startswith("thickness_") or (other is not None and _moved(m.value, other.value)):
            out.add(qid)
    return out


def apply_sampling_plan(conformity: list[Conformity], inputs: CertificateInputs, findings: Findings,
                        policy: str) -> tuple[list[Conformity], list[str]]:
    """(conformity after the policy, deviation sentences). ``policy`` is 'inconclusive' or 'flag'."""
    shortfall = thickness_shortfall(inputs)
    if shortfall is None:
        return conformity, []
    resting = results_resting_on_thickness(inputs, findings)
    out = []
    for c in conformity:
        if c.result_ref in resting and not c.informative and policy == "inconclusive" and c.outcome != "inconclusive":
            c = made_inconclusive(c, f"Inconclusive by laboratory policy: the result rests on the thickness, measured on "
                                     f"{shortfall}, so its uncertainty does not cover the spread of the thickness over "
                                     f"the electrode area. Without the policy the outcome would be "
                                     f"{c.outcome.replace('_', ' ')}.")
        out.append(c)
    return out, [f"thickness measured on {shortfall}"]
