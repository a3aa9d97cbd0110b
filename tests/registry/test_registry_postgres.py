"""The registry tests again, on a real PostgreSQL server (see conftest.py), plus the URL forms of --db.

The portable tests of the SQLite modules are re-run unchanged with ``$SSBCERT_REGISTRY_URL`` pointing
at a fresh PostgreSQL database, so both backends are held to the same assertions.
"""
from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import pytest

import test_registry_db as _db
import test_registry_study as _study
from ssbcert.certificate.example import example_certificate
from ssbcert.errors import InputError
from ssbcert.registry.db import Registry
from ssbcert.registry.url import redact, resolve_url

PORTABLE: list[Callable[..., Any]] = [
    _db.test_add_is_idempotent_and_never_overwrites,
    _db.test_a_certificate_has_one_successor,
    _db.test_queries_columns_and_superseded_hiding,
    _db.test_sessions_link_to_samples,
    _db.test_cli_list_show_search,
    _db.test_each_film_is_counted_once_by_its_latest_certificate,
    _study.test_study_from_registry_with_literature_and_plot,
    _study.test_cli_study_thickness,
]


@pytest.mark.parametrize("case", PORTABLE, ids=lambda f: f.__name__.removeprefix("test_"))
def test_portable_case_on_postgresql(case: Callable[..., Any], postgres_url: str, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSBCERT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SSBCERT_REGISTRY_URL", postgres_url)
    with Registry() as reg:
        assert reg.engine.dialect.name == "postgresql"
    kwargs = {"tmp_path": tmp_path} if "tmp_path" in inspect.signature(case).parameters else {}
    case(**kwargs)


def test_two_processes_writing_concurrently_on_postgresql(postgres_url: str, tmp_path: Path) -> None:
    base = tmp_path / "base.json"
    base.write_text(example_certificate(with_figures=False).model_dump_json(by_alias=True), encoding="utf-8")
    Registry(postgres_url).close()
    per_process = 150
    procs = [subprocess.Popen([sys.executable, "-c", _db._WORKER, postgres_url, tag, str(per_process), str(base)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for tag in ("A", "B")]
    for p in procs:
        out, err = p.communicate(timeout=180)
        assert p.returncode == 0, err[-2000:]
    with Registry(postgres_url) as reg:
        assert reg.count() == 2 * per_process
        with reg.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM samples").scalar() == 100


def test_db_option_takes_a_path_or_a_url(tmp_path: Path) -> None:
    assert resolve_url(str(tmp_path / "r.sqlite")) == f"sqlite:///{tmp_path / 'r.sqlite'}"
    assert resolve_url("sqlite:///x.sqlite") == "sqlite:///x.sqlite"
    assert resolve_url("postgresql://u@h:5432/db") == "postgresql+psycopg://u@h:5432/db"
    assert resolve_url("postgresql+psycopg://u:pw@h/db") == "postgresql+psycopg://u:pw@h/db"
    assert redact("postgresql+psycopg://u:secret@h/db") == "postgresql+psycopg://u:***@h/db"
    with Registry(str(tmp_path / "plain.sqlite")) as reg:
        assert reg.is_sqlite and (tmp_path / "plain.sqlite").exists()


@pytest.mark.parametrize(("text", "says"), [
    ("mysql://u@h/db", "unsupported database 'mysql'"),
    ("sqlite://relative.sqlite", "three slashes"),
    ("postgresql+psycopg://", "host and a database"),
    ("", "empty"),
])
def test_bad_db_option_is_one_clear_line(text: str, says: str, tmp_path: Path) -> None:
    with pytest.raises(InputError, match=says) as err:
        resolve_url(text)
    assert "--db" in str(err.value) and "\n" not in str(err.value)
    with pytest.raises(InputError, match="folder"):
        resolve_url(str(tmp_path))


def test_unreachable_postgresql_names_the_url_without_password(postgres_server: Any) -> None:
    url = f"postgresql+psycopg://ssbcert:pw@127.0.0.1:{postgres_server.port + 1}/none"
    with pytest.raises(InputError, match="cannot open the registry") as err:
        Registry(url)
    assert "pw@" not in str(err.value) and ":***@" in str(err.value)
