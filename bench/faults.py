"""Sends per second through the emulator with 10 % of send replies dropped, against no faults,
and the extra status queries each recovered send cost. Loopback only, rate limits off.

Run: .venv/bin/python bench/faults.py [sends per run]
"""

from __future__ import annotations

import os
import sys
import time

import smsc
from smsc.emulator import Emulator

PHONE = "+77011234567"
POLICY = smsc.RetryPolicy(attempts=6, backoff=0.001, max_backoff=0.01, deadline=60)


def run(n: int, drop: float) -> tuple[float, int, int, int]:
    """(sends/s, recovered sends, status requests, messages stored) for n sends."""
    with Emulator(rate_limits=False, ip_blocking=False, seed=1) as emulator:
        emulator.accounts.update("demo", balance=10**9)
        if drop:
            emulator.faults.drop(command="send", probability=drop)
        lookups = 0
        recovered = 0
        with smsc.Client(login="demo", password="demo", base_url=emulator.base_url, retry=POLICY) as client:
            transport = client.transport
            original = transport.request

            def counting(path: str, *args: object, **kwargs: object) -> bytes:
                nonlocal lookups
                lookups += path == "/sys/status.php"
                return original(path, *args, **kwargs)  # type: ignore[arg-type]

            transport.request = counting  # type: ignore[method-assign]
            client.send([PHONE], "warm-up", id=10**9)
            start = time.perf_counter()
            for i in range(1, n + 1):
                recovered += client.send([PHONE], f"message {i}", id=i).recovered
            elapsed = time.perf_counter() - start
        stored = len(emulator.messages())
    return n / elapsed, recovered, lookups, stored - 1


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    print(f"bench/faults.py: {n} sends to distinct ids through the emulator, {os.cpu_count()} CPUs")
    clean, _, clean_lookups, clean_stored = run(n, 0.0)
    faulty, recovered, lookups, stored = run(n, 0.10)
    print(f"no faults          {clean:8.0f} sends/s  status queries {clean_lookups}  stored {clean_stored}")
    print(
        f"10 % replies lost  {faulty:8.0f} sends/s  recovered {recovered}  status queries {lookups}"
        f"  stored {stored}  ({faulty / clean:.2f}x)"
    )
    print(
        f"extra status queries per recovered send: {lookups / max(recovered, 1):.2f}; "
        f"duplicates: {stored - n}, lost: {n - stored if stored < n else 0}"
    )


if __name__ == "__main__":
    main()
