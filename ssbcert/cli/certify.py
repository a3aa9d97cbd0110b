"""`ssbcert certify` and `ssbcert demo` (the README's main job); `reanalyze` lives in ssbcert/archive/cli.py."""
from __future__ import annotations

import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Optional

import typer

from ssbcert.cli.failure import fail
from ssbcert.errors import InputError, InstrumentError
from ssbcert.numfmt import format_with_uncertainty, unit_text



class _Console:
    """rich's Console, made on first use: importing rich costs `ssbcert --help` ~40 ms (#10)."""

    def __getattr__(self, name: str) -> Any:
        from rich.console import Console

        real = Console()
        globals()["console"] = real
        return getattr(real, name)


console: Any = _Console()


@contextmanager
def stage_display(quiet: bool = False) -> Iterator[None]:
    """A spinner naming the certification stage under way, each finished stage with its time
    (on stderr, so stdout stays the report)."""
    from ssbcert.certify.progress import listening

    if quiet:
        yield
        return
    from rich.console import Console

    err = Console(stderr=True)
    state: dict[str, Any] = {"stage": None, "t0": time.monotonic()}

    with err.status("starting", spinner="dots") as status:
        def on_stage(stage: str) -> None:
            now = time.monotonic()
            if state["stage"]:
                err.print(f"    [dim]{state['stage']}: {now - state['t0']:.1f} s[/dim]", highlight=False)
            state.update(stage=stage, t0=now)
            status.update(stage)

        with listening(on_stage):
            yield
        if state["stage"]:
            err.print(f"    [dim]{state['stage']}: {time.monotonic() - state['t0']:.1f} s[/dim]", highlight=False)


def print_summary(issued: object) -> None:
    """The at-a-glance table: each result with U and its decision."""
    from ssbcert.certify import Issued

    assert isinstance(issued, Issued)
    cert = issued.certificate
    outcome_by_ref: dict[str, str] = {}
    for c in cert.conformity:
        if not c.informative:
            outcome_by_ref[c.result_ref] = c.outcome
    from ssbcert.certificate.view import quantity_label

    # fits 80 columns: readable names, the unit beside its number, k only where it is not ≈ 2
    from rich.table import Table

    table = Table(title=f"{cert.title}\noverall: {issued.outcome.upper()}", expand=False, padding=(0, 1),
                  caption="value ± U: expanded uncertainty, k = 2 (≈95 %) unless stated")
    table.add_column("result", overflow="fold", max_width=34)
    table.add_column("value ± U", overflow="fold", max_width=30)
    table.add_column("decision", no_wrap=True)
    for r in cert.results:
        if r.informative and r.quantity not in ("indentation_hardness", "relative_permittivity_bulk"):
            continue
        dec = outcome_by_ref.get(r.id, "informative" if r.informative else "")
        style = {"pass": "green", "fail": "red", "inconclusive": "yellow"}.get(dec.split("_")[-1], "")
        unit = unit_text(r.unit)
        value = format_with_uncertainty(r.value, r.U) + (f" {unit}" if unit and unit != "1" else "")
        if abs(r.k - 2.0) > 0.05:
            value += f" (k={r.k:.2f})"
        table.add_row(quantity_label(r), value, f"[{style}]{dec}[/{style}]" if style else dec)
    console.print(table)
    flags = issued.findings.flags
    if flags:
        console.print("[yellow]analysis flags:[/yellow] " + "; ".join(flags[:6]) + (" …" if len(flags) > 6 else ""))
    console.print(f"certificate: {issued.json_path}")
    if cert.supersedes is not None:
        console.print(f"supersedes:  {cert.supersedes.certificate_id} ({cert.supersedes.reason})")
    if issued.pdf_path:
        console.print(f"PDF:         {issued.pdf_path}")
    if issued.html_path:
        console.print(f"HTML:        {issued.html_path}")
    if issued.registered is None:
        console.print("registry:    not registered (--no-register)")
    else:
        console.print(f"registry:    {'added' if issued.registered else 'already present'}")


