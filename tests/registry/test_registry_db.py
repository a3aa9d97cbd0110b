"""Registry: migrations, idempotent inserts, queries, CLI, and two concurrent writer processes."""
from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import typer
from sqlalchemy import insert, select, text
from sqlalchemy.exc import IntegrityError
from typer.testing import CliRunner

from ssbcert.certificate.amend import amend
from ssbcert.certificate.example import example_certificate
from ssbcert.certificate.signing import sign, write_certificate
from ssbcert.errors import InputError, RegistryConflict
from ssbcert.registry.cli import register
from ssbcert.registry.db import Registry
from ssbcert.registry.migrations import LATEST, current_version, migrate, schema_migrations
from ssbcert.registry.models import CertificateRow


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSBCERT_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("SSBCERT_REGISTRY_URL", raising=False)


def test_default_is_sqlite_under_home_in_wal_mode(tmp_path: Path) -> None:
    with Registry() as reg:
        assert reg.url == f"sqlite:///{tmp_path / 'home' / 'registry.sqlite'}"
        with reg.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert current_version(conn) == LATEST
            versions = conn.execute(select(schema_migrations.c.version)).scalars().all()
    assert versions == list(range(1, LATEST + 1))
    with Registry() as again:  # reopening applies nothing new
        assert migrate(again.engine) == []


