"""The emulator's fault injection: drop, delay, refuse, garbage, empty, HTTP errors; seeded and reproducible."""

from __future__ import annotations

import time

import pytest
import urllib3
from urllib3.exceptions import HTTPError, ReadTimeoutError

import smsc
from smsc.emulator import Emulator, FaultHit, Faults
from tests.support.emulator_support import PHONE, client, running

AUTH = {"login": "demo", "psw": "demo", "fmt": "1"}


def _send(emulator: Emulator, text: str, timeout: float = 5.0) -> bytes:
    with urllib3.PoolManager(retries=False, timeout=timeout) as http:
        response = http.request(
            "POST",
            emulator.base_url + "/sys/send.php",
            fields={**AUTH, "phones": PHONE, "mes": text},
            encode_multipart=False,
        )
        assert response.status == 200
        return response.data


def _balance(emulator: Emulator) -> urllib3.BaseHTTPResponse:
    with urllib3.PoolManager(retries=False, timeout=5) as http:
        return http.request("POST", emulator.base_url + "/sys/balance.php", fields=AUTH, encode_multipart=False)


def test_drop_processes_the_request_then_closes_without_a_reply() -> None:
    with running() as emulator:
        emulator.faults.drop(command="send")
        with pytest.raises(HTTPError):
            _send(emulator, "one")
        assert [m.text for m in emulator.messages()] == ["one"]  # accepted and charged
        assert _send(emulator, "two").endswith(b",1")  # the rule fired once
        assert emulator.faults.hits == [FaultHit("drop", "send")]


def test_delay_replies_late() -> None:
    with running() as emulator:
        emulator.faults.delay(0.6, count=2)
        with pytest.raises(ReadTimeoutError):
            _send(emulator, "late", timeout=0.2)
        started = time.monotonic()
        assert _send(emulator, "later").endswith(b",1")
        assert time.monotonic() - started >= 0.6
        assert [m.text for m in emulator.messages()] == ["late", "later"]


def test_refuse_resets_connections_before_the_request_is_read() -> None:
    with running() as emulator:
        emulator.faults.refuse(count=2)
        for _ in range(2):
            with pytest.raises(HTTPError):
                _send(emulator, "refused")
        assert emulator.messages() == []
        assert _send(emulator, "through").endswith(b",1")
        assert emulator.faults.hits == [FaultHit("refuse", None)] * 2


def test_garbage_and_empty_bodies_reach_the_client_as_protocol_errors() -> None:
    with running() as emulator, client(emulator, retry=smsc.RetryPolicy(attempts=1)) as c:
        emulator.faults.garbage(command="balance")
        with pytest.raises(smsc.ProtocolError) as caught:
            c.balance()
        assert caught.value.raw == Faults(seed=0).garbage_bytes()  # seeded: the same bytes every run
        emulator.faults.garbage(body=b"<html>oops</html>")
        assert _balance(emulator).data == b"<html>oops</html>"
        emulator.faults.empty(command="send")
        with pytest.raises(smsc.ProtocolError, match="empty reply"):
            c.send([PHONE], "empty")
        assert [m.text for m in emulator.messages()] == ["empty"]
        assert c.balance() == emulator.accounts["demo"].balance


def test_http_error_is_answered_without_processing() -> None:
    with running() as emulator, client(emulator, retry=smsc.RetryPolicy(attempts=1)) as c:
        emulator.faults.http_error(503, command="send")
        with pytest.raises(smsc.TransportError) as caught:
            c.send([PHONE], "not processed")
        assert caught.value.status == 503
        assert emulator.messages() == []


def test_command_filter_and_cancel() -> None:
    with running() as emulator, client(emulator, retry=smsc.RetryPolicy(attempts=1)) as c:
        rule = emulator.faults.empty(command="status", count=3)
        sent = c.send([PHONE], "filtered")
        c.cost([PHONE], "filtered")
        assert c.balance() == sent.balance
        with pytest.raises(smsc.ProtocolError):
            c.status(sent.id, PHONE)
        assert rule.fired == 1
        rule.cancel()
        assert emulator.faults.rules == []
        assert c.status(sent.id, PHONE).status is smsc.MessageStatus.WAITING


def _pattern(seed: int) -> list[bool]:
    with running(seed=seed) as emulator:
        emulator.faults.empty(command="balance", probability=0.3)
        return [_balance(emulator).data == b"" for _ in range(60)]


def test_probability_faults_are_reproducible_with_a_seed() -> None:
    first, again, other = _pattern(7), _pattern(7), _pattern(8)
    assert first == again
    assert first != other
    assert 5 <= sum(first) <= 35


def test_count_and_probability_together_cap_the_faults() -> None:
    with running() as emulator:
        rule = emulator.faults.empty(probability=1.0, count=2)
        replies = [_balance(emulator).data for _ in range(4)]
        assert replies == [b"", b"", b"100.00", b"100.00"]
        assert rule.fired == 2 and emulator.faults.rules == []


def test_first_matching_rule_wins_and_clear_removes_all() -> None:
    with running() as emulator:
        emulator.faults.http_error(500, command="send", count=5)
        emulator.faults.empty(count=5)
        assert _balance(emulator).data == b""
        emulator.faults.clear()
        assert _balance(emulator).data == b"100.00"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda f: f.drop(command="info"), "command"),
        (lambda f: f.empty(count=0), "count"),
        (lambda f: f.garbage(probability=1.5), "probability"),
        (lambda f: f.delay(-1), "seconds"),
        (lambda f: f.http_error(200), "status"),
    ],
)
def test_bad_fault_rules_are_rejected(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call(Faults())  # type: ignore[operator]
