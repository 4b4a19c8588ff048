"""Callbacks: reading one, and the emulator pushing many, each against a baseline run alongside.

1. `smsc.callbacks.Receiver.handle` (verify the md5 signature in constant time, parse into a typed
   StatusEvent, deduplicate, call the handler) of a signed form-encoded status callback, against a
   hand-written handler that does the least a careful one does: parse_qs, md5 compare, int().
2. The emulator's pusher: status callbacks per second delivered to a wsgiref handler (render, sign,
   POST on a new connection, check the OK), against urllib3 POSTing the same bodies to the same
   server on new connections (the floor any pusher pays on this machine).
Run: .venv/bin/python bench/callbacks.py
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
import time
import timeit
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import urllib3

import smsc
from smsc.callbacks import CallbackRequest, Receiver, Verifier, render
from smsc.callbacks.wsgi import wsgi_app
from smsc.emulator import Emulator
from smsc.emulator._service import ApiCall

SECRET = "bench-secret"
MESSAGES = 300  # two status callbacks each: transferred, then delivered


def _hand_written(body: bytes) -> object:
    fields = {k: v[0] for k, v in parse_qs(body.decode("utf-8")).items()}
    expected = hashlib.md5(f"{fields['id']}:{fields['phone']}:{fields['status']}:{SECRET}".encode()).hexdigest()
    if not hmac.compare_digest(expected, fields["md5"]):
        raise ValueError("forged")
    return int(fields["id"]), fields["phone"], int(fields["status"]), int(fields["err"]), int(fields["ts"])


def best(*funcs: Callable[[], object], number: int = 2000, rounds: int = 9) -> list[float]:
    """Seconds per call of each function, best of `rounds`, the functions taking turns in each round."""
    times = [float("inf")] * len(funcs)
    for _ in range(rounds):
        for i, func in enumerate(funcs):
            times[i] = min(times[i], timeit.timeit(func, number=number) / number)
    return times


def bench_receive() -> None:
    event = smsc.StatusEvent(id=101, phone="77011234567", status=smsc.MessageStatus.DELIVERED, cost=None)
    url = "http://127.0.0.1/cb?md5=1&charset=utf-8"
    body = render(event, url, secret=SECRET).body
    request = CallbackRequest(method="POST", query="md5=1&charset=utf-8", body=body)
    receiver = Receiver(lambda e: None, verifier=Verifier(secret=SECRET, algorithm="md5"), store=None)
    assert receiver.handle(request).status == 200
    ours, base = best(lambda: receiver.handle(request), lambda: _hand_written(body))
    print(f"  Receiver.handle         {ours * 1e6:8.1f} us  (verify + typed parse + handler)")
    print(f"  hand-written handler    {base * 1e6:8.1f} us  (parse_qs + md5 + int)")
    print(f"  ratio                   {ours / base:8.2f}x")


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Threads(WSGIServer):
    daemon_threads = True


def _push_round(url: str, received: list[object]) -> tuple[float, list[bytes]]:
    """One emulator pushing 2 x MESSAGES status callbacks: seconds taken, and the bodies it sent."""
    received.clear()
    with Emulator(rate_limits=False, ip_blocking=False) as emulator:
        emulator.accounts.update("demo", balance="100000", callback_url=url)
        service = emulator._service
        for i in range(MESSAGES):
            params = {"login": "demo", "psw": "demo", "phones": "77011234567", "mes": "x", "id": str(i + 1)}
            service.handle(ApiCall("/sys/send.php", params))
        emulator.callbacks.wait(60)
        start = time.perf_counter()
        emulator.advance(10)  # every message: transferred, then delivered
        emulator.callbacks.wait(120)
        seconds = time.perf_counter() - start
        bodies = [c.body for c in emulator.callbacks]
    assert len(received) == len(bodies) == 2 * MESSAGES, (len(received), len(bodies))
    return seconds, bodies


def bench_push(rounds: int = 3) -> None:
    received: list[object] = []
    receiver = Receiver(received.append, verifier=Verifier(secret="demo", algorithm="md5"), store=None)
    server = make_server("127.0.0.1", 0, wsgi_app(receiver), server_class=_Threads, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}/cb?md5=1&charset=utf-8"
    pushed = floor = float("inf")
    try:
        with urllib3.PoolManager(retries=False, timeout=10) as http:
            for _ in range(rounds):  # alternating, so that a load spike hits both sides alike
                seconds, bodies = _push_round(url, received)
                pushed = min(pushed, seconds)
                start = time.perf_counter()
                for raw in bodies:
                    http.request("POST", url, body=raw, headers={"Connection": "close"})
                floor = min(floor, time.perf_counter() - start)
    finally:
        server.shutdown()
        server.server_close()
    count = 2 * MESSAGES
    print(f"  emulator pushes         {count / pushed:8.0f} callbacks/s  (scan, render, sign, POST, OK)")
    print(f"  urllib3 POST, same      {count / floor:8.0f} requests/s   (new connection each)")
    print(f"  ratio                   {floor / pushed:8.2f}x")


def main() -> None:
    print(f"bench/callbacks.py: {os.cpu_count()} CPUs, loopback")
    print("reading one signed status callback (best of 9 interleaved rounds of 2000):")
    bench_receive()
    print(f"the emulator pushing {2 * MESSAGES} status callbacks to a wsgiref handler (best of 3 alternating rounds):")
    bench_push()


if __name__ == "__main__":
    main()
