"""Emulator throughput beside a fixed-reply server, and `smsc --help` start-up time.

1. Send requests per second: the same keep-alive urllib3 POST loop against the emulator (its own
   process, started by `smsc emulator --no-limits`, in-memory state) and against the fixed-reply
   server of bench/fixed_server.py (aiohttp, one canned body), alternating rounds in one run.
2. `smsc --help` wall time against `python -c pass`: median of 20 runs each (goal <= 150 ms added).
Loopback only. Run: .venv/bin/python bench/emulator.py [requests per round]
"""

from __future__ import annotations

import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import urllib3

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fixed_server import SEND_REPLY, fixed_server

ROUNDS = 3


@contextmanager
def emulator_process() -> Iterator[str]:
    """`smsc emulator` in its own process, rate limits and IP blocking off; yields its base URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "smsc.cli", "emulator", "--http-port", "0", "--no-limits", "--balance", "1000000000"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.startswith("smsc emulator: listening on "):
            raise RuntimeError(f"the emulator did not start: {line!r}")
        yield line.split()[4].rstrip(";")
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
    with emulator_process() as emulator_url, fixed_server(body=SEND_REPLY) as fixed_url:
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


if __name__ == "__main__":
    main()
