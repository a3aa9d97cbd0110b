"""Where the registry lives: ``--db`` takes a file path or a database URL, and says so when it is neither.

Accepted forms (also for ``$SSBCERT_REGISTRY_URL``):

- a path, ``registry.sqlite`` or ``/data/lab/registry.sqlite`` → that SQLite file (created if needed);
- ``sqlite:///relative/or/absolute/path.sqlite`` (``sqlite:////abs/path`` also works);
- ``postgresql+psycopg://USER[:PASSWORD]@HOST[:PORT]/DBNAME`` → PostgreSQL through psycopg 3
  (``pip install 'ssbcert[postgres]'``). A bare ``postgresql://`` is read as ``postgresql+psycopg://``,
  because SQLAlchemy 2.0 would otherwise pick psycopg2, which ssbcert does not install.

Other databases are refused in one line rather than failing later inside a driver import.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

from ssbcert.errors import InputError

EXPECTED = "a file path, sqlite:///PATH or postgresql+psycopg://USER@HOST:PORT/DBNAME"
_DRIVERS = {"sqlite": "sqlite", "sqlite+pysqlite": "sqlite", "postgresql": "postgresql+psycopg",
            "postgresql+psycopg": "postgresql+psycopg", "postgres": "postgresql+psycopg"}


def redact(url: str) -> str:
    """The URL without its password, fit to print."""
    head, sep, tail = url.partition("://")
    if not sep or "@" not in tail:
        return url
    cred, at, rest = tail.rpartition("@")
    user = cred.split(":", 1)[0]
    return f"{head}://{user}{':***' if ':' in cred else ''}@{rest}"


def resolve_url(text: str, *, field: str = "--db") -> str:
    """A SQLAlchemy URL for ``text`` (a path or a URL), or an :class:`InputError` naming ``field``."""
    text = text.strip()
    if not text:
        raise InputError("empty registry location", field=field, expected=EXPECTED, found="''")
    if "://" not in text:
        path = Path(text).expanduser()
        if path.is_dir():
            raise InputError("registry location is a folder", field=field, expected=EXPECTED, found=text)
        return f"sqlite:///{path.resolve()}"
    scheme, _, rest = text.partition("://")
    driver = _DRIVERS.get(scheme.lower())
    if driver is None:
        raise InputError(f"unsupported database {scheme!r}", field=field, expected=EXPECTED, found=redact(text))
    if driver.startswith("postgresql"):
        if importlib.util.find_spec("psycopg") is None:
            raise InputError("PostgreSQL needs psycopg 3: pip install 'ssbcert[postgres]'", field=field,
                             found=redact(text))
        if not rest.split("/", 1)[0] or "/" not in rest or not rest.split("/", 1)[1]:
            raise InputError("PostgreSQL URL needs a host and a database name", field=field, expected=EXPECTED,
                             found=redact(text))
    elif not rest.startswith("/"):
        raise InputError("SQLite URL needs three slashes before the path", field=field, expected=EXPECTED,
                         found=text)
    return f"{driver}://{rest}"
