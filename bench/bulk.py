"""Bulk sending over HTTPS to the fixed-reply server: the seed library's style, sequential Client.send,
Client.send_many and AsyncClient.send_many at concurrency 14; and the peak memory of a run over a
generator of 1,000,000 messages (a stub transport, in a fresh process).

Run: .venv/bin/python bench/bulk.py [sends]      (default 10,000; the seed style runs a tenth of it)
"""

from __future__ import annotations

import asyncio
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fixed_server import fixed_server, tls_files
from http_send import seed_style, trusted_context

import smsc

PHONE = "+77011234567"


def _messages(n: int) -> object:
    return (smsc.Message(PHONE, f"Order {i} is ready") for i in range(n))


def sequential(url: str, ca_file: str, n: int) -> float:
    with smsc.Client(login="demo", password="demo", base_url=url, ssl_context=trusted_context(ca_file)) as client:
        client.send([PHONE], "warm up")
        start = time.perf_counter()
        for i in range(n):
            client.send([PHONE], f"Order {i} is ready")
        return n / (time.perf_counter() - start)


def send_many(url: str, ca_file: str, n: int) -> float:
    context = trusted_context(ca_file)
    with smsc.Client(login="demo", password="demo", base_url=url, ssl_context=context, pool_size=14) as client:
        start = time.perf_counter()
        run = client.send_many(_messages(n), concurrency=14)  # type: ignore[arg-type]
        sent = sum(r.ok for r in run)
        assert sent == n, run.summary
        return n / (time.perf_counter() - start)


def async_send_many(url: str, ca_file: str, n: int) -> float | None:
    async_client = getattr(smsc, "AsyncClient", None)
    if async_client is None:
        return None

    async def go() -> float:
        context = trusted_context(ca_file)
        async with async_client(login="demo", password="demo", base_url=url, ssl_context=context) as client:
            start = time.perf_counter()
            sent = 0
            async for result in client.send_many(_messages(n), concurrency=14):
                sent += result.ok
            assert sent == n
            return n / (time.perf_counter() - start)

    return asyncio.run(go())


def seed(url: str, ca_file: str, n: int) -> float:
    call = seed_style(url, ca_file)
    call()
    start = time.perf_counter()
    for _ in range(n):
        call()
    return n / (time.perf_counter() - start)


_MEMORY = """
import resource, sys, time
import smsc
from smsc.bulk import BulkRun
n = int(sys.argv[1])
reply = smsc.SendResult(id=1, sms_count=1)
def send(message, message_id):
    return reply
def lookup(message, message_id):
    return None
messages = (smsc.Message("+77011234567", f"Order {i} is ready") for i in range(n))
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
done = sum(1 for r in BulkRun(send, lookup, messages, concurrency=14) if r.ok)
elapsed = time.perf_counter() - start
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
assert done == n
print(before, after, elapsed)
"""


def memory(n: int) -> tuple[float, float, float]:
    """(peak RSS in MB before the run, at its end, messages per second) of a run over n messages."""
    done = subprocess.run([sys.executable, "-c", _MEMORY, str(n)], capture_output=True, text=True, check=True)
    before, after, elapsed = done.stdout.split()
    return int(before) / 1024, int(after) / 1024, n / float(elapsed)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    print(f"bench/bulk.py: {n} sends over HTTPS to the fixed-reply server (its own process), {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as tmp:
        cert_file, key_file, ca_file = tls_files(tmp)
        with fixed_server((cert_file, key_file)) as url:
            cpu = resource.getrusage(resource.RUSAGE_SELF)
            rates = {
                "seed style (new TLS connection per GET)": seed(url, str(ca_file), max(n // 10, 50)),
                "Client.send, sequential": sequential(url, str(ca_file), n),
                "Client.send_many, concurrency 14": send_many(url, str(ca_file), n),
                "AsyncClient.send_many, concurrency 14": async_send_many(url, str(ca_file), n),
            }
            used = resource.getrusage(resource.RUSAGE_SELF)
    base_seed = rates["seed style (new TLS connection per GET)"]
    base_seq = rates["Client.send, sequential"]
    assert base_seed is not None and base_seq is not None
    for name, value in rates.items():
        if value is None:
            print(f"  {name:<42} (not available)")
            continue
        print(f"  {name:<42} {value:>8.0f}/s  {value / base_seed:>6.1f}x seed  {value / base_seq:>5.2f}x sequential")
    print(f"  client process CPU: {used.ru_utime - cpu.ru_utime + used.ru_stime - cpu.ru_stime:.1f} s in all")
    before, after, speed = memory(1_000_000)
    print(
        f"1,000,000 queued messages (stub transport): peak RSS {before:.0f} MB before, {after:.0f} MB at the end"
        f" (+{after - before:.0f} MB), {speed:.0f} messages/s"
    )


if __name__ == "__main__":
    main()
