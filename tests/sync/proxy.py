"""A TCP proxy on loopback that injects faults into HTTP/1.1 connections, one plan per
connection: cut mid-request, cut mid-response, delay, or send the request twice."""

from __future__ import annotations

import socket
import threading
import time
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class Fault:
    kind: str  # pass | cut_request | cut_response | delay | duplicate
    after_bytes: int = 0
    seconds: float = 0.0


PASS = Fault("pass")


def _read_request(conn: socket.socket) -> bytes:
    """One whole HTTP request (headers and a Content-Length body), or b"" at EOF."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return b""
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def _read_response(conn: socket.socket) -> bytes:
    return _read_request(conn)  # same framing: our server always sends Content-Length


class Proxy:
    """Listens on 127.0.0.1; connection n follows `plan[n]` (then PASS)."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.plan: deque[Fault] = deque()
        self.connections = 0
        self.requests_forwarded = 0
        self.forwarded = threading.Event()
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port = self._listener.getsockname()[1]
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self._stop = True
        self._listener.close()

    def _upstream(self) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.upstream_port), timeout=30)

    def _serve(self) -> None:
        while not self._stop:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            fault = self.plan.popleft() if self.plan else PASS
            self.connections += 1
            threading.Thread(target=self._handle, args=(client, fault), daemon=True).start()

    def _handle(self, client: socket.socket, fault: Fault) -> None:
        try:
            with client:
                upstream = self._upstream()
                with upstream:
                    while True:
                        request = _read_request(client)
                        if not request:
                            return
                        if fault.kind == "cut_request":
                            upstream.sendall(request[: fault.after_bytes])
                            return
                        if fault.kind == "delay":
                            time.sleep(fault.seconds)
                        upstream.sendall(request)
                        self.requests_forwarded += 1
                        self.forwarded.set()
                        if fault.kind == "duplicate":
                            with self._upstream() as twin:
                                twin.sendall(request)
                                _read_response(twin)
                        response = _read_response(upstream)
                        if not response:
                            return
                        if fault.kind == "cut_response":
                            client.sendall(response[: fault.after_bytes])
                            return
                        if fault.kind == "delay":
                            time.sleep(fault.seconds)
                        client.sendall(response)
                        fault = PASS if fault.kind != "delay" else fault
        except OSError:
            return
