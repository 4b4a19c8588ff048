"""The client against hostile replies: peak memory for a 1 GiB reply and a gzip bomb, and deadline overrun.

    python bench/hostile_reply.py

A server in its own process answers every request with one of the hostile replies; each case runs a
fresh client process (so that its peak RSS is its own) calling Client.balance() once. Printed: the
error raised, the time taken and the client's peak RSS against a baseline process that only imported
smsc and made one ordinary call.
"""

from __future__ import annotations

import gzip
import json
import multiprocessing
import os
import resource
import socket
import subprocess
import sys
import time

GIB = 1 << 30
CHUNK = b"7" * (1 << 20)
CASES = {
    "ordinary": "a 40-byte JSON reply (baseline)",
    "length": "Content-Length: 1 GiB, then 1 GiB of body",
    "stream": "no Content-Length, 1 GiB until the connection closes",
    "chunked": "chunked, 1 GiB in 1 MiB chunks",
    "gzip": "Content-Encoding: gzip, about 1 MiB inflating to 1 GiB",
    "drip-headers": "headers one byte a second (timeout=(2, 3), deadline 5)",
    "drip-body": "body one byte a second (timeout=(2, 3), deadline 5)",
}


def _serve(sock: socket.socket) -> None:
    import threading

    bomb = gzip.compress(bytes(GIB), compresslevel=9)  # ~1 MB that inflates to 1 GiB (built in the server only)

    def handle(conn: socket.socket) -> None:
        try:
            data = b""
            while b"\r\n\r\n" not in data:
                data += conn.recv(65536)
            case = data.split(b"\r\n\r\n", 1)[0].split(b"X-Case: ", 1)[1].split(b"\r\n")[0].decode()
            head = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
            if case == "ordinary":
                body = b'{"balance": "5.00", "currency": "KZT"}'
                conn.sendall(head + b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
            elif case == "length":
                conn.sendall(head + b"Content-Length: %d\r\n\r\n" % GIB)
                for _ in range(GIB // len(CHUNK)):
                    conn.sendall(CHUNK)
            elif case == "stream":
                conn.sendall(head + b"Connection: close\r\n\r\n")
                for _ in range(GIB // len(CHUNK)):
                    conn.sendall(CHUNK)
            elif case == "chunked":
                conn.sendall(head + b"Transfer-Encoding: chunked\r\n\r\n")
                for _ in range(GIB // len(CHUNK)):
                    conn.sendall(b"%x\r\n%s\r\n" % (len(CHUNK), CHUNK))
                conn.sendall(b"0\r\n\r\n")
            elif case == "gzip":
                conn.sendall(head + b"Content-Encoding: gzip\r\nContent-Length: %d\r\n\r\n%s" % (len(bomb), bomb))
            elif case.startswith("drip"):
                body = b'{"balance": "5.00", "currency": "KZT"}'
                reply = head + b"Content-Length: %d\r\n\r\n" % len(body)
                if case == "drip-body":
                    conn.sendall(reply)
                    reply = body
                else:
                    reply += body
                for byte in reply:
                    conn.sendall(bytes([byte]))
                    time.sleep(1.0)
        except OSError:
            pass
        finally:
            conn.close()

    while True:
        conn, _ = sock.accept()
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


def client(case: str, port: int) -> None:
    import smsc

    options: dict[str, object] = {"retry": smsc.RetryPolicy(attempts=1, deadline=5)}
    if case.startswith("drip"):
        options["timeout"] = (2, 3)
    c = smsc.Client(login="demo", password="secret-pw", base_url=f"http://127.0.0.1:{port}", **options)  # type: ignore[arg-type]
    c.transport._headers["X-Case"] = case  # type: ignore[attr-defined]
    c.transport._form_headers["X-Case"] = case  # type: ignore[attr-defined]
    start = time.monotonic()
    try:
        c.balance()
        outcome = "ok"
    except smsc.SmscError as exc:
        outcome = f"{type(exc).__name__}: {str(exc)[:110]}"
    took = time.monotonic() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"case": case, "outcome": outcome, "seconds": round(took, 2), "peak_rss_kib": rss}))


def main() -> None:
    sock = socket.create_server(("127.0.0.1", 0))
    server = multiprocessing.Process(target=_serve, args=(sock,), daemon=True)
    server.start()
    port = sock.getsockname()[1]
    print(f"{os.cpu_count()} CPUs; server pid {server.pid}; each case in a fresh client process")
    results = {}
    try:
        for case in CASES:
            out = subprocess.run(
                [sys.executable, __file__, "client", case, str(port)], capture_output=True, text=True, timeout=120
            )
            line = (
                out.stdout.strip().splitlines()[-1] if out.stdout.strip() else json.dumps({"error": out.stderr[-300:]})
            )
            results[case] = json.loads(line)
    finally:
        server.terminate()
    base = results["ordinary"]["peak_rss_kib"]
    print(f"{'case':<13} {'peak RSS':>9} {'over baseline':>14} {'seconds':>8}  outcome")
    for case, r in results.items():
        if "peak_rss_kib" not in r:
            print(f"{case:<13} failed: {r}")
            continue
        over = (r["peak_rss_kib"] - base) / 1024
        print(f"{case:<13} {r['peak_rss_kib'] / 1024:>7.1f}MB {over:>12.1f}MB {r['seconds']:>8.2f}  {r['outcome']}")
        print(f"{'':<13} ({CASES[case]})")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "client":
        client(sys.argv[2], int(sys.argv[3]))
    else:
        main()
