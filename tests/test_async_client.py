"""smsc.AsyncClient beyond the shared behaviour tests: concurrency, cancellation, import cost, odd replies."""

from __future__ import annotations

import asyncio
import logging
import socket
import subprocess
import sys
import time
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

import smsc
from smsc.emulator import Emulator
from smsc.testing import MockTransport
from tests.support.clients import Factory
from tests.support.raw_server import read_request, serve_raw

PHONE = "+77011234567"


def test_import_smsc_does_not_import_aiohttp() -> None:
    code = "import sys, smsc; smsc.Client; smsc.AsyncClient; print('aiohttp' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_client_never_closed_closes_its_connections_when_its_loop_ends() -> None:
    """Used without `async with` or aclose(), each loop's session still closes in that loop, at its end."""
    with Emulator() as emulator:
        transport = smsc.AsyncHttpTransport(emulator.base_url)
        client = smsc.AsyncClient(login="demo", password="demo", transport=transport)

        async def send(text: str) -> aiohttp.ClientSession:
            await client.send([PHONE], text)
            session = transport._session
            assert session is not None and not session.closed and session.connector is not None
            return session

        first = asyncio.run(send("never closed"))
        second = asyncio.run(send("nor this one"))  # a new loop: a new session
    assert first is not second
    assert first.closed and second.closed  # no socket is left to a loop that is gone


def test_200_concurrent_sends_stay_within_the_connector_bound_none_lost_none_twice() -> None:
    in_flight = peak = 0

    async def acquired(*_: Any) -> None:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)

    async def released(*_: Any) -> None:
        nonlocal in_flight
        in_flight -= 1

    trace = aiohttp.TraceConfig()
    trace.on_connection_create_end.append(acquired)
    trace.on_connection_reuseconn.append(acquired)
    trace.on_request_end.append(released)
    trace.on_request_exception.append(released)

    async def main(emulator: Emulator) -> list[smsc.SendResult]:
        transport = smsc.AsyncHttpTransport(emulator.base_url, trace_configs=[trace])
        async with smsc.AsyncClient(login="demo", password="demo", transport=transport) as client:
            return await asyncio.gather(*(client.send([PHONE], f"message {n}", id=n + 1) for n in range(200)))

    with Emulator() as emulator:  # the documented limits on: 14 in progress per login, rate limits, IP blocking
        emulator.accounts.add("demo", "demo", balance=Decimal("1000.00"))
        results = asyncio.run(main(emulator))
        stored = sorted(int(m.id) for m in emulator.messages())
    assert sorted(int(r.id) for r in results) == list(range(1, 201)) == stored  # 0 lost, 0 duplicates
    assert 1 < peak <= 14


def test_a_send_cancelled_in_flight_is_reported_and_the_client_stays_usable(caplog: pytest.LogCaptureFixture) -> None:
    def slow_sends(conn: socket.socket) -> None:
        while request := read_request(conn):
            if b"send.php" in request:
                time.sleep(1.5)
            body = b'{"balance": "5.00", "currency": "KZT"}'
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))

    async def main(port: int) -> Decimal:
        async with smsc.AsyncClient(login="demo", password="pw", base_url=f"http://127.0.0.1:{port}") as client:
            task = asyncio.create_task(client.send([PHONE], "Hi", id=4242))
            await asyncio.sleep(0.3)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            return await client.balance()

    caplog.set_level(logging.WARNING, "smsc")
    with serve_raw(slow_sends) as port:
        assert asyncio.run(main(port)) == Decimal("5.00")
    [warning] = [r for r in caplog.records if "cancelled" in r.getMessage()]
    assert warning.levelno == logging.WARNING and "4242" in warning.getMessage()


def replies(**by_command: list[bytes]) -> MockTransport:
    """A transport answering each command (send, status, ...) from its own list of replies."""
    return MockTransport(default=lambda request: by_command[request.command].pop(0))


def test_a_lookup_accepts_a_status_with_fewer_fields_than_asked_for(make_client: Factory) -> None:
    basic = b'{"status": 1, "last_date": "20.05.2024 12:00:05", "last_timestamp": 1716195605, "err": 0}'
    transport = replies(send=[b"<html>200 but broken</html>"], status=[basic])
    with make_client(login="demo", password="pw", transport=transport) as client:
        sent = client.send([PHONE], "Hi", id=7)
    assert sent.recovered and sent.id == 7 and sent.cost is None


def test_a_send_whose_lookup_fails_raises_about_the_send(make_client: Factory) -> None:
    page = b"<html>maintenance</html>"
    transport = replies(send=[page], status=[b"<html>status broken</html>"] * 3)
    policy = smsc.RetryPolicy(attempts=2, backoff=0.0, jitter=False)
    with make_client(login="demo", password="pw", transport=transport, retry=policy) as client:
        with pytest.raises(smsc.ProtocolError) as caught:
            client.send([PHONE], "Hi", id=8)
    assert caught.value.raw == page
    assert isinstance(caught.value.__cause__, smsc.ProtocolError) and b"status broken" in caught.value.__cause__.raw
    assert [r.path for r in transport.requests] == ["/sys/send.php", "/sys/status.php"]


