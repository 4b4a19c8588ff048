"""smsc.testing.MockTransport: records requests, answers from a script, behaves as the HTTP transport does."""

from __future__ import annotations

import re
import threading
from decimal import Decimal
from pathlib import Path

import pytest

import smsc
from smsc.testing import MockTransport, RecordedRequest, Reply
from tests.support.http_server import Script, serve

SENT = b'{"id": 7, "cnt": 1, "cost": "1.00", "balance": "9.00"}'
BALANCE = b'{"balance": "5.00", "currency": "KZT"}'
NO_WAIT = smsc.RetryPolicy(attempts=3, backoff=0.0, jitter=False)


def client(mock: MockTransport, **options: object) -> smsc.Client:
    return smsc.Client(login="demo", password="s3cret", transport=mock, retry=NO_WAIT, **options)  # type: ignore[arg-type]


def test_records_each_request_with_its_fields_files_and_deadline() -> None:
    mock = MockTransport(SENT)
    result = client(mock).send(
        ["+77011234567"], "Hi", id=7, format=smsc.MessageFormat.MMS, files=[("a.txt", b"1", "text/plain")]
    )
    assert result == smsc.SendResult(id=7, sms_count=1, cost=Decimal("1.00"), balance=Decimal("9.00"))
    [request] = mock.requests
    assert request is mock.last_request and request.path == "/sys/send.php" and request.command == "send"
    assert request.fields[:2] == (("login", "demo"), ("psw", "s3cret"))
    assert request.params["mes"] == "Hi" and request.params["id"] == "7" and request.params["mms"] == "1"
    assert request.files == (smsc.Attachment("a.txt", b"1", "text/plain"),)
    assert request.deadline is not None  # the default policy has a deadline
    mock.assert_all_used()


def test_secrets_are_masked_in_reprs() -> None:
    mock = MockTransport(BALANCE, BALANCE)
    client(mock).balance()
    smsc.Client(api_key="k-secret-1", transport=mock).balance()
    shown = repr(mock.requests) + repr(mock)
    assert "s3cret" not in shown and "k-secret-1" not in shown and "'psw', '***'" in shown
    assert mock.requests[1].params["apikey"] == "k-secret-1"  # still there for a test to check


def test_bytes_str_and_replies_are_answers() -> None:
    mock = MockTransport(BALANCE, BALANCE.decode(), Reply(BALANCE), Reply(body=BALANCE.decode(), status=200))
    c = client(mock)
    assert [c.balance() for _ in range(4)] == [Decimal("5.00")] * 4
    assert mock.remaining == 0


@pytest.mark.parametrize(("status", "maybe_sent"), [(500, True), (503, True), (403, False), (404, False)])
def test_a_status_is_the_same_transport_error_as_over_http(status: int, maybe_sent: bool) -> None:
    mocked = MockTransport(Reply(b"oops", status=status))
    with pytest.raises(smsc.TransportError) as from_mock:
        MockTransport.request(mocked, "/sys/balance.php", [])
    with serve(Script(status=status, body=b"oops")) as url:
        real = smsc.HttpTransport(url)
        with pytest.raises(smsc.TransportError) as from_http:
            real.request("/sys/balance.php", [])
        real.close()
    assert (from_mock.value.status, from_mock.value.maybe_sent) == (from_http.value.status, from_http.value.maybe_sent)
    assert from_mock.value.maybe_sent is maybe_sent and f"HTTP {status}" in str(from_mock.value)


def test_errors_in_the_script_are_raised_and_the_client_tries_again() -> None:
    mock = MockTransport(smsc.TransportError("read timed out"), Reply(b"", status=502), BALANCE)
    assert client(mock).balance() == Decimal("5.00")
    assert [r.command for r in mock.requests] == ["balance"] * 3


