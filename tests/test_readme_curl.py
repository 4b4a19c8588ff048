"""README's curl lines for the control API, run as written (real curl) against a running emulator."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

import smsc
from tests.support.emulator_support import running

README = Path(__file__).resolve().parent.parent / "README.md"


def _curl_block() -> list[str]:
    section = README.read_text(encoding="utf-8").split("\n### The control API\n", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block is not None
    return [line for line in block[1].splitlines() if line.strip()]


def test_every_curl_example_works() -> None:
    curl = shutil.which("curl")
    if curl is None:
        pytest.skip("curl is not installed")
    lines = _curl_block()
    setup, commands = lines[0], lines[1:]
    assert setup.startswith("E=http://127.0.0.1:8000/_emulator;")
    endpoints = {re.sub(r"\?.*", "", c.split("$E", 1)[1].split()[0].strip('"')) for c in commands}
    assert len(endpoints) >= 12  # one line per endpoint at least
    with running() as emulator:
        with smsc.Client(login="demo", password="demo", base_url=emulator.base_url, timeout=5) as client:
            client.send(["+77011234567"], "Hello")  # so that /messages/1 exists
        for command in commands:
            if "$E/events" in command:
                command = command.replace("curl -N", "curl --max-time 1")  # a stream: read a second of it
            script = (
                f"{setup.replace('http://127.0.0.1:8000', emulator.base_url)}\n"
                f'curl() {{ command {curl} --silent --show-error --fail-with-body "$@"; }}\n{command}\n'
            )
            result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=15)
            timed_out_stream = "$E/events" in command and result.returncode == 28
            assert result.returncode == 0 or timed_out_stream, f"{command}\n{result.stdout}\n{result.stderr}"
            if timed_out_stream:
                assert "event: hello" in result.stdout
        assert emulator.accounts["shop"].callback_url == "http://127.0.0.1:9000/smsc"
        assert [m.text for m in emulator.incoming()] == ["STOP"]
        assert "FAKEBANK" in emulator.denied_senders