def register(app: typer.Typer) -> None:
    @app.command("certify")
    def certify_command(
        session: Path = typer.Argument(..., help="session directory (from run, replay or import)"),
        sample: Optional[Path] = typer.Option(None, "--sample", help="sample record YAML (default: the embedded demo sample)"),
        spec: Optional[Path] = typer.Option(None, "--spec", help="specification YAML (default: ssbcert's film defaults)"),
        out: Optional[Path] = typer.Option(None, "--out", help="certificate folder (default: SESSION/certificate)"),
        db: Optional[str] = typer.Option(None, "--db", help="registry URL (default: SQLite under $SSBCERT_HOME)"),
        no_register: bool = typer.Option(False, "--no-register", help="do not add the certificate to the registry"),
        reason: Optional[str] = typer.Option(None, "--reason", help="why this issue supersedes the sample's earlier certificate"),
        lab: Optional[Path] = typer.Option(None, "--lab", help="lab profile YAML: laboratory, accreditation, signatories"),
        draft: bool = typer.Option(False, "--draft", help="issue a DRAFT (watermarked; allowed without --lab)"),
        signatory: Optional[str] = typer.Option(None, "--signatory", help="signatory name from the lab profile (default: first)"),
    ) -> None:
        """Analyse a recorded session and issue a signed certificate (JSON, PDF, HTML). Needs --lab or --draft.

        A second issue for the same sample supersedes the earlier certificate (new id, `supersedes`
        link, the earlier file untouched)."""
        from ssbcert.certify import certify

        try:
            with stage_display():
                issued = certify(session, sample=sample, spec=spec, out=out, registry_url=db, register=not no_register,
                                 reason=reason, lab=lab, draft=draft, signatory=signatory)
        except InputError as exc:
            fail(exc)
        print_summary(issued)

    @app.command("demo")
    def demo_command(
        out: Path = typer.Option(Path("ssbcert-output"), "--out", help="folder for the session and the certificate"),
        db: Optional[str] = typer.Option(None, "--db", help="registry URL (default: SQLite under $SSBCERT_HOME)"),
        lab: Optional[Path] = typer.Option(None, "--lab", help="lab profile YAML (default: the demo's fictitious laboratory)"),
        draft: bool = typer.Option(False, "--draft", help="issue a DRAFT certificate (watermarked)"),
    ) -> None:
        """Full certification of a simulated 25 µm LLZO film: protocol → analysis → signed certificate → registry."""
        from ssbcert.bench import default_bench
        from ssbcert.certify import certify
        from ssbcert.runner import run

        from ssbcert.lab import demo_lab_profile, load_lab_profile

        from ssbcert.analysis.parallel import default_workers
        from ssbcert.registry.url import resolve_url

        try:  # settings the analysis and the registry read are checked before hours of measuring, not after
            profile = load_lab_profile(lab) if lab else demo_lab_profile()
            if db is not None:
                resolve_url(db)
            default_workers()
        except InputError as exc:
            fail(exc)
        bench = default_bench()
        session_dir = out / f"session-{time.strftime('%Y%m%dT%H%M%S')}"
        console.print(f"[bold]1/3[/bold] film-certification protocol on the simulated bench '{bench.name}' "
                      f"(E4990A, Lake Shore 336, Keithley 2450 twins on loopback; time ×{bench.time_scale:g})")
        try:
            result = run("film-certification", bench=bench, out=session_dir, progress=True)
        except (InputError, InstrumentError) as exc:
            fail(exc)
        console.print(f"    {result.points_recorded} records in {result.wall_s:.1f} s wall time "
                      f"(≈ {result.estimate_s / 3600:.1f} h of instrument time); session: {result.session}")
        if result.exit_status != "success":
            fail(f"run ended with {result.exit_status}: {result.reason}; resume with `ssbcert resume {result.session}`")
        console.print("[bold]2/3[/bold] analysis: KK validation, circuit fits, arc assignment, Arrhenius, DC polarization")
        t0 = time.monotonic()
        try:
            with stage_display():
                issued = certify(result.session, out=out / "certificate", registry_url=db, lab=profile, draft=draft)
        except InputError as exc:
            fail(exc)
        console.print(f"    done in {time.monotonic() - t0:.1f} s")
        from ssbcert.keys import own_public_key, trust

        own = trust(own_public_key(), name="own")  # the lab's own key, so `ssbcert verify` of the demo passes
        console.print(f"[bold]3/3[/bold] certificate signed (Ed25519, key {own.fingerprint[:23]}…, trusted locally), "
                      "rendered and registered")
        print_summary(issued)
