"""How the `ssbcert` command ends when something goes wrong: one line on stderr, never a traceback.

Bad input (a file, a value, a URL, an instrument that does not answer) and a machine that could not
finish (a killed worker, a lost cluster) are the user's to fix, so they get exit code 2 and a line
naming what is wrong. Anything else is ours: the user gets one line and
the path of a log file holding the traceback, which is what a bug report needs.
"""
from __future__ import annotations

import datetime as dt
import os
import sys
import traceback
from pathlib import Path
from typing import Any, NoReturn

import typer

try:  # typer >= 0.2x ships its own copy of click; older typer uses the click package
    from typer._click import exceptions as cx
except ImportError:  # pragma: no cover - depends on the installed typer
    from click import exceptions as cx

USER_ERROR = 2
INTERNAL_ERROR = 1
INTERRUPTED = 130


def _one_line(text: str) -> str:
    """Messages from libraries may span lines; the user gets them joined, never a wall of text."""
    parts = [p.strip() for p in str(text).splitlines() if p.strip()]
    return " ".join(parts) if parts else "(no message)"


def _user_error_types() -> tuple[type[BaseException], ...]:
    from ssbcert.errors import InputError, InstrumentError, ResourceError

    return (InputError, InstrumentError, ResourceError, FileNotFoundError, IsADirectoryError, NotADirectoryError,
            PermissionError, FileExistsError)


def log_dir() -> Path:
    home = Path(os.environ.get("SSBCERT_HOME") or Path.home() / ".ssbcert")
    return home / "logs"


def write_crash_log(exc: BaseException, argv: list[str]) -> Path | None:
    """The traceback goes to a file (never to the terminal); None if even that fails."""
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    try:
        folder = log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"error-{stamp}-{os.getpid()}.log"
        with path.open("w", encoding="utf-8") as fh:
            fh.write(f"ssbcert {' '.join(argv)}\n{dt.datetime.now(dt.timezone.utc).isoformat()}\n\n")
            traceback.print_exception(type(exc), exc, exc.__traceback__, file=fh)
        return path
    except OSError:
        return None


def say(line: str) -> None:
    typer.echo(line, err=True)


def fail(problem: object, code: int = USER_ERROR) -> NoReturn:
    """End a command on a problem it found itself with the line `run` writes for bad input:
    ``ssbcert: error: …`` on stderr, exit code 2 (or `code`)."""
    say(f"ssbcert: error: {_one_line(str(problem))}")
    raise typer.Exit(code)


def run(command: Any, argv: list[str] | None = None, prog_name: str = "ssbcert") -> int:
    """Run a click/typer command the way a terminal user meets it; returns the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        result: Any = command.main(args=args, prog_name=prog_name, standalone_mode=False)
    except cx.NoArgsIsHelpError as exc:
        typer.echo(exc.ctx.get_help() if exc.ctx else exc.format_message())
        return 0
    except cx.UsageError as exc:
        where = exc.ctx.command_path if exc.ctx else prog_name
        say(f"{where}: error: {_one_line(exc.format_message())} (see: {where} --help)")
        return USER_ERROR
    except typer.Exit as exc:
        return int(getattr(exc, "exit_code", 0) or 0)
    except cx.ClickException as exc:
        say(f"{prog_name}: error: {_one_line(exc.format_message())}")
        return exc.exit_code if exc.exit_code else USER_ERROR
    except (typer.Abort, KeyboardInterrupt):
        say(f"{prog_name}: interrupted")
        return INTERRUPTED
    except _user_error_types() as exc:
        say(f"{prog_name}: error: {_one_line(str(exc))}")
        return USER_ERROR
    except Exception as exc:  # a bug of ours: short line for the user, traceback to a log file
        log = write_crash_log(exc, args)
        where = f" (traceback in {log})" if log else ""
        say(f"{prog_name}: internal error: {type(exc).__name__}: {_one_line(str(exc))}{where}")
        return INTERNAL_ERROR
    return int(result) if isinstance(result, int) else 0
