"""The emulator's state and request handling: balance, lifecycle, persistence, charsets, GET/POST/multipart."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import urllib3
from hypothesis import given, settings
from hypothesis import strategies as st

import smsc
from smsc.emulator import Emulator, Lifecycle
from tests.support.emulator_support import OTHER, PHONE, client, raw, running

AUTH = {"login": "demo", "psw": "demo"}


def test_balance_arithmetic_over_many_sends() -> None:
    with running() as emulator, client(emulator) as c:
        emulator.accounts.update("demo", price="0.37", balance="20.00")
        long_latin = "x" * 161  # two parts
        spent = Decimal(0)
        for i in range(5):
            result = c.send([PHONE, OTHER, f"+7701000000{i}"], long_latin)
            assert result.sms_count == 6 and result.cost == Decimal("2.22")
            spent += result.cost
            assert result.balance == Decimal("20.00") - spent
        assert c.cost([PHONE], long_latin) == smsc.Cost(cost=Decimal("0.74"), sms_count=2)  # cost=1 never debits
        assert emulator.accounts["demo"].balance == Decimal("8.90")
        assert sum(m.cost for m in emulator.messages()) == spent
        four = [PHONE, OTHER, "+77010000008", "+77010000009"]
        assert c.cost(four, "y" * 1000) == smsc.Cost(cost=Decimal("10.36"), sms_count=28)  # 7 parts x 4
        with pytest.raises(smsc.InsufficientFunds):
            c.send(four, "y" * 1000)
        assert c.send(four[:3], "y" * 1000).balance == Decimal("1.13")  # 21 x 0.37 = 7.77


def test_per_recipient_formats_count_one_each() -> None:
    with running() as emulator, client(emulator) as c:
        assert c.send([PHONE, OTHER], "z" * 400, format=smsc.MessageFormat.VIBER).sms_count == 2
        assert c.send([PHONE], "", format=smsc.MessageFormat.PING).sms_count == 1
        assert c.send([PHONE], "z" * 400, format=smsc.MessageFormat.FLASH).sms_count == 3
        assert [m.format for m in emulator.messages()] == [smsc.MessageFormat.VIBER] * 2 + [
            smsc.MessageFormat.PING,
            smsc.MessageFormat.FLASH,
        ]


def test_test_numbers_end_in_their_status_and_error() -> None:
    numbers = {
        "+79990001000": (smsc.MessageStatus.DELIVERED, smsc.DeliveryError.NONE),
        "+79990002000": (smsc.MessageStatus.READ, smsc.DeliveryError.NONE),
        "+79990003006": (smsc.MessageStatus.EXPIRED, smsc.DeliveryError.SUBSCRIBER_OFFLINE),
        "+79990004000": (smsc.MessageStatus.CLICKED, smsc.DeliveryError.NONE),
        "+79990020001": (smsc.MessageStatus.UNDELIVERABLE, smsc.DeliveryError.SUBSCRIBER_NOT_FOUND),
        "+79990022249": (smsc.MessageStatus.WRONG_NUMBER, smsc.DeliveryError.WRONG_NUMBER_FORMAT),
        "+79990023253": (smsc.MessageStatus.FORBIDDEN, smsc.DeliveryError.SPAM_FILTER),
        "+79990024000": (smsc.MessageStatus.INSUFFICIENT_FUNDS, smsc.DeliveryError.NONE),
        "+79990025248": (smsc.MessageStatus.UNREACHABLE_NUMBER, smsc.DeliveryError.NO_ROUTE),
        "+79990000000": (smsc.MessageStatus.TRANSFERRED, smsc.DeliveryError.NONE),
        "+79990099000": (smsc.MessageStatus.WAITING, smsc.DeliveryError.NONE),
    }
    with running() as emulator, client(emulator) as c:
        sent = c.send(list(numbers), "Test")
        emulator.advance(3600)
        records = c.statuses([(sent.id, phone) for phone in numbers])
        assert {"+" + r.phone: (r.status, r.error) for r in records} == numbers
        read = next(m for m in emulator.messages() if m.phone == "79990002000")
        assert [h.status for h in read.history] == [
            smsc.MessageStatus.WAITING,
            smsc.MessageStatus.TRANSFERRED,
            smsc.MessageStatus.DELIVERED,
            smsc.MessageStatus.READ,
        ]


def test_injected_clock_and_lifecycle() -> None:
    now = [1_716_195_600.0]  # 2024-05-20 12:00:00 MSK
    with (
        running(clock=lambda: now[0], lifecycle=Lifecycle(transfer_after=10, final_after=20)) as emulator,
        client(emulator) as c,
    ):
        sent = c.send([PHONE], "Tick")
        assert c.status(sent.id, PHONE).status is smsc.MessageStatus.WAITING
        now[0] += 10
        status = c.status(sent.id, PHONE)
        assert status.status is smsc.MessageStatus.TRANSFERRED
        assert status.changed_at == datetime(2024, 5, 20, 12, 0, 10, tzinfo=smsc.MSK)
        emulator.advance(10)
        assert c.status(sent.id, PHONE).changed_at == datetime(2024, 5, 20, 12, 0, 20, tzinfo=smsc.MSK)
        assert emulator.now() == datetime(2024, 5, 20, 12, 0, 20, tzinfo=smsc.MSK)


@pytest.mark.parametrize(
    ("time", "tz", "due"),
    [
        ("2005241230", None, datetime(2024, 5, 20, 12, 30, tzinfo=smsc.MSK)),
        ("20.05.24 12:30", None, datetime(2024, 5, 20, 12, 30, tzinfo=smsc.MSK)),
        ("20.05.24 14:30", "2", datetime(2024, 5, 20, 12, 30, tzinfo=smsc.MSK)),
        ("+90", None, datetime(2024, 5, 20, 13, 30, tzinfo=smsc.MSK)),
        ("01716199200", None, datetime(2024, 5, 20, 13, 0, tzinfo=smsc.MSK)),
        ("0", None, datetime(2024, 5, 20, 12, 0, tzinfo=smsc.MSK)),
        ("01.01.20 00:00", None, datetime(2024, 5, 20, 12, 0, tzinfo=smsc.MSK)),  # past: now
        ("9-18", None, datetime(2024, 5, 20, 12, 0, tzinfo=smsc.MSK)),  # inside the window: now
        ("14-16", None, datetime(2024, 5, 20, 14, 0, tzinfo=smsc.MSK)),
        ("22-6", None, datetime(2024, 5, 20, 22, 0, tzinfo=smsc.MSK)),
        ("6-9", None, datetime(2024, 5, 21, 6, 0, tzinfo=smsc.MSK)),
    ],
)
def test_time_forms(time: str, tz: str | None, due: datetime) -> None:
    with running(clock=lambda: 1_716_195_600.0) as emulator:
        fields = {**AUTH, "phones": PHONE, "mes": "Hi", "time": time, "fmt": "3"}
        if tz is not None:
            fields["tz"] = tz
        reply = json.loads(raw(emulator, "/sys/send.php", fields).data)
        assert reply["cnt"] == 1
        assert emulator.messages()[0].due_at == due


@pytest.mark.parametrize("time", ["3106241230", "32.05.24 10:00", "5-5", "25-3", "tomorrow", "+", "12:30", "0x1"])
def test_bad_time_is_error_5(time: str) -> None:
    with running() as emulator:
        reply = raw(emulator, "/sys/send.php", {**AUTH, "phones": PHONE, "mes": "Hi", "time": time, "id": "5"})
        assert reply.data == b"ERROR = 5 (invalid date format)"
        assert emulator.messages() == []


def test_state_survives_a_restart_with_db(tmp_path: Path) -> None:
    db = str(tmp_path / "smsc.sqlite")
    with running(db=db) as emulator, client(emulator) as c:
        emulator.accounts.add("shop", "pw", balance="50")
        sent = c.send([PHONE], "Persisted")
        emulator.advance(3600)
    with running(db=db) as emulator, client(emulator) as c:
        assert c.balance() == Decimal("98.50")
        status = c.status(sent.id, PHONE, detail=smsc.StatusDetail.FULL)
        assert (status.status, status.message) == (smsc.MessageStatus.DELIVERED, "Persisted")
        assert emulator.accounts["shop"].balance == Decimal("50")
        assert emulator.now() - datetime.now(smsc.MSK) > timedelta(minutes=59)  # the clock offset persisted
        second = c.send([PHONE], "Second")
        assert second.id != sent.id and len(emulator.messages()) == 2


def test_server_assigned_ids_are_sequential() -> None:
    with running() as emulator:
        for expected in ("1", "2"):
            reply = raw(emulator, "/sys/send.php", {**AUTH, "phones": PHONE, "mes": f"Hi {expected}", "fmt": "1"})
            assert reply.data == f"{expected},1".encode()
        reply = raw(emulator, "/sys/send.php", {**AUTH, "phones": PHONE, "mes": "zero", "fmt": "1", "id": "0"})
        assert reply.data == b"3,1"


@pytest.mark.parametrize(
    ("cost", "reply"),
    [
        ("0", "OK - 1 SMS, ID - 7"),
        ("1", "OK - 1 SMS, COST - 1.50"),
        ("2", "OK - 1 SMS, ID - 7, COST - 1.50"),
        ("3", "OK - 1 SMS, ID - 7, COST - 1.50, BALANCE - 98.50"),
    ],
)
def test_cost_parameter_picks_the_layout(cost: str, reply: str) -> None:
    with running() as emulator:
        assert (
            raw(emulator, "/sys/send.php", {**AUTH, "phones": PHONE, "mes": "Hi", "id": "7", "cost": cost}).data
            == reply.encode()
        )


@pytest.mark.parametrize("charset", ["utf-8", "windows-1251", "koi8-r", None])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_charset_decodes_the_request_and_encodes_the_reply(charset: str | None, method: str) -> None:
    text = "Привет, мир"
    wire = charset or "windows-1251"  # the service's default
    with running() as emulator:
        fields = {**AUTH, "phones": PHONE, "mes": text, "id": "9", "fmt": "3"}
        if charset is not None:
            fields["charset"] = charset
        sent = raw(emulator, "/sys/send.php", fields, method=method, charset=wire)
        assert json.loads(sent.data) == {"id": 9, "cnt": 1}
        assert emulator.messages()[0].text == text
        status = raw(
            emulator,
            "/sys/status.php",
            {**{k: v for k, v in fields.items() if k not in ("mes", "phones")}, "phone": PHONE, "all": "1"},
            method=method,
            charset=wire,
        )
        assert json.loads(status.data.decode(wire))["message"] == text
        assert status.headers["Content-Type"] == f"application/json; charset={wire}"


def test_multipart_post_with_files() -> None:
    with running() as emulator, urllib3.PoolManager() as http:
        fields: dict[str, str | tuple[str, bytes, str]] = {
            **AUTH,
            "phones": PHONE,
            "mes": "Картинка",
            "mms": "1",
            "fmt": "3",
            "charset": "utf-8",
            "file0": ("a.png", b"\x89PNG\r\n\x00data", "image/png"),
        }
        reply = http.request("POST", emulator.base_url + "/sys/send.php", fields=fields)
        assert json.loads(reply.data)["cnt"] == 1
        message = emulator.messages()[0]
        assert (message.text, message.format) == ("Картинка", smsc.MessageFormat.MMS)
        assert [(a.name, a.filename, a.content_type, a.data) for a in message.attachments] == [
            ("file0", "a.png", "image/png", b"\x89PNG\r\n\x00data")
        ]


def test_get_with_md5_password_and_list_parameter() -> None:
    import hashlib

    with running() as emulator:
        fields = {
            "login": "demo",
            "psw": hashlib.md5(b"demo").hexdigest(),
            "fmt": "1",
            "id": "11",
            "list": f"{PHONE}:Ваш пароль: 123\n{OTHER}:Ваш пароль: 456",
            "charset": "utf-8",
        }
        assert raw(emulator, "/sys/send.php", fields, method="GET").data == b"11,2"
        assert [(m.phone, m.text) for m in emulator.messages()] == [
            ("77011234567", "Ваш пароль: 123"),
            ("79161234567", "Ваш пароль: 456"),
        ]


def test_phone_forms_and_duplicates() -> None:
    with running() as emulator:
        fields = {**AUTH, "phones": "+7 (701) 123-45-67;87011234567,79161234567,", "mes": "Hi", "fmt": "1", "id": "4"}
        assert raw(emulator, "/sys/send.php", fields).data == b"4,2"
        assert [m.phone for m in emulator.messages()] == ["77011234567", "79161234567"]
        for bad in ("", "123", "+0123456789", "G12", "7701123456789012"):
            reply = raw(emulator, "/sys/send.php", {**AUTH, "phones": bad or ",", "mes": "x", "id": "5"})
            assert reply.data == b"ERROR = 7 (invalid number), ID - 5", bad


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"phones": PHONE}, 1),  # no text
        ({"mes": "x"}, 1),  # no phones
        ({"phones": PHONE, "mes": "x" * 1001}, 1),
        ({"phones": PHONE, "mes": "x", "id": "2147483648"}, 1),
        ({"phones": PHONE, "mes": "x", "id": "bad id!"}, 1),
        ({"phones": PHONE, "mes": "x", "bin": "2"}, 1),  # not hex
        ({"phones": PHONE, "mes": "x", "tz": "15", "time": "+5"}, 1),
        ({"phones": PHONE, "mes": "x", "sender": "Far too long a sender"}, 6),
        ({"phones": PHONE, "mes": "x", "sender": "blocked"}, 6),
    ],
)
def test_send_parameter_errors(fields: dict[str, str], code: int) -> None:
    with running() as emulator:
        reply = raw(emulator, "/sys/send.php", {**AUTH, "fmt": "1", **fields})
        assert reply.data.endswith(f",-{code}".encode())


def test_missing_credentials_and_unknown_paths() -> None:
    with running() as emulator:
        assert raw(emulator, "/sys/balance.php", {"fmt": "3"}).data == b'{"error": "authorise error", "error_code": 2}'
        assert raw(emulator, "/sys/balance.php", {"login": "demo", "psw": ""}).data == b"ERROR = 2 (authorise error)"
        assert raw(emulator, "/sys/no_such_command.php", AUTH).status == 404
        with urllib3.PoolManager() as http:
            assert http.request("PUT", emulator.base_url + "/sys/send.php").status == 405


def test_status_delete_and_not_found() -> None:
    with running() as emulator, client(emulator) as c:
        sent = c.send([PHONE], "Bye")
        assert raw(emulator, "/sys/status.php", {**AUTH, "id": str(sent.id), "phone": PHONE, "del": "1"}).data == b"OK"
        assert emulator.messages() == []
        assert c.status(sent.id, PHONE).status is smsc.MessageStatus.NOT_FOUND
        reply = raw(emulator, "/sys/status.php", {**AUTH, "id": "1,2", "phone": PHONE, "fmt": "1"})
        assert reply.data == b"0,-1"  # two ids, one phone


def test_limits_can_be_switched_at_run_time() -> None:
    with running(rate_limits=True) as emulator, client(emulator) as c:
        c.send([PHONE], "Same")
        with pytest.raises(smsc.TooManyRequests):
            c.send([PHONE], "Same")
        emulator.limits.rate_limits = False
        for _ in range(20):
            c.send([PHONE], "Same")
            c.balance()
        emulator.limits.rate_limits = True
        emulator.reset_limits()
        c.send([PHONE], "Same")
        assert len(emulator.messages()) == 22


def test_concurrent_requests_of_one_login_over_the_limit_get_error_9() -> None:
    import time
    from concurrent.futures import ThreadPoolExecutor

    with running(rate_limits=True) as emulator:
        emulator.limits.concurrent = 2
        emulator.faults.delay(1.0, command="balance", count=2)

        def ask() -> bytes:
            return raw(emulator, "/sys/balance.php", {**AUTH, "fmt": "1"}).data

        with ThreadPoolExecutor(2) as pool:
            slow = [pool.submit(ask) for _ in range(2)]
            deadline = time.monotonic() + 5
            while len(emulator.faults.hits) < 2 and time.monotonic() < deadline:
                time.sleep(0.01)
            assert ask() == b"0,-9"  # both slow requests are still in progress
            assert [f.result() for f in slow] == [b"100.00", b"100.00"]
        assert ask() == b"100.00"


def test_a_small_call_never_holds_the_loop_while_the_service_is_busy() -> None:
    """Small calls are answered on the event loop only when the service is free; otherwise they
    wait on the worker thread and the loop goes on serving (here: the inbox's script)."""
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    with running() as emulator:
        held, release = threading.Event(), threading.Event()

        def busy() -> None:
            with emulator._service.lock:  # a long request on the worker thread, as it were
                held.set()
                release.wait(10)

        holder = threading.Thread(target=busy)
        holder.start()
        try:
            assert held.wait(5)
            with ThreadPoolExecutor(1) as pool:
                waiting = pool.submit(raw, emulator, "/sys/balance.php", {**AUTH, "fmt": "1"})
                time.sleep(0.2)  # the balance call has arrived and waits for the service
                assert not waiting.done()
                start = time.monotonic()
                assert raw(emulator, "/_emulator/static/inbox.js", {}, method="GET").status == 200
                assert time.monotonic() - start < 2.0  # served while the balance call waits
                release.set()
                assert waiting.result(5).data == b"100.00"
        finally:
            release.set()
            holder.join(5)
        assert raw(emulator, "/sys/balance.php", {**AUTH, "fmt": "1"}).data == b"100.00"  # on the loop


def test_accounts_api() -> None:
    with running() as emulator:
        account = emulator.accounts.add("acme", "pw", api_key="k", balance=5, price="0.10", currency="RUR")
        assert "acme" in emulator.accounts and "nobody" not in emulator.accounts
        assert "pw" not in repr(account) and "k'" not in repr(account)
        assert sorted(a.login for a in emulator.accounts) == ["acme", "demo"]
        assert emulator.accounts.update("acme", balance="7.5").balance == Decimal("7.5")
        with pytest.raises(KeyError):
            emulator.accounts["nobody"]
        reply = raw(emulator, "/sys/balance.php", {"apikey": "k", "cur": "1", "fmt": "2"})
        assert reply.data == b"<balance>7.50</balance>\n<currency>RUR</currency>\n"
    with Emulator(default_account=False) as emulator:
        assert list(emulator.accounts) == []


@settings(max_examples=60, deadline=None)
@given(
    text=st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=60),
    charset=st.sampled_from(["utf-8", "windows-1251", "koi8-r"]),
)
def test_form_values_round_trip_in_every_charset(text: str, charset: str) -> None:
    from urllib.parse import urlencode

    from smsc.emulator._wire import codec, decode_params, form_pairs

    try:
        encoded = text.encode(codec(charset))
    except UnicodeEncodeError:
        return  # not representable in that charset: no client can send it either
    body = urlencode([("charset", charset), ("mes", text), ("login", "demo")], encoding=codec(charset))
    assert decode_params(form_pairs(body)) == ({"charset": charset, "mes": text, "login": "demo"}, codec(charset))
    if not set(text) & set("&+%"):  # the seed's POST sends values unencoded: 8-bit bytes survive too
        unencoded = f"charset={charset}&mes=".encode("ascii") + encoded
        assert decode_params(form_pairs(unencoded))[0]["mes"] == text


def test_https_with_a_given_certificate(tmp_path: Path) -> None:
    import ssl

    import trustme

    ca = trustme.CA()
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    with running(ssl_context=server) as emulator:
        assert emulator.base_url.startswith("https://127.0.0.1:")
        with client(emulator, ca_certs=str(ca_file)) as c:
            assert c.balance() == Decimal("100.00")
        with client(emulator) as untrusted, pytest.raises(smsc.TransportError):
            untrusted.balance()


def test_a_stopped_emulator_cannot_restart() -> None:
    emulator = Emulator().start()
    emulator.stop()
    emulator.stop()  # idempotent
    with pytest.raises(RuntimeError, match="cannot start again"):
        emulator.start()
