"""Draw a matplotlib figure once: its SVG for the HTML, and the primitives that drawing took, for the PDF.

matplotlib's layout (tick creation, text extents, legends) is most of a figure's drawing time, and at
72 dpi it is the same for every vector output. So the SVG renderer is wrapped: every primitive the
figure asks it to draw (paths, markers, path collections, text) is drawn into the SVG and also
recorded, with a copy of its graphics state and frozen transforms. :mod:`rl_figure` replays the
recording onto the PDF canvas, and the figure is never laid out a second time.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from matplotlib.backend_bases import GraphicsContextBase, RendererBase
from matplotlib.backends.backend_mixed import MixedModeRenderer
from matplotlib.backends.backend_svg import RendererSVG
from matplotlib.figure import Figure
from matplotlib.transforms import TransformedPath

_DPI = 72.0  # vector outputs: one display unit per point


@dataclass(frozen=True)
class Drawing:
    """The primitives of one figure in display points, y upward (PDF's orientation)."""

    width_pt: float
    height_pt: float
    calls: tuple[tuple[str, tuple[Any, ...], dict[str, Any]], ...]

    def replay(self, renderer: RendererBase) -> None:
        for name, args, kwargs in self.calls:
            getattr(renderer, name)(*args, **kwargs)


def _state(gc: GraphicsContextBase) -> GraphicsContextBase:
    """A copy with its clip frozen: artists may reuse a graphics context after a call, and the clip
    box and path are live views of the axes, which move when the figure's dpi is restored."""
    copy = GraphicsContextBase()
    copy.copy_properties(gc)
    box = gc.get_clip_rectangle()
    copy.set_clip_rectangle(None if box is None else box.frozen())
    path, affine = gc.get_clip_path()
    copy.set_clip_path(None if path is None else TransformedPath(path, affine.frozen()))
    return copy


class _RecordingRenderer:
    """Stands in for the SVG renderer (everything else is forwarded to it) and records each primitive."""

    def __init__(self, svg: RendererSVG, height_pt: float) -> None:
        self._svg, self._height = svg, height_pt
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._svg, name)

    def draw_path(self, gc: Any, path: Any, transform: Any, rgbFace: Any = None) -> None:  # noqa: N803 (matplotlib API)
        self.calls.append(("draw_path", (_state(gc), path, transform.frozen(), rgbFace), {}))
        self._svg.draw_path(gc, path, transform, rgbFace)

    def draw_markers(self, gc: Any, marker_path: Any, marker_trans: Any, path: Any, trans: Any,
                     rgbFace: Any = None) -> None:  # noqa: N803
        self.calls.append(("draw_markers", (_state(gc), marker_path, marker_trans.frozen(), path, trans.frozen(), rgbFace), {}))
        self._svg.draw_markers(gc, marker_path, marker_trans, path, trans, rgbFace)

    def draw_path_collection(self, gc: Any, master_transform: Any, paths: Any, all_transforms: Any, offsets: Any,
                             offset_trans: Any, *args: Any, **kwargs: Any) -> None:
        paths = list(paths)
        self.calls.append(("draw_path_collection", (_state(gc), master_transform.frozen(), paths, list(all_transforms),
                                                    offsets, offset_trans.frozen(), *args), dict(kwargs)))
        self._svg.draw_path_collection(gc, master_transform, paths, all_transforms, offsets, offset_trans, *args, **kwargs)

    def draw_text(self, gc: Any, x: float, y: float, s: str, prop: Any, angle: float, ismath: Any = False,
                  mtext: Any = None) -> None:
        # Text.draw flips y for the SVG renderer (origin top left); the PDF's origin is bottom left
        self.calls.append(("draw_text", (_state(gc), x, self._height - y, s, prop.copy(), angle), {"ismath": ismath}))
        self._svg.draw_text(gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)

    def draw_image(self, gc: Any, x: float, y: float, im: Any, transform: Any = None) -> None:
        self.calls.append(("draw_image", (_state(gc), x, y, im, transform), {}))
        self._svg.draw_image(gc, x, y, im, transform)

    def draw_gouraud_triangles(self, gc: Any, *args: Any, **kwargs: Any) -> None:
        self.calls.append(("draw_gouraud_triangles", (_state(gc), *args), dict(kwargs)))
        self._svg.draw_gouraud_triangles(gc, *args, **kwargs)


def draw_once(fig: Figure) -> tuple[str, Drawing]:
    """The figure's SVG (the options of ``savefig(format="svg", metadata={"Date": None})``, under the
    caller's rcParams) and the recording of the same drawing."""
    buf = io.StringIO()
    dpi = fig.dpi
    fig.dpi = _DPI
    try:
        width, height = fig.get_size_inches()
        w, h = width * _DPI, height * _DPI
        recorder = _RecordingRenderer(RendererSVG(w, h, buf, image_dpi=dpi, metadata={"Date": None}), h)
        renderer = MixedModeRenderer(fig, width, height, dpi, recorder)
        fig.draw(renderer)
        renderer.finalize()
    finally:
        fig.dpi = dpi
    return buf.getvalue(), Drawing(w, h, tuple(recorder.calls))
