"""Lab profile: who issues a certificate and who may sign it (ISO/IEC 17025 §7.8.2.1 b and o).

    name: Example Solid-State Ionics Laboratory
    address: 1 Example Street, 00000 Example City
    accreditation: {body: DAkkS, number: D-PL-00000-00-00, scope: impedance of solid electrolytes}
    logo: logo.svg                       # optional, SVG only (certificates hold no raster image)
    signatories:
      - {name: Dr. A. Example, role: technical manager, key_fingerprint: "SHA256:..."}
    policy: {expired_calibration: inconclusive, thickness_below_sampling_plan: inconclusive}

`certify` needs one (or ``--draft``). A stated key fingerprint binds the signatory to a signing
key: certify refuses to sign with another key in that person's name.
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ssbcert.errors import InputError
from ssbcert.yamlio import load_yaml_file, load_yaml_text, validate


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LabAccreditation(_Strict):
    body: str = Field(min_length=1, description="accreditation body, e.g. DAkkS, UKAS, A2LA")
    number: str = Field(min_length=1, description="accreditation number")
    scope: str = ""


class LabSignatory(_Strict):
    """A person authorised to release certificates."""

    name: str = Field(min_length=1)
    role: str = Field(min_length=1)
    key_fingerprint: str = Field("", description="fingerprint of the person's Ed25519 signing key; empty = not bound")


class LabPolicy(_Strict):
    """What the lab decides when the evidence is weaker than required."""

    expired_calibration: Literal["inconclusive", "flag"] = Field(
        "inconclusive", description="an instrument used past its calibration due date: decisions resting on it "
                                    "become inconclusive, or are only flagged")
    thickness_below_sampling_plan: Literal["inconclusive", "flag"] = Field(
        "inconclusive", description="a thickness measured on fewer points than the sampling plan asks "
                                    "(certification.md §4.2): decisions resting on it become inconclusive, or are "
                                    "only flagged; the shortfall is listed as a deviation either way")


class LabProfile(_Strict):
    name: str = Field(min_length=1)
    address: str = Field(min_length=1)
    accreditation: LabAccreditation | None = None
    performed_at: str = Field("", description="where tests are performed, if not at the address")
    logo: Path | None = Field(None, description="SVG file, relative to the profile")
    fictitious: bool = Field(False, description="a made-up laboratory (the demo's): every certificate says so")
    signatories: list[LabSignatory] = Field(min_length=1)
    policy: LabPolicy = Field(default_factory=LabPolicy)

    @field_validator("logo")
    @classmethod
    def _svg_only(cls, v: Path | None) -> Path | None:
        if v is not None and v.suffix.lower() != ".svg":
            raise ValueError(f"logo must be an .svg file (certificates are vector only), found {v.name!r}")
        return v

    def signatory(self, name: str | None = None) -> LabSignatory:
        """The named signatory (default: the first one listed)."""
        if name is None:
            return self.signatories[0]
        for s in self.signatories:
            if s.name == name:
                return s
        raise InputError("not an authorised signatory of this lab profile", field="signatories",
                         expected=" or ".join(repr(s.name) for s in self.signatories), found=repr(name))

    def logo_svg(self) -> str | None:
        return self.logo.read_text(encoding="utf-8") if self.logo is not None else None


def load_lab_profile(path: str | Path) -> LabProfile:
    """Read and validate a lab profile; errors name file:line and field. The logo must exist."""
    p = Path(path)
    if not p.is_file():
        raise InputError("lab profile not found", file=str(p), expected="a lab profile YAML file")
    data, lines = load_yaml_file(p)
    profile = validate(LabProfile, data, lines, str(p))
    if profile.logo is not None:
        logo = profile.logo if profile.logo.is_absolute() else p.parent / profile.logo
        if not logo.is_file():
            raise InputError("logo file not found", file=str(p), field="logo", expected="an existing .svg file",
                             found=str(logo))
        profile = profile.model_copy(update={"logo": logo})
    return profile


def demo_lab_profile() -> LabProfile:
    """The fictitious laboratory `ssbcert demo` issues its certificates in."""
    text = resources.files("ssbcert").joinpath("data/demo_lab.yaml").read_text(encoding="utf-8")
    data, lines = load_yaml_text(text, "<embedded demo_lab.yaml>")
    return validate(LabProfile, data, lines, "<embedded demo_lab.yaml>")
