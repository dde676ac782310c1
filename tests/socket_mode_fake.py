"""Slack's Socket Mode end, as slack_sdk's built-in client sees it, on a loopback port: `apps.connections.open` over
HTTP hands out a WebSocket URL on the same port, whose connection says hello, carries the envelopes a test sends,
answers the client's pings, records its acks, and can be dropped (after which no new connection is accepted)."""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from slack_sdk import WebClient

WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, CLOSE, PING, PONG = 0x1, 0x8, 0x9, 0xA


def _frame(opcode: int, payload: bytes) -> bytes:
    """A server's frame: final, unmasked."""
    n = len(payload)
    header = bytes([0x80 | opcode]) + (
        bytes([n])
        if n < 126
        else bytes([126]) + struct.pack("!H", n)
        if n < 65536
        else bytes([127]) + struct.pack("!Q", n)
    )
    return header + payload


def _read_exactly(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def _read_frame(sock: socket.socket) -> tuple[int, bytes]:
    """A client's frame (always masked)."""
    first, second = _read_exactly(sock, 2)
    n = second & 0x7F
    if n == 126:
        n = struct.unpack("!H", _read_exactly(sock, 2))[0]
    elif n == 127:
        n = struct.unpack("!Q", _read_exactly(sock, 8))[0]
    mask = _read_exactly(sock, 4) if second & 0x80 else b"\0\0\0\0"
    payload = bytes(b ^ mask[i % 4] for i, b in enumerate(_read_exactly(sock, n)))
    return first & 0x0F, payload


class FakeSocketMode:
    def __init__(self) -> None:
        self.acks: list[dict] = []
        self.pings = 0
        self._sock: socket.socket | None = None
        self._send_lock = threading.Lock()
        self._connected = threading.Event()
        self._dropped = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:  # apps.connections.open
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                body = json.dumps(
                    {"ok": False, "error": "invalid_auth"}
                    if fake._dropped.is_set()
                    else {"ok": True, "url": f"ws://127.0.0.1:{fake.port}/link?ticket=1"}
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:  # the WebSocket
                key = self.headers["Sec-WebSocket-Key"]
                accept = base64.b64encode(hashlib.sha1((key + WEBSOCKET_GUID).encode()).digest()).decode()
                self.send_response(101, "Switching Protocols")
                self.send_header("Upgrade", "websocket")
                self.send_header("Connection", "Upgrade")
                self.send_header("Sec-WebSocket-Accept", accept)
                self.end_headers()
                self.wfile.flush()
                fake._serve(self.connection)
                self.close_connection = True

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def web_client(self) -> WebClient:
        """The client Socket Mode asks for its connection URL (apps.connections.open)."""
        return WebClient(base_url=f"http://127.0.0.1:{self.port}/api/")

    def _serve(self, sock: socket.socket) -> None:
        self._sock = sock
        self.send({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0TOUCH"}})
        self._connected.set()
        try:
            while True:
                opcode, payload = _read_frame(sock)
                if opcode == PING:
                    self.pings += 1
                    with self._send_lock:
                        sock.sendall(_frame(PONG, payload))
                elif opcode == TEXT:
                    self.acks.append(json.loads(payload))
                elif opcode == CLOSE:
                    return
        except (ConnectionError, OSError):
            return

    def wait_connected(self, timeout: float = 10) -> None:
        assert self._connected.wait(timeout), "the client did not connect"

    def send(self, envelope: dict) -> None:
        assert self._sock is not None
        with self._send_lock:
            self._sock.sendall(_frame(TEXT, json.dumps(envelope).encode()))

    def drop(self) -> None:
        """Slack goes away: the connection closes and no new one is accepted."""
        self._dropped.set()
        if self._sock is not None:
            self._sock.shutdown(socket.SHUT_RDWR)
            self._sock.close()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
