"""Cell constants K_cell [1/m], defined by σ = K_cell / R, with their GUM uncertainties.

Geometries (reference/certification.md §2.2):
* through-plane sandwich: K = h/A;
* two parallel strips on a film: K = g/(h·W);
* interdigitated electrodes (IDE), thin-film limit: K = s/(h·L·(N−1));
* IDE, conformal mapping for a thick/semi-infinite layer (Olthuis et al. 1995):
  K = 2/((N−1)·L) · K(k)/K(k′), k = cos(πw/(2(w+s))), k′ = √(1−k²), K the complete elliptic
  integral of the first kind (scipy's ellipk takes m = k²).
Each geometry lists its inputs and standard uncertainties; u(K) is propagated through the formula
with a numerical Jacobian (the elliptic ratio is non-linear).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Callable

from scipy.special import ellipk

from ssbcert.errors import InputError
from ssbcert.uncertainty import Measured, propagate


def _check_positive(obj: object, names: list[str]) -> None:
    for n in names:
        v = getattr(obj, n)
        if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
            raise InputError("geometry value must be a positive number", field=f"{type(obj).__name__}.{n}",
                             expected="> 0", found=repr(v))
    for f in fields(obj):  # type: ignore[arg-type]
        if f.name.startswith("dof_") and not getattr(obj, f.name) > 0:
            raise InputError("degrees of freedom must be > 0 (inf for a Type-B value)",
                             field=f"{type(obj).__name__}.{f.name}", expected="> 0", found=repr(getattr(obj, f.name)))
        if f.name.startswith("u_"):
            u = getattr(obj, f.name)
            if not (math.isfinite(u) and u >= 0):
                raise InputError("standard uncertainty must be >= 0", field=f"{type(obj).__name__}.{f.name}",
                                 expected=">= 0", found=repr(u))


def _thickness(value: float, u: float, dof: float) -> Measured:
    """The film thickness as a geometry input: the mean of a few readings, so its u carries the
    readings' degrees of freedom (Welch–Satterthwaite) into every σ computed from it."""
    return Measured(value, u, "m", "geometry input", dof=dof)


class _Geometry:
    """Shared: inputs as Measured values and K_cell propagated from them."""

    direction: str = "through-plane"
    formula: str = ""

    def _inputs(self) -> dict[str, Measured]:
        raise NotImplementedError

    def _k(self) -> Callable[..., float]:
        raise NotImplementedError

    def inputs(self) -> dict[str, Measured]:
        """The geometry's inputs (value, standard uncertainty), keyed by the formula's argument names."""
        return self._inputs()

    def cell_constant_function(self) -> Callable[..., float]:
        """K_cell as a function of the inputs (keyword arguments named as in `inputs()`), so callers
        can propagate geometry uncertainty jointly with other inputs."""
        return self._k()

    def cell_constant(self) -> Measured:
        """K_cell in 1/m with u(K) from the inputs' standard uncertainties."""
        return propagate(self._k(), self._inputs(), "1/m", f"{self.formula}; GUM law of propagation")

    @property
    def cell_constant_per_m(self) -> float:
        return self.cell_constant().value

    @property
    def thickness(self) -> Measured | None:
        return self._inputs().get("thickness_m")


@dataclass(frozen=True)
class ThroughPlane(_Geometry):
    """Sandwich (pellet, tape or film between bottom and top electrodes): K = h/A."""

    thickness_m: float
    area_m2: float
    u_thickness_m: float = 0.0
    u_area_m2: float = 0.0
    dof_thickness_m: float = math.inf
    direction = "through-plane"
    formula = "K = h/A"

    def __post_init__(self) -> None:
        _check_positive(self, ["thickness_m", "area_m2"])

    def _inputs(self) -> dict[str, Measured]:
        return {"thickness_m": _thickness(self.thickness_m, self.u_thickness_m, self.dof_thickness_m),
                "area_m2": Measured(self.area_m2, self.u_area_m2, "m2", "geometry input")}

    def _k(self) -> Callable[..., float]:
        return lambda thickness_m, area_m2: thickness_m / area_m2


