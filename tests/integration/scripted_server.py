"""A tiny real HTTP server answering with scripted answers, to observe retries and headers and to play
a misbehaving gateway: a dribbled answer, a redirect, a connection reset, a huge error body."""
from __future__ import annotations

import socket
import struct
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Answer:
    status: int = 200
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    dribble: float | None = None  # seconds between single bytes of the whole answer, status line included
    head_at_once: bool = False  # with dribble: status line and headers at once, only the body dribbled
    repeat: int = 1  # the body is sent this many times: a huge body without holding it in memory
    reset: bool = False  # no answer: the connection is closed with a TCP reset


class ScriptedServer:
    """Answers each request with the next answer of `script` (an Answer or a (status, body) pair),
    then with the last one."""

    def __init__(self, script: list[Answer | tuple[int, str]]) -> None:
        self.script = [a if isinstance(a, Answer) else Answer(*a) for a in script]
        self.requests: list[dict] = []
        self.stopping = threading.Event()
        self.connections: list[socket.socket] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                server.connections.append(self.connection)

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                server.requests.append({"method": self.command, "path": self.path,
                                        "headers": dict(self.headers), "body": body})
                answer = server.script[min(len(server.requests), len(server.script)) - 1]
                if answer.reset:
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.close_connection = True
                    return
                payload = answer.body.encode()
                head = [f"HTTP/1.1 {answer.status} Scripted", f"Content-Length: {len(payload) * answer.repeat}",
                        *(f"{k}: {v}" for k, v in answer.headers.items())]
                try:
                    self._write(("\r\n".join(head) + "\r\n\r\n").encode(),
                                None if answer.head_at_once else answer.dribble)
                    for _ in range(answer.repeat):
                        if server.stopping.is_set():
                            break
                        self._write(payload, answer.dribble)
                except OSError:
                    self.close_connection = True  # the client hung up: what a test wants to see

            def _write(self, data: bytes, dribble: float | None) -> None:
                if dribble is None:
                    self.wfile.write(data)
                    return
                for i in range(len(data)):
                    if server.stopping.wait(dribble):
                        raise ConnectionAbortedError("server stopping")
                    self.wfile.write(data[i:i + 1])
                    self.wfile.flush()

            do_PUT = do_POST = do_DELETE = do_GET = _answer

            def log_message(self, *args: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            block_on_close = False

        self._http = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._http.server_address[1]}"
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)

    def __enter__(self) -> "ScriptedServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self._http.shutdown()
        self._http.server_close()
        for connection in self.connections:  # kept-alive connections end their handler threads too
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._thread.join(timeout=5)
