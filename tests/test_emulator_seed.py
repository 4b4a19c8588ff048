"""A client written the way the seed library and the official ones work: GET, credentials in the query,
fmt=1, a new connection per call, replies split on commas. It must work against the emulator unchanged."""

from __future__ import annotations

import urllib.request
from urllib.parse import quote

from smsc.emulator import Emulator
from tests.support.emulator_support import running

FORMATS = ["flash=1", "push=1", "hlr=1", "bin=1", "bin=2", "ping=1", "mms=1", "mail=1", "call=1", "viber=1", "soc=1"]


class SeedStyle:
    """The calls of smsc_api (send_sms, get_sms_cost, get_status, get_balance), as a new user would run them."""

    def __init__(self, base_url: str, login: str = "demo", password: str = "demo", charset: str = "utf-8") -> None:
        self.base_url, self.login, self.password, self.charset = base_url, login, password, charset

    def _cmd(self, cmd: str, arg: str = "") -> list[str]:
        url = (
            f"{self.base_url}/sys/{cmd}.php?login={quote(self.login)}&psw={quote(self.password)}"
            f"&fmt=1&charset={self.charset}&{arg}"
        )
        with urllib.request.urlopen(url, timeout=5) as reply:
            return str(reply.read().decode(self.charset)).split(",")

    def send_sms(
        self,
        phones: str,
        message: str,
        translit: int = 0,
        time: str = "",
        id: int = 0,
        format: int = 0,
        sender: str | None = None,
    ) -> list[str]:
        arg = (
            f"cost=3&phones={quote(phones)}&mes={quote(message)}&translit={translit}&id={id}"
            + (f"&{FORMATS[format - 1]}" if format > 0 else "")
            + (f"&sender={quote(sender)}" if sender is not None else "")
            + (f"&time={quote(time)}" if time else "")
        )
        return self._cmd("send", arg)  # (id, cnt, cost, balance) or (id, -error)

    def get_sms_cost(self, phones: str, message: str, translit: int = 0) -> list[str]:
        return self._cmd("send", f"cost=1&phones={quote(phones)}&mes={quote(message)}&translit={translit}")

    def get_status(self, id: int | str, phone: str, all: int = 0) -> list[str]:
        m = self._cmd("status", f"phone={quote(phone)}&id={quote(str(id))}&all={all}")
        if all == 1 and len(m) > 9 and (len(m) < 14 or m[14] != "HLR"):
            m = ",".join(m).split(",", 8)
        return m

    def get_balance(self) -> str | bool:
        m = self._cmd("balance")
        return False if len(m) > 1 else m[0]


def test_a_new_user_of_the_old_library() -> None:
    with running() as emulator:
        seed = SeedStyle(emulator.base_url)
        assert seed.get_balance() == "100.00"
        assert seed.send_sms("79991234567", "Ваш пароль: 123, никому не говорите", sender="Shop") == [
            "1",
            "1",
            "1.50",
            "98.50",
        ]
        assert seed.get_sms_cost("79991234567,77011234567", "Hello") == ["3.00", "2"]
        status = seed.get_status(1, "79991234567")
        assert status[0] == "-1" and status[2] == "0"
        emulator.advance(60)
        delivered = seed.get_status(1, "79991234567")
        assert delivered[0] == "1" and int(delivered[1]) > 0 and delivered[2] == "0"
        full = seed.get_status(1, "79991234567", all=1)
        assert full[3:] == [full[3], "79991234567", "1.50", "Shop", "Доставлено", "Ваш пароль: 123, никому не говорите"]
        assert seed.send_sms("79991234567", "", format=3) == ["2", "1", "1.50", "97.00"]  # HLR
        emulator.advance(60)
        hlr = seed.get_status(2, "79991234567", all=1)
        assert len(hlr) == 17 and hlr[14] == "HLR" and hlr[3].startswith("250")
        assert seed.get_balance() == "97.00"


def test_errors_as_the_old_library_sees_them() -> None:
    with running() as emulator:
        assert SeedStyle(emulator.base_url, password="wrong").send_sms("79991234567", "x") == ["0", "-2"]
        assert SeedStyle(emulator.base_url, password="wrong").get_balance() is False
        seed = SeedStyle(emulator.base_url)
        assert seed.send_sms("12", "x", id=77) == ["77", "-7"]
        assert seed.send_sms("79991234567", "x", time="99.99.99 99:99") == ["0", "-5"]
        assert seed.get_status(1, "79991234567") == ["-3", "0", "0"]  # not found


def test_a_windows_1251_user() -> None:
    with Emulator() as emulator:
        seed = SeedStyle(emulator.base_url, charset="windows-1251")
        text = "Привет"
        url_text = quote(text.encode("cp1251"))
        assert seed._cmd("send", f"cost=3&phones=79991234567&mes={url_text}") == ["1", "1", "1.50", "98.50"]
        assert emulator.messages()[0].text == text
