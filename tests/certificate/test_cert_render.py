"""Rendering: figures are vector SVG, HTML carries the 17025 items, PDF pages have drawn content.

The PDF check is pure Python: it decodes the PDF's own content streams (ASCII85 + Flate, as
reportlab writes them), checks every page draws text, that the figure pages draw vector paths, and
that no image XObject exists at all. Pages are also rasterised with pypdfium2.
"""
from __future__ import annotations

import base64
import io
import re
import zlib
from pathlib import Path

import numpy as np
import pytest
import xml.etree.ElementTree as ET

from ssbcert.certificate.example import example_certificate
from ssbcert.certificate.model import Certificate
from ssbcert.certificate.plots import RenderedFigure, certificate_figures
from ssbcert.certificate.render_html import render_html
from ssbcert.certificate.render_pdf import render_pdf
from ssbcert.certificate.signing import sign


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Certificate, list[RenderedFigure], bytes, str]:
    """Render once per module: matplotlib log axes are slow to draw."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SSBCERT_HOME", str(tmp_path_factory.mktemp("home")))
        cert = sign(example_certificate())
    figs = certificate_figures(cert)
    return cert, figs, render_pdf(cert, figures=figs), render_html(cert, figures=figs)


def _decode(stream: bytes, header: bytes) -> bytes:
    data = stream
    if b"ASCII85Decode" in header:
        data = base64.a85decode(re.sub(rb"\s", b"", data).removesuffix(b"~>"))
    if b"FlateDecode" in header:
        data = zlib.decompress(data)
    return data


def _pdf_objects(pdf: bytes) -> dict[int, tuple[bytes, bytes | None]]:
    objs: dict[int, tuple[bytes, bytes | None]] = {}
    for m in re.finditer(rb"(\d+) 0 obj\s*(.*?)endobj", pdf, re.S):
        body = m.group(2)
        s = re.search(rb"stream\r?\n(.*)endstream", body, re.S)
        header = body[: s.start()] if s else body
        objs[int(m.group(1))] = (header, _decode(s.group(1), header) if s else None)
    return objs


def _pages(pdf: bytes) -> list[tuple[bytes, list[int]]]:
    """(content stream, image object ids drawn) for each page, in order."""
    objs = _pdf_objects(pdf)
    out = []
    for header, _ in objs.values():
        if re.search(rb"/Type /Page\b", header):
            contents = int(re.search(rb"/Contents (\d+) 0 R", header).group(1))  # type: ignore[union-attr]
            xobjs = [int(i) for i in re.findall(rb"/FormXob\.\w+ (\d+) 0 R", header)]
            out.append((objs[contents][1] or b"", xobjs))
    return out


def _ink_fraction(rgb: np.ndarray) -> float:
    """Share of pixels that are not (near-)white."""
    return float(np.mean(rgb[..., :3].min(axis=-1) < 0.9))


def test_every_figure_is_a_vector_svg(rendered: tuple[Certificate, list[RenderedFigure], bytes, str]) -> None:
    _, figs, _, _ = rendered
    assert [f.key for f in figs] == ["nyquist0", "bode", "kk", "arrhenius", "polarization0"]
    for f in figs:
        root = ET.fromstring(f.svg)
        tags = {el.tag.rsplit("}", 1)[-1] for el in root.iter()}
        assert "image" not in tags, f"{f.key} holds a raster image"
        assert "path" in tags and "text" not in tags  # text drawn as glyph paths: needs no font
        assert len(f.svg) > 5_000, f.key


def test_pdf_pages_draw_text_and_figures(rendered: tuple[Certificate, list[RenderedFigure], bytes, str]) -> None:
    cert, figs, pdf, _ = rendered
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    pages = _pages(pdf)
    n = len(pages)
    assert 4 <= n <= 10
    objs = _pdf_objects(pdf)
    assert not any(b"/Subtype /Image" in header for header, _ in objs.values()), "the PDF holds a raster image"
    curves = 0
    for content, _ in pages:
        assert content.count(b"Tj") + content.count(b"TJ") >= 2, "a page without text"
        curves += content.count(b" c ")
    assert curves > 500  # markers and arcs drawn as Bézier paths, not pictures
    assert len(pdf) < 2_000_000
    # TTF text is drawn as glyph ids, so the readable id is checked in the document metadata;
    # footer and end-marker wording is checked through pdfium's text extraction below
    assert cert.certificate_id.encode() in pdf


def test_pdf_rasterises_nonblank_when_pdfium_available(rendered: tuple[Certificate, list[RenderedFigure], bytes, str]) -> None:
    import pypdfium2 as pdfium
    _, _, pdf, _ = rendered
    doc = pdfium.PdfDocument(pdf)
    assert len(doc) == len(_pages(pdf))
    for i in range(len(doc)):
        img = np.asarray(doc[i].render(scale=0.5).to_pil().convert("RGB")) / 255.0
        assert _ink_fraction(img) > 0.01, f"page {i + 1} is blank"
        text = doc[i].get_textpage().get_text_range()
        assert f"page {i + 1} of {len(doc)}" in text
    assert "END OF REPORT" in doc[len(doc) - 1].get_textpage().get_text_range()


def test_html_has_summary_items_and_figures(rendered: tuple[Certificate, list[RenderedFigure], bytes, str]) -> None:
    cert, figs, _, html = rendered
    for needle in [cert.title, cert.certificate_id, "LLZO-F-0001", "Ed25519 signed", "END OF REPORT", "Raw data",
                   "upper frequency limited", "KEYSIGHT TECHNOLOGIES E4990A", "σ_film/σ_bulk", "(2.00 ± 0.11)·10<sup>−4</sup>",
                   "guarded", "Opinions" if cert.interpretations else "Statements of conformity"]:
        assert needle in html, needle
    assert html.count("data:image/svg+xml;base64,") == len(figs) and "data:image/png" not in html
    assert html.count('class="outcome" style="background: #1b7f3b"') >= 3  # pass rows are green


def test_html_escapes_user_text() -> None:
    cert = example_certificate(with_figures=False)
    cert = cert.model_copy(update={"performed_at": "<script>alert(1)</script>"})
    html = render_html(cert, figures=[])
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "NOT SIGNED" in html


def test_written_files(tmp_path: Path, rendered: tuple[Certificate, list[RenderedFigure], bytes, str]) -> None:
    from ssbcert.certificate.render_html import write_html
    from ssbcert.certificate.render_pdf import write_pdf

    cert, figs, _, _ = rendered
    assert write_pdf(cert, tmp_path / "c.pdf", figures=figs[:1]).stat().st_size > 10_000
    assert write_html(cert, tmp_path / "c.html", figures=[]).read_text().rstrip().endswith("</html>")


def test_pdf_draws_every_marker_of_a_line_in_one_path() -> None:
    """40 markers become 40 closed subpaths of a single PDF path (one graphics state), not 40
    separately styled paths: the figure stays vector and the PDF stays quick to write."""
    from matplotlib.figure import Figure
    from reportlab.pdfgen.canvas import Canvas

    from ssbcert.certificate.rl_figure import ReportlabRenderer

    fig = Figure(figsize=(3, 2), dpi=72)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.plot(np.arange(40), np.arange(40) % 7, "o", markersize=4)
    ax.set_xlim(-1, 40)
    ax.set_ylim(-1, 7)
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(216, 144), pageCompression=0)
    fig.draw(ReportlabRenderer(c, 216, 144, "Helvetica", "Helvetica-Bold"))
    c.showPage()
    c.save()
    page = buf.getvalue().decode("latin-1")
    body = page[page.index("stream"):page.index("endstream")]
    marker_paths = [ln for ln in body.splitlines() if ln.count(" m ") == 40]
    assert len(marker_paths) == 1  # one path, one moveto per marker
    assert body.count("\nq\n") < 5  # under one saved graphics state, not one per marker


def test_pdf_replays_the_html_drawing_without_laying_figures_out_again(
        rendered: tuple[Certificate, list[RenderedFigure], bytes, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Each figure is drawn once, for its SVG; the PDF replays what that drawing recorded."""
    from matplotlib.figure import Figure

    cert, figures, _, _ = rendered
    assert all(f.drawing is not None and f.drawing.calls for f in figures)
    drawn: list[Figure] = []
    real = Figure.draw
    monkeypatch.setattr(Figure, "draw", lambda self, renderer: (drawn.append(self), real(self, renderer))[1])
    pdf = render_pdf(cert, figures=figures)
    assert pdf.startswith(b"%PDF") and not drawn


