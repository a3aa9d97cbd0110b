"""Layout rules a reviewer checks: limits in the result's unit on page 1, embedded fonts, no raster
images, a short summary before the annexes, and figures whose axes carry readable numbers."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from ssbcert.certificate.example import example_certificate
from ssbcert.certificate.model import Conformity, Limit, Result
from ssbcert.certificate.plots import bode_figure, certificate_figures, nyquist_figure, polarization_figure
from ssbcert.certificate.render_pdf import render_pdf
from ssbcert.certificate.units import DOMAIN_UNIT, conversion_factor
from ssbcert.certificate.view import limit_text, number_text, result_rows, unit_text
from ssbcert.quantities import QUANTITIES
from ssbcert.units import EXAMPLES


@pytest.fixture(scope="module")
def pdf_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cert = example_certificate()
    p = tmp_path_factory.mktemp("pdf") / "c.pdf"
    p.write_bytes(render_pdf(cert, figures=certificate_figures(cert)))
    return p


@pytest.mark.parametrize("quantity", sorted(QUANTITIES))
def test_limit_prints_in_the_results_unit_for_every_quantity_and_spec_unit(quantity: str) -> None:
    dim = QUANTITIES[quantity]
    unit = DOMAIN_UNIT.get(dim) or EXAMPLES.get(dim, ("1",))[0]
    r = Result(id="r", quantity=quantity, value=1.0, unit=unit, u=0.01, U=0.02, k=2.0, method="m")  # type: ignore[arg-type]
    for spec_unit in EXAMPLES.get(dim, ("1",)):
        c = Conformity(result_ref="r", spec_ref="s", limit=Limit(type="upper", value=5.0, unit=spec_unit),
                       decision_rule="simple", outcome="pass")
        text = limit_text(c, r)
        shown = unit_text(unit)
        assert text.endswith(f"{(' ' + shown) if shown else ''} (simple)"), (spec_unit, text)
        expected = 5.0 * conversion_factor(spec_unit, unit)[0]
        assert number_text(expected) in text, (spec_unit, text)


def test_page_one_rows_show_limit_and_value_in_one_unit() -> None:
    cert = example_certificate(with_figures=False)
    rows = [row for row in result_rows(cert) if row.limit_text != "—"]
    assert rows
    for row in rows:
        if row.unit:
            assert row.limit_text.endswith(f"{row.unit} ({row.limit_text.rsplit('(', 1)[1]}"), row


def test_pdf_embeds_every_font_and_holds_no_raster_image(pdf_path: Path) -> None:
    if shutil.which("pdffonts") is None:  # poppler-utils; pdfium below checks the same through the font objects
        pytest.fail("pdffonts (Debian package poppler-utils) is required for this check")
    fonts = subprocess.run(["pdffonts", str(pdf_path)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert fonts, "no font at all"
    for line in fonts:
        assert re.search(r"\s(yes)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+$", line), f"font not embedded: {line}"
    images = subprocess.run(["pdfimages", "-list", str(pdf_path)], capture_output=True, text=True, check=True).stdout.splitlines()
    assert len(images) == 2, images  # the header lines only
    doc = pdfium.PdfDocument(str(pdf_path))
    for page in doc:
        assert not any(obj.type == 3 for obj in page.get_objects()), "an image object"  # FPDF_PAGEOBJ_IMAGE


def test_at_most_three_summary_pages_before_the_annexes(pdf_path: Path) -> None:
    doc = pdfium.PdfDocument(str(pdf_path))
    texts = [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
    first_annex = next(i for i, t in enumerate(texts) if "Annex A" in t)
    assert 1 <= first_annex <= 3
    assert "Key results" in texts[0] and "Authorization" in texts[0] and "Decision" in texts[0]
    for annex in ("Annex B", "Annex C", "Annex D"):
        assert any(annex in t for t in texts), annex


def _drawn(fig):  # type: ignore[no-untyped-def]
    FigureCanvasAgg(fig).draw()
    return fig


def test_nyquist_has_equal_aspect_no_negative_waste_and_no_offset() -> None:
    n = example_certificate().figures.nyquist[0]
    fig = _drawn(nyquist_figure(n))
    ax, axz = fig.axes[0], fig.axes[1]
    for a in (ax, axz):
        x0, x1 = a.get_xlim()
        y0, y1 = a.get_ylim()
        bbox = a.get_window_extent()
        assert x0 >= 0 and y0 >= 0
        assert (x1 - x0) / (y1 - y0) == pytest.approx(bbox.width / bbox.height, rel=0.06)  # 1 Ω across = 1 Ω up
        assert a.xaxis.get_offset_text().get_text() == "" and a.yaxis.get_offset_text().get_text() == ""
        assert all(t.get_text() and "e" not in t.get_text() for t in a.get_xticklabels() if t.get_visible())
    zr = np.asarray(n.z_real_ohm)
    assert ax.get_xlim()[1] * 1e3 >= zr.max() * 0.99 or ax.get_xlim()[1] >= zr.max() * 0.99


def test_bode_has_a_legend_and_dc_has_numbers_and_one_voltage_in_its_title() -> None:
    cert = example_certificate()
    fig = _drawn(bode_figure(cert.figures.nyquist))
    assert fig.axes[0].get_legend() is not None
    p = cert.figures.polarization[0].model_copy(update={"label": "LLZO-F-0001"})
    fig = _drawn(polarization_figure(p))
    ax = fig.axes[0]
    assert ax.get_title().count("V") == 1 and "0.5 V" in ax.get_title()
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert len(labels) >= 3, "the current axis has no numbers"
