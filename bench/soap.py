"""SOAP send through smsc.SoapTransport vs through zeep, against the emulator in its own process.

Both send the same messages to the same emulator (limits off, SQLite in memory); zeep reads the
emulator's WSDL once. Run: .venv/bin/python bench/soap.py [sends per round]
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


def rate(send: Callable[[int], None], n: int) -> float:
    send(-1)
    start = time.perf_counter()
    for i in range(n):
        send(i)
    return n / (time.perf_counter() - start)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    process, url = _emulator()
    try:
        calls = {"smsc.SoapTransport": ours(url), "zeep": theirs(url)}
        best = dict.fromkeys(calls, 0.0)
        for _ in range(3):  # interleaved rounds, best of each
            for name, send in calls.items():
                best[name] = max(best[name], rate(send, n))
    finally:
        process.terminate()
        process.wait(10)
    print(f"bench/soap.py: {n} sends per round against the emulator, best of 3, {os.cpu_count()} CPUs")
    for name, value in best.items():
        print(f"  {name:<20} {value:>7.0f} sends/s")
    print(f"  ratio: {best['smsc.SoapTransport'] / best['zeep']:.2f}x zeep (goal >= 2x)")


if __name__ == "__main__":
    main()
