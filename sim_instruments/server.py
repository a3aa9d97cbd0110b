"""Serve twins on loopback TCP sockets, the way a LAN instrument or a serial-to-TCP bridge does.

Each twin gets one listening socket; each connection gets a thread that frames the byte stream
into messages by the instrument's input terminators, hands each message to the twin, applies
transport faults and writes the reply. A reply may be bytes, None (no reply), or an iterator of
chunks the twin produces over time (streamed data, e.g. MethodSCRIPT packets).

A control channel (one more socket, JSON lines) lets tests and other processes change the sample,
the temperature stage and the faults of a running bench.
"""
from __future__ import annotations

import json
import logging
import socket
import threading
from typing import Any, Callable, Iterable, Protocol

from ssbcert.sim_instruments.faults import TRANSPORT_KINDS, FaultPlan, FaultRule

Reply = bytes | Iterable[bytes] | None
log = logging.getLogger(__name__)


class TwinDevice(Protocol):
    """What the server needs from a twin."""

    name: str
    input_terminators: tuple[bytes, ...]
    faults: FaultPlan

    def handle(self, message: str) -> Reply: ...

    def device_fault(self, rule: FaultRule) -> None: ...

    def on_disconnect(self) -> None: ...

    # Optional: `interrupt(message) -> bytes | None`. While a streamed reply is being sent, the
    # server reads input between chunks and offers each message to it (a MethodSCRIPT `Z` abort);
    # messages it does not take (None) are handled normally once the stream ends.


class TwinServer:
    def __init__(self, device: TwinDevice, host: str = "127.0.0.1", port: int = 0) -> None:
        self.device = device
        self._sock = socket.create_server((host, port))
        self.host, self.port = self._sock.getsockname()[:2]
        self._stop = threading.Event()
        self._conns: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._accept_loop, name=f"twin-{device.name}", daemon=True)
        self.messages = 0  # messages received (round trips for the benchmark)

    @property
    def resource(self) -> str:
        return f"TCPIP::{self.host}::{self.port}::SOCKET"

    def start(self) -> "TwinServer":
        self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()
        _close_quietly(self._sock)  # shutdown first: a bare close leaves a listener blocked in accept() listening
        with self._lock:
            for c in list(self._conns):
                _close_quietly(c)
            self._conns.clear()

    def drop_connections(self) -> None:
        """Cut every open client connection (cable pulled); the listener stays up for a reconnect."""
        with self._lock:
            for c in list(self._conns):
                _close_quietly(c)
            self._conns.clear()

    # ------------------------------------------------------------------ internals
    def _accept_loop(self) -> None:
        _accept_forever(self._sock, self._stop, self._adopt)

    def _adopt(self, conn: socket.socket) -> None:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._lock:
            self._conns.add(conn)
        self._serve(conn)

    def _split(self, buf: bytes) -> tuple[list[bytes], bytes]:
        terms = self.device.input_terminators
        msgs: list[bytes] = []
        while True:
            idx = [(buf.find(t), t) for t in terms if buf.find(t) >= 0]
            if not idx:
                return msgs, buf
            pos, term = min(idx)
            msgs.append(buf[:pos])
            buf = buf[pos + len(term) :]

    def _serve(self, conn: socket.socket) -> None:
        inbox = bytearray()  # bytes received but not yet framed (also filled while streaming)
        try:
            while not self._stop.is_set():
                try:
                    chunk = conn.recv(65536)
                except OSError:
                    return
                if not chunk:
                    return
                inbox += chunk
                while True:
                    msgs, rest = self._split(bytes(inbox))
                    if not msgs:
                        break
                    raw, tail = msgs[0], bytes(inbox)[len(msgs[0]) :]
                    inbox[:] = tail[self._terminator_len(tail) :]
                    text = raw.decode("latin-1").rstrip("\r")
                    if not self._exchange(conn, text, inbox):
                        return
        finally:
            with self._lock:
                self._conns.discard(conn)
            _close_quietly(conn)
            self.device.on_disconnect()

    def _terminator_len(self, tail: bytes) -> int:
        for t in sorted(self.device.input_terminators, key=len, reverse=True):
            if tail.startswith(t):
                return len(t)
        return 0

    def _poll_interrupts(self, conn: socket.socket, inbox: bytearray) -> bool:
        """Between streamed chunks: read what arrived and let the device act on interrupts now.

        Returns False when the peer closed the connection."""
        interrupt = getattr(self.device, "interrupt", None)
        if interrupt is None:
            return True
        try:
            conn.setblocking(False)
            try:
                data = conn.recv(65536)
            finally:
                conn.setblocking(True)
        except (BlockingIOError, InterruptedError):
            return True
        except OSError:
            return False
        if not data:
            return False
        inbox += data
        msgs, rest = self._split(bytes(inbox))
        keep = b""
        for raw in msgs:
            reply = interrupt(raw.decode("latin-1").rstrip("\r"))
            if reply is None:
                keep += raw + self.device.input_terminators[0]
            else:
                conn.sendall(reply)
        inbox[:] = keep + rest
        return True

    def _exchange(self, conn: socket.socket, text: str, inbox: bytearray | None = None) -> bool:
        self.messages += 1
        rules = self.device.faults.triggered(text)
        for rule in rules:
            if rule.kind not in TRANSPORT_KINDS:
                self.device.device_fault(rule)
        if any(r.kind == "disconnect" for r in rules):
            return False
        try:
            reply = self.device.handle(text)
        except Exception:  # a twin bug must not kill the connection thread: log it, send nothing
            log.exception("%s: handling %r failed", self.device.name, text)
            return True
        if reply is None or any(r.kind == "no_reply" for r in rules):
            return True
        for rule in rules:
            if rule.kind == "delay":
                self._stop.wait(float(rule.params.get("seconds", 1.0)))
        garble = any(r.kind == "garble" for r in rules)
        streamed = not isinstance(reply, (bytes, bytearray))
        chunks = reply if streamed else [reply]
        try:
            for chunk in chunks:
                if garble and chunk:
                    chunk = self.device.faults.garble(bytes(chunk))
                    garble = False
                if chunk:
                    conn.sendall(chunk)
                if streamed and inbox is not None and not self._poll_interrupts(conn, inbox):
                    return False
        except OSError:
            return False
        return True


