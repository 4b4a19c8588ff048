"""The official libraries' own examples (the end of smsc_api.cs 3.1) against the emulator.

Each call goes over the wire exactly as the seed library writes it: GET, login and psw in the
query, fmt=1, charset=utf-8, cost=3 on sends, the format flag from its table, the extra query last.
The emulator must take every example as the service does.
"""

from __future__ import annotations

import smtplib
import urllib.request
from collections.abc import Iterator
from email.message import EmailMessage
from urllib.parse import quote

import pytest

import smsc
from smsc.emulator import Emulator
from tests.support.emulator_support import running

# the seed's `formats` array: format index 1..13 -> the flag it adds
FORMATS = ["flash=1", "push=1", "hlr=1", "bin=1", "bin=2", "ping=1", "mms=1", "mail=1", "call=1", "viber=1", "soc=1"]
FORMATS += ["", "tg=1"]
PHONE = "79999999999"  # the libraries' placeholder number
WAP_PUSH = "0605040B8423F0DC0601AE02056A0045C60C036D79736974652E72750001036D79736974650001" + "01"


class SeedLibrary:
    """smsc_api.cs 3.1 as a new user runs it: send_sms, get_sms_cost, get_status, get_balance."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def _cmd(self, cmd: str, arg: str = "") -> list[str]:
        url = f"{self.base_url}/sys/{cmd}.php?login=demo&psw=demo&fmt=1&charset=utf-8&{arg}"
        with urllib.request.urlopen(url, timeout=5) as reply:
            return str(reply.read().decode("utf-8")).split(",")

    def send_sms(
        self,
        phones: str,
        message: str,
        translit: int = 0,
        time: str = "",
        id: int = 0,
        format: int = 0,
        sender: str = "",
        query: str = "",
    ) -> list[str]:
        arg = (
            f"cost=3&phones={quote(phones)}&mes={quote(message)}&translit={translit}&id={id}"
            + (f"&{FORMATS[format - 1]}" if format > 0 else "")
            + (f"&sender={quote(sender)}" if sender else "")
            + (f"&time={quote(time)}" if time else "")
            + (f"&{query}" if query else "")
        )
        return self._cmd("send", arg)

    def get_sms_cost(self, phones: str, message: str, translit: int = 0, format: int = 0) -> list[str]:
        arg = f"cost=1&phones={quote(phones)}&mes={quote(message)}&translit={translit}"
        return self._cmd("send", arg + (f"&{FORMATS[format - 1]}" if format > 0 else ""))

    def get_status(self, id: str, phone: str, all: int = 0) -> list[str]:
        return self._cmd("status", f"phone={quote(phone)}&id={quote(id)}&all={all}")

    def get_balance(self) -> str:
        return self._cmd("balance")[0]


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with running(smtp_port=0) as emulator:
        yield emulator


@pytest.fixture
def seed(emulator: Emulator) -> SeedLibrary:
    emulator.accounts.update("demo", balance="100.00")
    return SeedLibrary(emulator.base_url)


def _last(emulator: Emulator) -> smsc.emulator.Message:
    return emulator.messages()[-1]


def test_a_password_in_lookalike_translit(seed: SeedLibrary, emulator: Emulator) -> None:
    reply = seed.send_sms(PHONE, "Ваш пароль: 123", 2)
    assert len(reply) == 4 and int(reply[0]) > 0 and reply[1] == "1", reply
    message = _last(emulator)
    assert (message.phone, message.text, message.parts) == (PHONE, "Ваш пароль: 123", 1)
    assert seed.get_status(reply[0], PHONE)[0] == "-1"  # waiting, then on the clock
    emulator.advance(60)
    assert seed.get_status(reply[0], PHONE)[0] == "1"


def test_a_two_line_text_with_an_extra_query(seed: SeedLibrary, emulator: Emulator) -> None:
    reply = seed.send_sms(PHONE, "http://smsc.kz\nSMSC.KZ", 0, "", 0, 0, "", "maxsms=3")
    assert len(reply) == 4 and reply[1] == "1", reply
    assert _last(emulator).text == "http://smsc.kz\nSMSC.KZ"


def test_binary_as_hex_a_wap_push(seed: SeedLibrary, emulator: Emulator) -> None:
    reply = seed.send_sms(PHONE, WAP_PUSH, 0, "", 0, 5)
    assert len(reply) == 4 and reply[1] == "1", reply
    message = _last(emulator)
    assert message.format is smsc.MessageFormat.BIN_HEX and message.text == WAP_PUSH


def test_an_hlr_request_with_no_text(seed: SeedLibrary, emulator: Emulator) -> None:
    reply = seed.send_sms(PHONE, "", 0, "", 0, 3)
    assert len(reply) == 4 and reply[1] == "1", reply
    assert _last(emulator).format is smsc.MessageFormat.HLR
    emulator.advance(60)
    assert seed.get_status(reply[0], PHONE)[:3] == ["1", seed.get_status(reply[0], PHONE)[1], "0"]


def test_an_e_mail_from_an_e_mail_address(seed: SeedLibrary, emulator: Emulator) -> None:
    reply = seed.send_sms("dest@mysite.com", "Ваш пароль: 123", 0, "", 0, 8, "source@mysite.com", "subj=Confirmation")
    assert len(reply) == 4 and int(reply[0]) > 0, reply  # before: ["0", "-6"]
    message = _last(emulator)
    assert (message.phone, message.sender, message.format) == (
        "dest@mysite.com",
        "source@mysite.com",
        smsc.MessageFormat.MAIL,
    )
    emulator.advance(60)
    assert seed.get_status(reply[0], "dest@mysite.com")[0] == "1"


def test_an_e_mail_sender_is_only_for_e_mail(seed: SeedLibrary) -> None:
    assert seed.send_sms(PHONE, "Hello", sender="source@mysite.com")[1] == "-6"


def test_the_price_of_a_message(seed: SeedLibrary) -> None:
    assert seed.get_sms_cost(PHONE, "Вы успешно зарегистрированы!") == ["1.50", "1"]


def test_a_letter_to_the_e_mail_gateway(seed: SeedLibrary, emulator: Emulator) -> None:
    letter = EmailMessage()
    letter["From"], letter["To"] = "me@mysite.com", "send@send.smsc.kz"
    letter.set_content(f"demo:demo:0:0101121000:0,0,:{PHONE}:Ваш пароль: 123", charset="utf-8")
    assert emulator.smtp_port is not None
    with smtplib.SMTP("127.0.0.1", emulator.smtp_port, timeout=5) as smtp:
        smtp.send_message(letter)
    message = _last(emulator)
    assert (message.phone, message.text) == (PHONE, "Ваш пароль: 123")


def test_the_status_of_an_unknown_message(seed: SeedLibrary) -> None:
    assert seed.get_status("12345", PHONE) == ["-3", "0", "0"]


def test_the_balance(seed: SeedLibrary) -> None:
    assert seed.get_balance() == "100.00"


def test_the_sdk_sends_an_e_mail_from_an_e_mail_address(emulator: Emulator) -> None:
    with smsc.Client(login="demo", password="demo", base_url=emulator.base_url, timeout=5) as client:
        sent = client.send(
            ["dest@mysite.com"],
            "Ваш пароль: 123",
            format=smsc.MessageFormat.MAIL,
            sender="source@mysite.com",
            subject="Confirmation",
        )
        assert _last(emulator).sender == "source@mysite.com" and sent.sms_count == 1
        with pytest.raises(smsc.InvalidRequest, match="sender"):
            client.send(["+77011234567"], "Hello", sender="source@mysite.com")


# §3.1 sender, phone and id rules, at their edges: (extra send.php fields, error code or None, what is stored)
RULES = [
    ({"sender": "A" * 11}, None, ("sender", "A" * 11)),  # up to 11 Latin letters, digits, symbols
    ({"sender": "A" * 12}, 6, None),
    ({"sender": "7" * 15}, None, ("sender", "7" * 15)),  # or up to 15 digits
    ({"sender": "7" * 16}, 6, None),
    ({"sender": ""}, None, ("sender", "")),  # empty or "." switch the default sender off
    ({"sender": "."}, None, ("sender", "")),
    ({"sender": "Магазин"}, 6, None),  # Latin only
    ({"id": "a.B-9_" * 6 + "abcd"}, None, ("id", "a.B-9_" * 6 + "abcd")),  # a string id of 40 characters
    ({"id": "x" * 41}, 1, None),
    ({"id": "2147483647"}, None, ("id", 2147483647)),
    ({"id": "2147483648"}, 1, None),
    ({"id": "0"}, None, None),  # 0: the service assigns one
    ({"phones": "+7 (999) 123-45-67; 89991234568"}, None, ("phone", "79991234568")),  # ; and national 8...
    ({"phones": "+89991234567"}, None, ("phone", "89991234567")),  # with + the number is not corrected
    ({"phones": "123456"}, 7, None),  # fewer than 7 digits
    ({"phones": "1234567890123456"}, 7, None),  # more than 15
    ({"phones": "dest@mysite.com"}, 7, None),  # an e-mail address only with mail=1
    ({"phones": "@smsc_user", "tg": "1"}, None, ("phone", "@smsc_user")),  # a Telegram nickname with tg=1
    ({"phones": "@smsc_user"}, 7, None),
]


@pytest.mark.parametrize(("fields", "error", "stored"), RULES)
def test_the_documented_sender_phone_and_id_rules(
    emulator: Emulator, fields: dict[str, str], error: int | None, stored: tuple[str, object] | None
) -> None:
    emulator.accounts.update("demo", balance="100.00")
    before = len(emulator.messages())
    query = {"login": "demo", "psw": "demo", "fmt": "3", "phones": PHONE, "mes": "Hello", **fields}
    url = f"{emulator.base_url}/sys/send.php?" + "&".join(f"{k}={quote(v)}" for k, v in query.items())
    with urllib.request.urlopen(url, timeout=5) as reply:
        body = reply.read().decode()
    if error is not None:
        assert f'"error_code": {error}' in body and len(emulator.messages()) == before, body
        return
    assert "error" not in body and len(emulator.messages()) > before, body
    if stored is not None:
        name, value = stored
        assert getattr(emulator.messages()[-1], name) == value
