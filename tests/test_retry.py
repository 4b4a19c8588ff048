"""Attempts, not blind retries: what is tried again, when, and never a second send."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

import smsc
from smsc.testing import MockTransport
from tests.support.clients import Factory

SENT = b'{"id": 42, "cnt": 1, "cost": "1.00", "balance": "9.00"}'
FOUND = (
    b'{"status": 1, "last_date": "", "last_timestamp": 0, "err": 0, "send_date": "", "send_timestamp": 0, '
    b'"phone": "77011234567", "cost": "1.00", "sender_id": "", "status_name": "x", "message": "Hi"}'
)
NOT_FOUND = FOUND.replace(b'"status": 1', b'"status": -3')
LOST = smsc.TransportError("read timed out", maybe_sent=True)
UNREACHABLE = smsc.TransportError("connection refused", maybe_sent=False)


def paths(script: MockTransport) -> list[str]:
    return [r.path for r in script.requests]


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def client(make_client: Factory) -> Callable[..., Any]:
    """A client (Client, then AsyncClient) on a scripted transport and a fake clock."""

    def build(script: MockTransport, clock: Clock, **policy: Any) -> Any:
        retry = smsc.RetryPolicy(**{"attempts": 4, "backoff": 1.0, "jitter": False, **policy})
        return make_client(login="demo", password="pw", transport=script, retry=retry, clock=clock, sleep=clock.sleep)

    return build


def test_a_lost_send_reply_is_looked_up_and_never_sent_twice(client: Callable[..., Any]) -> None:
    script, clock = MockTransport(LOST, FOUND), Clock()
    result = client(script, clock).send(["+77011234567"], "Hi", id=42)
    assert result.recovered and result.id == 42 and result.cost == Decimal("1.00") and result.sms_count == 1
    assert paths(script) == ["/sys/send.php", "/sys/status.php"]
    assert clock.sleeps == [1.0]


def test_a_recovered_send_counts_its_parts_times_its_recipients(client: Callable[..., Any]) -> None:
    script, clock = MockTransport(LOST, FOUND), Clock()
    text = "x" * 200  # two GSM-7 parts
    result = client(script, clock).send(["+77011234567", "+77017654321"], text, id=42, max_parts=5)
    assert result.recovered and result.sms_count == 4
    lookup = dict(script.requests[1].fields)
    assert lookup["id"] == "42" and lookup["phone"] == "+77011234567"


def test_a_lost_send_the_service_does_not_know_is_sent_again(client: Callable[..., Any]) -> None:
    script, clock = MockTransport(smsc.TransportError("HTTP 502", status=502), NOT_FOUND, SENT), Clock()
    result = client(script, clock).send(["+77011234567"], "Hi", id=42)
    assert not result.recovered and result.balance == Decimal("9.00")
    assert paths(script) == ["/sys/send.php", "/sys/status.php", "/sys/send.php"]


@pytest.mark.parametrize("reply", [b"", b"<html>oops</html>"])
def test_an_empty_or_mangled_send_reply_is_looked_up(reply: bytes, client: Callable[..., Any]) -> None:
    script, clock = MockTransport(reply, FOUND), Clock()
    assert client(script, clock).send(["+77011234567"], "Hi", id=42).recovered


def test_a_failed_lookup_is_tried_again_before_any_resend(client: Callable[..., Any]) -> None:
    limited = b'{"error": "duplicate request, wait a minute", "error_code": 9}'
    script, clock = MockTransport(LOST, LOST, limited, FOUND), Clock()
    assert client(script, clock).send(["+77011234567"], "Hi", id=42).recovered
    assert paths(script) == ["/sys/send.php", "/sys/status.php", "/sys/status.php", "/sys/status.php"]
    assert clock.sleeps == [1.0, 2.0, 4.0]


def test_a_request_that_never_left_is_sent_again_without_a_lookup(client: Callable[..., Any]) -> None:
    script, clock = MockTransport(UNREACHABLE, SENT), Clock()
    assert client(script, clock).send(["+77011234567"], "Hi", id=42).id == 42
    assert paths(script) == ["/sys/send.php", "/sys/send.php"]


def test_too_many_requests_backs_off_and_succeeds(make_client: Factory) -> None:
    script, clock = MockTransport(b"0,-9", b"0,-9", b"5.00,RUR"), Clock()
    c = make_client(
        login="d",
        password="p",
        transport=script,
        response_format=smsc.ResponseFormat.CSV,
        retry=smsc.RetryPolicy(backoff=0.5, jitter=False),
        clock=clock,
        sleep=clock.sleep,
    )
    assert c.balance() == Decimal("5.00")
    assert clock.sleeps == [0.5, 1.0]


@pytest.mark.parametrize("code", [1, 2, 3, 4, 5, 6, 7, 8])
def test_errors_that_cannot_succeed_raise_at_once(code: int, client: Callable[..., Any]) -> None:
    script, clock = MockTransport(f'{{"error": "x", "error_code": {code}}}'.encode()), Clock()
    with pytest.raises(smsc.ApiError) as caught:
        client(script, clock).send(["+77011234567"], "Hi", id=42)
    assert caught.value.code == code and len(script.requests) == 1 and clock.sleeps == []


def test_http_client_errors_are_not_retried(client: Callable[..., Any]) -> None:
    script, clock = MockTransport(smsc.TransportError("HTTP 403", status=403, maybe_sent=False)), Clock()
    with pytest.raises(smsc.TransportError):
        client(script, clock).balance()
    assert len(script.requests) == 1


def test_attempts_and_deadline_bound_the_call(client: Callable[..., Any]) -> None:
    script, clock = MockTransport(LOST, LOST, LOST, LOST, LOST), Clock()
    with pytest.raises(smsc.TransportError):
        client(script, clock, attempts=3).balance()
    assert len(script.requests) == 3 and clock.sleeps == [1.0, 2.0]
    script, clock = MockTransport(LOST, LOST, LOST, LOST), Clock()
    with pytest.raises(smsc.TransportError):
        client(script, clock, attempts=10, deadline=2.5).balance()
    assert clock.sleeps == [1.0] and clock.now < 2.5


def test_jitter_and_max_backoff() -> None:
    policy = smsc.RetryPolicy(backoff=1.0, max_backoff=3.0)
    assert [policy.delay(n, lambda: 1.0) for n in range(1, 5)] == [1.0, 2.0, 3.0, 3.0]
    assert policy.delay(2, lambda: 0.0) == 1.0
    with pytest.raises(smsc.InvalidRequest):
        smsc.RetryPolicy(attempts=0)


def test_transports_get_the_deadline_on_the_monotonic_clock_whatever_clock_the_policy_uses(
    client: Callable[..., Any],
) -> None:
    import time

    script = MockTransport(b'{"balance": "1.00", "currency": "KZT"}')
    clock = Clock()  # starts at 0, far from time.monotonic()
    client(script, clock, deadline=30.0).balance()
    deadline = script.last_request.deadline
    assert deadline is not None and 29.0 < deadline - time.monotonic() <= 30.0