def _accept_forever(sock: socket.socket, stop: threading.Event, serve: Callable[[socket.socket], None]) -> None:
    """Accept connections until `stop` is set or the socket closes; one daemon thread per connection."""
    try:
        sock.settimeout(0.2)
    except OSError:  # closed before this thread started
        return
    while not stop.is_set():
        try:
            conn, _ = sock.accept()
        except socket.timeout:
            continue
        except OSError:
            return
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


def _close_quietly(conn: socket.socket) -> None:
    try:
        conn.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        conn.close()
    except OSError:
        pass


class ControlServer:
    """JSON-lines control channel: {"op": ..., ...} → {"ok": true, ...} or {"ok": false, "error": ...}."""

    def __init__(self, handler: Callable[[dict[str, Any]], dict[str, Any]], host: str = "127.0.0.1", port: int = 0):
        self._handler = handler
        self._sock = socket.create_server((host, port))
        self.host, self.port = self._sock.getsockname()[:2]
        self._stop = threading.Event()
        threading.Thread(target=self._loop, daemon=True, name="twin-control").start()

    def close(self) -> None:
        self._stop.set()
        _close_quietly(self._sock)

    def _loop(self) -> None:
        _accept_forever(self._sock, self._stop, self._serve)

    def _serve(self, conn: socket.socket) -> None:
        try:
            with conn, conn.makefile("rwb") as f:
                for line in f:
                    try:
                        out = {"ok": True, **self._handler(json.loads(line))}
                    except ValueError as exc:  # a refused request (ControlError) or bad JSON: its reason
                        out = {"ok": False, "error": str(exc)}
                    except Exception as exc:  # report, never kill the channel
                        out = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
                    f.write(json.dumps(out, default=str).encode() + b"\n")
                    f.flush()
        except OSError:  # the client went away mid-reply
            pass


def control_request(host: str, port: int, request: dict[str, Any], timeout_s: float = 5.0) -> dict[str, Any]:
    """Client side of the control channel (used by tests and `ssbcert sim` users)."""
    with socket.create_connection((host, port), timeout=timeout_s) as s, s.makefile("rwb") as f:
        f.write(json.dumps(request).encode() + b"\n")
        f.flush()
        return json.loads(f.readline())
