"""Acceptance of the duplicate-safe transport, through the emulator's fault API over loopback."""

from __future__ import annotations

import logging
import socket
from collections import Counter
from functools import partial

import pytest

import smsc
from tests.support.clients import Factory
from tests.support.emulator_support import PHONE, running, smtp_port

FAST = smsc.RetryPolicy(attempts=6, backoff=0.001, max_backoff=0.01, deadline=30)


def test_dropped_send_replies_never_lose_or_duplicate_a_message(make_client: Factory) -> None:
    with running(seed=7) as emulator:
        emulator.accounts.update("demo", balance=1_000_000)
        emulator.faults.drop(command="send", probability=0.3)
        outcomes: Counter[str] = Counter()
        with make_client(login="demo", password="demo", base_url=emulator.base_url, retry=FAST) as client:
            for n in range(1, 1001):
                try:
                    result = client.send([PHONE], f"order {n}", id=n)
                    outcomes["recovered" if result.recovered else "sent"] += 1
                except smsc.SmscError:
                    outcomes["raised"] += 1
        stored = Counter(m.id for m in emulator.messages())
        dropped = sum(1 for hit in emulator.faults.hits if hit.kind == "drop")
    assert sum(outcomes.values()) == 1000 and outcomes["raised"] == 0
    assert sorted(stored) == list(range(1, 1001))  # 0 lost
    assert max(stored.values()) == 1  # 0 duplicates
    assert 200 < dropped < 400 and outcomes["recovered"] == dropped


def test_a_refusing_primary_fails_over_to_a_mirror(make_client: Factory) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    with (
        running() as emulator,
        make_client(login="demo", password="demo", hosts=[dead, emulator.base_url], retry=FAST) as client,
    ):
        sent = client.send([PHONE], "Hello", id=5)
        assert sent.id == 5 and not sent.recovered
        assert [m.id for m in emulator.messages()] == [5]


def test_too_many_requests_backs_off_and_succeeds_without_sending_twice(make_client: Factory) -> None:
    with running(rate_limits=True) as emulator:
        policy = smsc.RetryPolicy(attempts=3, backoff=61.0, max_backoff=120.0, deadline=None, jitter=False)
        waits: list[float] = []

        def sleep(seconds: float) -> None:  # the client's wait moves the emulator's clock
            waits.append(seconds)
            emulator.advance(seconds)

        with make_client(
            login="demo", password="demo", base_url=emulator.base_url, retry=policy, sleep=sleep
        ) as client:
            client.send([PHONE], "Same text", id=1)
            second = client.send([PHONE], "Same text", id=2)  # identical within a minute: error 9 first
        assert second.id == 2 and waits == [61.0]
        assert sorted(m.id for m in emulator.messages()) == [1, 2]


def test_status_lookups_after_empty_replies_and_server_errors(make_client: Factory) -> None:
    with running() as emulator:
        emulator.faults.empty(command="send", count=1)
        emulator.faults.http_error(502, command="send", count=1)
        with make_client(login="demo", password="demo", base_url=emulator.base_url, retry=FAST) as client:
            first = client.send([PHONE], "One", id=10)  # empty reply: processed, then found by its id
            second = client.send([PHONE], "Two", id=11)  # 502: not processed, looked up, sent again
        assert first.recovered and first.sms_count == 1 and not second.recovered
        assert sorted(m.id for m in emulator.messages()) == [10, 11]


def test_secrets_appear_nowhere(caplog: pytest.LogCaptureFixture, make_client: Factory) -> None:
    password, api_key = "Pa55:w&rd=%x", "KEY-3f9a-secret"
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []
    with running(smtp_port=0) as emulator:
        emulator.accounts.add("leaky", password, api_key=api_key)
        emulator.faults.drop(command="send", count=2)
        emulator.faults.garbage(command="balance", count=1)
        post = make_client(login="leaky", password=password, base_url=emulator.base_url, retry=FAST)
        keyed = make_client(api_key=api_key, base_url=emulator.base_url, retry=FAST)
        get = make_client(login="leaky", password=password, base_url=emulator.base_url, method="GET", retry=FAST)
        mail = make_client(
            login="leaky",
            password=password,
            base_url=emulator.base_url,
            retry=FAST,
            transport=smsc.SmtpTransport("127.0.0.1", smtp_port(emulator), starttls=None),
        )
        for client in (post, keyed, get, mail):
            texts.append(repr(client))
            texts.append(repr(client.send([PHONE], "Hi")))
            texts.append(repr(client.balance()))
            for call in (partial(client.send, ["1"], "x"), partial(client.status, 999, "bad phone")):
                try:
                    call()
                except smsc.SmscError as exc:
                    texts += [str(exc), repr(exc), str(exc.__cause__)]
        bad = make_client(login="leaky", password=password + "!", base_url=emulator.base_url, retry=FAST)
        with pytest.raises(smsc.AuthError) as caught:
            bad.balance()
        texts += [str(caught.value), repr(caught.value)]
        assert len([m for m in emulator.messages() if m.login == "leaky"]) == 4
    texts += [r.getMessage() for r in caplog.records]
    texts += [str(r.args) for r in caplog.records]
    blob = "\n".join(texts)
    for secret in (password, password + "!", api_key, "Pa55%3Aw%26rd", "Pa55:w"):
        assert secret not in blob
    assert "psw=%2A%2A%2A" in blob and "apikey=%2A%2A%2A" in blob
