"""Isotropic elastic relations and the Monroe–Newman ratio (certification.md §5.6).

The ratio G_SE/(2·G_Li) is informative only: the criterion comes from a linear-elastic analysis for
polymers, and oxides far above it still let Li through grain boundaries, pores and cracks.
"""
from __future__ import annotations

from ssbcert.properties._gum import gum
from ssbcert.uncertainty import Measured

G_LI_DEFAULT = Measured(4.25e9, 0.45e9, "Pa",
                        "shear modulus of Li, 4.25 GPa often used (literature range 3.4–4.9 GPa, Type B)")


def shear_modulus(youngs: Measured, poisson: Measured) -> Measured:
    """G = E/(2(1 + ν))."""
    return gum(lambda e, nu: e / (2 * (1 + nu)), {"E": youngs, "Poisson ratio": poisson}, "Pa",
                     f"shear modulus G = E/(2(1+ν)), isotropic ({youngs.method.split(' (')[0]})")


def bulk_modulus(youngs: Measured, poisson: Measured) -> Measured:
    """K = E/(3(1 − 2ν))."""
    return gum(lambda e, nu: e / (3 * (1 - 2 * nu)), {"E": youngs, "Poisson ratio": poisson}, "Pa",
                     "bulk modulus K = E/(3(1−2ν)), isotropic")


def monroe_newman_ratio(g_se: Measured, g_li: Measured = G_LI_DEFAULT) -> Measured:
    """G_SE/(2·G_Li): > 1 is the (necessary-not-sufficient) Monroe–Newman 2005 condition. Informative."""
    return gum(lambda g, gl: g / (2 * gl), {"G_SE": g_se, "G_Li": g_li}, "1",
                     f"Monroe–Newman ratio G_SE/(2·G_Li), G_Li = {g_li.value / 1e9:.3g} GPa "
                     "(J. Electrochem. Soc. 152 (2005) A396; informative, not a safety claim)")
