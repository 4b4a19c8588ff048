"""What goes on the wire for each call, and bad input refused before anything is sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

import smsc
from smsc.testing import MockTransport


def client(*replies: bytes, **options: Any) -> tuple[smsc.Client, MockTransport]:
    mock = MockTransport(*replies)
    return smsc.Client(login="demo", password="secret-pw", transport=mock, **options), mock


SEND_REPLY = b'{"id": 77, "cnt": 2, "cost": "4.48", "balance": "95.52"}'


def test_send_fields_in_order_with_auth_format_and_charset() -> None:
    c, rec = client(SEND_REPLY)
    result = c.send(
        ["+7 701 123-45-67", "77017654321"],
        "Hello, world & co",
        sender="Shop",
        id=77,
        translit=smsc.Translit.LATIN,
        format=smsc.MessageFormat.FLASH,
        max_parts=3,
    )
    assert result == smsc.SendResult(id=77, sms_count=2, cost=Decimal("4.48"), balance=Decimal("95.52"))
    path, fields = rec.requests[0].path, list(rec.requests[0].fields)
    assert path == "/sys/send.php"
    assert fields == [
        ("login", "demo"),
        ("psw", "secret-pw"),
        ("fmt", "3"),
        ("charset", "utf-8"),
        ("cost", "3"),
        ("phones", "+77011234567,77017654321"),
        ("mes", "Hello, world & co"),
        ("sender", "Shop"),
        ("translit", "1"),
        ("maxsms", "3"),
        ("flash", "1"),
        ("id", "77"),
    ]


def test_send_assigns_an_id_before_sending() -> None:
    c, rec = client(SEND_REPLY)
    c.send(["+77011234567"], "Hi")
    sent_id = rec.requests[0].params["id"]
    assert 1 <= int(sent_id) <= 2147483647


def test_every_time_form() -> None:
    moment = datetime(2030, 1, 2, 3, 4, tzinfo=UTC)
    forms: dict[datetime | timedelta | str | int, str] = {
        moment: f"0{int(moment.timestamp())}",
        timedelta(minutes=90): "+90",
        "0101301200": "0101301200",
        "01.01.30 12:00": "01.01.30 12:00",
        "9-18": "9-18",
        "01700000000": "01700000000",
        "+5": "+5",
        0: "0",
    }
    for value, wire in forms.items():
        c, rec = client(SEND_REPLY)
        c.send("+77011234567", "Hi", time=value)
        assert rec.requests[0].params["time"] == wire


def test_cost_status_statuses_balance_fields() -> None:
    c, rec = client(
        b"1.50,1", b"1,1716195605,0", b"101,79991111111,1,0,0", b"10.00,KZT", response_format=smsc.ResponseFormat.CSV
    )
    with pytest.raises(AttributeError):
        c.response_format = smsc.ResponseFormat.JSON  # type: ignore[misc]
    assert c.cost("+77011234567", "Hi") == smsc.Cost(cost=Decimal("1.50"), sms_count=1)
    assert rec.requests[0].params["cost"] == "1"
    status = c.status(5, "+77011234567")
    assert (status.id, status.phone, status.status) == (5, "+77011234567", smsc.MessageStatus.DELIVERED)
    assert (rec.requests[1].path, list(rec.requests[1].fields)) == (
        "/sys/status.php",
        [
            ("login", "demo"),
            ("psw", "secret-pw"),
            ("fmt", "1"),
            ("charset", "utf-8"),
            ("id", "5"),
            ("phone", "+77011234567"),
            ("all", "0"),
        ],
    )
    [one] = c.statuses([(101, "79991111111")])
    assert (
        one.id == 101 and rec.requests[2].params["id"] == "101," and rec.requests[2].params["phone"] == "79991111111,"
    )
    assert c.balance() == Decimal("10.00")
    assert rec.requests[3].path == "/sys/balance.php" and ("cur", "1") in rec.requests[3].fields


def test_status_detail_selects_the_layout() -> None:
    c, rec = client(
        b"1,1716195605,0,1716195600,77011234567,12.00,Shop,Delivered,Hi, there", response_format=smsc.ResponseFormat.CSV
    )
    status = c.status("order-1", "77011234567", detail=smsc.StatusDetail.FULL)
    assert status.message == "Hi, there" and status.sender == "Shop" and status.id == "order-1"
    assert ("all", "1") in rec.requests[0].fields


def test_api_key_replaces_login_and_password() -> None:
    rec = MockTransport(b'{"balance": "1.00", "currency": "RUR"}')
    c = smsc.Client(api_key="k-123", transport=rec)
    c.balance()
    assert rec.requests[0].fields[0] == ("apikey", "k-123")
    assert "k-123" not in repr(c)


def test_extra_parameters_and_reserved_names() -> None:
    c, rec = client(SEND_REPLY)
    c.send("+77011234567", "Hi", extra={"tinyurl": 1, "op": "1"})
    assert ("op", "1") in rec.requests[0].fields
    with pytest.raises(smsc.InvalidRequest, match="psw"):
        c.send("+77011234567", "Hi", extra={"psw": "x"})


BAD_SENDS = [
    ({"phones": []}, "no recipients"),
    ({"phones": ["12"]}, "not a phone number"),
    ({"phones": "+77011234567,+77017654321"}, "pass them as a list"),
    ({"phones": [7701]}, "must be a string"),
    ({"message": ""}, "is empty"),
    ({"message": "x" * 1001}, "at most 1000"),
    ({"id": 0}, "outside 1..2147483647"),
    ({"id": 2147483648}, "outside"),
    ({"id": "bad id!"}, "is not an id"),
    ({"id": "x" * 41}, "is not an id"),
    ({"sender": "TwelveChars1"}, "Sender ID"),
    ({"sender": "1234567890123456"}, "Sender ID"),
    ({"format": 1}, "MessageFormat"),
    ({"translit": 1}, "Translit"),
    ({"time": datetime(2030, 1, 1)}, "timezone-aware"),
    ({"time": timedelta(seconds=30)}, "whole number of minutes"),
    ({"time": "tomorrow"}, "unsupported time"),
    ({"time": "3201301200"}, "not a valid date"),
    ({"tz": 13}, "outside -12..12"),
    ({"period": "0.01"}, "outside 0.1..720"),
    ({"valid": 25}, "outside 1..24"),
    ({"valid": "24:01"}, "unsupported lifetime"),
    ({"tinyurl": 1}, "True or False"),
]


@pytest.mark.parametrize(("override", "message"), BAD_SENDS)
def test_bad_input_is_refused_before_sending(override: dict[str, Any], message: str) -> None:
    c, rec = client(SEND_REPLY)
    args: dict[str, Any] = {"phones": ["+77011234567"], "message": "Hi", **override}
    with pytest.raises(smsc.InvalidRequest, match=message) as caught:
        c.send(**args)
    assert isinstance(caught.value, ValueError)
    assert rec.requests == []


def test_hlr_and_mail_recipients() -> None:
    c, rec = client(SEND_REPLY, SEND_REPLY)
    c.send(["+77011234567"], "", format=smsc.MessageFormat.HLR)
    assert ("hlr", "1") in rec.requests[0].fields and ("mes", "") in rec.requests[0].fields
    c.send(["user@example.com"], "Hi", format=smsc.MessageFormat.MAIL)
    assert ("phones", "user@example.com") in rec.requests[1].fields


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"login": "demo"},
        {"password": "x"},
        {"login": "demo", "password": "x", "api_key": "k"},
        {"login": "", "password": "x"},
        {"api_key": ""},
        {"login": "demo", "password": "x", "response_format": 3},
        {"login": "demo", "password": "x", "method": "PUT"},
        {"login": "demo", "password": "x", "base_url": "ftp://smsc.kz"},
    ],
)
def test_bad_client_configuration(kwargs: dict[str, Any]) -> None:
    with pytest.raises(smsc.InvalidRequest):
        smsc.Client(**kwargs)


def test_from_env_and_context_manager() -> None:
    env = {"SMSC_LOGIN": "demo", "SMSC_PASSWORD": "pw", "SMSC_BASE_URL": "https://smsc.ru"}
    with smsc.Client.from_env(env) as c:
        assert c.login == "demo" and "smsc.ru" in repr(c) and "pw" not in repr(c)
    with pytest.raises(smsc.InvalidRequest, match="SMSC_LOGIN"):
        smsc.Client.from_env({})
    rec = MockTransport()
    with smsc.Client.from_env({"SMSC_API_KEY": "k"}, transport=rec) as c2:
        assert "api_key=***" in repr(c2)
    assert rec.closed


def test_results_are_frozen_and_slotted() -> None:
    result = smsc.SendResult(id=1, sms_count=1)
    with pytest.raises(AttributeError):
        result.id = 2  # type: ignore[misc]
    assert not hasattr(result, "__dict__")


def test_results_to_json_ready_data_and_back() -> None:
    import json

    from smsc import _parsers

    status = _parsers.parse_status_full(
        b"1,1716195605,0,1716195600,77011234567,12.00,Shop,Delivered,Hi", 1, {}, {"id": 5, "phone": "7701"}
    )
    data = smsc.to_dict(status)
    assert data["cost"] == "12.00" and data["status"] == 1 and data["changed_at"] == "2024-05-20T12:00:05+03:00"
    assert smsc.from_dict(smsc.Status, json.loads(json.dumps(data))) == status
