"""The trust suite's spectra under the noise real analysers give, not the ideal one: the fit's
weighting and its covariance assume a proportional noise of one size at every frequency, with
Gaussian tails, and these break that while the physics stays the trust suite's.

The profile is chosen by ``(seed // 10) % 5``, so every ten consecutive seeds hold one profile over
all ten trust families (``seed % 10``); the RMS level is the trust seed's own (0.1..1 %):

0 top        the top decade 5× noisier (an analyser near its bandwidth)
1 bottom     the lowest decade 5× noisier (drift and pickup at long periods)
2 ramp       5× at the top falling to 0.5× at the bottom, log-linearly
3 student    Student-t tails with 3 degrees of freedom at the same RMS (glitches, range switches)
4 floor      an absolute floor: the same ohms at every point, the level's share of the median |Z|,
             so the low-|Z| end of the sweep carries the largest relative noise

Truths, visibility and the scoring are the trust suite's (trust_score.run(make=noise_spectrum)).
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np

from ssbcert.analysis.synthetic_trust import POINTS_PER_DECADE, NoiseModel, TrustTruth, trust_spectrum, with_noise

PROFILES = ("top", "bottom", "ramp", "student", "floor")
EXCESS = 5.0  # how much noisier the noisy end is
STUDENT_DOF = 3


def _top(z: np.ndarray, rms: float, rng: np.random.Generator) -> np.ndarray:
    scale = np.ones(z.size)
    scale[:POINTS_PER_DECADE] = EXCESS  # the sweep descends: the first decade is the top one
    return with_noise(z, scale * rms, rng)


def _bottom(z: np.ndarray, rms: float, rng: np.random.Generator) -> np.ndarray:
    scale = np.ones(z.size)
    scale[-POINTS_PER_DECADE:] = EXCESS
    return with_noise(z, scale * rms, rng)


def _ramp(z: np.ndarray, rms: float, rng: np.random.Generator) -> np.ndarray:
    return with_noise(z, np.geomspace(EXCESS, EXCESS / 10, z.size) * rms, rng)


def _student(z: np.ndarray, rms: float, rng: np.random.Generator) -> np.ndarray:
    # a t variable with ν dof has variance ν/(ν-2): scaled to unit variance, as the Gaussian's
    unit = math.sqrt(STUDENT_DOF / (STUDENT_DOF - 2))
    e = (rng.standard_t(STUDENT_DOF, size=z.size) + 1j * rng.standard_t(STUDENT_DOF, size=z.size)) / unit
    return z * (1 + rms / math.sqrt(2) * e)


def _floor(z: np.ndarray, rms: float, rng: np.random.Generator) -> np.ndarray:
    ohms = rms * float(np.median(np.abs(z)))
    return z + ohms / math.sqrt(2) * (rng.normal(size=z.size) + 1j * rng.normal(size=z.size))


_MODELS: dict[str, NoiseModel] = {"top": _top, "bottom": _bottom, "ramp": _ramp, "student": _student, "floor": _floor}


def profile_of(seed: int) -> str:
    return PROFILES[(seed // 10) % len(PROFILES)]


def noise_spectrum(seed: int) -> TrustTruth:
    """Trust seed `seed` (its film, cell, window and noise level) under its profile's noise; the
    family names the profile, the trust family is ``seed % 10``."""
    profile = profile_of(seed)
    return dataclasses.replace(trust_spectrum(seed, _MODELS[profile]), family=profile)
