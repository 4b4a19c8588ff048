"""SOAP send through smsc.SoapTransport vs through zeep, against the emulator in its own process.

Both send the same messages to the same emulator (limits off, SQLite in memory); zeep reads the
emulator's WSDL once. Beside each rate, the CPU time per send of the client (this process) and of
the emulator (from /proc): unlike the rates, they barely move with the load of a shared machine.
Run: .venv/bin/python bench/soap.py [sends per round]
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable

import zeep

import smsc

PHONE = "+77011234567"
REPEAT = 3


def _emulator() -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "smsc.cli", "emulator", "--http-port", "0", "--no-limits", "--balance", "1000000"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    for line in process.stdout:
        if "listening on " in line:
            url = line.split("listening on ", 1)[1].split()[0].rstrip(";")
            return process, url
    raise RuntimeError("the emulator did not start")


def ours(url: str) -> Callable[[int], None]:
    client = smsc.Client(login="demo", password="demo", base_url=url, transport=smsc.SoapTransport(url))

    def send(i: int) -> None:
        assert client.send([PHONE], f"soap {i}").sms_count == 1

    return send


def theirs(url: str) -> Callable[[int], None]:
    service = zeep.Client(f"{url}/sys/soap.php?wsdl").service  # type: ignore[no-untyped-call]

    def send(i: int) -> None:
        assert service.send_sms(login="demo", psw="demo", phones=PHONE, mes=f"zeep {i}").error == "0"

    return send


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rate(send: Callable[[int], None], n: int, server: int) -> tuple[float, float, float]:
    """Sends per second, and the client's and the server's CPU seconds per send."""
    send(-1)
    server_before = cpu_seconds(server)
    cpu_before = time.process_time()
    start = time.perf_counter()
    for i in range(n):
        send(i)
    elapsed = time.perf_counter() - start
    client = (time.process_time() - cpu_before) / n
    return n / elapsed, client, (cpu_seconds(server) - server_before) / n


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    process, url = _emulator()
    try:
        calls = {"smsc.SoapTransport": ours(url), "zeep": theirs(url)}
        best = dict.fromkeys(calls, 0.0)
        client_cpu = dict.fromkeys(calls, 0.0)
        server_cpu = dict.fromkeys(calls, 0.0)
        for _ in range(REPEAT):  # interleaved rounds, best of each
            for name, send in calls.items():
                sends, client, server = rate(send, n, process.pid)
                best[name] = max(best[name], sends)
                client_cpu[name] += client / REPEAT * 1e6
                server_cpu[name] += server / REPEAT * 1e6
    finally:
        process.terminate()
        process.wait(10)
    print(f"bench/soap.py: {n} sends per round against the emulator, best of {REPEAT}, {os.cpu_count()} CPUs")
    for name, value in best.items():
        print(
            f"  {name:<20} {value:>7.0f} sends/s   (CPU per send: client {client_cpu[name]:4.0f} us,"
            f" emulator {server_cpu[name]:4.0f} us)"
        )
    print(f"  ratio: {best['smsc.SoapTransport'] / best['zeep']:.2f}x zeep (goal >= 2x)")


if __name__ == "__main__":
    main()