@pytest.mark.parametrize(
    ("reply", "fmt", "account"),
    [
        (b'{"balance": "5.00"}', smsc.ResponseFormat.JSON, smsc.Balance(balance=Decimal("5.00"))),
        (b"5.00", smsc.ResponseFormat.CSV, smsc.Balance(balance=Decimal("5.00"))),
        (b"5.00,RUR", smsc.ResponseFormat.CSV, smsc.Balance(balance=Decimal("5.00"), currency="RUR")),
        (
            b'{"balance": "5.00", "currency": "KZT", "credit": "100.00"}',
            smsc.ResponseFormat.JSON,
            smsc.Balance(balance=Decimal("5.00"), currency="KZT", credit=Decimal("100.00")),
        ),
    ],
)
def test_balance_with_or_without_currency_and_account(
    reply: bytes, fmt: smsc.ResponseFormat, account: smsc.Balance, make_client: Factory
) -> None:
    transport = replies(balance=[reply, reply])
    with make_client(login="demo", password="pw", transport=transport, response_format=fmt) as client:
        assert client.balance() == account.balance
        assert client.account() == account


def test_estimate_is_offline_and_not_a_coroutine() -> None:
    client = smsc.AsyncClient(login="demo", password="pw", base_url="http://127.0.0.1:9")
    assert client.estimate([PHONE], "Hi").sms_count == 1
    asyncio.run(client.aclose())


def test_a_closed_client_refuses_requests() -> None:
    async def main() -> None:
        client = smsc.AsyncClient(login="demo", password="pw", base_url="http://127.0.0.1:9")
        await client.aclose()
        with pytest.raises(smsc.TransportError, match="closed"):
            await client.balance()

    asyncio.run(main())


def test_from_env() -> None:
    client = smsc.AsyncClient.from_env({"SMSC_API_KEY": "key-123", "SMSC_BASE_URL": "http://127.0.0.1:9"})
    assert isinstance(client, smsc.AsyncClient) and "api_key=***" in repr(client)
    asyncio.run(client.aclose())


# --- one timer per request: the pool wait and connect within the connect timeout, the reply within the read one ---

BALANCE_REPLY = b'{"balance": "5.00", "currency": "KZT"}'


def answering_after(seconds: float) -> Any:
    def handler(conn: socket.socket) -> None:
        while read_request(conn):
            time.sleep(seconds)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(BALANCE_REPLY), BALANCE_REPLY))

    return handler


def request_timed(port: int, timeout: tuple[float, float], pool_size: int = 14, hold: bool = False) -> Any:
    """Time one balance request (after a first one left hanging, when `hold`); its reply or its error."""

    async def main() -> tuple[float, object]:
        transport = smsc.AsyncHttpTransport(f"http://127.0.0.1:{port}", timeout=timeout, pool_size=pool_size)
        fields = [("login", "demo"), ("psw", "pw"), ("fmt", "3")]
        held = asyncio.create_task(transport.request("/sys/balance.php", fields)) if hold else None
        await asyncio.sleep(0.2 if hold else 0)
        start = time.monotonic()
        try:
            outcome: object = await transport.request("/sys/balance.php", fields)
        except smsc.TransportError as exc:
            outcome = exc
        took = time.monotonic() - start
        if held is not None:
            held.cancel()
            await asyncio.gather(held, return_exceptions=True)
        await transport.aclose()
        return took, outcome

    return asyncio.run(main())


def test_a_read_timeout_shorter_than_the_connect_timeout_ends_the_request_at_the_read_timeout() -> None:
    with serve_raw(answering_after(6.0)) as port:
        took, outcome = request_timed(port, (4.0, 0.5))
    assert isinstance(outcome, smsc.TransportError) and "ReadTimeoutError" in str(outcome) and outcome.maybe_sent
    assert 0.45 < took < 2.0  # not the 4 s of the connect timeout


def test_a_reply_slower_than_the_connect_timeout_but_within_the_read_timeout_arrives() -> None:
    with serve_raw(answering_after(0.8)) as port:
        took, outcome = request_timed(port, (0.3, 5.0))
    assert outcome == BALANCE_REPLY and took >= 0.75


def test_the_wait_for_a_free_connection_is_bounded_by_the_connect_timeout_and_sends_nothing() -> None:
    with serve_raw(answering_after(6.0)) as port:
        took, outcome = request_timed(port, (0.5, 10.0), pool_size=1, hold=True)
    assert isinstance(outcome, smsc.TransportError) and "no connection" in str(outcome)
    assert not outcome.maybe_sent and 0.45 < took < 2.0
