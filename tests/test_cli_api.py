"""`smsc incoming`, `history`, `operator`, `prices`, `senders`, `contacts`, `templates` against the emulator."""

from __future__ import annotations

import json

from smsc.emulator import Emulator
from tests.support.emulator_support import running
from tests.test_cli import smsc_cli


def _env(emulator: Emulator) -> dict[str, str]:
    return {"SMSC_BASE_URL": emulator.base_url, "SMSC_LOGIN": "demo", "SMSC_PASSWORD": "demo"}


def test_inbox_history_operator_and_prices() -> None:
    with running() as emulator:
        env = _env(emulator)
        emulator.receive("+77011234567", "STOP")
        done = smsc_cli("incoming", env=env)
        assert done.returncode == 0, done.stderr
        lines = done.stdout.splitlines()
        assert lines[0].split() == ["id", "received", "from", "to", "text"] and "STOP" in lines[2]
        assert json.loads(smsc_cli("incoming", "--json", "--after-id", "1", env=env).stdout) == []

        first_day = emulator.now().date().isoformat()  # the send may cross Moscow's midnight
        assert smsc_cli("send", "+77011234567", "Hello", env=env).returncode == 0
        today = emulator.now().date().isoformat()
        history = json.loads(smsc_cli("history", "--since", first_day, "--until", today, "--json", env=env).stdout)
        assert [h["message"] for h in history] == ["Hello"] and history[0]["phone"] == "77011234567"

        found = smsc_cli("operator", "+79031234567", env=env)
        assert found.returncode == 0 and "Билайн" in found.stdout
        missing = smsc_cli("operator", "+4915112345678", env=env)
        assert missing.returncode == 1 and "operator not found" in missing.stderr

        prices = json.loads(smsc_cli("prices", "--json", env=env).stdout)
        assert prices and all(p["sms"] == "1.50" for p in prices)


def test_contacts_templates_and_senders() -> None:
    with running() as emulator:
        env = _env(emulator)
        added = smsc_cli("contacts", "add", "+77011110001", "Алия", "--json", env=env)
        assert added.returncode == 0 and json.loads(added.stdout) == {"id": 1}
        listed = smsc_cli("contacts", env=env).stdout
        assert "77011110001" in listed and "Алия" in listed
        assert smsc_cli("contacts", "delete", "+77011110001", env=env).returncode == 0
        assert json.loads(smsc_cli("contacts", "list", "--json", env=env).stdout) == []
        wrong = smsc_cli("contacts", "add", "+77011110001", env=env)
        assert wrong.returncode == 2 and "usage: smsc contacts add PHONE NAME" in wrong.stderr

        assert json.loads(smsc_cli("templates", "add", "code", "Your code: 1", "--json", env=env).stdout) == {"id": 1}
        assert "Your code: 1" in smsc_cli("templates", env=env).stdout
        assert smsc_cli("templates", "delete", "1", env=env).returncode == 0
        assert smsc_cli("templates", "delete", "1", env=env).returncode == 1  # error 1: no such template

        assert smsc_cli("senders", "add", "Shop", "--comment", "our shop", env=env).returncode == 0
        assert json.loads(smsc_cli("senders", "--json", env=env).stdout) == [
            {"sender": "Shop", "id": 1, "comment": "our shop"}
        ]
        assert smsc_cli("senders", "delete", "Shop", env=env).returncode == 0
