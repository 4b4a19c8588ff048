"""smsc.Client(transport=smsc.smpp.SmppTransport(...)): sends over SMPP, the same SendResult; the rest over HTTP."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

import smsc
from smsc import smpp
from smsc.emulator import Emulator
from tests.support.clients import Factory
from tests.support.smpp_server import Faults, ThreadedServer

PHONE = "+77011234567"


def test_client_send_goes_over_smpp_and_status_over_http(make_client: Factory) -> None:
    with Emulator(rate_limits=False, ip_blocking=False, smpp_port=0) as emu:
        assert emu.smpp_port is not None
        transport = smpp.SmppTransport("127.0.0.1", emu.smpp_port, rate_limit=None)
        with make_client(login="demo", password="demo", base_url=emu.base_url, transport=transport) as client:
            sent = client.send([PHONE, "+77011234568"], "a" * 161, sender="Shop")
            assert isinstance(sent, smsc.SendResult)
            assert sent.sms_count == 4 and sent.cost is None and sent.balance is None
            stored = {str(m.id): m for m in emu.messages()}
            assert str(sent.id) in stored and stored[str(sent.id)].parts == 2
            assert transport.client is not None and transport.client.bound
            emu.advance(60)
            status = client.status(int(sent.id), PHONE)  # over HTTP
            assert status.status is smsc.MessageStatus.DELIVERED
            assert client.balance() == Decimal("100.00") - 4 * Decimal("1.50")  # billed like an HTTP send
        assert transport.client is None  # closed with the client


def test_unsupported_options_are_refused_before_sending(make_client: Factory) -> None:
    with ThreadedServer() as server:
        transport = smpp.SmppTransport("127.0.0.1", server.port, rate_limit=None)
        with make_client(login="demo", password="demo", base_url="http://127.0.0.1:9", transport=transport) as client:
            with pytest.raises(smsc.InvalidRequest, match="tinyurl"):
                client.send(PHONE, "x", tinyurl=True)
            assert server.submits_seen == 0
            sent = client.send(PHONE, "Flash!", format=smsc.MessageFormat.FLASH, valid=2)
            pdu = server.accepted[-1].pdu
            assert pdu.data_coding == 0x10 and pdu.validity_period == "000000020000000R"
            assert sent.id == server.accepted[-1].message_id


def test_lost_answer_is_not_resent_by_the_client(make_client: Factory) -> None:
    options: dict[str, Any] = {"faults": Faults(silent_submits=True)}
    with ThreadedServer(**options) as server:
        transport = smpp.SmppTransport("127.0.0.1", server.port, rate_limit=None, response_timeout=0.3)
        with make_client(login="demo", password="demo", base_url="http://127.0.0.1:9", transport=transport) as client:
            with pytest.raises(smpp.OutcomeUnknown):
                client.send(PHONE, "once")
        assert server.submits_seen == 1  # the client's retry policy did not send it again


def test_bad_credentials_over_the_client(make_client: Factory) -> None:
    with ThreadedServer() as server:
        transport = smpp.SmppTransport("127.0.0.1", server.port, password="wrong")
        with make_client(login="demo", password="demo", base_url="http://127.0.0.1:9", transport=transport) as client:
            with pytest.raises(smsc.AuthError):
                client.send(PHONE, "x")
