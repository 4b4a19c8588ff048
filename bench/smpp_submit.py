"""submit_sm throughput over loopback: our SmppClient (send_many) at window 1, 10 and 32 against
smpplib sending synchronously (one submit_sm, then its response), against the same server in one run.

Three servers, each in a process of its own so that the clients measured do not share its interpreter
lock: the emulator's SMPP listener (the stateful SMSC: every submit is validated, billed and stored
in SQLite; throttling and rate limits off) with its state in memory and in a file (`db=`: what
is acknowledged is durable, the submits of one event-loop turn share one transaction), and
tests/support/smpp_server.py, a stateless server on our codec that shows what the client itself
sustains. Against the emulator, smpp.SmppPool with two binds (window 32 each) is measured too.
Each round is run REPEAT times, interleaved, best kept.
The server's CPU time per submit (from /proc) is printed beside each figure: unlike the rates, it
barely moves with the load of a shared machine.
Run: .venv/bin/python bench/smpp_submit.py [submits per round]   (default 10000)
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import smpplib.client  # noqa: E402

from smsc import smpp  # noqa: E402

TEXT = "Hello from the benchmark"
REPEAT = 3
EMULATOR = (
    "import sys; from smsc.emulator import Emulator; "
    "e = Emulator(rate_limits=False, ip_blocking=False, smpp_port=0, db=sys.argv[1] or None).start(); "
    "e.accounts.update('demo', balance=10**9); print(e.smpp_port, flush=True); sys.stdin.read(); e.stop()"
)
_STATE = tempfile.mkdtemp(prefix="smpp-bench-")
SERVERS = {
    "emulator's SMPP listener (stateful, SQLite in memory)": [sys.executable, "-c", EMULATOR, ""],
    "emulator's SMPP listener (stateful, SQLite file, durable)": [
        sys.executable,
        "-c",
        EMULATOR,
        os.path.join(_STATE, "state.sqlite"),
    ],
    "tests/support/smpp_server.py (stateless, our codec)": [sys.executable, "-m", "tests.support.smpp_server"],
}


def ours(port: int, window: int, n: int) -> float:
    async def run() -> float:
        client = smpp.SmppClient(
            "127.0.0.1",
            port,
            system_id="demo",
            password="demo",
            window=window,
            rate_limit=None,
            registered_delivery=False,
        )
        await client.connect()
        start = time.perf_counter()
        results = await client.send_many([("77011234567", TEXT)] * n, source="Shop")
        elapsed = time.perf_counter() - start
        await client.close()
        assert len({r.message_id for r in results if isinstance(r, smpp.SmppSendResult)}) == n
        return elapsed

    return asyncio.run(run())


def pool(port: int, binds: int, n: int) -> float:
    async def run() -> float:
        client = smpp.SmppPool(
            "127.0.0.1",
            port,
            binds=binds,
            system_id="demo",
            password="demo",
            window=32,
            rate_limit=None,
            registered_delivery=False,
        )
        await client.connect()
        start = time.perf_counter()
        results = await client.send_many([("77011234567", TEXT)] * n, source="Shop")
        elapsed = time.perf_counter() - start
        await client.close()
        assert len({r.message_id for r in results if isinstance(r, smpp.SmppSendResult)}) == n
        return elapsed

    return asyncio.run(run())


def smpplib_sync(port: int, n: int) -> float:
    acks: list[bytes] = []
    client = smpplib.client.Client("127.0.0.1", port, timeout=10, allow_unknown_opt_params=True)
    client.set_message_sent_handler(lambda pdu: acks.append(pdu.message_id))
    client.connect()
    client.bind_transceiver(system_id="demo", password="demo")
    start = time.perf_counter()
    for _ in range(n):
        client.send_message(
            source_addr="Shop",
            source_addr_ton=5,
            destination_addr="77011234567",
            dest_addr_ton=1,
            short_message=TEXT.encode(),
            data_coding=0,
        )
        client.read_once()
    elapsed = time.perf_counter() - start
    client.unbind()
    client.disconnect()
    assert len(acks) == n
    return elapsed


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc): the server's cost, whatever the load."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(command: list[str], n: int) -> tuple[dict[str, float], dict[str, float]]:
    """Best submits/s of each client, and the server's CPU microseconds per submit with that client."""
    server = subprocess.Popen(command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        rounds: dict[str, Callable[[], float]] = {
            "smpplib, synchronous": lambda: smpplib_sync(port, n),
            "SmppClient window 1": lambda: ours(port, 1, n),
            "SmppClient window 10": lambda: ours(port, 10, n),
            "SmppClient window 32": lambda: ours(port, 32, n),
        }
        if EMULATOR in command:
            rounds["SmppPool 2 binds x 32"] = lambda: pool(port, 2, n)
        ours(port, 10, min(n, 500))  # warm up both sides
        rates = dict.fromkeys(rounds, 0.0)
        cpu = dict.fromkeys(rounds, 0.0)
        for _ in range(REPEAT):  # interleaved rounds, best of each: machine noise hits every client alike
            for name, fn in rounds.items():
                before = cpu_seconds(server.pid)
                rates[name] = max(rates[name], n / fn())
                cpu[name] += (cpu_seconds(server.pid) - before) / (REPEAT * n) * 1e6
        return rates, cpu
    finally:
        assert server.stdin is not None
        server.stdin.close()
        server.wait(30)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    print(
        f"smpp_submit: {n} submit_sm per round, best of {REPEAT}, over 127.0.0.1; {os.cpu_count()} CPUs, "
        f"Python {sys.version.split()[0]}; load average {os.getloadavg()[0]:.1f} (the rates need a quiet machine)"
    )
    for server, command in SERVERS.items():
        rates, cpu = measure(command, n)
        base = rates["smpplib, synchronous"]
        print(f"server: {server}")
        for name, rate in rates.items():
            print(
                f"  {name:24s} {rate:9.0f} submits/s   x{rate / base:5.2f} vs smpplib"
                f"   (server CPU {cpu[name]:4.0f} us per submit)"
            )
        goal = rates["SmppClient window 32"] / base
        print(f"  goal window 32 >= 5x smpplib: {'met' if goal >= 5 else 'not met'} ({goal:.2f}x)")
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
