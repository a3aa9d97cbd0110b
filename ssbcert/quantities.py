"""Quantity ids (certification.md §9.2, plus the areal-mass figures of this project) and their dimensions.

The one list of quantity ids: the spec files, the sample computations and the certificate schema all
draw on it, so a quantity the project can compute is also one a certificate can carry.
"""
from __future__ import annotations

QUANTITIES: dict[str, str] = {}


def _add(dimension: str, *ids: str) -> None:
    for q in ids:
        QUANTITIES[q] = dimension


_add("conductivity", "ionic_conductivity_total", "ionic_conductivity_bulk", "ionic_conductivity_gb_apparent",
     "ionic_conductivity_gb_specific", "electronic_conductivity")
_add("fraction", "ionic_transference_number", "li_transference_number", "open_porosity", "closed_porosity",
     "relative_density", "thickness_nonuniformity_range", "thickness_nonuniformity_1sigma", "phase_fraction",
     "specific_energy_penalty")
_add("energy", "activation_energy_total", "activation_energy_bulk", "activation_energy_gb")
_add("prefactor", "arrhenius_prefactor")
_add("area_resistance", "asr_electrolyte", "asr_interface")
_add("current_density", "critical_current_density")
_add("areal_capacity", "cumulative_areal_capacity")
_add("dimensionless", "relative_permittivity_bulk", "weibull_modulus", "monroe_newman_ratio", "poisson_ratio")
_add("density", "density_geometric", "density_bulk_archimedes", "density_apparent_solid", "density_theoretical",
     "film_density_xrr", "film_density_gravimetric")
_add("length", "thickness_mean", "thickness_sd", "thickness_min", "thickness_max", "grain_size", "lattice_parameter")
_add("stress", "indentation_hardness", "indentation_modulus", "reduced_modulus", "vickers_hardness", "youngs_modulus",
     "shear_modulus", "flexural_strength_3pt", "flexural_strength_4pt", "biaxial_strength_ror", "biaxial_strength_b3b",
     "biaxial_strength_p3b", "weibull_characteristic_strength")
_add("toughness", "fracture_toughness_sepb", "indentation_fracture_resistance")
_add("areal_mass", "electrolyte_areal_mass")
_add("specific_energy", "cell_specific_energy")

# reported, but a limit on them is a goal, never a conformity statement (§5.3, §5.6, §8)
INFORMATIVE: frozenset[str] = frozenset({
    "indentation_fracture_resistance", "monroe_newman_ratio", "indentation_hardness", "indentation_modulus",
    "reduced_modulus", "vickers_hardness", "youngs_modulus", "shear_modulus", "weibull_modulus",
    "weibull_characteristic_strength", "flexural_strength_3pt", "flexural_strength_4pt", "biaxial_strength_ror",
    "biaxial_strength_b3b", "biaxial_strength_p3b", "fracture_toughness_sepb", "electrolyte_areal_mass",
    "cell_specific_energy", "specific_energy_penalty",
})
