"""The SDK's client against the emulator over loopback: every command x response format, success and errors."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import smsc
from smsc.emulator import Emulator
from tests.support.clients import Factory
from tests.support.emulator_support import OTHER, PHONE, running

FORMATS = list(smsc.ResponseFormat)
DETAILS = list(smsc.StatusDetail)


@pytest.fixture
def client(make_client: Factory) -> Callable[..., Any]:
    """A client of the emulator (Client, then AsyncClient) in a response format."""

    def build(emulator: Emulator, fmt: smsc.ResponseFormat = smsc.ResponseFormat.JSON, **options: Any) -> Any:
        options.setdefault("login", "demo")
        options.setdefault("password", "demo")
        return make_client(base_url=emulator.base_url, response_format=fmt, timeout=5, **options)

    return build


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name)
def test_send_cost_balance(fmt: smsc.ResponseFormat, client: Callable[..., Any]) -> None:
    with running() as emulator, client(emulator, fmt) as c:
        sent = c.send([PHONE, OTHER], "Hello", sender="Shop", id=555)
        assert sent == smsc.SendResult(id=555, sms_count=2, cost=Decimal("3.00"), balance=Decimal("97.00"))
        assert c.cost([PHONE], "Hello again") == smsc.Cost(cost=Decimal("1.50"), sms_count=1)
        assert c.balance() == Decimal("97.00")
        stored = emulator.messages()
        assert [(m.id, m.phone, m.text, m.sender, m.parts, m.cost) for m in stored] == [
            (555, "77011234567", "Hello", "Shop", 1, Decimal("1.50")),
            (555, "79161234567", "Hello", "Shop", 1, Decimal("1.50")),
        ]


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name)
@pytest.mark.parametrize("detail", DETAILS, ids=lambda d: d.name)
def test_status_lifecycle(fmt: smsc.ResponseFormat, detail: smsc.StatusDetail, client: Callable[..., Any]) -> None:
    with running() as emulator, client(emulator, fmt) as c:
        sent = c.send([PHONE], "Hello, world", sender="Shop", id="order-1.a")
        first = c.status(sent.id, PHONE, detail=detail)
        assert (first.id, first.status, first.changed_at) == ("order-1.a", smsc.MessageStatus.WAITING, None)
        emulator.advance(emulator.lifecycle.transfer_after)
        assert c.status(sent.id, PHONE, detail=detail).status is smsc.MessageStatus.TRANSFERRED
        emulator.advance(emulator.lifecycle.final_after)
        final = c.status(sent.id, PHONE, detail=detail)
        message = emulator.messages()[0]
        assert final.status is smsc.MessageStatus.DELIVERED and final.error is smsc.DeliveryError.NONE
        assert final.changed_at == message.history[-1].at.replace(microsecond=0)
        if detail is smsc.StatusDetail.BASIC:
            assert final.message is None and final.cost is None
        else:
            assert final.sent_at == message.sent_at.replace(microsecond=0)
            assert (final.phone, final.cost, final.sender, final.status_name, final.message) == (
                "77011234567",
                Decimal("1.50"),
                "Shop",
                "Доставлено",
                "Hello, world",
            )
        if detail is smsc.StatusDetail.FULL_WITH_REGION:
            assert (final.country, final.operator) == ("Казахстан", "Kcell")
        else:
            assert final.country is None


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name)
@pytest.mark.parametrize("detail", DETAILS, ids=lambda d: d.name)
def test_statuses_of_several_messages(
    fmt: smsc.ResponseFormat, detail: smsc.StatusDetail, client: Callable[..., Any]
) -> None:
    with running() as emulator, client(emulator, fmt) as c:
        a = c.send([PHONE], "First,\nwith a comma and a line break", id=1)
        b = c.send(["+79990020001"], "Second", id=2)
        emulator.advance(60)
        records = c.statuses([(a.id, PHONE), (b.id, "+79990020001"), (3, OTHER)], detail=detail)
        assert [(r.id, r.phone, r.status) for r in records] == [
            (1, "77011234567", smsc.MessageStatus.DELIVERED),
            (2, "79990020001", smsc.MessageStatus.UNDELIVERABLE),
            (3, "79161234567", smsc.MessageStatus.NOT_FOUND),
        ]
        assert records[1].error is smsc.DeliveryError.SUBSCRIBER_NOT_FOUND
        if detail is not smsc.StatusDetail.BASIC:
            expected = "First,\nwith a comma and a line break" if fmt >= 2 else "First, with a comma and a line break"
            assert records[0].message == expected
            assert records[1].status_name == "Невозможно доставить"
        one = c.statuses([(a.id, PHONE)], detail=detail)  # one pair: the multi-message layout (trailing comma)
        assert [r.id for r in one] == [1]


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name)
@pytest.mark.parametrize("detail", DETAILS, ids=lambda d: d.name)
def test_hlr_records(fmt: smsc.ResponseFormat, detail: smsc.StatusDetail, client: Callable[..., Any]) -> None:
    with running() as emulator, client(emulator, fmt) as c:
        sent = c.send([OTHER, "+79990020001"], "", format=smsc.MessageFormat.HLR)
        assert sent.sms_count == 2  # one per recipient
        emulator.advance(60)
        found = c.status(sent.id, OTHER, detail=detail)
        assert found.status is smsc.MessageStatus.DELIVERED and found.hlr is not None
        assert (found.hlr.mcc, found.hlr.mnc, found.hlr.network) == ("250", "01", "MTS")
        assert found.hlr.imsi.startswith("25001") and len(found.hlr.imsi) == 15
        missing = c.statuses([(sent.id, "+79990020001")], detail=detail)[0]
        assert missing.status is smsc.MessageStatus.UNDELIVERABLE and missing.hlr is not None
        assert missing.hlr.imsi == "" and missing.error is smsc.DeliveryError.SUBSCRIBER_NOT_FOUND


def _raises(error: type[smsc.ApiError], code: int, call: object, *args: object, **kwargs: object) -> smsc.ApiError:
    with pytest.raises(error) as caught:
        call(*args, **kwargs)  # type: ignore[operator]
    assert caught.value.code == code
    return caught.value


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name)
def test_send_errors(fmt: smsc.ResponseFormat, client: Callable[..., Any]) -> None:
    with running() as emulator, client(emulator, fmt) as c:
        _raises(smsc.ParameterError, 1, c.send, [PHONE], "x", extra={"cost": "7"})
        with client(emulator, fmt, password="wrong") as bad:
            _raises(smsc.AuthError, 2, bad.send, [PHONE], "x")
        _raises(smsc.InvalidTime, 5, c.send, [PHONE], "x", time="5-5")
        assert _raises(smsc.MessageDenied, 6, c.send, [PHONE], "x", sender="BLOCKED", id=60).message_id == 60
        assert _raises(smsc.MessageDenied, 6, c.send, [PHONE], "Win at the CASINO", id=61).message_id == 61
        assert _raises(smsc.InvalidPhone, 7, c.send, ["+0123456789"], "x", id=70).message_id == 70
        assert _raises(smsc.Undeliverable, 8, c.send, ["+79990080000"], "x", id=80).message_id == 80
        emulator.accounts.update("demo", balance="1.00")
        assert _raises(smsc.InsufficientFunds, 3, c.send, [PHONE], "x", id=30).message_id == 30
        assert emulator.messages() == [] and emulator.accounts["demo"].balance == Decimal("1.00")
        if fmt is smsc.ResponseFormat.TEXT:
            err = _raises(smsc.InvalidPhone, 7, c.send, ["+0123456789"], "x", id=71)
            assert err.description == "invalid number" and err.raw == b"ERROR = 7 (invalid number), ID - 71"


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name)
def test_cost_status_balance_errors(fmt: smsc.ResponseFormat, client: Callable[..., Any]) -> None:
    with running() as emulator, client(emulator, fmt) as c, client(emulator, fmt, password="wrong") as bad:
        _raises(smsc.ParameterError, 1, c.cost, [PHONE], "x", extra={"translit": "9"})
        _raises(smsc.AuthError, 2, bad.cost, [PHONE], "x")
        _raises(smsc.MessageDenied, 6, c.cost, [PHONE], "x", sender="BLOCKED")
        _raises(smsc.InvalidPhone, 7, c.cost, ["+0123456789"], "x")
        _raises(smsc.Undeliverable, 8, c.cost, ["+79990080000"], "x")
        _raises(smsc.ParameterError, 1, c.status, 1, PHONE, extra={"all": "7"})
        _raises(smsc.AuthError, 2, bad.status, 1, PHONE)
        _raises(smsc.AuthError, 2, bad.statuses, [(1, PHONE), (2, PHONE)])
        _raises(smsc.DeleteFailed, 5, c.status, 1, PHONE, extra={"del": "1"})
        _raises(smsc.ParameterError, 1, c.balance, extra={"cur": "2"})
        _raises(smsc.AuthError, 2, bad.balance)


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name)
def test_rate_limits_answer_error_9(fmt: smsc.ResponseFormat, client: Callable[..., Any]) -> None:
    with running(rate_limits=True) as emulator, client(emulator, fmt) as c:
        sent = c.send([PHONE], "Same text")
        _raises(smsc.TooManyRequests, 9, c.send, [PHONE], "Same text")  # identical send within a minute
        c.send([PHONE], "Other text")
        for _ in range(5):
            c.cost([PHONE], "Price?")
        _raises(smsc.TooManyRequests, 9, c.cost, [PHONE], "Price?")
        for _ in range(5):
            c.status(sent.id, PHONE)
        _raises(smsc.TooManyRequests, 9, c.status, sent.id, PHONE)
        c.statuses([(sent.id, PHONE)])
        _raises(smsc.TooManyRequests, 9, c.statuses, [(sent.id, PHONE)])
        for _ in range(10):
            c.balance()
        _raises(smsc.TooManyRequests, 9, c.balance)
        emulator.advance(61)
        c.send([PHONE], "Same text")
        c.status(sent.id, PHONE)
        c.statuses([(sent.id, PHONE)])
        c.balance()
        assert len(emulator.messages()) == 3


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name)
def test_ip_blocked_after_repeated_errors(fmt: smsc.ResponseFormat, client: Callable[..., Any]) -> None:
    with (
        running(ip_blocking=True) as emulator,
        client(emulator, fmt) as c,
        client(emulator, fmt, password="wrong") as bad,
    ):
        for _ in range(emulator.limits.block_after):
            _raises(smsc.AuthError, 2, bad.balance)
        _raises(smsc.IpBlocked, 4, c.balance)
        _raises(smsc.IpBlocked, 4, c.send, [PHONE], "x")
        _raises(smsc.IpBlocked, 4, c.status, 1, PHONE)
        emulator.advance(emulator.limits.block_for)
        assert c.balance() == Decimal("100.00")


def test_api_key_and_md5_password(client: Callable[..., Any]) -> None:
    import hashlib

    with running() as emulator:
        emulator.accounts.add("shop", "s3cret", api_key="key-123", balance="10", price="0.25")
        with client(emulator, api_key="key-123", login=None, password=None) as by_key:
            assert by_key.balance() == Decimal("10.00")
            assert by_key.send([PHONE], "Hi").cost == Decimal("0.25")
        md5 = hashlib.md5(b"s3cret").hexdigest()
        with client(emulator, login="shop", password=md5) as by_md5:
            assert by_md5.balance() == Decimal("9.75")
        with client(emulator, login="shop", password=md5.upper()) as upper, pytest.raises(smsc.AuthError):
            upper.balance()
        with client(emulator, api_key="other", login=None, password=None) as wrong, pytest.raises(smsc.AuthError):
            wrong.balance()


def test_scheduled_send_waits_until_due(client: Callable[..., Any]) -> None:
    with running() as emulator, client(emulator) as c:
        sent = c.send([PHONE], "Later", time=timedelta(minutes=30))
        emulator.advance(29 * 60)
        assert c.status(sent.id, PHONE).status is smsc.MessageStatus.WAITING
        emulator.advance(60 + emulator.lifecycle.final_after)
        assert c.status(sent.id, PHONE).status is smsc.MessageStatus.DELIVERED
        message = emulator.messages()[0]
        assert message.due_at - message.sent_at == timedelta(minutes=30)
        assert message.cost == Decimal("1.50")  # charged when accepted


TEXTS = st.text(st.sampled_from("Hello, world {}[]€~^|\\Привет, мир! ёЁ Қазақ 🙂\n"), min_size=1, max_size=400)


@pytest.fixture(scope="module")
def shared_emulator() -> Iterator[Emulator]:
    with running() as emulator:
        emulator.accounts.update("demo", balance="1000000", price="0.77")
        yield emulator


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=TEXTS,
    recipients=st.integers(1, 3),
    translit=st.sampled_from(list(smsc.Translit)),
    kind=st.sampled_from([smsc.MessageFormat.SMS, smsc.MessageFormat.FLASH, smsc.MessageFormat.VIBER]),
    max_parts=st.none() | st.integers(1, 4),
)
def test_emulator_bills_what_the_offline_estimate_says(
    shared_emulator: Emulator,
    text: str,
    recipients: int,
    translit: smsc.Translit,
    kind: smsc.MessageFormat,
    max_parts: int | None,
    client: Callable[..., Any],
) -> None:
    phones = [f"+7701000000{i}" for i in range(recipients)]
    with client(shared_emulator) as c:
        estimate = c.estimate(
            phones, text, translit=translit, format=kind, max_parts=max_parts, price_per_sms=Decimal("0.77")
        )
        asked = c.cost(phones, text, translit=translit, format=kind, max_parts=max_parts)
        assert (asked.sms_count, asked.cost) == (estimate.sms_count, estimate.cost)
