"""`ssbcert sim serve`: terminators and a pyvisa snippet that works as pasted, --port-base, and a
JSON description for scripts that disappears when serving stops."""
from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from pathlib import Path

import pyvisa


def _free_base(n: int) -> int:
    """A base port with n free ports after it (checked by binding them)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = s.getsockname()[1]
        if base + n > 65535:
            continue
        socks = []
        try:
            for p in range(base, base + n):
                t = socket.socket()
                t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                socks.append(t)
                t.bind(("127.0.0.1", p))
            return base
        except OSError:
            continue
        finally:
            for t in socks:
                t.close()
    raise RuntimeError("no free port range")


def _serve(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "ssbcert", "sim", "serve", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_description_ports_terminators_and_the_pasted_snippet_work(tmp_path: Path) -> None:
    base = _free_base(4)
    desc_file = tmp_path / "bench.json"
    proc = _serve("--port-base", str(base), "--describe", str(desc_file), "--duration-s", "30")
    try:
        out = []
        while not any(line.startswith("serving") for line in out):
            line = proc.stdout.readline()  # type: ignore[union-attr]
            assert line, f"sim serve ended early: {proc.stderr.read()}"  # type: ignore[union-attr]
            out.append(line)
        text = "".join(out)
        desc = json.loads(desc_file.read_text())
        assert [i["port"] for i in desc["instruments"]] == [base, base + 1, base + 2]
        assert desc["control"]["port"] == base + 3
        lakeshore = next(i for i in desc["instruments"] if i["driver"] == "lakeshore_336")
        assert (lakeshore["write_termination"], lakeshore["read_termination"]) == ("\n", "\r\n")
        assert re.search(r"temperature\s+lakeshore_336\s+TCPIP::127\.0\.0\.1::\d+::SOCKET\s+'\\n'\s+'\\r\\n'", text), "terminators are printed"
        rm = pyvisa.ResourceManager("@py")
        for i in desc["instruments"]:
            inst = rm.open_resource(i["resource"], write_termination=i["write_termination"], read_termination=i["read_termination"], timeout=3000)
            assert inst.query(i["identity_query"]).strip(), i["role"]
            inst.close()
        snippet = text[text.index("import pyvisa"):text.index("description for scripts")]
        ran = subprocess.run([sys.executable, "-c", snippet], capture_output=True, text=True, timeout=60)
        assert ran.returncode == 0, ran.stderr
        idn = ran.stdout.splitlines()
        assert len(idn) == 3 and idn[1].startswith("LSCI,MODEL336") and idn[2].startswith("KEITHLEY")
    finally:
        proc.terminate()
        proc.wait(timeout=15)
    assert not desc_file.exists(), "the description is removed when serving stops"


def test_a_busy_port_base_is_one_clear_line(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        r = subprocess.run([sys.executable, "-m", "ssbcert", "sim", "serve", "--port-base", str(port), "--describe", str(tmp_path / "d.json"), "--duration-s", "1"],
                           capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert r.stderr.strip().startswith(f"ssbcert: error: --port-base {port}:") and len(r.stderr.strip().splitlines()) == 1
    assert "Traceback" not in r.stderr and not (tmp_path / "d.json").exists()
