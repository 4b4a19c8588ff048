"""The control API under /_emulator/: JSON over real HTTP on 127.0.0.1, as curl or a Go test drives it."""

from __future__ import annotations

import json
import re
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import urllib3
from aiohttp.test_utils import make_mocked_request

import smsc
from smsc.emulator import Emulator
from smsc.emulator._control import ControlApi, _is_loopback
from smsc.emulator._openapi import openapi
from smsc.text import transliterate
from tests.support.emulator_support import running


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with running() as emulator:
        yield emulator


def call(
    emulator: Emulator, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    """One request; JSON bodies are sent with Content-Type: application/json and the reply decoded."""
    sent = dict(headers or {})
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        sent.setdefault("Content-Type", "application/json")
    with urllib3.PoolManager(retries=False, timeout=5) as http:
        reply = http.request(method, emulator.base_url + path, body=data, headers=sent)
    try:
        return reply.status, json.loads(reply.data)
    except ValueError:
        return reply.status, reply.data.decode()


def send(emulator: Emulator, phone: str, text: str, **options: Any) -> smsc.SendResult:
    with smsc.Client(login="demo", password="demo", base_url=emulator.base_url, timeout=5) as client:
        return client.send([phone], text, **options)


def test_messages_with_parts_cost_and_status_history(emulator: Emulator) -> None:
    sent = send(emulator, "+77011234567", "Привет! " * 10, sender="Shop")  # 80 UCS-2 units: two parts
    send(emulator, "+79161234567", "Hello")
    status, data = call(emulator, "GET", "/_emulator/messages")
    assert status == 200
    newest, first = data["messages"]
    assert newest["phone"] == "79161234567" and newest["segments"]["chars_left"] == 155
    assert first["id"] == sent.id and first["sender"] == "Shop" and first["cost"] == "3.00"
    assert first["segments"]["encoding"] == "UCS-2" and first["segments"]["count"] == 2
    assert "".join(first["segments"]["parts"]) == "Привет! " * 10 and first["segments"]["chars_left"] == 67 * 2 - 80
    assert [h["status"]["name"] for h in first["history"]] == ["WAITING"]
    call(emulator, "POST", "/_emulator/clock/advance", {"seconds": 60})
    status, one = call(emulator, "GET", f"/_emulator/messages/{first['key']}")
    assert status == 200 and [h["status"]["code"] for h in one["history"]] == [-1, 0, 1]
    assert one["status"] == {"code": 1, "name": "DELIVERED", "label": "Доставлено", "final": True}
    assert call(emulator, "GET", "/_emulator/messages?phone=7916")[1]["messages"][0]["text"] == "Hello"
    assert call(emulator, "GET", "/_emulator/messages?status=delivered&limit=1")[1]["messages"][0]["text"] == "Hello"
    assert call(emulator, "GET", "/_emulator/messages?status=expired")[1] == {"messages": []}
    assert call(emulator, "GET", "/_emulator/messages?status=nonsense")[0] == 400
    assert call(emulator, "GET", "/_emulator/messages/999")[0] == 404


def test_the_clock_and_reset(emulator: Emulator) -> None:
    send(emulator, "+77011234567", "Hello")
    emulator.receive("+77017654321", "Hi")
    emulator.faults.http_error(502, probability=1.0)
    emulator.accounts.add("shop", "secret")
    status, clock = call(emulator, "POST", "/_emulator/clock/advance", {"seconds": 3600})
    assert status == 200 and clock["offset"] == 3600.0
    assert call(emulator, "POST", "/_emulator/clock/advance", {"seconds": -1})[0] == 400
    assert call(emulator, "POST", "/_emulator/clock/advance", {"seconds": "1"})[0] == 400
    assert call(emulator, "POST", "/_emulator/reset", {}) == (200, {"reset": True})
    assert emulator.messages() == [] and emulator.incoming() == [] and emulator.faults.rules == []
    assert [a.login for a in emulator.accounts] == ["demo"] and emulator.accounts["demo"].balance == 100
    assert call(emulator, "GET", "/_emulator/clock")[1]["offset"] == 0.0
    assert send(emulator, "+77011234567", "Hello").id  # serving as before


def test_accounts_balance_price_api_key_and_callback_url(emulator: Emulator) -> None:
    status, made = call(
        emulator, "POST", "/_emulator/accounts", {"login": "shop", "password": "secret", "balance": "5", "price": 2}
    )
    assert status == 201 and made["balance"] == "5" and made["price"] == "2" and "password" not in made
    status, changed = call(
        emulator,
        "PATCH",
        "/_emulator/accounts/shop",
        {"api_key": "key-1", "callback_url": "http://127.0.0.1:9/smsc", "balance": "1.00"},
    )
    assert status == 200 and changed["has_api_key"] is True and "key-1" not in json.dumps(changed)
    assert emulator.accounts["shop"].callback_url == "http://127.0.0.1:9/smsc"
    with smsc.Client(api_key="key-1", base_url=emulator.base_url, timeout=5) as client:
        assert client.balance() == 1
        with pytest.raises(smsc.InsufficientFunds):
            client.send(["+77011234567"], "Hello")
    assert call(emulator, "PATCH", "/_emulator/accounts/shop", {"callback_url": ""})[1]["callback_url"] is None
    assert call(emulator, "PATCH", "/_emulator/accounts/shop", {"callback_url": "ftp://x"})[0] == 400
    assert call(emulator, "PATCH", "/_emulator/accounts/shop", {"balance": 1.5})[0] == 400  # no floats for money
    for bad in (
        {"balance": "1e100"},
        {"balance": "NaN"},
        {"price": "-1"},
        {"currency": "kzt"},
        {"sender": "Far too long"},
    ):
        assert call(emulator, "PATCH", "/_emulator/accounts/shop", bad)[0] == 400, bad
    assert call(emulator, "POST", "/_emulator/accounts", {"login": "a/b", "password": "x"})[0] == 400
    assert call(emulator, "PATCH", "/_emulator/accounts/shop", {"colour": "red"})[0] == 400
    assert call(emulator, "PATCH", "/_emulator/accounts/nobody", {"balance": "1"})[0] == 404
    assert call(emulator, "POST", "/_emulator/accounts", {"login": "x"})[0] == 400
    logins = [a["login"] for a in call(emulator, "GET", "/_emulator/accounts")[1]["accounts"]]
    assert logins == ["demo", "shop"] and call(emulator, "GET", "/_emulator/accounts/shop")[0] == 200


def test_faults_as_emulator_faults_makes_them(emulator: Emulator) -> None:
    status, rule = call(
        emulator, "POST", "/_emulator/faults", {"kind": "http_error", "status": 503, "command": "balance", "count": 2}
    )
    assert status == 201 and rule["kind"] == "http_error" and rule["status"] == 503
    retry = smsc.RetryPolicy(attempts=1)
    with smsc.Client(login="demo", password="demo", base_url=emulator.base_url, timeout=5, retry=retry) as client:
        with pytest.raises(smsc.TransportError):
            client.balance()
        assert call(emulator, "GET", "/_emulator/faults")[1]["faults"][0]["fired"] == 1
        assert call(emulator, "DELETE", f"/_emulator/faults/{rule['id']}", {}) == (200, {"removed": rule["id"]})
        assert client.balance() == 100
        call(emulator, "POST", "/_emulator/faults", {"kind": "empty", "probability": 1})
        with pytest.raises(smsc.ProtocolError):
            client.balance()
        assert call(emulator, "DELETE", "/_emulator/faults", {}) == (200, {"faults": []})
        assert client.balance() == 100
    for bad in ({"kind": "explode"}, {"kind": "drop", "command": "get"}, {"kind": "drop", "count": 0}):
        assert call(emulator, "POST", "/_emulator/faults", bad)[0] == 400
    assert call(emulator, "POST", "/_emulator/faults", {"kind": "refuse", "command": "send"})[0] == 400
    assert call(emulator, "DELETE", "/_emulator/faults/77", {})[0] == 404


def test_incoming_messages(emulator: Emulator) -> None:
    status, got = call(emulator, "POST", "/_emulator/incoming", {"phone": "+7 701 765-43-21", "text": "STOP"})
    assert status == 201 and (got["phone"], got["to"], got["login"], got["text"]) == (
        "77017654321",
        "79990000000",
        "demo",
        "STOP",
    )
    emulator.accounts.add("shop", "secret")
    call(
        emulator,
        "POST",
        "/_emulator/incoming",
        {"phone": "+77011234567", "text": "Hi", "to": "+77000000001", "login": "shop"},
    )
    assert [m["text"] for m in call(emulator, "GET", "/_emulator/incoming")[1]["incoming"]] == ["STOP", "Hi"]
    assert [m.to for m in emulator.incoming("shop")] == ["77000000001"]
    assert call(emulator, "POST", "/_emulator/incoming", {"phone": "12", "text": "x"})[0] == 400
    assert call(emulator, "POST", "/_emulator/incoming", {"phone": "+77011234567"})[0] == 400
    assert (
        call(emulator, "POST", "/_emulator/incoming", {"phone": "+77011234567", "text": "x", "login": "no"})[0] == 404
    )


def test_denied_senders_and_words(emulator: Emulator) -> None:
    assert call(emulator, "GET", "/_emulator/denied")[1] == {"senders": ["BLOCKED"], "words": ["casino"]}
    assert call(emulator, "PUT", "/_emulator/denied", {"words": ["lottery"]})[1]["words"] == ["lottery"]
    with pytest.raises(smsc.MessageDenied):
        send(emulator, "+77011234567", "Win the lottery")
    assert send(emulator, "+77011234567", "casino night").id
    assert call(emulator, "PUT", "/_emulator/denied", {"senders": "BAD"})[0] == 400


def test_what_is_refused(emulator: Emulator) -> None:
    assert call(emulator, "GET", "/_emulator/nothing")[0] == 404
    assert call(emulator, "DELETE", "/_emulator/clock")[0] == 405
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert call(emulator, "POST", "/_emulator/reset", headers=form)[0] == 415  # a plain HTML form cannot reset it
    elsewhere = {"Origin": "http://attacker.example"}
    assert call(emulator, "POST", "/_emulator/reset", {}, headers=elsewhere)[0] == 403
    assert call(emulator, "POST", "/_emulator/clock/advance", "[1]")[0] == 400
    assert call(emulator, "POST", "/sys/send.php")[0] == 200  # the SMSC API is not affected


def _remote(api: ControlApi, path: str, peer: str, **headers: str) -> int:
    """The status the control API gives a request from `peer` (the decision only; nothing is sent)."""
    transport = mock.Mock()
    transport.get_extra_info.side_effect = lambda name, default=None: (peer, 40000) if name == "peername" else default
    request = make_mocked_request("GET", path, headers=headers, transport=transport)
    import asyncio

    response = asyncio.run(api.handle(request))
    return response.status


def test_off_the_loopback_a_token_is_required(emulator: Emulator) -> None:
    assert _is_loopback("127.0.0.1") and _is_loopback("::1") and _is_loopback("::ffff:127.0.0.1")
    assert not _is_loopback("192.0.2.1") and not _is_loopback("") and not _is_loopback(None)
    open_api, guarded = ControlApi(emulator), ControlApi(emulator, "s3cret")
    assert _remote(open_api, "/_emulator/clock", "127.0.0.1") == 200
    assert _remote(open_api, "/_emulator/clock", "192.0.2.1") == 403  # no token set: loopback only
    assert _remote(guarded, "/_emulator/clock", "192.0.2.1") == 401
    assert _remote(guarded, "/_emulator/clock", "192.0.2.1", Authorization="Bearer wrong") == 401
    assert _remote(guarded, "/_emulator/clock", "192.0.2.1", Authorization="Bearer s3cret") == 200
    assert _remote(guarded, "/_emulator/clock", "192.0.2.1", Cookie="smsc_emulator_token=s3cret") == 200
    assert _remote(guarded, "/", "192.0.2.1") == 200  # the token form, not the messages


def test_the_inbox_token_form_sets_a_cookie() -> None:
    with running(control_token="s3cret") as emulator:
        with urllib3.PoolManager(retries=False, timeout=5) as http:
            wrong = http.request(
                "POST", emulator.base_url + "/_emulator/session", fields={"token": "x"}, encode_multipart=False
            )
            right = http.request(
                "POST",
                emulator.base_url + "/_emulator/session",
                fields={"token": "s3cret"},
                encode_multipart=False,
                redirect=False,
            )
    assert wrong.status == 401 and "set-cookie" not in wrong.headers
    assert (
        right.status == 303
        and "HttpOnly" in right.headers["set-cookie"]
        and "SameSite=Strict" in right.headers["set-cookie"]
    )


def test_the_openapi_description_covers_every_endpoint(emulator: Emulator) -> None:
    status, served = call(emulator, "GET", "/_emulator/openapi.json")
    assert status == 200 and served == openapi() and served["openapi"] == "3.1.0"
    from openapi_spec_validator import validate

    validate(served)  # an independent validator of OpenAPI 3.1 documents
    documented = {(path, method.upper()) for path, ops in served["paths"].items() for method in ops}
    api = ControlApi(emulator)
    for method, pattern, _ in api._routes:
        path = re.sub(
            r"\(\?P<(\w+)>[^)]*\)", lambda m: "{" + ("id" if m[1] == "number" else m[1]) + "}", pattern.pattern
        )
        path = path.replace("\\", "")
        if path in ("/", "/_emulator/inbox", "/_emulator/static/{name}", "/_emulator/session"):
            continue  # the web inbox's own pages
        assert (path, method) in documented, (path, method)
    refs = re.findall(r'"#/components/schemas/(\w+)"', json.dumps(served))
    assert set(refs) <= set(served["components"]["schemas"])


class _EventStream:
    """The emulator's /_emulator/events read over a raw socket, one notice at a time."""

    def __init__(self, emulator: Emulator, timeout: float = 10) -> None:
        self.sock = socket.create_connection(("127.0.0.1", emulator.http_port), timeout=timeout)
        self.sock.sendall(b"GET /_emulator/events HTTP/1.1\r\nHost: x\r\n\r\n")
        self.unread = b""
        self.head = self.next("hello")  # the response's status line and headers, and nothing else

    def next(self, kind: str) -> bytes:
        """Read on until the next `event: <kind>`; returns what came before it (passed over)."""
        marker = f"event: {kind}\n".encode()
        while marker not in self.unread:
            self.unread += self.sock.recv(4096)
        before, self.unread = self.unread.split(marker, 1)
        return before


def test_events_stream_what_changed(emulator: Emulator) -> None:
    events = _EventStream(emulator, timeout=5)
    with events.sock:
        assert b"text/event-stream" in events.head
        done = threading.Event()

        def change() -> None:
            send(emulator, "+77011234567", "Hi")
            emulator.advance(5)
            done.set()

        threading.Thread(target=change).start()
        assert b"event: clock" not in events.next("messages")  # the send is told before the clock moves
        events.next("clock")
        assert done.wait(5)


def test_parts_are_what_the_phone_shows_after_translit_and_maxsms(emulator: Emulator) -> None:
    text = "Привет, мир! " * 20  # 260 characters: 4 UCS-2 parts, 2 GSM-7 parts in translit
    send(emulator, "+77011234567", text, translit=smsc.Translit.LATIN)
    send(emulator, "+77011234568", text, max_parts=2)
    cut, latin = call(emulator, "GET", "/_emulator/messages")[1]["messages"]
    assert latin["text"] == text and latin["translit"] == "latin"
    assert latin["segments"]["encoding"] == "GSM-7" and latin["segments"]["count"] == latin["billed_parts"] == 2
    assert "".join(latin["segments"]["parts"]) == transliterate(text, smsc.Translit.LATIN)
    assert cut["max_parts"] == 2 and cut["segments"]["truncated"] is True
    assert cut["segments"]["count"] == cut["billed_parts"] == 2 and len("".join(cut["segments"]["parts"])) == 2 * 67
    page = call(emulator, "GET", "/_emulator/inbox")[1]
    assert "translit latin" in page and "cut by maxsms" in page


def test_a_state_file_from_before_translit_is_migrated(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.sqlite"
    with running(db=str(path)) as emulator:
        send(emulator, "+77011234567", "kept")
    with sqlite3.connect(path) as db:  # as an older emulator left it
        db.execute("ALTER TABLE messages DROP COLUMN translit")
        db.execute("ALTER TABLE messages DROP COLUMN max_parts")
    with running(db=str(path)) as emulator:
        assert [(m.text, m.translit) for m in emulator.messages()] == [("kept", smsc.Translit.NONE)]


def test_events_follow_the_running_clock() -> None:
    """On the wall clock statuses change with no request: the stream still says so, within a second or so."""
    from smsc.emulator import Lifecycle

    with running(lifecycle=Lifecycle(transfer_after=0.2, final_after=0.4)) as emulator:
        events = _EventStream(emulator)
        with events.sock:
            send(emulator, "+77011234567", "Hi")
            events.next("messages")
            events.next("clock")  # no advance(): the clock ran
        assert emulator.messages()[0].status is not smsc.MessageStatus.WAITING


def test_events_follow_the_running_clock_after_a_reset_moved_it_back() -> None:
    """A reset sets the clock back; statuses planned after it still reach an open stream."""
    from smsc.emulator import Lifecycle

    with running(lifecycle=Lifecycle(transfer_after=0.0, final_after=0.05)) as emulator:
        events = _EventStream(emulator)
        with events.sock:
            send(emulator, "+77011234567", "before")
            emulator.advance(60)  # says "clock" at once, and again when the ticker sees the change
            events.next("clock")
            events.next("clock")
            emulator.reset()  # the clock goes back a minute behind the ticker's last look
            send(emulator, "+77011234567", "Hi")  # delivered in 50 ms, before the next look at the clock
            events.next("messages")
            while True:  # each "clock" says something moved; the last move is the delivery
                events.next("clock")
                if emulator.messages()[0].status is smsc.MessageStatus.DELIVERED:
                    break
