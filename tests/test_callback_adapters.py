"""Every framework adapter in a real server on 127.0.0.1, receiving real HTTP requests."""

from __future__ import annotations

import threading
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
import urllib3

import smsc
from smsc.callbacks import Receiver, Verifier, render
from tests.support.callback_servers import FRAMEWORKS, serve

SECRET = "adapter-secret"
AT = datetime(2024, 5, 20, 12, 0, 5, tzinfo=smsc.MSK)
STATUS = smsc.StatusEvent(
    id=101,
    phone="79990020001",
    status=smsc.MessageStatus.UNDELIVERABLE,
    error=smsc.DeliveryError.SUBSCRIBER_NOT_FOUND,
    at=AT,
    cost=Decimal("1.50"),
    sender="Shop",
    parts=1,
)
INCOMING = smsc.IncomingMessage(id=7, phone="77011234567", to="77000000001", text="Да, заказ подтверждаю", at=AT)


class Recorder:
    """The user's function: records events; fails `failures` times first."""

    def __init__(self, failures: int = 0) -> None:
        self.events: list[Any] = []
        self.failures = failures
        self.lock = threading.Lock()

    def __call__(self, event: Any) -> None:
        with self.lock:
            if self.failures:
                self.failures -= 1
                raise RuntimeError("temporarily down")
            self.events.append(event)


def post(http: urllib3.PoolManager, url: str, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, str]:
    reply = http.request("POST", url, body=body, headers=headers or {})
    return reply.status, reply.data.decode()


@pytest.fixture(scope="module")
def http() -> Any:
    with urllib3.PoolManager(retries=False, timeout=10) as pool:
        yield pool


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_adapter_verifies_deduplicates_and_answers(framework: str, http: urllib3.PoolManager) -> None:
    recorder = Recorder(failures=2)
    receiver = Receiver(recorder, verifier=Verifier(secret=SECRET, algorithm="md5"))
    with serve(framework, receiver) as base:
        url = base + "?md5=1"  # windows-1251, the service's default charset
        signed = render(STATUS, url, secret=SECRET)
        assert [post(http, url, signed.body, signed.headers)[0] for _ in range(2)] == [500, 500]  # fails twice
        assert post(http, url, signed.body, signed.headers) == (200, "OK")
        assert post(http, url, signed.body, signed.headers) == (200, "OK")  # a replay: not handled again

        incoming = render(INCOMING, url, secret=SECRET)
        assert "Да".encode("cp1251") not in incoming.body and b"%C4%E0" in incoming.body  # windows-1251, encoded
        assert post(http, url, incoming.body, incoming.headers) == (200, "OK")

        forged = render(STATUS, url, secret="not-the-secret")
        assert post(http, url, forged.body, forged.headers)[0] == 403
        unsigned = render(STATUS, base, secret=SECRET)
        assert post(http, url, unsigned.body, unsigned.headers)[0] == 403
        truncated = signed.body[: len(signed.body) // 2]
        assert post(http, url, truncated, signed.headers)[0] in (400, 403)

        json_url = base + "?fmt=3&charset=utf-8&sha1=1"
        receiver.verifier = Verifier(secret=SECRET, algorithm="sha1")
        as_json = render(STATUS, json_url, secret=SECRET)
        assert post(http, json_url, as_json.body, as_json.headers) == (200, "OK")  # same event: a repeat
        query = render(INCOMING, base + "?charset=utf-8&sha1=1", secret=SECRET).body.decode("ascii")
        reply = http.request("GET", f"{base}?charset=utf-8&sha1=1&{query}")  # the service may GET too
        assert (reply.status, reply.data) == (200, b"OK")
    assert recorder.events == [STATUS, INCOMING]


@pytest.mark.parametrize("framework", ["asgi", "starlette", "fastapi", "aiohttp"])
def test_async_adapters_await_coroutine_handlers(framework: str, http: urllib3.PoolManager) -> None:
    seen: list[Any] = []

    async def on_event(event: Any) -> None:
        seen.append(event)

    with serve(framework, Receiver(on_event, verifier=None)) as url:
        rendered = render(STATUS, url)
        assert post(http, url, rendered.body, rendered.headers) == (200, "OK")
        assert post(http, url, b"x" * 70_000)[0] == 413
    assert seen == [STATUS]