@dataclass(frozen=True)
class ParallelStrips(_Geometry):
    """Two parallel strip electrodes on a film: K = g/(h·W), valid for W ≫ g ≫ h."""

    gap_m: float
    length_m: float
    thickness_m: float
    u_gap_m: float = 0.0
    u_length_m: float = 0.0
    u_thickness_m: float = 0.0
    dof_thickness_m: float = math.inf
    direction = "in-plane"
    formula = "K = g/(h W)"

    def __post_init__(self) -> None:
        _check_positive(self, ["gap_m", "length_m", "thickness_m"])

    def _inputs(self) -> dict[str, Measured]:
        return {"gap_m": Measured(self.gap_m, self.u_gap_m, "m", "geometry input"),
                "length_m": Measured(self.length_m, self.u_length_m, "m", "geometry input"),
                "thickness_m": _thickness(self.thickness_m, self.u_thickness_m, self.dof_thickness_m)}

    def _k(self) -> Callable[..., float]:
        return lambda gap_m, length_m, thickness_m: gap_m / (thickness_m * length_m)


def ide_conformal_cell_constant(n_fingers: float, overlap_m: float, width_m: float, gap_m: float) -> float:
    """Olthuis et al. (1995) semi-infinite-layer IDE cell constant: 2/((N−1)L)·K(k)/K(k′)."""
    k = math.cos(math.pi * width_m / (2 * (width_m + gap_m)))
    kp = math.sqrt(max(1 - k * k, 0.0))
    return 2.0 / ((n_fingers - 1) * overlap_m) * float(ellipk(k * k) / ellipk(kp * kp))


@dataclass(frozen=True)
class Interdigitated(_Geometry):
    """Interdigitated electrodes: N fingers in total, overlap L, finger width w, gap s.

    model='thin_film' (h ≪ s): K = s/(h·L·(N−1)); model='conformal' (layer thicker than the
    period, Olthuis 1995): K = 2/((N−1)L)·K(k)/K(k′). Substrate/stray capacitance adds in parallel,
    so arc capacitances from IDEs are not the film's own (certification.md §2.2.3 d).
    """

    n_fingers: int
    overlap_m: float
    width_m: float
    gap_m: float
    thickness_m: float | None = None
    model: str = "conformal"
    u_overlap_m: float = 0.0
    u_width_m: float = 0.0
    u_gap_m: float = 0.0
    u_thickness_m: float = 0.0
    dof_thickness_m: float = math.inf
    direction = "in-plane"

    def __post_init__(self) -> None:
        if not (isinstance(self.n_fingers, int) and self.n_fingers >= 2):
            raise InputError("an IDE needs at least two fingers", field="Interdigitated.n_fingers",
                             expected="integer >= 2", found=repr(self.n_fingers))
        if self.model not in ("conformal", "thin_film"):
            raise InputError("unknown IDE model", field="Interdigitated.model",
                             expected="'conformal' or 'thin_film'", found=repr(self.model))
        _check_positive(self, ["overlap_m", "width_m", "gap_m"] + (["thickness_m"] if self.model == "thin_film" or self.thickness_m is not None else []))

    @property
    def formula(self) -> str:  # type: ignore[override]
        return ("K = s/(h L (N-1)) (IDE thin-film limit)" if self.model == "thin_film"
                else "K = 2/((N-1)L) K(k)/K(k'), k = cos(pi w/(2(w+s))) (IDE conformal mapping, Olthuis 1995)")

    def _inputs(self) -> dict[str, Measured]:
        d = {"overlap_m": Measured(self.overlap_m, self.u_overlap_m, "m", "geometry input"),
             "width_m": Measured(self.width_m, self.u_width_m, "m", "geometry input"),
             "gap_m": Measured(self.gap_m, self.u_gap_m, "m", "geometry input")}
        if self.thickness_m is not None:
            d["thickness_m"] = _thickness(self.thickness_m, self.u_thickness_m, self.dof_thickness_m)
        return d

    def _k(self) -> Callable[..., float]:
        n = self.n_fingers
        if self.model == "thin_film":
            return lambda overlap_m, width_m, gap_m, thickness_m: gap_m / (thickness_m * overlap_m * (n - 1))
        return lambda overlap_m, width_m, gap_m, **_: ide_conformal_cell_constant(n, overlap_m, width_m, gap_m)


Geometry = ThroughPlane | ParallelStrips | Interdigitated

