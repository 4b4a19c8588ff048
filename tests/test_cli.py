"""The `smsc` command through subprocesses: every subcommand, --json, errors and exit codes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from smsc.emulator import Emulator
from tests.support.emulator_support import running

PHONE = "+77011234567"


def smsc_cli(
    *args: str, env: dict[str, str] | None = None, stdin: str | None = None, timeout: float = 30
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("SMSC_")}
    return subprocess.run(
        [sys.executable, "-m", "smsc.cli", *args],
        capture_output=True,
        text=True,
        env={**base, **(env or {})},
        input=stdin,
        timeout=timeout,
    )


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with running() as emulator:
        yield emulator


@pytest.fixture
def env(emulator: Emulator) -> dict[str, str]:
    return {"SMSC_BASE_URL": emulator.base_url, "SMSC_LOGIN": "demo", "SMSC_PASSWORD": "demo"}


def _clean(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout


def test_help_lists_every_command() -> None:
    result = smsc_cli("--help")
    assert result.returncode == 0
    for command in ("send", "cost", "status", "balance", "segments", "emulator", "demo"):
        assert command in result.stdout
    assert "SMSC_LOGIN" in result.stdout


def test_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / "smsc"
    if not script.exists():
        pytest.skip("the smsc console script is installed by `make venv`")
    result = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0 and result.stdout.startswith("smsc ")


def test_send_cost_balance_status_tables(emulator: Emulator, env: dict[str, str]) -> None:
    sent = smsc_cli("send", PHONE, "Hello", "--sender", "Shop", "--id", "42", env=env)
    assert sent.returncode == 0, sent.stderr
    assert sent.stdout.split() == ["id", "42", "sms", "1", "cost", "1.50", "balance", "98.50"]
    cost = smsc_cli("cost", f"{PHONE},+79161234567", "-", env=env, stdin="x" * 161)
    assert cost.stdout.split() == ["sms", "4", "cost", "6.00"]
    assert smsc_cli("balance", env=env).stdout == "98.50\n"
    emulator.advance(60)
    status = smsc_cli("status", "42", PHONE, "42", "+79161234567", "--detail", "full", env=env)
    assert status.returncode == 0, status.stderr
    lines = status.stdout.splitlines()
    assert lines[0].split() == ["id", "phone", "status", "error", "changed", "sent", "cost", "sender", "text"]
    assert lines[2].split()[:4] == ["42", "77011234567", "DELIVERED", "NONE"] and lines[2].endswith("Hello")
    assert lines[3].split()[:3] == ["42", "79161234567", "NOT_FOUND"]


def test_json_output(emulator: Emulator, env: dict[str, str]) -> None:
    sent = json.loads(smsc_cli("send", PHONE, "Привет", "--json", "--reply-format", "xml", env=env).stdout)
    assert sent["sms_count"] == 1 and sent["cost"] == "1.50" and sent["balance"] == "98.50"
    assert json.loads(smsc_cli("cost", PHONE, "Hi", "--json", env=env).stdout) == {"cost": "1.50", "sms_count": 1}
    assert json.loads(smsc_cli("balance", "--json", env=env).stdout) == {"balance": "98.50"}
    emulator.advance(60)
    status = json.loads(smsc_cli("status", str(sent["id"]), PHONE, "--detail", "region", "--json", env=env).stdout)
    assert status["status"] == 1 and status["message"] == "Привет" and status["operator"] == "Kcell"
    assert status["status_name"] == "Доставлено" and status["sent_at"].endswith("+03:00")
    several = json.loads(smsc_cli("status", str(sent["id"]), PHONE, "1", PHONE, "--json", env=env).stdout)
    assert [s["status"] for s in several] == [1, -3]


def test_options_override_the_environment(emulator: Emulator) -> None:
    emulator.accounts.add("shop", "pw", api_key="key-1", balance="5")
    result = smsc_cli(
        "balance",
        "--base-url",
        emulator.base_url,
        "--api-key",
        "key-1",
        env={"SMSC_LOGIN": "demo", "SMSC_PASSWORD": "wrong"},
    )
    assert result.returncode == 0 and result.stdout == "5.00\n"
    result = smsc_cli(
        "balance", "--base-url", emulator.base_url, "--login", "shop", "--password", "pw", env={"SMSC_API_KEY": "nope"}
    )
    assert result.stdout == "5.00\n"


@pytest.mark.parametrize(
    ("args", "env_override", "code", "message"),
    [
        (["balance"], {"SMSC_PASSWORD": "wrong"}, 1, "smsc: error 2: authorise error"),
        (["send", "+79990080000", "x"], {}, 1, "smsc: error 8: can't to deliver"),
        (["send", "123", "x"], {}, 2, "smsc: phones: '123' is not a phone number"),
        (["send", PHONE, "x", "--time", "someday"], {}, 2, "smsc: time: unsupported time"),
        (["status", "1"], {}, 2, "smsc: status: give ID PHONE pairs"),
        (["balance"], {"SMSC_LOGIN": "", "SMSC_PASSWORD": ""}, 2, "smsc: no credentials"),
        (["balance"], {"SMSC_BASE_URL": "ftp://example"}, 2, "smsc: base_url"),
        (["balance", "--reply-format", "yaml"], {}, 2, "invalid choice"),
    ],
)
def test_errors_give_a_message_and_an_exit_code(
    env: dict[str, str], args: list[str], env_override: dict[str, str], code: int, message: str
) -> None:
    result = smsc_cli(*args, env={**env, **env_override})
    _clean(result)
    assert result.returncode == code
    assert message in result.stderr
    assert result.stdout == ""


def test_network_failure_is_exit_code_3() -> None:
    with running() as emulator:
        url = emulator.base_url  # closed when the block ends
    result = smsc_cli("balance", "--base-url", url, "--login", "demo", "--password", "demo", "--timeout", "2")
    _clean(result)
    assert result.returncode == 3 and result.stderr.startswith("smsc: POST ")


def test_segments(env: dict[str, str]) -> None:
    result = smsc_cli("segments", "--json", "Привет, мир!" * 10)
    _clean(result)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["characters"] == 120 and data["count"] == 2
    table = smsc_cli("segments", "Hello")
    assert table.returncode == 0 and table.stdout.startswith("1 SMS, GSM-7: 5 septets")


def _start_emulator(*args: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "smsc.cli", "emulator", "--http-port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stderr is not None
    first = process.stdout.readline()
    assert first.startswith("smsc emulator: listening on http://127.0.0.1:"), first + process.stderr.read()
    return process, first.split()[4].rstrip(";")


def _stop(process: subprocess.Popen[str], sig: int = signal.SIGINT) -> str:
    process.send_signal(sig)
    out, err = process.communicate(timeout=15)
    assert process.returncode == 0, err
    assert "Traceback" not in err
    return out


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_emulator_command_serves_until_interrupted(tmp_path: Path, sig: int) -> None:
    db = str(tmp_path / "state.sqlite")
    process, url = _start_emulator("--db", db)
    env = {"SMSC_BASE_URL": url, "SMSC_LOGIN": "demo", "SMSC_PASSWORD": "demo"}
    try:
        assert smsc_cli("send", PHONE, "Kept", env=env).returncode == 0
    finally:
        assert "stopped" in _stop(process, sig)
    process, url = _start_emulator("--db", db)
    try:
        assert smsc_cli("balance", env={**env, "SMSC_BASE_URL": url}).stdout == "98.50\n"
    finally:
        _stop(process)


def test_emulator_command_reports_a_busy_port(emulator: Emulator) -> None:
    result = smsc_cli("emulator", "--http-port", str(emulator.http_port))
    _clean(result)
    assert result.returncode == 2 and f"cannot listen on 127.0.0.1:{emulator.http_port} (--http-port)" in result.stderr


def test_demo_runs_to_completion() -> None:
    result = smsc_cli("demo", timeout=60)
    _clean(result)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.split() == ["id", "phone", "parts", "cost", "status"])
    rows = [line.split() for line in lines[header + 2 : header + 5]]
    assert [(r[0], r[4]) for r in rows] == [("101", "DELIVERED"), ("102", "DELIVERED"), ("103", "UNDELIVERABLE")]
    assert int(rows[1][2]) >= 2  # the long Cyrillic message takes several parts
    assert lines[-1].startswith("balance: ")
