"""smsc.AsyncClient over loopback: sequential sends vs raw aiohttp, and 14 concurrent senders vs sequential Client.send.

The fixed-reply server of bench/fixed_server.py runs in its own process. Printed per case: sends
per second, and the CPU each side used (seconds of CPU per second of wall time, from getrusage
for this process and /proc for the server's): the machine's cores are shared by both sides.
Run: .venv/bin/python bench/async_send.py [sends per round] [rounds]   (defaults 2000 and 5; sequential
ping-pong over loopback moves a lot with the host's scheduling, so each case keeps its best round)
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import resource
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import urlencode

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fixed_server import fixed_server

import smsc

FIELDS = {
    "login": "demo",
    "psw": "demo",
    "fmt": "3",
    "charset": "utf-8",
    "cost": "3",
    "phones": "+77011234567",
    "mes": "Hello",
    "id": "12345",
}
TICK = os.sysconf("SC_CLK_TCK")


def cpu_of(pid: int) -> float:
    """CPU seconds (user + system) a process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Result:
    def __init__(self, rate: float, client_cpu: float, server_cpu: float) -> None:
        self.rate, self.client_cpu, self.server_cpu = rate, client_cpu, server_cpu

    def __str__(self) -> str:
        per_call = self.client_cpu / self.rate * 1e6
        return (
            f"{self.rate:>8.0f}/s  client CPU {self.client_cpu:4.2f} ({per_call:4.0f} us a send)"
            f"  server CPU {self.server_cpu:4.2f}"
        )


def timed(server: int, run: Callable[[], object], n: int) -> Result:
    wall, cpu, served = time.perf_counter(), own_cpu(), cpu_of(server)
    run()
    wall = time.perf_counter() - wall
    return Result(n / wall, (own_cpu() - cpu) / wall, (cpu_of(server) - served) / wall)


async def raw_aiohttp(url: str, n: int) -> None:
    body = urlencode(FIELDS).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept-Encoding": "identity"}
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=14), auto_decompress=False) as session:
        for _ in range(n):
            async with session.post(url + "/sys/send.php", data=body, headers=headers) as response:
                assert response.status == 200 and await response.read()


async def sequential_async(client: smsc.AsyncClient, n: int) -> None:
    for _ in range(n):
        assert (await client.send(["+77011234567"], "Hello", id=12345)).sms_count == 1


async def concurrent_async(client: smsc.AsyncClient, n: int, senders: int = 14) -> None:
    async def worker(count: int) -> None:
        for _ in range(count):
            assert (await client.send(["+77011234567"], "Hello", id=12345)).sms_count == 1

    await asyncio.gather(*(worker(n // senders) for _ in range(senders)))


def best(server: int, cases: dict[str, Callable[[], object]], n: int, rounds: int = 3) -> dict[str, Result]:
    found: dict[str, Result] = {}
    for _ in range(rounds):  # interleaved rounds, best of each
        for name, run in cases.items():
            result = timed(server, run, n)
            if name not in found or result.rate > found[name].rate:
                found[name] = result
    return found


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    n -= n % 14
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    print(f"bench/async_send.py: {n} sends per round, best of {rounds} interleaved rounds, {os.cpu_count()} CPUs")
    with fixed_server() as url:
        [server] = [p.pid for p in multiprocessing.active_children() if p.pid is not None]
        loop = asyncio.new_event_loop()
        aclient = smsc.AsyncClient(login="demo", password="demo", base_url=url)
        client = smsc.Client(login="demo", password="demo", base_url=url)
        loop.run_until_complete(sequential_async(aclient, 20))  # warm up: connect
        loop.run_until_complete(raw_aiohttp(url, 20))
        client.send(["+77011234567"], "Hello", id=12345)

        def drive(make: Callable[[], Awaitable[None]]) -> Callable[[], object]:
            return lambda: loop.run_until_complete(make())

        def sync_sends() -> None:
            for _ in range(n):
                client.send(["+77011234567"], "Hello", id=12345)

        results = best(
            server,
            {
                "raw aiohttp POST, sequential": drive(lambda: raw_aiohttp(url, n)),
                "AsyncClient.send, sequential": drive(lambda: sequential_async(aclient, n)),
                "AsyncClient.send, 14 concurrent": drive(lambda: concurrent_async(aclient, n)),
                "Client.send, sequential": sync_sends,
            },
            n,
            rounds,
        )
        loop.run_until_complete(aclient.aclose())
        client.close()
        loop.close()
    for name, result in results.items():
        print(f"{name:<32} {result}")
    raw, seq = results["raw aiohttp POST, sequential"], results["AsyncClient.send, sequential"]
    conc, sync = results["AsyncClient.send, 14 concurrent"], results["Client.send, sequential"]
    print(f"sequential AsyncClient.send / raw aiohttp POST: {seq.rate / raw.rate:.2f}x (goal >= 0.85x)")
    raw_cpu, seq_cpu = raw.client_cpu / raw.rate * 1e6, seq.client_cpu / seq.rate * 1e6
    print(f"  CPU a send: raw {raw_cpu:.0f} us, AsyncClient {seq_cpu:.0f} us (ratio {raw_cpu / seq_cpu:.2f}x)")
    print(f"14 concurrent AsyncClient.send / sequential Client.send: {conc.rate / sync.rate:.2f}x")


if __name__ == "__main__":
    main()
