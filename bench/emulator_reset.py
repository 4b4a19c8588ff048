"""What the pytest plugin's `smsc_emulator` costs per test: `emulator.reset()` against starting and
stopping a fresh Emulator, each followed by one send so the emulator is really usable. Median of
rounds that interleave both, so a busy machine slows both alike; prints the ratio.
Run: .venv/bin/python bench/emulator_reset.py
"""

from __future__ import annotations

import statistics
import time

import smsc
from smsc.emulator import Emulator

ROUNDS = 15
PER_ROUND = 10


def _send(emulator: Emulator) -> None:
    """One send from a new client, as the plugin's per-test smsc_client makes."""
    with smsc.Client(login="demo", password="demo", base_url=emulator.base_url, timeout=5) as client:
        client.send(["+77011234567"], "Hello")


def fresh_round() -> float:
    start = time.perf_counter()
    for _ in range(PER_ROUND):
        with Emulator(rate_limits=False) as emulator:
            _send(emulator)
    return (time.perf_counter() - start) / PER_ROUND


def reset_round(emulator: Emulator) -> float:
    start = time.perf_counter()
    for _ in range(PER_ROUND):
        emulator.reset()
        emulator.limits.rate_limits = False
        _send(emulator)
    return (time.perf_counter() - start) / PER_ROUND


def main() -> None:
    fresh, reset = [], []
    with Emulator(rate_limits=False) as shared:
        reset_round(shared)  # warm up
        for _ in range(ROUNDS):
            fresh.append(fresh_round())
            reset.append(reset_round(shared))
    f, r = statistics.median(fresh), statistics.median(reset)
    print(f"fresh emulator per test: {f * 1000:7.2f} ms (start, send, stop; median of {ROUNDS} rounds)")
    print(f"reset between tests:     {r * 1000:7.2f} ms (reset, send)")  # what smsc_emulator does
    print(f"ratio: a reset costs {r / f:.2f} of a fresh start ({f / r:.1f}x faster)")


if __name__ == "__main__":
    main()
