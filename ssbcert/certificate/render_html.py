"""HTML rendering (jinja2, autoescaped): one self-contained, responsive file with a print stylesheet.

Figures are the shared SVGs (vector, text as paths) embedded as ``data:image/svg+xml`` images, so
their ids cannot clash and the page needs no font or network to show them."""
from __future__ import annotations

import base64
from pathlib import Path
from typing import Sequence

import jinja2

from ssbcert.certificate.build import overall_outcome
from ssbcert.certificate.model import Certificate
from ssbcert.certificate.plots import RenderedFigure, certificate_figures
from ssbcert.certificate.view import (
    OUTCOME_COLOUR, equipment_rows, identity_lines, key_results, power_markup, result_rows, unit_text,
)

TEMPLATE = "certificate.html.j2"


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("ssbcert", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,  # a typo in the template fails loudly, not as an empty cell
    )


def _num3(v: float | None) -> str:
    return "—" if v is None else f"{v:.3g}"


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def render_html(cert: Certificate, *, figures: Sequence[RenderedFigure] | None = None, verified: bool | None = None,
                logo_svg: str | None = None) -> str:
    """The certificate as one HTML page. Pass ``figures`` to reuse the SVGs already drawn for the PDF."""
    figs = certificate_figures(cert) if figures is None else list(figures)
    return _environment().get_template(TEMPLATE).render(
        c=cert,
        identity=identity_lines(cert, verified),
        key_rows=result_rows(cert, key_results(cert)),
        all_results=list(zip(cert.results, result_rows(cert))),
        reasons=[c for c in cert.conformity if c.outcome == "inconclusive" and not c.informative],
        equipment=equipment_rows(cert),
        overall=overall_outcome(cert.conformity),
        colours=OUTCOME_COLOUR | {"none": "#555555"},
        unit=unit_text,
        power=power_markup,
        num3=_num3,
        logo=_b64(logo_svg) if logo_svg else "",
        figures=[{"key": f.key, "title": f.title, "b64": _b64(f.svg)} for f in figs],
    )


def write_html(cert: Certificate, path: str | Path, **kwargs: object) -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(render_html(cert, **kwargs), encoding="utf-8")  # type: ignore[arg-type]
    return p
