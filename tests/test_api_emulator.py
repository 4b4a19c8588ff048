"""Every command beyond send, status and balance, from smsc.Client to the emulator over HTTP."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

import smsc
from smsc import _parsers
from smsc._api_errors import ERROR_MAPS
from smsc.emulator import Emulator
from tests.support.clients import Factory
from tests.support.emulator_support import PHONE, raw, running

FORMATS = list(smsc.ResponseFormat)


def client(make: Factory, emulator: Emulator, fmt: smsc.ResponseFormat = smsc.ResponseFormat.JSON) -> Any:
    """smsc.Client, or smsc.AsyncClient behind blocking calls (the `make_client` fixture), on the emulator.

    One attempt per call: error 9 is then seen at once instead of after the retry policy's waits.
    """
    once = smsc.RetryPolicy(attempts=1)
    return make(login="demo", password="demo", base_url=emulator.base_url, response_format=fmt, timeout=5, retry=once)


def _today(emulator: Emulator) -> date:
    return emulator.now().date()


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name)
def test_history_pages_backwards_across_page_boundaries(fmt: smsc.ResponseFormat, make_client: Factory) -> None:
    with running() as emulator, client(make_client, emulator, fmt) as c:
        first_day = _today(emulator)  # the sends and the 10 s after them may cross Moscow's midnight
        sent = [c.send([f"+7701000000{i}"], f"text {i}") for i in range(7)]
        emulator.advance(10)
        today = _today(emulator)
        records = list(c.history(first_day, today, page_size=3))
        assert [r.message for r in records] == [f"text {i}" for i in reversed(range(7))]
        assert [r.id for r in records] == [s.id for s in reversed(sent)]
        assert all(r.status is smsc.MessageStatus.DELIVERED and r.cost == Decimal("1.50") for r in records)
        ids = [r.int_id for r in records]
        assert ids == sorted(ids, reverse=True)
        assert [r.int_id for r in c.history(first_day, today, before_id=ids[2], page_size=2)] == ids[3:]
        assert [r.phone for r in c.history(first_day, today, phones=["+77010000003"])] == ["77010000003"]
        assert len(list(c.history(first_day, today, limit=4, page_size=3))) == 4
        assert list(c.history(today - timedelta(days=10), today - timedelta(days=5))) == []  # error 3: no records


def test_history_holding_more_than_one_full_page(make_client: Factory) -> None:
    with running() as emulator, client(make_client, emulator) as c:
        emulator.accounts.update("demo", balance="100000")
        first_day = _today(emulator)  # the sends may cross Moscow's midnight
        for batch in range(2):
            c.send([f"+7701{batch}{i:06d}" for i in range(600)], "bulk")
        records = c.history(first_day, _today(emulator))
        first = [next(records) for _ in range(1000)]  # one request so far: the first page is full
        rest = list(records)  # the second page: what is left
        assert len(first) == 1000 and len(rest) == 200
        assert len({r.int_id for r in first + rest}) == 1200


def test_history_checks_its_arguments_before_sending(make_client: Factory) -> None:
    with running() as emulator, client(make_client, emulator) as c:
        today = _today(emulator)
        with pytest.raises(smsc.InvalidRequest, match="at most 183 days"):
            c.history(today - timedelta(days=200), today)
        with pytest.raises(smsc.InvalidRequest, match="before start"):
            c.history(today, today - timedelta(days=1))
        with pytest.raises(smsc.InvalidRequest, match=r"page_size: 1001 is outside 1\.\.1000"):
            c.history(today, today, page_size=1001)


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name)
def test_incoming_pages_forwards(fmt: smsc.ResponseFormat, make_client: Factory) -> None:
    with running() as emulator, client(make_client, emulator, fmt) as c:
        assert list(c.incoming()) == []
        for i in range(5):
            emulator.receive(f"+7701555000{i}", f"answer {i}", to="+79990000001" if i % 2 else "+79990000000")
            emulator.advance(3600)
        got = list(c.incoming(page_size=2))
        assert [m.text for m in got] == [f"answer {i}" for i in range(5)]
        assert [m.id for m in got] == [1, 2, 3, 4, 5] and got[0].phone == "77015550000"
        assert [m.id for m in c.incoming(after_id=3)] == [4, 5]
        assert [m.id for m in c.incoming(hours=3)] == [4, 5]  # received 2 h and 1 h before the emulator's now
        assert [m.id for m in c.incoming(to_phone="+79990000001")] == [2, 4]
        first, second = got[0].at, got[1].at
        assert first is not None and second is not None and second - first == timedelta(hours=1)
        with pytest.raises(smsc.InvalidRequest, match=r"hours: 169 is outside 1\.\.168"):
            c.incoming(hours=169)


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name)
def test_operator_lookup_and_its_errors(fmt: smsc.ResponseFormat, make_client: Factory) -> None:
    with running() as emulator, client(make_client, emulator, fmt) as c:
        found = c.operator("+79031234567")
        assert (found.country, found.operator, found.mcc, found.mnc, found.tz) == ("Россия", "Билайн", "250", "99", "3")
        assert c.operator("+77011234567").operator == "Kcell"
        with pytest.raises(smsc.OperatorNotFound) as missing:
            c.operator("+4915112345678")
        assert missing.value.code == 3 and missing.value.description == "operator not found"


def test_operator_rate_limits(make_client: Factory) -> None:
    with running(rate_limits=True) as emulator, client(make_client, emulator) as c:
        for _ in range(3):
            c.operator("+79031234567")
        with pytest.raises(smsc.TooManyRequests):
            c.operator("+79031234567")  # the fourth identical request in a minute
        emulator.limits.info_identical = 1000
        for i in range(96):  # 3 + 1 refused (not counted) + 96 = 99 counted ... up to 100 in all
            c.operator(f"+7903123{i:04d}")
        c.operator("+77011234567")
        with pytest.raises(smsc.TooManyRequests):
            c.operator("+77021234567")
        emulator.advance(61)
        assert c.operator("+77021234567").operator == "Kcell"


def test_prices_agree_with_billing(make_client: Factory) -> None:
    with running() as emulator, client(make_client, emulator) as c:
        emulator.accounts.update("demo", price="2.25")
        zones = c.prices()
        assert zones and all(z.sms == Decimal("2.25") and z.hlr == Decimal("2.25") for z in zones)
        assert any("Kcell" in z.name for z in zones)
        sent = c.send([PHONE], "x" * 200)  # two parts
        assert sent.cost == 2 * zones[0].sms


def test_prices_limit(make_client: Factory) -> None:
    with running(rate_limits=True) as emulator, client(make_client, emulator) as c:
        for _ in range(3):
            c.prices()
        with pytest.raises(smsc.TooManyRequests):
            c.prices()


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name)
def test_contacts_groups_and_blacklist(fmt: smsc.ResponseFormat, make_client: Factory) -> None:
    with running() as emulator, client(make_client, emulator, fmt) as c:
        assert c.contacts.list() == [] and c.groups.list() == []
        vip = c.groups.add("VIP")
        first = c.contacts.add("+77011110001", "Алия", group=vip)
        second = c.contacts.add("+77011110002", "Ivan")
        assert first != second
        c.contacts.change("+77011110002", name="Иван", new_phone="+77011110003")
        assert c.contacts.list() == [
            smsc.Contact(phone="77011110001", name="Алия"),
            smsc.Contact(phone="77011110003", name="Иван"),
        ]
        c.groups.add_contacts(vip, ["+77011110003"])
        c.groups.rename(vip, "Gold")
        assert c.groups.list() == [smsc.ContactGroup(id=vip, name="Gold")]
        sent = c.send([f"G{vip}"], "for the group")
        assert sent.sms_count == 2 and {m.phone for m in emulator.messages()} == {"77011110001", "77011110003"}
        c.groups.remove_contacts(vip, ["+77011110001"])
        assert c.send([f"G{vip}"], "again").sms_count == 1
        with pytest.raises(smsc.InvalidPhone):
            c.send(["G999"], "no such group")
        c.contacts.delete("+77011110001")
        assert [x.phone for x in c.contacts.list()] == ["77011110003"]
        with pytest.raises(smsc.ParameterError):
            c.contacts.delete("+77011110001")
        c.groups.delete(vip)
        assert c.groups.list() == []

        c.blacklist.add("+77012223344")
        blocked = c.send(["+77012223344", PHONE], "hello")
        emulator.advance(10)
        statuses = {s.phone: s for s in c.statuses([(blocked.id, "+77012223344"), (blocked.id, PHONE)])}
        assert statuses["77012223344"].status is smsc.MessageStatus.FORBIDDEN
        assert statuses["77012223344"].error is smsc.DeliveryError.NUMBER_FORBIDDEN
        assert statuses["77011234567"].status is smsc.MessageStatus.DELIVERED
        c.blacklist.delete("+77012223344")
        later = c.send(["+77012223344"], "hello again")
        emulator.advance(10)
        assert c.status(later.id, "+77012223344").status is smsc.MessageStatus.DELIVERED


def test_management_input_is_checked_before_sending(make_client: Factory) -> None:
    with running() as emulator, client(make_client, emulator) as c:
        with pytest.raises(smsc.InvalidRequest, match="give at least one of new_phone, name"):
            c.contacts.change("+77011110001")
        with pytest.raises(smsc.InvalidRequest, match="give exactly one of message, template"):
            c.mailings.create("m", [PHONE])
        with pytest.raises(smsc.InvalidRequest, match="not a template kind"):
            c.templates.add("t", "x", kind=smsc.MessageFormat.HLR)
        with pytest.raises(smsc.InvalidRequest, match="at most 3145728"):
            c.senders.add("Shop", document=("big.pdf", b"x" * (3 * 1024 * 1024 + 1)))
        assert emulator.messages() == []


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name)
def test_templates_and_mailings(fmt: smsc.ResponseFormat, make_client: Factory) -> None:
    with running() as emulator, client(make_client, emulator, fmt) as c:
        assert c.templates.list() == []
        code = c.templates.add("code", "Ваш код: 1234", kind=smsc.MessageFormat.SMS, sender="Shop")
        promo = c.templates.add("promo", "Sale!")
        c.templates.change(promo, message="Big sale!", name="sale")
        assert c.templates.list() == [
            smsc.Template(id=code, name="code", message="Ваш код: 1234"),
            smsc.Template(id=promo, name="sale", message="Big sale!"),
        ]
        now_mailing = c.mailings.create("codes", [PHONE, "+79161234567"], template=code)
        later = c.mailings.create("sale", ["+77015550001"], message="Tomorrow", time=timedelta(hours=2))
        emulator.advance(10)
        assert c.status(now_mailing, PHONE).status is smsc.MessageStatus.DELIVERED
        detail = c.status(now_mailing, PHONE, detail=smsc.StatusDetail.FULL)
        assert (detail.message, detail.sender) == ("Ваш код: 1234", "Shop")
        balance = emulator.accounts["demo"].balance
        c.mailings.cancel(later)
        assert c.status(later, "+77015550001").status is smsc.MessageStatus.STOPPED
        emulator.advance(3 * 3600)
        assert c.status(later, "+77015550001").status is smsc.MessageStatus.STOPPED  # never sent
        assert emulator.accounts["demo"].balance == balance + Decimal("1.50")  # refunded
        c.mailings.delete(later)
        with pytest.raises(smsc.ParameterError):
            c.mailings.cancel(later)
        with pytest.raises(smsc.ParameterError):
            c.mailings.create("bad", [PHONE], template=999)
        c.templates.delete(code)
        assert [t.id for t in c.templates.list()] == [promo]


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name)
def test_senders(fmt: smsc.ResponseFormat, make_client: Factory) -> None:
    with running() as emulator, client(make_client, emulator, fmt) as c:
        assert c.senders.list() == []
        c.senders.add("Shop", comment="our shop", document=("licence.pdf", b"%PDF-1.4 ..."))
        c.senders.change("Shop", comment="the shop")
        c.senders.add("77011234567")
        assert c.senders.list() == [
            smsc.Sender(sender="Shop", id=1, comment="the shop"),
            smsc.Sender(sender="77011234567", id=2, comment=""),
        ]
        c.senders.send_code("+77011234567")
        with pytest.raises(smsc.ParameterError):
            c.senders.check_code("+77011234567", "wrong")
        code = next(r for r in emulator.senders() if r.sender == "77011234567").code
        c.senders.check_code("+77011234567", code)
        assert next(r for r in emulator.senders() if r.sender == "77011234567").confirmed
        assert next(r for r in emulator.senders() if r.sender == "Shop").document == "licence.pdf"
        c.senders.delete("Shop")
        assert [s.sender for s in c.senders.list()] == ["77011234567"]


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name)
def test_subaccounts_have_their_own_login_and_balance(fmt: smsc.ResponseFormat, make_client: Factory) -> None:
    with running() as emulator, client(make_client, emulator, fmt) as c:
        sub = c.subaccounts.add("shop-1", "s3cret")
        assert sub >= 1 and emulator.accounts["shop-1"].balance == 0
        c.subaccounts.change("shop-1", "Shop One")
        c.subaccounts.pay("shop-1", Decimal("10.50"))
        assert emulator.accounts["demo"].balance == Decimal("89.50")
        with make_client(login="shop-1", password="s3cret", base_url=emulator.base_url) as own:
            assert own.balance() == Decimal("10.50")
            own.send([PHONE], "from the sub-account")
            assert own.balance() == Decimal("9.00")
        with pytest.raises(smsc.ParameterError):
            c.subaccounts.pay("shop-1", "1000")  # more than the account has
        with pytest.raises(smsc.ParameterError):
            c.subaccounts.add("shop-1", "again")
        with pytest.raises(smsc.InvalidRequest):
            c.subaccounts.pay("shop-1", "0")


def test_sub_account_password_never_logged(caplog: pytest.LogCaptureFixture, make_client: Factory) -> None:
    caplog.set_level("DEBUG", logger="smsc")
    with running() as emulator, client(make_client, emulator) as c:
        c.subaccounts.add("shop-2", "hunter2-secret")
    assert "hunter2-secret" not in caplog.text and "password=%2A%2A%2A" in caplog.text


def test_commands_documented_in_json_request_it_whatever_the_client_asks() -> None:
    with running() as emulator:
        reply = raw(
            emulator, "/sys/phones.php", {"login": "demo", "psw": "demo", "add_group": "1", "name": "x", "fmt": "0"}
        )
        assert json.loads(reply.data) == {"id": 1}  # the emulator answers JSON: the only known layout
        reply = raw(emulator, "/sys/phones.php", {"login": "demo", "psw": "demo", "get_group": "1", "fmt": "0"})
        assert json.loads(reply.data) == [{"id": 1, "name": "x"}]
        reply = raw(
            emulator,
            "/sys/phones.php",
            {"login": "demo", "psw": "demo", "chg_group": "1", "grp": "1", "name": "y", "fmt": "3"},
        )
        assert reply.data == b"OK"


def test_windows_1251_replies_are_decoded() -> None:
    body = '{"country": "Россия", "operator": "Билайн", "region": "Москва", "mcc": "250", "mnc": "99"}'
    parsed = _parsers.parse_operator(body.encode("cp1251"), 3, ERROR_MAPS["info"], {"phone": "79031234567"})
    assert parsed.operator == "Билайн" and parsed.country == "Россия"
    listed = _parsers.parse_templates('[{"id": 1, "name": "Код", "message": "Привет"}]'.encode("cp1251"), 3, {})
    assert listed == [smsc.Template(id=1, name="Код", message="Привет")]


def test_async_client_pages_with_async_for_and_awaits_groups() -> None:
    import asyncio

    async def scenario(emulator: Emulator) -> None:
        async with smsc.AsyncClient(login="demo", password="demo", base_url=emulator.base_url) as c:
            with pytest.raises(smsc.InvalidRequest, match="hours"):
                c.incoming(hours=0)  # checked at the call, before any page is asked for
            pages = c.incoming(page_size=2)
            assert [m.text async for m in pages] == ["a", "b", "c"]
            vip = await c.groups.add("VIP")
            await c.contacts.add("+77011110001", "Alia", group=vip)
            assert await c.contacts.list() == [smsc.Contact(phone="77011110001", name="Alia")]

    with running() as emulator:
        for text in "abc":
            emulator.receive(PHONE, text)
        asyncio.run(scenario(emulator))


def test_history_filters_by_kind(make_client: Factory) -> None:
    with running() as emulator, client(make_client, emulator) as c:
        first_day = _today(emulator)  # the sends may cross Moscow's midnight
        c.send([PHONE], "an SMS")
        c.send(["shop@example.com"], "a letter", format=smsc.MessageFormat.MAIL, sender="me@example.com")
        today = _today(emulator)
        assert [m.message for m in c.history(first_day, today, format=smsc.MessageFormat.MAIL)] == ["a letter"]
        assert [m.message for m in c.history(first_day, today, format=smsc.MessageFormat.SMS)] == ["an SMS"]


def test_reset_forgets_the_address_book_templates_mailings_and_sub_accounts(make_client: Factory) -> None:
    with running() as emulator, client(make_client, emulator) as c:
        c.contacts.add("+77011110001", "Alia")
        c.blacklist.add("+77011110002")
        c.templates.add("t", "text")
        c.senders.add("Shop")
        c.mailings.create("m", [PHONE], message="x")
        c.subaccounts.add("sub-9", "pw")
        emulator.reset()
        assert c.contacts.list() == [] and c.templates.list() == [] and c.senders.list() == []
        assert emulator.address_book().blacklist == [] and emulator.mailings() == []
        assert "sub-9" not in emulator.accounts
        assert c.subaccounts.add("sub-9", "pw") >= 1  # the login is free again
