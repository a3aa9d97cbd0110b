"""Byte transport to one instrument: PyVISA resources with logging, timeouts and reconnects.

Drivers never touch pyvisa directly; they get a Transport. That keeps three things in one place:
every exchange is handed to an I/O recorder (the session transcript that replay later serves
back), timeouts are typed so drivers can resynchronise, and a dropped connection is reopened
with bounded retries and backoff.
"""
from __future__ import annotations

import select
import socket
import time
from dataclasses import dataclass
from typing import Any, Callable, Protocol

from ssbcert.errors import InstrumentError


class IORecorder(Protocol):
    def record(self, resource: str, direction: str, data: bytes) -> None: ...


class TransportTimeout(InstrumentError):
    """No (complete) reply within the timeout: the stream may now be out of step."""


class ConnectionLost(InstrumentError):
    """The link dropped and could not be reopened within the retry budget."""


@dataclass
class TransportConfig:
    resource: str
    read_termination: str = "\n"
    write_termination: str = "\n"
    timeout_s: float = 5.0
    visa_library: str = "@py"
    reconnect_attempts: int = 3
    reconnect_backoff_s: float = 0.2
    serial: dict[str, Any] | None = None  # baud_rate, data_bits, parity, stop_bits for ASRL


class Transport:
    """Interface every transport implements (live VISA, or a replayed transcript)."""

    resource: str
    recorder: IORecorder | None = None

    def write(self, text: str) -> None:
        raise NotImplementedError

    def read(self, timeout_s: float | None = None) -> str:
        raise NotImplementedError

    def read_bytes_until_block_end(self, timeout_s: float | None = None) -> bytes:
        raise NotImplementedError

    def query(self, text: str, timeout_s: float | None = None) -> str:
        self.write(text)
        return self.read(timeout_s)

    def drain(self, quiet_s: float = 0.1) -> bytes:
        """Discard anything still arriving (a late reply) until the line is quiet."""
        raise NotImplementedError

    @staticmethod
    def _no_delay(res: Any) -> None:
        """Disable Nagle on raw sockets: a reply-less write followed by a query would otherwise wait
        for the instrument's delayed ACK (~40 ms per exchange)."""
        import socket

        try:  # pyvisa-py registers no setter for VI_ATTR_TCPIP_NODELAY, so reach its socket
            sock = res.visalib.sessions[res.session].interface
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except Exception:  # other backends keep their default
            pass

    def reopen(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


def _is_disconnect(exc: BaseException) -> bool:
    try:
        from pyvisa import constants
        from pyvisa.errors import VisaIOError
    except ImportError:  # pragma: no cover
        return isinstance(exc, (ConnectionError, BrokenPipeError))
    if isinstance(exc, VisaIOError):
        return exc.error_code in (
            constants.StatusCode.error_connection_lost,
            constants.StatusCode.error_io,
            constants.StatusCode.error_resource_not_found,
            constants.StatusCode.error_closing_failed,
            constants.StatusCode.error_invalid_object,
        )
    return isinstance(exc, (ConnectionError, BrokenPipeError, OSError))


def _socket_of(res: Any) -> tuple[Any, Any]:
    """(socket, pyvisa-py session) of a raw-socket resource, or (None, None) on other backends."""
    try:
        session = res.visalib.sessions[res.session]
        sock = session.interface
    except Exception:
        return None, None
    return (sock, session) if isinstance(sock, socket.socket) else (None, None)


def _check_connected(res: Any, resource: str) -> None:
    """pyvisa-py reports a refused TCP connect as opened; the first write would then fail. Ask the
    socket itself, so an unreachable instrument is found when it is opened."""
    import os

    sock, _ = _socket_of(res)
    if sock is None:
        return
    err = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    try:
        if not err:
            sock.getpeername()
    except OSError as exc:
        err = exc.errno or -1
    if err:
        try:
            res.close()
        except Exception:
            pass
        raise ConnectionLost(resource, f"cannot open: {os.strerror(err) if err > 0 else 'not connected'}")


def _is_timeout(exc: BaseException) -> bool:
    try:
        from pyvisa import constants
        from pyvisa.errors import VisaIOError
    except ImportError:  # pragma: no cover
        return False
    return isinstance(exc, VisaIOError) and exc.error_code == constants.StatusCode.error_timeout


class VisaTransport(Transport):
    """A PyVISA message-based resource (TCPIP INSTR/SOCKET, GPIB, ASRL, USB)."""

    _managers: dict[str, Any] = {}

    def __init__(self, config: TransportConfig, recorder: IORecorder | None = None) -> None:
        self.config = config
        self.resource = config.resource
        self.recorder = recorder
        self._res: Any = None
        self.round_trips = 0
        self._lost_since: float | None = None  # monotonic time the link was first found down
        self._open()

    # ---- connection ---------------------------------------------------------------------
    @classmethod
    def _manager(cls, library: str) -> Any:
        import pyvisa

        if library not in cls._managers:
            cls._managers[library] = pyvisa.ResourceManager(library)
        return cls._managers[library]

    def _open(self, open_timeout_s: float | None = None) -> None:
        rm = self._manager(self.config.visa_library)
        wait_s = self.config.timeout_s if open_timeout_s is None else max(open_timeout_s, 0.05)
        try:
            res = rm.open_resource(self.resource, open_timeout=int(wait_s * 1000))
        except Exception as exc:
            raise ConnectionLost(self.resource, f"cannot open: {exc}") from exc
        res.read_termination = self.config.read_termination
        res.write_termination = self.config.write_termination
        res.timeout = int(self.config.timeout_s * 1000)
        if self.resource.upper().endswith("::SOCKET"):
            try:  # no Nagle delay: a write that follows a write would otherwise wait ~40 ms for an ACK
                from pyvisa import constants

                res.set_visa_attribute(constants.ResourceAttribute.tcpip_nodelay, True)
            except Exception:
                pass
        if self.resource.upper().endswith("::SOCKET"):
            self._no_delay(res)
        if self.config.serial and self.resource.upper().startswith("ASRL"):
            for key, value in self.config.serial.items():
                setattr(res, key, value)
        _check_connected(res, self.resource)
        self._res = res

    def reopen(self) -> None:
        """Close (not the shared ResourceManager) and reopen with backoff, within a budget of one
        timeout counted from the first loss: a link that stays down ends the step promptly, with
        the reason "connection lost", instead of after attempts × timeouts."""
        self.close()
        if self._lost_since is None:
            self._lost_since = time.monotonic()
        deadline = self._lost_since + self.config.timeout_s
        last: Exception | None = None
        attempts = 0
        while attempts < self.config.reconnect_attempts:
            wait = self.config.reconnect_backoff_s * (2**attempts)
            if attempts and time.monotonic() + wait >= deadline:
                break
            if not attempts and time.monotonic() >= deadline:
                break  # the budget was spent by earlier recoveries of this same loss
            time.sleep(wait)
            attempts += 1
            try:
                self._open(deadline - time.monotonic())
                self._lost_since = None
                self._log("event", b"reconnected")
                return
            except ConnectionLost as exc:
                last = exc
        down = time.monotonic() - self._lost_since
        raise ConnectionLost(
            self.resource, f"connection lost: no reconnect within {down:.1f} s ({attempts} attempts)" + (f"; last: {last}" if last else "")
        )

    def close(self) -> None:
        if self._res is not None:
            try:
                self._res.close()
            except Exception:
                pass
            self._res = None

    # ---- I/O ------------------------------------------------------------------------------
    def _log(self, direction: str, data: bytes) -> None:
        if self.recorder is not None:
            self.recorder.record(self.resource, direction, data)

    def _guard(self, what: str, fn: Callable[[], Any], command: str | None = None) -> Any:
        if self._res is None:
            raise ConnectionLost(self.resource, "not connected", command)
        try:
            return fn()
        except Exception as exc:
            if _is_timeout(exc):
                self._log("timeout", (command or what).encode())
                raise TransportTimeout(self.resource, f"timeout during {what}", command) from exc
            if _is_disconnect(exc):
                self._log("disconnect", (command or what).encode())
                raise ConnectionLost(self.resource, f"connection lost during {what}: {exc}", command) from exc
            raise

    def _await_reply(self, timeout_s: float) -> None:
        """On a raw socket, wait for the first reply byte here, so a peer that closed (EOF) or
        reset the connection is seen at once instead of after the whole timeout (pyvisa-py keeps
        polling a closed socket until its timeout ends). Other resources: nothing to do."""
        sock, session = _socket_of(self._res)
        if sock is None or getattr(session, "_pending_buffer", None):
            return
        deadline = time.monotonic() + timeout_s
        while True:
            left = deadline - time.monotonic()
            readable = select.select([sock], [], [], max(left, 0.0))[0]
            if not readable:
                from pyvisa import constants
                from pyvisa.errors import VisaIOError

                raise VisaIOError(constants.StatusCode.error_timeout)  # what pyvisa's read would raise
            try:
                peek = sock.recv(1, socket.MSG_PEEK)
            except BlockingIOError:
                continue
            if not peek:
                raise ConnectionResetError("the instrument closed the connection (EOF)")
            return

    def write(self, text: str) -> None:
        self._log("write", text.encode("latin-1"))
        self._guard("write", lambda: self._res.write(text), text)

    def write_raw(self, data: bytes) -> None:
        self._log("write", data)
        self._guard("write", lambda: self._res.write_raw(data), data.decode("latin-1", "replace"))

    def read(self, timeout_s: float | None = None) -> str:
        def do() -> str:
            self._await_reply(timeout_s if timeout_s is not None else self._res.timeout / 1000.0)
            if timeout_s is not None:
                old = self._res.timeout
                self._res.timeout = int(timeout_s * 1000)
                try:
                    return self._res.read_raw()
                finally:
                    if self._res is not None:
                        self._res.timeout = old
            return self._res.read_raw()

        raw: bytes = self._guard("read", do)
        self.round_trips += 1
        self._log("read", raw)
        text = raw.decode("latin-1")
        term = self.config.read_termination
        if term and text.endswith(term):
            text = text[: -len(term)]
        return text.rstrip("\r\n") if term in ("\n", "\r\n") else text

    def read_bytes_until_block_end(self, timeout_s: float | None = None) -> bytes:
        """Read one IEEE 488.2 definite-length block plus its terminator (may contain term bytes)."""

        def do() -> bytes:
            res = self._res
            old = res.timeout
            self._await_reply(timeout_s if timeout_s is not None else old / 1000.0)
            if timeout_s is not None:
                res.timeout = int(timeout_s * 1000)
            try:
                head = res.read_bytes(2)
                if head[:1] != b"#":
                    rest = res.read_raw()
                    return head + rest
                n = int(head[1:2])
                length = int(res.read_bytes(n))
                payload = res.read_bytes(length)
                term = res.read_bytes(len(self.config.read_termination))
                return head + str(length).encode() + payload + term
            finally:
                if self._res is not None:
                    res.timeout = old

        raw: bytes = self._guard("read", do)
        self.round_trips += 1
        self._log("read", raw)
        return raw

    def drain(self, quiet_s: float = 0.1) -> bytes:
        if self._res is None:
            return b""
        got = b""
        old = self._res.timeout
        try:
            self._res.timeout = int(quiet_s * 1000)
            while True:
                try:
                    chunk = self._res.read_raw()
                except Exception:
                    break
                if not chunk:
                    break
                got += chunk
        finally:
            if self._res is not None:
                self._res.timeout = old
        if got:
            self._log("drained", got)
        return got
