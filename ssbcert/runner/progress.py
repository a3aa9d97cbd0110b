"""Live progress on the terminal: step, temperature, point, and ETA from the timing models."""
from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from ssbcert.protocol.preflight import Estimate, format_duration
from ssbcert.runner.documents import Document


class RichProgress:
    """A document subscriber. The bar advances in instrument seconds of the estimate."""

    def __init__(self, estimate: Estimate, done: set[str] | None = None, console: Console | None = None) -> None:
        self.estimate = estimate
        self.console = console or Console(stderr=True)
        self.progress = Progress(
            TextColumn("[bold]{task.fields[step]}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TextColumn("{task.fields[status]}"),
            TextColumn("instrument ETA {task.fields[eta]}"),
            TimeRemainingColumn(),
            console=self.console,
            transient=False,
        )
        self.done = set(done or ())
        self.task = self.progress.add_task("run", total=max(estimate.total_s, 1e-9), step="", status="", eta="?")
        self.progress.update(self.task, completed=estimate.total_s - estimate.remaining_s(self.done))
        self.temperature: float | None = None
        self.step = ""
        self.closing: str | None = None  # printed after the bar stops, so it never lands inside it

    def __enter__(self) -> "RichProgress":
        self.progress.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.progress.stop()
        if self.closing:
            self.console.print(self.closing, highlight=False)

    def _finish(self, step: str) -> None:
        if step in self.estimate.per_step_s and step not in self.done:
            self.done.add(step)
            self.progress.advance(self.task, self.estimate.per_step_s[step])

    def __call__(self, doc: Document) -> None:
        kind = doc.get("doc")
        status = None
        if kind == "step_begin":
            if self.step:
                self._finish(self.step)
            self.step = doc["step"]
            status = doc.get("label") or doc["kind"]
        elif kind == "event" and doc.get("stream") == "temperature":
            self.temperature = doc["data"]["temperature_K"]
            status = f"T={self.temperature:.2f} K → {doc['data']['setpoint_K']:.2f} K"
        elif kind == "event" and doc.get("stream") in ("impedance", "polarization"):
            status = f"point {doc['point'].rsplit('.', 1)[-1]} recorded ({doc['data']['points']} values)"
        elif kind == "step_done":
            self._finish(doc["step"])
        elif kind in ("suspend", "error", "note"):
            self.console.print(f"[yellow]{kind}[/]: {doc.get('step', '')}: {doc.get('reason') or doc.get('error') or doc.get('text')}")
        elif kind == "stop":
            if self.step and doc.get("exit_status") == "success":
                self._finish(self.step)
            if doc["exit_status"] == "success":
                status = "finished"
            else:
                status = f"stopped: {doc['exit_status']}"
                self.closing = f"[red]stop: {doc['exit_status']}[/] {doc.get('reason', '')}".rstrip()
        if status is not None:
            remaining = self.estimate.remaining_s(self.done)
            self.progress.update(self.task, step=self.step, status=status, eta=format_duration(remaining))
