"""Sample record → certified quantities keyed by the quantity ids of certification.md §9.2.

This is glue only: the formulas live in ssbcert.properties. Domain units (named by each field, e.g.
mass_mg) are converted to SI here, at the edge, with factors from ssbcert.units (pint), and every
result is a Measured whose method names the standard used.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

from ssbcert.properties import areal, density, elastic, indentation, strength, toughness, vickers, weibull
from ssbcert.properties.liquids import liquid_density
from ssbcert.properties._gum import gum
from ssbcert.properties.theoretical_density import mixture_density_mass_fractions, theoretical_density
from ssbcert.properties.thickness import below_sampling_plan, thickness_statistics
from ssbcert.sample.measurements import Lattice
from ssbcert.sample.model import SampleRecord
from ssbcert.quantities import INFORMATIVE
from ssbcert.uncertainty import Measured, type_a
from ssbcert.units import factor as unit_factor


class PropertyResults(dict[str, Measured]):
    """Results by quantity id, plus notes (validity flags) per quantity and the informative set."""

    def __init__(self) -> None:
        super().__init__()
        self.notes: dict[str, list[str]] = {}
        self.informative: set[str] = set()
        self.failures: dict[str, str] = {}  # section → why it could not be computed

    def add(self, qid: str, value: Measured, notes: list[str] | None = None) -> None:
        self[qid] = value
        if notes:
            self.notes.setdefault(qid, []).extend(notes)
        if qid in INFORMATIVE:
            self.informative.add(qid)

    def note(self, qid: str, text: str) -> None:
        self.notes.setdefault(qid, []).append(text)


def _thickness(rec: SampleRecord, out: PropertyResults) -> None:
    t = rec.thickness
    if t is None:
        return
    um = unit_factor("um", "m")
    stats = thickness_statistics([r * um for r in t.readings_um], t.resolution_um * um, t.u_calibration_um * um,
                                 t.u_method_um * um, method=t.method, tilt_deg=t.tilt_deg)
    for qid, value in stats.as_results().items():
        out.add(qid, value)
    short = below_sampling_plan(t.method, stats.n)
    if short:
        out.note("thickness_mean", short)


def _density(rec: SampleRecord, out: PropertyResults) -> None:
    d = rec.density
    if d is None:
        return
    chosen: Measured | None = None
    if d.geometric is not None:
        g = d.geometric
        mass = g.mass_mg.convert("mg", "kg", "balance")
        h = g.thickness_mm.convert("mm", "m", "thickness") if g.thickness_mm else out.get("thickness_mean")
        if h is None:
            out.note("density_geometric", "no thickness: geometric density not computed")
        elif g.shape == "disc":
            out.add("density_geometric", density.density_disc(mass, g.diameter_mm.convert("mm", "m"), h))
        else:
            out.add("density_geometric", density.density_bar(mass, g.length_mm.convert("mm", "m"),
                                                             g.width_mm.convert("mm", "m"), h))
        chosen = out.get("density_geometric")
    if d.film_gravimetric is not None and "thickness_mean" in out:
        fg = d.film_gravimetric
        out.add("film_density_gravimetric", density.film_density_gravimetric(
            fg.mass_gain_ug.convert("ug", "kg", "microbalance"), fg.area_mm2.convert("mm^2", "m^2"), out["thickness_mean"]))
        chosen = out["film_density_gravimetric"]
    if d.xrr is not None:
        theta = d.xrr.critical_angle_deg.convert("deg", "rad", "XRR critical angle")
        wavelength = d.xrr.wavelength_A * unit_factor("angstrom", "m")
        out.add("film_density_xrr", density.film_density_xrr(theta, rec.material.density_formula, wavelength))
        chosen = chosen or out["film_density_xrr"]
    if d.archimedes is not None:
        chosen = _archimedes(rec, out)
    if d.theoretical is not None:
        rho_th = _theoretical(rec)
        out.add("density_theoretical", rho_th)
        if chosen is not None:
            rel = density.relative_density(chosen, rho_th)
            out.add("relative_density", rel)
            if "open_porosity" in out:
                out.add("closed_porosity", density.closed_porosity(density.total_porosity(rel), out["open_porosity"]))


def _cell_density(formula: str, lat: Lattice) -> Measured:
    return theoretical_density(formula, lat.z, lat.system, lat.a_A.to_si(1.0, "Å", "lattice a"),
                               lat.b_A.to_si(1.0, "Å", "lattice b") if lat.b_A else None,
                               lat.c_A.to_si(1.0, "Å", "lattice c") if lat.c_A else None)


def _theoretical(rec: SampleRecord) -> Measured:
    """ρ_th of the lot: one cell, a Rietveld phase mixture (1/ρ = Σ w_i/ρ_i), or a stated reference."""
    th = rec.density.theoretical
    if th.lattice is not None:
        return _cell_density(rec.material.density_formula, th.lattice)
    if th.phases is not None:
        rhos = {p.name: _cell_density(p.composition or rec.material.density_formula, p.lattice) for p in th.phases}
        fractions = [p.weight_fraction for p in th.phases]
        names = ", ".join(f"{p.name} {p.weight_fraction:.1%}" for p in th.phases)
        return gum(lambda *r: mixture_density_mass_fractions(r, fractions), rhos, "kg/m^3",
                   f"theoretical density of a phase mixture 1/ρ = Σ w_i/ρ_i ({names}; certification.md §3.4)")
    return th.reference_density_g_cm3.convert("g/cm^3", "kg/m^3", f"reference density: {th.reference_source}")


def _archimedes(rec: SampleRecord, out: PropertyResults) -> Measured:
    a = rec.density.archimedes
    m1, m2, m3 = (a.dry_mass_g.convert("g", "kg", "balance"), a.suspended_mass_g.convert("g", "kg", "balance"),
                  a.saturated_mass_g.convert("g", "kg", "balance (blotted)"))
    if a.liquid_density_g_cm3 is not None:
        rho_l = a.liquid_density_g_cm3.convert("g/cm^3", "kg/m^3", f"measured density of {a.liquid}")
    else:
        rho_l = liquid_density(a.liquid, a.liquid_temperature_C.to_si(1.0, "°C", "liquid temperature"))
    out.add("density_bulk_archimedes", density.archimedes_bulk_density(m1, m2, m3, rho_l, a.air_buoyancy))
    out.add("density_apparent_solid", density.archimedes_apparent_solid_density(m1, m2, m3, rho_l))
    porosity = density.archimedes_open_porosity(m1, m2, m3)
    out.add("open_porosity", porosity)
    if porosity.value > 0.10:
        out.note("open_porosity", "open porosity > 10 %: Archimedes not appropriate (ISO 18754)")
    if a.liquid == "water" and rec.material.material_class in ("garnet", "sulfide"):
        out.note("density_bulk_archimedes", f"water used with a {rec.material.material_class}: Li⁺/H⁺ exchange or "
                                            "hydrolysis bias the result; use an aprotic liquid")
    return out["density_bulk_archimedes"]


def _indentation(rec: SampleRecord, out: PropertyResults) -> None:
    ind = rec.mechanics.indentation
    notes: list[str] = []
    if ind.curves is not None:
        coeffs = None
        if ind.area_function_nm:
            # A[nm²] = Σ C_i h[nm]^(2/2^i)  →  SI coefficient C_i·(1e-9)^(2 − 2/2^i)
            coeffs = [c * unit_factor("nm", "m") ** (2 - 2 / 2**i) for i, c in enumerate(ind.area_function_nm)]
        nm, mn = unit_factor("nm", "m"), unit_factor("mN", "N")
        per = [indentation.analyse_curve(np.asarray(c.depth_nm) * nm, np.asarray(c.load_mN) * mn, ind.tip,
                                         ind.beta, coeffs, ind.unload_fit_fraction) for c in ind.curves]
        for i, r in enumerate(per):
            notes += [f"curve {i + 1}: {n}" for n in r.notes]
        h_list, er_list, hmax = [r.hardness for r in per], [r.reduced_modulus for r in per], [r.h_max for r in per]
    else:
        v = ind.values
        h_list = [x * unit_factor("GPa", "Pa") for x in v.hardness_GPa]
        er_list = [x * unit_factor("GPa", "Pa") for x in v.reduced_modulus_GPa]
        hmax = [x * unit_factor("nm", "m") for x in v.max_depth_nm] if v.max_depth_nm else []
    film_t = out["thickness_mean"].value if rec.form == "film" and "thickness_mean" in out else None
    res = indentation.combine_indents(h_list, er_list, ind.sample_poisson_ratio.to_si(1.0, "1", "assumed ν_s"),
                                      ind.u_area_rel, ind.beta, hmax or None, film_t)
    notes += res.notes
    if rec.form == "film" and not hmax:
        notes.append("max depth not given: the 10 % film-thickness rule cannot be checked")
    out.add("indentation_hardness", res.hardness, notes)
    out.add("reduced_modulus", res.reduced_modulus)
    out.add("indentation_modulus", res.modulus, [n for n in notes if "h_max" in n])


def _elastic_inputs(rec: SampleRecord, out: PropertyResults) -> tuple[Measured | None, Measured | None]:
    """E and ν: a dynamic-method value wins over indentation (§5.6)."""
    el = rec.mechanics.elastic
    e = el.youngs_modulus_GPa.convert("GPa", "Pa", el.method or "stated E") if el and el.youngs_modulus_GPa else None
    nu = el.poisson_ratio.to_si(1.0, "1", "stated ν") if el and el.poisson_ratio else None
    ind = rec.mechanics.indentation
    if e is None:
        e = out.get("indentation_modulus")
    if nu is None and ind is not None:
        nu = ind.sample_poisson_ratio.to_si(1.0, "1", "assumed ν_s")
    return e, nu


def _vickers(rec: SampleRecord, out: PropertyResults, e: Measured | None) -> None:
    v = rec.mechanics.vickers
    load = v.load_N.to_si(1.0, "N", "test force")
    um = unit_factor("um", "m")
    res = vickers.vickers_from_diagonals(load, [i.d1_um * um for i in v.indents], [i.d2_um * um for i in v.indents],
                                         v.u_diagonal_um * um)
    out.add("vickers_hardness", res.hardness, res.notes + [f"HV number {res.hv_number:.0f} (kgf/mm²)"])
    cracks = [c for i in v.indents for c in (i.crack_lengths_um or [])]
    if not cracks or v.toughness_equation == "none":
        return
    if e is None:
        out.note("indentation_fracture_resistance", "no Young's modulus available: K_IFR not computed")
        return
    c = type_a([x * um for x in cracks], "m", "crack length from indent centre (Type A)")
    if len(cracks) == 1:
        c = Measured(c.value, 0.0, "m", c.method)
    a = Measured(res.mean_diagonal_m / 2, v.u_diagonal_um * um / 2, "m", "half-diagonal")
    eq = v.toughness_equation
    if eq == "auto":
        eq = "anstis" if toughness.crack_regime(a.value, c.value) == "median" else "niihara"
    if eq == "anstis":
        k, notes = toughness.anstis(load, c, e, res.hardness)
        if c.value < 2 * a.value:
            notes.append(f"c/a = {c.value / a.value:.2f} < 2: not well-developed median cracks")
    else:
        k, notes = toughness.niihara(load, a, c, e, res.hardness)
    out.add("indentation_fracture_resistance", k, notes + ["informative only; not valid on thin films"])


def _strength(rec: SampleRecord, out: PropertyResults) -> None:
    mech = rec.mechanics
    mm = unit_factor("mm", "m")
    if mech.flexural is not None:
        f = mech.flexural
        fn = strength.flexural_3pt if f.configuration == "3pt" else strength.flexural_4pt
        span = f.outer_span_mm.convert("mm", "m", "span")
        values = []
        for i, p in enumerate(f.fracture_loads_N):
            b = f.width_mm[i if len(f.width_mm) > 1 else 0]
            d = f.thickness_mm[i if len(f.thickness_mm) > 1 else 0]
            values.append(fn(Measured(p, f.u_load_N, "N"), span, Measured(b * mm, f.u_width_mm * mm, "m"),
                             Measured(d * mm, f.u_thickness_mm * mm, "m")))
        _strength_set(out, f"flexural_strength_{f.configuration}", values)
    if mech.ring_on_ring is not None:
        r = mech.ring_on_ring
        values = [strength.ring_on_ring(Measured(p, r.u_load_N, "N"),
                                        Measured(r.thickness_mm[i if len(r.thickness_mm) > 1 else 0] * mm,
                                                 r.u_thickness_mm * mm, "m"),
                                        r.specimen_diameter_mm.convert("mm", "m"), r.support_ring_diameter_mm.convert("mm", "m"),
                                        r.load_ring_diameter_mm.convert("mm", "m"), r.poisson_ratio.to_si(1.0, "1"))
                  for i, p in enumerate(r.fracture_loads_N)]
        _strength_set(out, "biaxial_strength_ror", values)


def _strength_set(out: PropertyResults, qid: str, values: list[Measured]) -> None:
    """Mean strength (Type A over specimens ⊕ mean Type B of the geometry), then Weibull if N ≥ 2."""
    s = [v.value for v in values]
    n = len(s)
    u_b = math.sqrt(sum(v.u**2 for v in values) / n)
    spread = type_a(s, "Pa") if n > 1 else Measured(s[0], 0.0, "Pa")
    u = math.sqrt((spread.u if n > 1 else 0.0) ** 2 + u_b**2)
    notes = [] if n >= 10 else [f"{n} specimens; ≥ 10 are usual for a mean strength"]
    out.add(qid, Measured(float(np.mean(s)), u, "Pa", f"mean of {n} specimens; {values[0].method}",
                          dof=spread.dof if n > 1 else math.inf), notes)
    if n >= 3 and "weibull_modulus" not in out:  # from the first strength set only
        w = weibull.weibull_analysis(s, "Pa")
        out.add("weibull_modulus", w.modulus, w.notes + [f"from {qid}"])
        out.add("weibull_characteristic_strength", w.characteristic_strength, [f"from {qid}; geometry-specific"])


def _elastic(rec: SampleRecord, out: PropertyResults, e: Measured | None, nu: Measured | None) -> None:
    if e is not None and nu is not None:
        g = elastic.shear_modulus(e, nu)
        out.add("shear_modulus", g)
        el = rec.mechanics.elastic if rec.mechanics else None
        g_li = (el.li_shear_modulus_GPa.convert("GPa", "Pa", "G_Li") if el else elastic.G_LI_DEFAULT)
        out.add("monroe_newman_ratio", elastic.monroe_newman_ratio(g, g_li),
                ["informative: G_SE/(2·G_Li) > 1 is necessary-not-sufficient (Porz et al. 2017)"])
        if rec.mechanics.elastic and rec.mechanics.elastic.youngs_modulus_GPa:
            out.add("youngs_modulus", e)
            out.add("poisson_ratio", nu)


def _areal(rec: SampleRecord, out: PropertyResults, cell: areal.ReferenceCell) -> None:
    rho = next((out[q] for q in ("film_density_gravimetric", "film_density_xrr", "density_bulk_archimedes",
                                 "density_geometric") if q in out), None)
    if rho is None and "density_theoretical" in out:
        rho = out["density_theoretical"]
    if rho is None or "thickness_mean" not in out:
        return
    ma = areal.areal_mass(rho, out["thickness_mean"])
    out.add("electrolyte_areal_mass", ma, [f"density from: {rho.method.split(',')[0]}"])
    out.add("cell_specific_energy", areal.cell_specific_energy(ma, cell))
    out.add("specific_energy_penalty", areal.specific_energy_penalty(ma, cell))


def _guarded(section: str, out: PropertyResults, fn: Callable[..., object], *args: object) -> object:
    """Run one section; a failure there (bad fit, no valid indent…) is recorded, the rest still computes."""
    try:
        with np.errstate(divide="raise", invalid="raise", over="raise"):  # junk numbers fail here, loudly
            return fn(*args)
    except (ValueError, RuntimeError, ArithmeticError) as exc:
        out.failures[section] = str(exc)
        return None


def compute_sample_properties(record: SampleRecord,
                              reference_cell: areal.ReferenceCell = areal.ReferenceCell()) -> PropertyResults:
    """Everything computable from the record's raw data; missing sections are skipped, failing ones are
    listed in `.failures` (section → reason) so that nothing already measured is lost."""
    out = PropertyResults()
    _guarded("thickness", out, _thickness, record, out)
    _guarded("density", out, _density, record, out)
    e = nu = None
    mech = record.mechanics
    if mech is not None:
        if mech.indentation is not None:
            _guarded("indentation", out, _indentation, record, out)
        e, nu = _elastic_inputs(record, out)
        if mech.vickers is not None:
            _guarded("vickers", out, _vickers, record, out, e)
        _guarded("strength", out, _strength, record, out)
        _guarded("elastic", out, _elastic, record, out, e, nu)
    _guarded("areal", out, _areal, record, out, reference_cell)
    return out