def test_a_lost_send_is_looked_up_not_sent_twice() -> None:
    found = (
        b'{"status": 1, "last_date": "", "last_timestamp": 0, "err": 0, "send_date": "", "send_timestamp": 0, '
        b'"phone": "77011234567", "cost": "1.00", "sender_id": "", "status_name": "x", "message": "Hi"}'
    )
    mock = MockTransport(smsc.TransportError("connection reset", maybe_sent=True), found)
    assert client(mock).send(["+77011234567"], "Hi", id=7).recovered
    assert [r.command for r in mock.requests] == ["send", "status"]


def test_any_exception_is_raised_as_given() -> None:
    mock = MockTransport(KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        client(mock).balance()


def test_a_function_answers_from_the_request_and_default_answers_forever() -> None:
    def echo_id(request: RecordedRequest) -> bytes:
        return SENT.replace(b'"id": 7', b'"id": ' + request.params["id"].encode())

    mock = MockTransport(default=echo_id)
    c = client(mock)
    assert [c.send(["+77011234567"], "Hi", id=n).id for n in (3, 4, 5)] == [3, 4, 5]
    assert mock.remaining == 0
    mock.add(lambda request: smsc.TransportError("down", maybe_sent=False), BALANCE)
    assert c.balance() == Decimal("5.00") and mock.remaining == 0


def test_chained_script_building() -> None:
    mock = MockTransport().reply(BALANCE).fail(smsc.TransportError("x", maybe_sent=False)).reply("0,-9", status=200)
    assert mock.remaining == 3
    with pytest.raises(AssertionError, match="3 scripted step"):
        mock.assert_all_used()


def test_a_request_the_script_has_no_answer_for_fails_the_test_at_once() -> None:
    mock = MockTransport(BALANCE)
    c = client(mock)
    c.balance()
    with pytest.raises(AssertionError, match=r"no reply scripted for request 2 .*/sys/balance.php"):
        c.balance()  # not swallowed by the retry policy
    assert len(mock.requests) == 2
    with pytest.raises(AssertionError, match="no request"):
        _ = MockTransport().last_request


@pytest.mark.parametrize(
    "step",
    [42, None, ["a"], smsc.TransportError, ValueError],
    ids=["int", "none", "list", "exception-class", "builtin-class"],
)
def test_a_bad_step_is_refused_when_scripted(step: object) -> None:
    with pytest.raises(smsc.InvalidRequest, match=r"step|exception instance"):
        MockTransport(step)  # type: ignore[arg-type]
    with pytest.raises(smsc.InvalidRequest):
        MockTransport().add(step)  # type: ignore[arg-type]


@pytest.mark.parametrize("status", [0, 99, 600, True, "200"])
def test_a_bad_status_is_refused(status: object) -> None:
    with pytest.raises(smsc.InvalidRequest, match="status"):
        Reply(b"", status=status)  # type: ignore[arg-type]
    with pytest.raises(smsc.InvalidRequest, match="body"):
        Reply(123)  # type: ignore[arg-type]
    with pytest.raises(smsc.InvalidRequest):
        MockTransport().fail("boom")  # type: ignore[arg-type]


def test_closing_the_client_closes_the_transport() -> None:
    mock = MockTransport(default=BALANCE)
    with client(mock) as c:
        c.balance()
    assert mock.closed
    with pytest.raises(smsc.TransportError, match="closed") as caught:
        c.balance()
    assert caught.value.maybe_sent is False


def test_threads_share_one_mock() -> None:
    mock = MockTransport(default=BALANCE)
    c = client(mock)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(25):
                assert c.balance() == Decimal("5.00")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == [] and len(mock.requests) == 200


def test_the_readme_example_runs() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Testing your code\n", 1)[1].split("\n## ", 1)[0]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match is not None
    namespace: dict[str, object] = {}
    exec(compile(match[1], "README.md", "exec"), namespace)
    test = namespace["test_notify_survives_a_lost_reply"]
    assert callable(test)
    test()
