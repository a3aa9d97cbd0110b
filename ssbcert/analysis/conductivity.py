"""Conductivities and ASR from a fit, its arc assignment and the cell geometry, with GUM uncertainty.

σ_bulk = K/R_b, σ_gb,apparent = K/R_gb, σ_gb,specific = (K/R_gb)·(C_b/C_gb) (brick-layer model),
σ_total = K/R_total, ASR = h/σ_total. All of them are evaluated as one vector function of
(fit parameters, geometry inputs), so the fit covariance (R–Q–n correlations) and the geometry
uncertainties propagate together: cov_y = J·blockdiag(cov_fit, diag(u_geom²))·Jᵀ.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ssbcert.analysis.arcs import ArcAssignment, ArcModel
from ssbcert.analysis.circuit import parse_circuit
from ssbcert.analysis.fit import FitResult
from ssbcert.analysis.geometry import Geometry, ThroughPlane
from ssbcert.errors import InputError
from ssbcert.uncertainty import Measured, propagate_cov

SERIES_OFFSET_FLAG_FRACTION = 0.01


@dataclass
class Conductivity:
    """σ values (S/m) and ASR (Ω·m²); None where the data cannot support the quantity."""

    direction: str
    cell_constant_per_m: Measured
    r_total_ohm: Measured
    sigma_total_S_per_m: Measured
    sigma_bulk_S_per_m: Measured | None = None
    sigma_gb_apparent_S_per_m: Measured | None = None
    sigma_gb_specific_S_per_m: Measured | None = None
    asr_ohm_m2: Measured | None = None
    flags: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"direction": self.direction, "flags": list(self.flags)}
        for k in ("cell_constant_per_m", "r_total_ohm", "sigma_total_S_per_m", "sigma_bulk_S_per_m",
                  "sigma_gb_apparent_S_per_m", "sigma_gb_specific_S_per_m", "asr_ohm_m2"):
            v = getattr(self, k)
            out[k] = None if v is None else v.to_dict()
        return out


def conductivities(fit: FitResult, assignment: ArcAssignment, geometry: Geometry) -> Conductivity:
    """Derive σ_b, σ_gb (apparent, specific), σ_total and ASR with propagated uncertainties."""
    am = ArcModel(parse_circuit(fit.circuit))
    if not am.arcs and not am.ohmic:
        raise InputError(
            "the circuit has no electrolyte resistance to derive a conductivity from", field="circuit",
            expected="a series R or arcs R‖CPE / R‖C / Zarc / K at the top level", found=fit.circuit)
    ginp = geometry.inputs()
    gnames = list(ginp)
    kfun = geometry.cell_constant_function()
    n_p = fit.params.size
    index = {r.param_names[0]: i for i, r in enumerate(am.arcs)}
    lab = {a.label: index[a.param_names[0]] for a in assignment.arcs if a.label != "electrode"}
    others = [index[a.param_names[0]] for a in assignment.arcs if a.label in ("grain_boundary", "unassigned")]
    resolved = assignment.bulk_gb_resolved
    include_series = not resolved
    thickness_i = gnames.index("thickness_m") if "thickness_m" in gnames else None

    def g(x: np.ndarray) -> np.ndarray:
        p, gv = x[:n_p], x[n_p:]
        k = kfun(**dict(zip(gnames, gv)))
        rc = am.arc_r_c(p)
        r_tot = sum(rc[i][0] for i in others) + (rc[lab["bulk"]][0] if "bulk" in lab else 0.0)
        if include_series:
            r_tot += am.r_series(p)
        s_tot = k / r_tot
        out = [k, r_tot, s_tot, gv[thickness_i] / s_tot if thickness_i is not None else np.nan]
        if "bulk" in lab:
            out.append(k / rc[lab["bulk"]][0])
        else:
            out.append(np.nan)
        if "grain_boundary" in lab:
            r_gb, c_gb = rc[lab["grain_boundary"]]
            out.append(k / r_gb)
            out.append(k / r_gb * rc[lab["bulk"]][1] / c_gb if "bulk" in lab else np.nan)
        else:
            out += [np.nan, np.nan]
        return np.array(out, float)

    x = np.concatenate([fit.params, [ginp[n].value for n in gnames]])
    cov = np.zeros((x.size, x.size))
    cov[:n_p, :n_p] = fit.cov
    cov[n_p:, n_p:] = np.diag([ginp[n].u ** 2 for n in gnames])
    y, cy = propagate_cov(g, x, cov)
    u = np.sqrt(np.clip(np.diag(cy), 0, None))
    how = "GUM propagation of fit covariance and geometry uncertainties (numerical Jacobian)"

    def m(i: int, unit: str, what: str) -> Measured | None:
        return None if not np.isfinite(y[i]) else Measured(float(y[i]), float(u[i]), unit, f"{what}; {how}")

    flags: list[str] = []
    k_m = geometry.cell_constant()
    rt_formula = "R_total = sum of electrolyte arcs" + (" + series R (bulk arc not resolved)" if include_series else "")
    res = Conductivity(
        direction=geometry.direction,
        cell_constant_per_m=k_m,
        r_total_ohm=m(1, "Ohm", rt_formula),  # type: ignore[arg-type]
        sigma_total_S_per_m=m(2, "S/m", "sigma_total = K/R_total"),  # type: ignore[arg-type]
        asr_ohm_m2=m(3, "Ohm m2", "ASR = h/sigma_total"),
        sigma_bulk_S_per_m=m(4, "S/m", "sigma_bulk = K/R_b") if resolved else None,
        sigma_gb_apparent_S_per_m=m(5, "S/m", "sigma_gb,apparent = K/R_gb"),
        sigma_gb_specific_S_per_m=(m(6, "S/m", "sigma_gb,specific = (K/R_gb)(C_b/C_gb), brick-layer model")
                                   if resolved and not any(f.startswith("gb_capacitance_below") for f in assignment.flags)
                                   else None),
        flags=flags,
    )
    if not resolved:
        flags.append("only_sigma_total: bulk and grain boundary not resolved")
    if resolved and assignment.r_series_ohm is not None and assignment.r_series_ohm.value > SERIES_OFFSET_FLAG_FRACTION * y[1]:
        flags.append(f"series_offset_excluded: R_series = {assignment.r_series_ohm.value:.3g} Ohm not counted in R_total")
    if res.asr_ohm_m2 is not None and not isinstance(geometry, ThroughPlane):
        flags.append("asr_from_in_plane_sigma: ASR = h/sigma uses an in-plane conductivity")
    return res
