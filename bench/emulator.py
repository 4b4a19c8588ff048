"""Emulator throughput beside a fixed-reply server, and `smsc --help` start-up time.

1. Send requests per second: the same keep-alive urllib3 POST loop against the emulator (its own
   process, started by `smsc emulator --no-limits`, in-memory state) and against the fixed-reply
   server of bench/fixed_server.py (aiohttp, one canned body), alternating rounds in one run.
2. `smsc --help` wall time against `python -c pass`: median of 20 runs each (goal <= 150 ms added).
3. Responsiveness: with 100,000 messages stored, the latency of other clients' status and balance
   requests (4 threads, keep-alive GET) while one hostile client (a process of its own) keeps a
   request in flight: an 80,000-phone send, a query_sm flood over SMPP, a receipt that never becomes
   final with its receiver bound; and, for reference, the heaviest legal request (a send to 1000
   recipients). Goal: p99 < 50 ms under each hostile request.
Loopback only. Run: .venv/bin/python bench/emulator.py [requests per round] [stored messages]
(`bench/emulator.py --responsiveness [stored messages]` runs part 3 alone.)
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.synchronize
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

import urllib3

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from fixed_server import SEND_REPLY, fixed_server

from smsc.smpp._codec import PduReader, decode
from smsc.smpp._pdus import BindTransceiver, QuerySm, SubmitSm

ROUNDS = 3
Stop = multiprocessing.synchronize.Event
MEASURE_SECONDS = 4.0
CLIENTS = 4


@contextmanager
def emulator_process(*extra: str) -> Iterator[tuple[str, int | None]]:
    """`smsc emulator` in its own process, rate limits and IP blocking off; yields its base URL and SMPP port."""
    process = subprocess.Popen(
        [sys.executable, "-m", "smsc.cli", "emulator", "--http-port", "0", "--no-limits", "--balance", "1e12", *extra],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.startswith("smsc emulator: listening on "):
            raise RuntimeError(f"the emulator did not start: {line!r}")
        url = line.split()[4].rstrip(";")
        smpp_port = None
        while "--smpp-port" in extra and smpp_port is None:  # the address lines, up to the SMPP one
            found = re.search(r"SMPP 3\.4 on \S*:(\d+)", process.stdout.readline())
            smpp_port = int(found[1]) if found else None
        yield url, smpp_port
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(10)


def send_loop(url: str) -> Callable[[int], float]:
    pool = urllib3.PoolManager(retries=False, maxsize=1)
    counter = iter(range(1, 10**9))

    def run(n: int) -> float:
        start = time.perf_counter()
        for _ in range(n):
            fields = {
                "login": "demo",
                "psw": "demo",
                "phones": "+77011234567",
                "mes": "Hello",
                "cost": "3",
                "fmt": "3",
                "charset": "utf-8",
                "id": str(next(counter)),
            }
            response = pool.request("POST", url + "/sys/send.php", fields=fields, encode_multipart=False)
            assert response.status == 200 and response.data.startswith(b'{"id"'), response.data
        return n / (time.perf_counter() - start)

    run(50)  # warm up: connect, first requests
    return run


def median_wall(argv: list[str], runs: int = 20) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    print(
        f"bench/emulator.py: {ROUNDS} alternating rounds of {n} send requests, keep-alive POST over loopback, "
        f"{os.cpu_count()} CPUs"
    )
    with emulator_process() as (emulator_url, _), fixed_server(body=SEND_REPLY) as fixed_url:
        emulator, fixed = send_loop(emulator_url), send_loop(fixed_url)
        emulator_rates, fixed_rates = [], []
        for _ in range(ROUNDS):
            emulator_rates.append(emulator(n))
            fixed_rates.append(fixed(n))
    best_emulator, best_fixed = max(emulator_rates), max(fixed_rates)
    print(f"  fixed-reply server  {best_fixed:9.0f} requests/s  (best round)")
    print(f"  emulator            {best_emulator:9.0f} requests/s  (stateful send, SQLite in memory)")
    print(f"  emulator / fixed    {best_emulator / best_fixed:9.2f}x")

    script = Path(sys.executable).parent / "smsc"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "smsc.cli"]
    if not script.exists() and shutil.which("smsc") is None:
        print("  (no smsc console script: measuring python -m smsc.cli)")
    bare = median_wall([sys.executable, "-c", "pass"])
    help_time = median_wall([*command, "--help"])
    print("`smsc --help` start-up, median of 20 runs:")
    print(f"  python -c pass      {bare * 1000:7.1f} ms")
    print(f"  smsc --help         {help_time * 1000:7.1f} ms  (+{(help_time - bare) * 1000:.1f} ms, goal <= 150 ms)")

    stored = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    responsiveness(stored)


# --- 3. responsiveness under one hostile client ------------------------------------------------------


def _phones(start: int, count: int) -> str:
    return ",".join(f"7701{n:07d}" for n in range(start, start + count))


def fill(url: str, stored: int) -> list[tuple[str, str]]:
    """Store `stored` messages (sends to 1000 recipients each); returns some (id, phone) pairs."""
    pool = urllib3.PoolManager(retries=False, timeout=120)
    known = []
    for batch in range(stored // 1000):
        fields = {"login": "demo", "psw": "demo", "phones": _phones(batch * 1000, 1000), "mes": f"fill {batch}"}
        reply = pool.request("POST", url + "/sys/send.php", fields={**fields, "fmt": "1"}, encode_multipart=False)
        known.append((reply.data.split(b",")[1].decode(), f"7701{batch * 1000:07d}"))
    return known


def latencies(url: str, known: list[tuple[str, str]], seconds: float) -> list[float]:
    """Status and balance requests from CLIENTS threads for `seconds`; every latency in seconds."""
    out: list[float] = []
    stop = time.monotonic() + seconds

    def client(seed: int) -> None:
        pool = urllib3.PoolManager(retries=False, timeout=30, maxsize=1)
        rng = random.Random(seed)
        while time.monotonic() < stop:
            message_id, phone = rng.choice(known)
            path = f"/sys/status.php?login=demo&psw=demo&id={message_id}&phone={phone}&fmt=3"
            if rng.random() < 0.3:
                path = "/sys/balance.php?login=demo&psw=demo&fmt=3"
            start = time.perf_counter()
            reply = pool.request("GET", url + path)
            out.append(time.perf_counter() - start)
            assert reply.status == 200 and b"error" not in reply.data, reply.data

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def _smpp(port: int) -> tuple[socket.socket, PduReader]:
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    reader = PduReader(65536)
    sock.sendall(BindTransceiver(system_id="demo", password="demo").encode(1))
    _read(sock, reader)
    return sock, reader


def _read(sock: socket.socket, reader: PduReader) -> object:
    while (frame := reader.next_frame()) is None:
        reader.feed(sock.recv(65536))
    return decode(frame)


def repeated_post(url: str, recipients: int, stop: Stop) -> None:
    """POST one send to `recipients` phones again and again (the body is encoded once)."""
    fields = {"login": "demo", "psw": "demo", "phones": _phones(5_000_000, recipients), "mes": "hostile", "fmt": "1"}
    body = urlencode(fields).encode()
    pool = urllib3.PoolManager(retries=False, timeout=300)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    while not stop.is_set():
        reply = pool.urlopen("POST", url + "/sys/send.php", body=body, headers=headers)
        assert reply.status == 200, reply.status


def query_flood(smpp_port: int, known: list[tuple[str, str]], stop: Stop) -> None:
    sock, reader = _smpp(smpp_port)
    seq = 1
    while not stop.is_set():
        seq += 1
        sock.sendall(QuerySm(message_id=known[seq % len(known)][0]).encode(seq))
        _read(sock, reader)
    sock.close()


def never_final_receipt(smpp_port: int, stop: Stop) -> None:
    sock, reader = _smpp(smpp_port)
    sock.sendall(
        SubmitSm(destination_addr="79990099000", short_message=b"never final", registered_delivery=1).encode(2)
    )
    _read(sock, reader)
    stop.wait()  # the receiver stays bound while the others are measured
    sock.close()


def responsiveness(stored: int) -> None:
    print(f"Responsiveness: {stored} messages stored; {CLIENTS} clients' status/balance latency, {MEASURE_SECONDS:g} s")
    with emulator_process("--smpp-port", "0") as (url, smpp_port):
        assert smpp_port is not None
        start = time.perf_counter()
        known = fill(url, stored)
        print(f"  (stored in {time.perf_counter() - start:.1f} s)")
        hostiles: dict[str, Callable[[Stop], None] | None] = {
            "no hostile client": None,
            "an 80,000-phone send in a loop": lambda stop: repeated_post(url, 80_000, stop),
            "a query_sm flood": lambda stop: query_flood(smpp_port, known, stop),
            "a receipt never final, receiver bound": lambda stop: never_final_receipt(smpp_port, stop),
            "(reference) 1000-recipient sends in a loop": lambda stop: repeated_post(url, 1000, stop),
        }
        forking = multiprocessing.get_context("fork")
        for name, hostile in hostiles.items():
            stop = forking.Event()
            # a process of its own, so that it does not share the measuring clients' interpreter lock
            process = None if hostile is None else forking.Process(target=hostile, args=(stop,))
            if process is not None:
                process.start()
                time.sleep(0.5)  # in flight before the measurement starts
            times = sorted(latencies(url, known, MEASURE_SECONDS))
            stop.set()
            if process is not None:
                process.join(60)
            p50, p99 = times[len(times) // 2], times[int(len(times) * 0.99)]
            verdict = "" if name.startswith("(") else ("  goal met" if p99 < 0.050 else "  goal NOT met")
            print(f"  {name:44s} p50 {p50 * 1000:6.1f} ms  p99 {p99 * 1000:6.1f} ms  ({len(times)} requests){verdict}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--responsiveness":
        responsiveness(int(sys.argv[2]) if len(sys.argv) > 2 else 100_000)
    else:
        main()
