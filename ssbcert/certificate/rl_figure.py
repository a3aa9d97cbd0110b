"""A matplotlib figure drawn straight onto a reportlab canvas, as vector paths and embedded-font text.

The figure is not laid out again: the primitives recorded while its SVG was drawn
(:mod:`figure_drawing`) are replayed onto this renderer. Why not SVG → svglib: parsing the SVG
back costs ~0.5 s per figure (every marker and glyph is a ``<use>``), more than drawing the figure.
Why not matplotlib's PDF backend: reportlab cannot place another PDF's page. This renderer
implements the few primitives matplotlib needs (paths with clipping, dashes and alpha; text in the
DejaVu fonts the certificate already embeds), so the drawing that produced the HTML's SVG goes
into the PDF without any raster step. Images are refused: certificates hold vector graphics only.
"""
from __future__ import annotations

from typing import Any

from matplotlib.backend_bases import GraphicsContextBase, RendererBase
from matplotlib.path import Path as MplPath
from matplotlib.transforms import Affine2DBase
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

from ssbcert.certificate.figure_drawing import Drawing

_CAP = {"butt": 0, "round": 1, "projecting": 2}
_JOIN = {"miter": 0, "round": 1, "bevel": 2}


def _append(p: Any, segments: Any, dx: float, dy: float) -> None:
    """Add matplotlib path segments (display units), shifted by (dx, dy), to a reportlab path."""
    lx, ly = 0.0, 0.0
    for verts, code in segments:
        if code == MplPath.MOVETO:
            p.moveTo(verts[0] + dx, verts[1] + dy)
        elif code == MplPath.LINETO:
            p.lineTo(verts[0] + dx, verts[1] + dy)
        elif code == MplPath.CURVE3:  # quadratic → cubic Bézier
            qx, qy, x, y = verts[0] + dx, verts[1] + dy, verts[2] + dx, verts[3] + dy
            p.curveTo(lx + 2 / 3 * (qx - lx), ly + 2 / 3 * (qy - ly), x + 2 / 3 * (qx - x), y + 2 / 3 * (qy - y), x, y)
        elif code == MplPath.CURVE4:
            p.curveTo(verts[0] + dx, verts[1] + dy, verts[2] + dx, verts[3] + dy, verts[4] + dx, verts[5] + dy)
        elif code == MplPath.CLOSEPOLY:
            p.close()
            continue
        lx, ly = float(verts[-2]) + dx, float(verts[-1]) + dy


class ReportlabRenderer(RendererBase):
    """Display units are PDF points (the figure is drawn at 72 dpi), y upward like PDF."""

    def __init__(self, canvas: Canvas, width: float, height: float, font: str, font_bold: str) -> None:
        super().__init__()
        self.canvas, self.width, self.height = canvas, width, height
        self.font, self.font_bold = font, font_bold

    def flipy(self) -> bool:
        return False

    def get_canvas_width_height(self) -> tuple[float, float]:
        return self.width, self.height

    def points_to_pixels(self, points: float) -> float:
        return points

    def _path(self, path: MplPath, transform: Affine2DBase) -> Any:
        p = self.canvas.beginPath()
        _append(p, path.iter_segments(transform, simplify=False, curves=True), 0.0, 0.0)
        return p

    def _clip(self, gc: GraphicsContextBase) -> None:
        c = self.canvas
        box = gc.get_clip_rectangle()
        if box is not None:
            x0, y0, w, h = box.bounds
            r = c.beginPath()
            r.rect(x0, y0, w, h)
            c.clipPath(r, stroke=0, fill=0)
        tpath, affine = gc.get_clip_path()
        if tpath is not None:
            c.clipPath(self._path(tpath, affine), stroke=0, fill=0)

    def _draw(self, gc: GraphicsContextBase, p: Any, rgbFace: Any) -> None:  # noqa: N803 (matplotlib API)
        c = self.canvas
        c.saveState()
        self._clip(gc)
        lw = gc.get_linewidth()
        r, g, b, a = gc.get_rgb()
        alpha = gc.get_alpha() if gc.get_forced_alpha() else a
        c.setStrokeColorRGB(r, g, b, alpha)
        c.setLineWidth(lw)
        c.setLineCap(_CAP.get(gc.get_capstyle(), 0))
        c.setLineJoin(_JOIN.get(gc.get_joinstyle(), 0))
        offset, dashes = gc.get_dashes()
        if dashes:
            c.setDash(list(dashes), offset or 0)
        fill = rgbFace is not None
        if fill:
            fa = rgbFace[3] if len(rgbFace) > 3 else 1.0
            c.setFillColorRGB(rgbFace[0], rgbFace[1], rgbFace[2], gc.get_alpha() if gc.get_forced_alpha() else fa)
        c.drawPath(p, stroke=int(lw > 0), fill=int(fill))
        c.restoreState()

    def draw_path(self, gc: GraphicsContextBase, path: MplPath, transform: Affine2DBase, rgbFace: Any = None) -> None:  # noqa: N803
        self._draw(gc, self._path(path, transform), rgbFace)

    def draw_markers(self, gc: GraphicsContextBase, marker_path: MplPath, marker_trans: Affine2DBase,
                     path: MplPath, trans: Affine2DBase, rgbFace: Any = None) -> None:  # noqa: N803
        """Every marker of a line in one PDF path (the default draws each as its own path, with its
        own graphics state: ~2,000 of them on a certificate)."""
        marker = list(marker_path.iter_segments(marker_trans, simplify=False, curves=True))
        p = self.canvas.beginPath()
        for verts, code in path.iter_segments(trans, simplify=False):
            if code != MplPath.CLOSEPOLY and len(verts):
                _append(p, marker, float(verts[-2]), float(verts[-1]))
        self._draw(gc, p, rgbFace)

    def draw_text(self, gc: GraphicsContextBase, x: float, y: float, s: str, prop: Any, angle: float,
                  ismath: bool | str = False, mtext: Any = None) -> None:
        if ismath:  # never used by certificate figures (plain formatters); glyphs as paths keep it vector
            super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
            return
        c = self.canvas
        c.saveState()
        self._clip(gc)
        r, g, b, a = gc.get_rgb()
        c.setFillColorRGB(r, g, b, gc.get_alpha() if gc.get_forced_alpha() else a)
        weight = prop.get_weight()
        bold = weight in ("bold", "heavy", "extra bold", "black") or (isinstance(weight, int) and weight >= 600)
        c.setFont(self.font_bold if bold else self.font, prop.get_size_in_points())
        c.translate(x, y)
        if angle:
            c.rotate(angle)
        c.drawString(0, 0, s)
        c.restoreState()

    def draw_image(self, gc: GraphicsContextBase, x: float, y: float, im: Any, transform: Any = None) -> None:
        raise ValueError("certificate figures are vector only: a raster image was drawn")


class FigureFlowable(Flowable):
    """A platypus flowable that replays a figure's recorded drawing as vector graphics, scaled to fit."""

    def __init__(self, drawing: Drawing, max_width: float, max_height: float, font: str, font_bold: str) -> None:
        super().__init__()
        self.drawing, self.font, self.font_bold = drawing, font, font_bold
        self.scale = min(max_width / drawing.width_pt, max_height / drawing.height_pt)
        self.width, self.height = drawing.width_pt * self.scale, drawing.height_pt * self.scale

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:  # noqa: N803 (reportlab API)
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        c.saveState()
        c.scale(self.scale, self.scale)
        try:
            self.drawing.replay(ReportlabRenderer(c, self.drawing.width_pt, self.drawing.height_pt, self.font, self.font_bold))
        finally:
            c.restoreState()