def test_a_recorded_drawing_keeps_its_clip_when_the_figure_changes() -> None:
    """The clip box of an axes is a live view of the figure: the recording must hold its value at
    drawing time (a later dpi change once let every curve run out of its axes in the PDF)."""
    from matplotlib.figure import Figure

    from ssbcert.certificate.figure_drawing import draw_once

    fig = Figure(figsize=(3, 2), dpi=100)
    ax = fig.add_subplot()
    ax.plot(np.arange(10), np.arange(10) ** 2)
    _, drawing = draw_once(fig)
    line = next(args[0] for name, args, _ in drawing.calls if name == "draw_path" and args[0].get_clip_rectangle() is not None)
    before = line.get_clip_rectangle().bounds
    fig.set_dpi(300)
    assert line.get_clip_rectangle().bounds == before
    assert before[2] < drawing.width_pt and before[3] < drawing.height_pt  # in points of the 72-dpi drawing


def test_a_noise_weighted_fit_states_its_weighting_in_annex_c(
        rendered: tuple[Certificate, list[RenderedFigure], bytes, str]) -> None:
    """An assessor reads how each fit weighted its points where that departs from 1/|Z| (analysis
    weights by the decade noise lin-KK shows); a plain fit prints no such line."""
    import pypdfium2 as pdfium

    cert, figs, _, html = rendered
    assert 'class="weighting"' not in html
    words = "1/|Z| × 1/(each decade's noise size, from the lin-KK residuals)"
    fq = [cert.fit_quality[0].model_copy(update={"weighting": words}), *cert.fit_quality[1:]]
    weighted = cert.model_copy(update={"fit_quality": fq})
    html_w = render_html(weighted, figures=figs)
    assert html_w.count('class="weighting"') == 1 and "noise size, from the lin-KK residuals" in html_w
    pdf = pdfium.PdfDocument(render_pdf(weighted, figures=figs))
    text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    assert "Weighting (" in text and "lin-KK residuals" in text.replace("\r\n", " ").replace("\n", " ")