def test_migrations_upgrade_an_old_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    reg = Registry(url)
    with reg.engine.connect().execution_options(ssbcert_write=True) as conn, conn.begin():
        conn.execute(schema_migrations.delete().where(schema_migrations.c.version >= 2))
        conn.execute(text("DROP INDEX ix_certificates_material_thickness"))
        conn.execute(text("DROP INDEX ux_certificates_supersedes"))
    assert migrate(reg.engine) == [2, 3]
    with reg.engine.connect() as conn:
        names = [r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='index'")]
    assert {"ix_certificates_material_thickness", "ux_certificates_supersedes"} <= set(names)
    reg.close()


def _insert_raw(reg: Registry, cert) -> None:  # type: ignore[no-untyped-def]
    """A certificate row written past add_certificate's checks, as a concurrent writer's would land."""
    with reg.engine.connect().execution_options(ssbcert_write=True) as conn, conn.begin():
        conn.execute(insert(CertificateRow).values(
            certificate_id=cert.certificate_id, material=cert.item.material, issued_at=cert.dates.issued,
            supersedes=cert.supersedes.certificate_id, payload_sha256="0" * 64, document="{}"))


def test_a_certificate_has_one_successor() -> None:
    """Two machines sharing a registry that both supersede the sample's current certificate: the
    second is refused in words naming the first, and the unique index holds even for a writer that
    slips past the check (two PostgreSQL transactions checking at once)."""
    first = sign(example_certificate(with_figures=False))
    a = sign(amend(first, "re-measured", issued=dt.datetime(2026, 11, 26, tzinfo=dt.timezone.utc)))
    b = sign(amend(first, "re-measured elsewhere", issued=dt.datetime(2026, 11, 27, tzinfo=dt.timezone.utc)))
    with Registry() as reg:
        assert reg.add_certificate(first) and reg.add_certificate(a)
        with pytest.raises(RegistryConflict, match=f"superseded meanwhile by {a.certificate_id}") as err:
            reg.add_certificate(b)
        assert isinstance(err.value, ValueError) and "supersedes:" in str(err.value)
        with pytest.raises(IntegrityError):
            _insert_raw(reg, b)
        assert reg.count() == 2
        c = sign(amend(a, "third issue", issued=dt.datetime(2026, 11, 28, tzinfo=dt.timezone.utc)))
        assert reg.add_certificate(c)  # superseding the current one is what a re-issue does
        assert [r.certificate_id for r in reg.list_certificates()] == [c.certificate_id]


def test_a_registry_with_a_forked_chain_is_not_silently_upgraded(tmp_path: Path) -> None:
    """Schema 3 makes `supersedes` unique; a registry already holding two successors of one
    certificate says which, in one line, instead of failing on the index."""
    url = f"sqlite:///{tmp_path / 'forked.sqlite'}"
    first = sign(example_certificate(with_figures=False))
    a = sign(amend(first, "re-measured", issued=dt.datetime(2026, 11, 26, tzinfo=dt.timezone.utc)))
    b = sign(amend(first, "re-measured elsewhere", issued=dt.datetime(2026, 11, 27, tzinfo=dt.timezone.utc)))
    with Registry(url) as reg:
        with reg.engine.connect().execution_options(ssbcert_write=True) as conn, conn.begin():
            conn.execute(schema_migrations.delete().where(schema_migrations.c.version == 3))
            conn.execute(text("DROP INDEX ux_certificates_supersedes"))
        for c in (first, a):
            reg.add_certificate(c)
        _insert_raw(reg, b)  # what the old schema let in from a second machine
    with pytest.raises(InputError, match=r"superseded twice.*1 forked chain") as err:
        Registry(url)
    assert first.certificate_id in str(err.value)


def test_add_is_idempotent_and_never_overwrites() -> None:
    cert = sign(example_certificate(with_figures=False))
    with Registry() as reg:
        assert reg.add_certificate(cert) is True
        assert reg.add_certificate(cert) is False
        altered = cert.model_copy(update={"title": "different"})
        with pytest.raises(ValueError, match="already registered"):
            reg.add_certificate(altered)
        assert reg.count() == 1
        got = reg.get_certificate(cert.certificate_id.removeprefix("urn:uuid:")[:8])
        assert got == cert


def test_queries_columns_and_superseded_hiding() -> None:
    with Registry() as reg:
        thin = sign(example_certificate(thickness_um=2.0, sigma_total_S_cm=5e-5, sample_id="T-2"))
        thick = sign(example_certificate(thickness_um=50.0, sigma_total_S_cm=3e-4, sample_id="T-50"))
        other = example_certificate(material="LiPON", sample_id="P-1", with_figures=False)
        for c in (thin, thick, other):
            reg.add_certificate(c)
        rows = reg.list_certificates(material="llzo")
        assert {r.sample_id for r in rows} == {"T-2", "T-50"}
        r2 = next(r for r in rows if r.sample_id == "T-2")
        assert r2.thickness_um == 2.0 and r2.sigma_total_S_cm == pytest.approx(5e-5)
        assert r2.asr_ohm_cm2 == pytest.approx(2e-4 / 5e-5) and r2.temperature_K == 298.15
        assert r2.outcome == "fail" and r2.issued_at.tzinfo is not None
        assert [r.sample_id for r in reg.list_certificates(max_thickness_um=10)] == ["T-2"]
        assert [r.sample_id for r in reg.list_certificates(outcome="pass", material="LLZO")] == ["T-50"]
        assert [r.sample_id for r in reg.search("P-")] == ["P-1"]
        assert reg.search("Li6.4La3") != []  # composition
        newer = sign(amend(thin, "thickness re-measured", issued=dt.datetime(2026, 11, 26, tzinfo=dt.timezone.utc)))
        reg.add_certificate(newer)
        ids = [r.certificate_id for r in reg.list_certificates(material="LLZO")]
        assert newer.certificate_id in ids and thin.certificate_id not in ids
        assert thin.certificate_id in [r.certificate_id for r in reg.list_certificates(include_superseded=True)]


def test_sessions_link_to_samples() -> None:
    cert = example_certificate(with_figures=False)
    with Registry() as reg:
        reg.add_certificate(cert)
        reg.add_session("S-001", sample_id=cert.item.sample_id, protocol="film-certification")
        reg.add_session("S-001", sample_id=cert.item.sample_id)  # idempotent
        with reg.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM sessions WHERE sample_pk IS NOT NULL").scalar() == 1


_WORKER = textwrap.dedent("""
    import sys, time, uuid
    from ssbcert.certificate.model import Certificate
    from ssbcert.registry.db import Registry
    url, tag, n, base_path = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    base = Certificate.model_validate_json(open(base_path, encoding="utf-8").read())
    reg = Registry(url)
    t0 = time.perf_counter()
    for i in range(n):
        item = base.item.model_copy(update={"sample_id": f"{tag}-{i % 50}"})
        reg.add_certificate(base.model_copy(update={"certificate_id": f"urn:uuid:{uuid.uuid4()}", "item": item}))
    print("done", tag, round(time.perf_counter() - t0, 2))
""")


def test_two_processes_writing_concurrently_lose_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    base = tmp_path / "base.json"
    base.write_text(example_certificate(with_figures=False).model_dump_json(by_alias=True), encoding="utf-8")
    Registry(url).close()  # schema in place, so both workers start writing at once
    per_process = 500
    start = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-c", _WORKER, url, tag, str(per_process), str(base)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for tag in ("A", "B")]
    outputs = [p.communicate(timeout=180) for p in procs]
    elapsed = time.perf_counter() - start
    for p, (out, err) in zip(procs, outputs):
        assert p.returncode == 0, err[-2000:]
        assert out.startswith("done")
    with Registry(url) as reg:
        assert reg.count() == 2 * per_process
        with reg.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM samples").scalar() == 100
            assert conn.exec_driver_sql("SELECT count(DISTINCT certificate_id) FROM certificates").scalar() == 1000
    print(f"1000 certificates from 2 processes in {elapsed:.1f} s (write loops: {[o.split()[-1] for o, _ in outputs]} s)")
    assert elapsed < 120  # ~8 s on an idle 2-core machine; generous for loaded CI


def test_cli_list_show_search(tmp_path: Path) -> None:
    app = typer.Typer()
    register(app)
    cert = sign(example_certificate(raw_dir=tmp_path / "c" / "raw", with_figures=False))
    path = write_certificate(cert, tmp_path / "c" / "cert.json")
    runner = CliRunner()
    res = runner.invoke(app, ["registry", "add", str(path)])
    assert res.exit_code == 0 and "registered" in res.output
    res = runner.invoke(app, ["registry", "list", "--material", "LLZO"])
    assert res.exit_code == 0 and "LLZO-F-0001" in res.output and "pass" in res.output
    res = runner.invoke(app, ["registry", "search", "F-0001"])
    assert cert.certificate_id.removeprefix("urn:uuid:") in res.output
    res = runner.invoke(app, ["registry", "show", cert.certificate_id])
    assert res.exit_code == 0 and '"sample_id": "LLZO-F-0001"' in res.output
    assert runner.invoke(app, ["registry", "show", "nope"]).exit_code == 1
    path.write_text(path.read_text().replace('"lot":"2026-017"', '"lot":"2026-018"'))
    res = runner.invoke(app, ["registry", "add", str(path)])
    assert res.exit_code == 1 and "item.lot" in res.output


def test_tables_compile_for_postgresql() -> None:
    """No PostgreSQL server in CI: at least the DDL must be valid for that dialect."""
    from sqlalchemy.dialects import postgresql
    from sqlalchemy.schema import CreateTable

    from ssbcert.registry.models import Base

    for table in Base.metadata.sorted_tables:
        ddl = str(CreateTable(table).compile(dialect=postgresql.dialect()))
        assert ddl.startswith("\nCREATE TABLE") and "SERIAL" in ddl


def test_each_film_is_counted_once_by_its_latest_certificate(tmp_path: Path) -> None:
    """60 certificates of 12 films — re-issues with and without `supersedes` links, some at the
    same issue time — are 12 films; the other 48 are counted as superseded and said so."""
    from ssbcert.registry.study import thickness_study

    base = dt.datetime(2026, 11, 20, tzinfo=dt.timezone.utc)
    latest: dict[str, str] = {}
    with Registry() as reg:
        for round_ in range(5):
            for i in range(12):
                sid = f"F-{i:02d}"
                c = example_certificate(thickness_um=2.0 * (i + 1), sigma_total_S_cm=1e-4 * (i + 1) ** 0.5,
                                        sample_id=sid, with_figures=False)
                issued = base + dt.timedelta(days=round_ if round_ < 4 else 3)  # round 4 ties round 3's time
                c = c.model_copy(update={"dates": c.dates.model_copy(update={"issued": issued})})
                if round_ % 2 and sid in latest:  # every other re-issue names its predecessor
                    prev = reg.get_certificate(latest[sid].removeprefix("urn:uuid:"))
                    c = amend(prev, "re-issue", issued=issued)
                reg.add_certificate(c)
                latest[sid] = c.certificate_id
        rows = reg.list_certificates(material="LLZO")
        assert len(rows) == 12 and {r.certificate_id for r in rows} == set(latest.values())
        assert reg.superseded_count(material="LLZO") == 48
        assert len(reg.list_certificates(include_superseded=True)) == 60
        assert reg.latest_certificate("F-03").certificate_id == latest["F-03"]  # type: ignore[union-attr]
        assert reg.latest_certificate("nobody") is None
        study = thickness_study(reg, "LLZO", literature=[])
    assert len(study.films) == 12 and study.superseded == 48
    assert "12 certified film(s)" in study.summary and "48 superseded certificate(s) not counted" in study.summary
    app = typer.Typer()
    register(app)
    out = CliRunner().invoke(app, ["registry", "list", "--material", "LLZO"]).output
    assert "12 film(s), each counted once" in out and "48 superseded" in out
