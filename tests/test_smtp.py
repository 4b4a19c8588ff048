"""E-mail to SMS: our SmtpTransport against the emulator's aiosmtpd listener, STARTTLS with trustme."""

from __future__ import annotations

import hashlib
import smtplib
from decimal import Decimal

import pytest
import trustme

import smsc
from smsc.emulator._smtp_server import BodyError, parse_body
from tests.support.clients import Factory
from tests.support.emulator_support import PHONE, running, smtp_port
from tests.support.tls_support import client_context, server_context


def test_sends_over_smtp_with_starttls_appear_in_status_and_balance(make_client: Factory) -> None:
    with running(smtp_port=0, smtp_tls_context=server_context()) as emulator:
        smtp = smsc.SmtpTransport("127.0.0.1", smtp_port(emulator), ssl_context=client_context())
        with make_client(login="demo", password="demo", base_url=emulator.base_url, transport=smtp) as client:
            first = client.send([PHONE], "Привет: код 1234", sender="Shop", id=501)
            second = client.send([PHONE, "+79161234567"], "x" * 200, id=502)
            assert (first.id, first.sms_count, first.cost) == (501, 1, None)
            assert second.sms_count == 4  # 2 parts x 2 recipients, counted offline
            status = client.status(501, PHONE, detail=smsc.StatusDetail.FULL)  # over HTTP
            assert status.message == "Привет: код 1234" and status.sender == "Shop"
            balance = client.balance()
        stored = emulator.messages()
    digits = PHONE.lstrip("+")
    assert sorted((m.id, m.phone) for m in stored) == [(501, digits), (502, digits), (502, "79161234567")]
    assert balance == Decimal("100.00") - sum((m.cost for m in stored), Decimal(0))


def test_one_connection_serves_consecutive_letters(make_client: Factory) -> None:
    with running(smtp_port=0) as emulator:
        smtp = smsc.SmtpTransport("127.0.0.1", smtp_port(emulator), starttls=None)
        with make_client(login="demo", password="demo", base_url=emulator.base_url, transport=smtp) as client:
            for n in range(1, 4):
                client.send([PHONE], f"n{n}", id=n)
            assert smtp._connection is not None
        assert smtp._connection is None
        assert len(emulator.messages()) == 3


def test_bad_credentials_and_malformed_bodies_get_a_5xx(make_client: Factory) -> None:
    with running(smtp_port=0) as emulator:
        smtp = smsc.SmtpTransport("127.0.0.1", smtp_port(emulator), starttls=None)
        with make_client(
            login="demo",
            password="wrong",
            base_url=emulator.base_url,
            transport=smtp,
            retry=smsc.RetryPolicy(attempts=1),
        ) as client:
            with pytest.raises(smsc.TransportError, match="550") as caught:
                client.send([PHONE], "Hi", id=1)
        assert caught.value.maybe_sent is False
        with smtplib.SMTP("127.0.0.1", smtp_port(emulator), timeout=5) as raw:
            raw.docmd("MAIL FROM:<a@b>")
            raw.docmd("RCPT TO:<send@send.smsc.kz>")
            with pytest.raises(smtplib.SMTPDataError) as refused:
                raw.sendmail("a@b", ["send@send.smsc.kz"], b"Content-Type: text/plain\r\n\r\nnot a body")
        assert refused.value.smtp_code == 550
        assert emulator.messages() == []


def test_starttls_is_required_by_default_and_verified(make_client: Factory) -> None:
    with running(smtp_port=0) as plain:  # offers no STARTTLS
        smtp = smsc.SmtpTransport("127.0.0.1", smtp_port(plain))
        with make_client(
            login="demo", password="demo", base_url=plain.base_url, transport=smtp, retry=smsc.RetryPolicy(attempts=1)
        ) as client:
            with pytest.raises(smsc.TransportError, match="does not offer STARTTLS"):
                client.send([PHONE], "Hi", id=1)
    with running(smtp_port=0, smtp_tls_context=server_context()) as tls:
        smtp = smsc.SmtpTransport("127.0.0.1", smtp_port(tls), ssl_context=client_context(trustme.CA()))
        with make_client(
            login="demo", password="demo", base_url=tls.base_url, transport=smtp, retry=smsc.RetryPolicy(attempts=1)
        ) as client:
            with pytest.raises(smsc.TransportError, match="CERTIFICATE_VERIFY_FAILED"):
                client.send([PHONE], "Hi", id=1)
        assert tls.messages() == []


def test_the_letter_never_carries_the_plain_password() -> None:
    smtp = smsc.SmtpTransport("127.0.0.1", 25)
    request = smsc._builders.build_send(
        [PHONE], "a:b", id=7, sender="Shop", translit=smsc.Translit.LATIN, format=smsc.MessageFormat.FLASH
    )
    letter = smtp.letter(request, [("login", "demo"), ("psw", "s3cret")])
    body = letter.get_content()
    assert body.strip() == f"demo:{hashlib.md5(b's3cret').hexdigest()}:7::1,1,Shop:{PHONE}:a:b"
    assert "s3cret" not in letter.as_string() and 'charset="utf-8"' in letter.as_string()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"time": "01.01.30 12:00"}, "colon"),
        ({"files": [b"x"]}, "attachments"),
        ({"extra": {"op": "1"}}, "SMTP carries no op"),
    ],
)
def test_what_smtp_cannot_carry_is_refused(kwargs: dict[str, object], message: str, make_client: Factory) -> None:
    smtp = smsc.SmtpTransport("127.0.0.1", 25)
    with make_client(login="demo", password="demo", transport=smtp) as client:
        with pytest.raises(smsc.InvalidRequest, match=message):
            client.send([PHONE], "Hi", id=1, **kwargs)


def test_both_documented_body_forms_parse() -> None:
    old = parse_body("demo:demo:0::0,0,:79999999999:Ваш пароль: 123")
    assert old["phones"] == "79999999999" and old["mes"] == "Ваш пароль: 123" and "id" not in old
    new = parse_body(":KEY:5:0101301200,-3:1,1,Shop,0::79990000000:one\n78880000000:two")
    assert new["apikey"] == "KEY" and new["tz"] == "-3" and new["flash"] == "1" and new["list"].startswith("799")
    for bad in ("demo:demo:1", "a:b:c:d:x,99,:1:m", "a:b:c:d:nocommas:1:m"):
        with pytest.raises(BodyError):
            parse_body(bad)
