"""HTML rendering (jinja2, autoescaped) with the figures embedded as data URIs: one self-contained file."""
from __future__ import annotations

import base64
from pathlib import Path
from typing import Sequence

import jinja2

from ssbcert.certificate.build import overall_outcome
from ssbcert.certificate.model import Certificate
from ssbcert.certificate.plots import RenderedFigure, certificate_figures
from ssbcert.certificate.view import OUTCOME_COLOUR, power_markup, result_rows, sig, signature_status, unit_text

TEMPLATE = "certificate.html.j2"


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("ssbcert", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,  # a typo in the template fails loudly, not as an empty cell
    )


def render_html(cert: Certificate, *, figures: Sequence[RenderedFigure] | None = None, verified: bool | None = None) -> str:
    """The certificate as one HTML page. Pass ``figures`` to reuse PNGs already rendered for the PDF."""
    figs = certificate_figures(cert) if figures is None else list(figures)
    return _environment().get_template(TEMPLATE).render(
        c=cert,
        rows=result_rows(cert),
        overall=overall_outcome(cert.conformity),
        colours=OUTCOME_COLOUR | {"none": "#555555"},
        signature=signature_status(cert, verified),
        unit=unit_text,
        sig=sig,
        power=power_markup,
        figures=[{"title": f.title, "b64": base64.b64encode(f.png).decode("ascii")} for f in figs],
    )


def write_html(cert: Certificate, path: str | Path, **kwargs: object) -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(render_html(cert, **kwargs), encoding="utf-8")  # type: ignore[arg-type]
    return p
