"""Send loop over loopback: raw urllib3 keep-alive POST vs smsc.Client.send vs the seed library's style.

The seed style opens a new connection per request with GET and the credentials in the query,
as the official libraries do; over HTTPS it builds its TLS context per connection, as they do.
Clients trust the system store plus a trustme CA, as a real deployment loads its store.
Run: .venv/bin/python bench/http_send.py [requests per round]
"""

from __future__ import annotations

import http.client
import os
import ssl
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import urllib3

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fixed_server import fixed_server, tls_files

import smsc

FIELDS = {
    "login": "demo",
    "psw": "demo",
    "phones": "+77011234567",
    "mes": "Hello",
    "id": "12345",
    "cost": "3",
    "fmt": "3",
    "charset": "utf-8",
}


def trusted_context(ca_file: str | None) -> ssl.SSLContext:
    ctx = ssl.create_default_context()  # the system store, as a deployment has it
    if ca_file:
        ctx.load_verify_locations(ca_file)
    return ctx


def raw_urllib3(url: str, ca_file: str | None) -> Callable[[], None]:
    pool = urllib3.PoolManager(ssl_context=trusted_context(ca_file) if ca_file else None, retries=False)

    def call() -> None:
        response = pool.request("POST", url + "/sys/send.php", fields=FIELDS, encode_multipart=False)
        assert response.status == 200 and response.data

    return call


def raw_preencoded(url: str, ca_file: str | None) -> Callable[[], None]:
    """The leanest urllib3 call: one pool, the form body encoded once, fixed headers."""
    ctx = trusted_context(ca_file) if ca_file else None
    pool = urllib3.connection_from_url(url, **({"ssl_context": ctx} if ctx else {}))
    body = urlencode(FIELDS).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}

    def call() -> None:
        response = pool.urlopen("POST", "/sys/send.php", body=body, headers=headers, retries=False)
        assert response.status == 200 and response.data

    return call


def sdk(url: str, ca_file: str | None) -> Callable[[], None]:
    client = smsc.Client(
        login="demo", password="demo", base_url=url, ssl_context=trusted_context(ca_file) if ca_file else None
    )

    def call() -> None:
        assert client.send(["+77011234567"], "Hello", id=12345).sms_count == 1

    return call


def seed_style(url: str, ca_file: str | None) -> Callable[[], None]:
    parts = urlsplit(url)

    def call() -> None:
        if parts.scheme == "https":
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                parts.hostname or "", parts.port, context=trusted_context(ca_file)
            )
        else:
            conn = http.client.HTTPConnection(parts.hostname or "", parts.port)
        conn.request("GET", "/sys/send.php?" + urlencode(FIELDS), headers={"Connection": "close"})
        body = conn.getresponse().read()
        conn.close()
        assert body.split(b",")

    return call


CPU_PER_CALL: dict[tuple[str, str], float] = {}
"""(scheme, client) -> the least CPU microseconds this process spent per call (load-independent)."""


def rate(call: Callable[[], None], n: int, key: tuple[str, str] | None = None) -> float:
    call()  # warm up: connect, handshake
    cpu = time.process_time()
    start = time.perf_counter()
    for _ in range(n):
        call()
    took = time.perf_counter() - start
    if key is not None:
        used = (time.process_time() - cpu) / n * 1e6
        CPU_PER_CALL[key] = min(CPU_PER_CALL.get(key, used), used)
    return n / took


def measure(url: str, ca_file: str | None, n: int, rounds: int = 3) -> dict[str, float]:
    makers = {
        "raw urllib3": raw_urllib3,
        "raw pre-encoded": raw_preencoded,
        "smsc.Client": sdk,
        "seed style": seed_style,
    }
    calls = {name: make(url, ca_file) for name, make in makers.items()}
    best = dict.fromkeys(calls, 0.0)
    for _ in range(rounds):  # interleaved rounds, best of each
        for name, call in calls.items():
            count = n if name != "seed style" or not ca_file else max(n // 10, 20)
            best[name] = max(best[name], rate(call, count, (url.split(":")[0], name)))
    return best


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    print(f"bench/http_send.py: {n} sends per round, best of 3 interleaved rounds, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as tmp:
        cert_file, key_file, ca_file = tls_files(tmp)
        results = {}
        with fixed_server() as url:
            results["HTTP"] = measure(url, None, n)
        with fixed_server((cert_file, key_file)) as url:
            results["HTTPS"] = measure(url, str(ca_file), n)
    columns = ("raw urllib3", "pre-encoded", "smsc.Client", "seed style", "client/raw", "client/pre", "client/seed")
    print(f"{'transport':<9} " + " ".join(f"{c:>12}" for c in columns))
    for transport, r in results.items():
        client = r["smsc.Client"]
        print(
            f"{transport:<9} {r['raw urllib3']:>10.0f}/s {r['raw pre-encoded']:>10.0f}/s {client:>10.0f}/s"
            f" {r['seed style']:>10.0f}/s {client / r['raw urllib3']:>11.2f}x"
            f" {client / r['raw pre-encoded']:>11.2f}x {client / r['seed style']:>11.1f}x"
        )
    print("CPU of this process per call (least over rounds; what the SDK adds, whatever the machine's load):")
    for scheme in ("http", "https"):
        raw, pre, sdk = (CPU_PER_CALL[(scheme, name)] for name in ("raw urllib3", "raw pre-encoded", "smsc.Client"))
        print(
            f"  {scheme.upper():<6} raw urllib3 {raw:6.0f} us, pre-encoded {pre:6.0f} us, smsc.Client {sdk:6.0f} us"
            f" (+{sdk - pre:.0f} us over pre-encoded; CPU ratio pre/client {pre / sdk:.2f}x)"
        )


if __name__ == "__main__":
    main()
