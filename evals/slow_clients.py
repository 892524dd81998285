"""`python -m evals.slow_clients --port PORT`: how a running server (or its edge) treats slow and idle clients.

Raw-socket probes, every wait capped at `--cap` seconds (20 by default):

1. idle: a connection that sends nothing — seconds until the server closes it;
2. slow headers: a request line, then one header byte every 0.5 s — seconds until closed;
3. short body: a POST announcing 200 bytes and sending 20 — seconds until an answer or close, status;
4. keep-alive idle: one whole request, then silence — seconds until closed;
5. many idle sockets: 400 of them open, then GET /healthz on a new one — status and latency;
6. cap: 80 requests whose bodies never come, then a new request — its status and Retry-After.

Prints one JSON object. Used to choose the edge (docs/benchmarks.md, « Slow and idle clients »).
"""

from __future__ import annotations

import argparse
import json
import resource
import select
import socket
import sys
import threading
import time

HOST = "127.0.0.1"
STALLED = (
    b"POST /v1/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n"
    b'{"question": "aide d'
)


def _status(data: bytes) -> int | None:
    try:
        return int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else None
    except (IndexError, ValueError):
        return None


def _header(data: bytes, name: bytes) -> str | None:
    for line in data.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]:
        key, _, value = line.partition(b":")
        if key.strip().lower() == name:
            return value.strip().decode("latin-1")
    return None


def _until_closed(sock: socket.socket, cap: float, feed: bytes = b"", every: float = 0.5) -> dict[str, object]:
    """Wait until the server closes `sock` (feeding it one byte of `feed` every `every` s, if given)."""
    started = time.monotonic()
    data = b""
    sent = 0
    while (elapsed := time.monotonic() - started) < cap:
        ready, _, _ = select.select([sock], [], [], min(every, cap - elapsed))
        if ready:
            try:
                chunk = sock.recv(65536)
            except OSError:
                chunk = b""
            if not chunk:
                return {"closed_s": round(time.monotonic() - started, 1), "status": _status(data)}
            data += chunk
        elif feed:
            try:
                sock.send(feed[sent % len(feed) : sent % len(feed) + 1])
                sent += 1
            except OSError:
                return {"closed_s": round(time.monotonic() - started, 1), "status": _status(data)}
    return {"closed_s": None, "status": _status(data)}


def _connect(port: int, timeout: float = 5.0) -> socket.socket:
    return socket.create_connection((HOST, port), timeout=timeout)


def _get(port: int, path: str = "/healthz", cap: float = 10.0) -> dict[str, object]:
    started = time.monotonic()
    try:
        with _connect(port, cap) as sock:
            sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
            data = b""
            while b"\r\n\r\n" not in data and time.monotonic() - started < cap:
                if not select.select([sock], [], [], cap)[0]:
                    break
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
    except OSError as exc:
        return {"status": None, "error": type(exc).__name__}
    return {
        "status": _status(data),
        "ms": round((time.monotonic() - started) * 1000, 1) if data else None,
        "retry_after": _header(data, b"retry-after"),
    }


def probe(port: int, cap: float = 20.0) -> dict[str, object]:
    """The six probes against 127.0.0.1:`port`; the first four run at once."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(4096, hard) if hard != resource.RLIM_INFINITY else 4096, hard))
    results: dict[str, object] = {}

    def idle() -> None:
        with _connect(port) as sock:
            results["idle"] = _until_closed(sock, cap)

    def slow_headers() -> None:
        with _connect(port) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            results["slow_headers"] = _until_closed(sock, cap, feed=b"X-Slow: " + b"a" * 100)

    def short_body() -> None:
        with _connect(port) as sock:
            sock.sendall(STALLED)
            results["short_body"] = _until_closed(sock, cap)

    def keepalive_idle() -> None:
        with _connect(port) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            time.sleep(0.2)
            sock.recv(65536)
            results["keepalive_idle"] = _until_closed(sock, cap)

    threads = [threading.Thread(target=f) for f in (idle, slow_headers, short_body, keepalive_idle)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(cap + 10)
    for name, count, payload in (("many_idle", 400, b""), ("cap", 80, STALLED)):
        held = []
        for _ in range(count):
            try:
                sock = _connect(port, 3)
                if payload:
                    sock.sendall(payload)
                held.append(sock)
            except OSError:
                pass
        time.sleep(0.5)
        results[name] = {"held": len(held), **_get(port, cap=min(cap, 10.0))}
        for sock in held:
            sock.close()
        time.sleep(1.0)
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.slow_clients", description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True, help="port of the server on 127.0.0.1")
    parser.add_argument("--cap", type=float, default=20.0, help="longest wait of one probe, in seconds")
    args = parser.parse_args(argv)
    started = time.monotonic()
    results = probe(args.port, args.cap)
    results["took_s"] = round(time.monotonic() - started, 1)
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
