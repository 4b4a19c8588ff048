"""`smsc emulator` as a new user runs it: every address printed, SMTP, SMPP, the inbox, the control API, --open."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import smtplib
import subprocess
import sys
import threading
import time
from email.message import EmailMessage
from pathlib import Path

import urllib3

import smsc


def _start(
    *args: str, last: str = "  control API", env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[str], list[str]]:
    """The command with free ports; returns it once it has printed its addresses, up to the line starting `last`.

    It reads until `last`, however the lines arrive (a non-blocking read could stop early under load); a
    watchdog kills a command that never prints it, so the test fails instead of hanging.
    """
    base = {k: v for k, v in os.environ.items() if not k.startswith("SMSC_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "smsc.cli", "emulator", "--http-port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**base, **(env or {})},
    )
    assert process.stdout is not None and process.stderr is not None
    watchdog = threading.Timer(60, process.kill)
    watchdog.start()
    try:
        lines = [process.stdout.readline()]
        assert lines[0].startswith("smsc emulator: listening on"), lines[0] + process.stderr.read()
        while not lines[-1].startswith(last):
            line = process.stdout.readline()
            assert line, f"no line starting {last!r} in:\n" + "".join(lines) + process.stderr.read()
            lines.append(line)
    finally:
        watchdog.cancel()
    return process, [line.rstrip("\n") for line in lines]


def _stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=15)
    assert process.returncode == 0 and "Traceback" not in err, err
    return out


def test_every_address_is_printed_and_served(tmp_path: Path) -> None:
    process, lines = _start(
        "--smtp-port", "0", "--smpp-port", "0", "--callback-url", "http://127.0.0.1:9/smsc", last="  SMTP on"
    )
    try:
        url = lines[0].split()[4].rstrip(";")
        text = "\n".join(lines)
        assert f"web inbox      {url}/" in text and f"{url}/_emulator/openapi.json" in text
        smtp_port = int(re.search(r"SMTP on 127\.0\.0\.1:(\d+)", text).group(1))  # type: ignore[union-attr]
        assert re.search(r"SMPP 3\.4 on 127\.0\.0\.1:\d+", text)
        assert "callbacks to http://127.0.0.1:9/smsc" in text
        letter = EmailMessage()
        letter["From"], letter["To"] = "me@example.com", "send@send.smsc.kz"
        letter.set_content("demo:demo:0:0:0,0,:+77011234567:by e-mail", charset="utf-8")
        with smtplib.SMTP("127.0.0.1", smtp_port, timeout=5) as smtp:
            smtp.send_message(letter)
        with smsc.Client(login="demo", password="demo", base_url=url, timeout=5) as client:
            client.send(["+77011234567"], "over HTTP")
        with urllib3.PoolManager(retries=False, timeout=5) as http:
            inbox = http.request("GET", url + "/")
            messages = json.loads(http.request("GET", url + "/_emulator/messages").data)["messages"]
            account = json.loads(http.request("GET", url + "/_emulator/accounts/demo").data)
        assert inbox.status == 200 and "over HTTP" in inbox.data.decode() and "by e-mail" in inbox.data.decode()
        assert [m["text"] for m in messages] == ["over HTTP", "by e-mail"]
        assert account["callback_url"] == "http://127.0.0.1:9/smsc"
    finally:
        assert "stopped" in _stop(process)


def test_open_starts_the_browser_on_the_inbox(tmp_path: Path) -> None:
    opened = tmp_path / "opened"
    script = "import sys; open(%r, 'w').write(sys.argv[1])" % str(opened)  # noqa: UP031
    browser = f"{shlex.quote(sys.executable)} -c {shlex.quote(script)} %s"
    process, lines = _start("--open", env={"BROWSER": browser})
    try:
        url = lines[0].split()[4].rstrip(";")
        deadline = time.monotonic() + 30
        while not (opened.exists() and opened.read_text()) and time.monotonic() < deadline:  # created, then written
            time.sleep(0.05)
        assert opened.read_text() == url + "/"
    finally:
        _stop(process)


def test_a_control_token_is_never_printed() -> None:
    process, lines = _start("--control-token", "s3cret-token", last="  clients off the loopback")
    try:
        assert "clients off the loopback interface need the control token" in "\n".join(lines)
    finally:
        out = _stop(process)
    assert "s3cret-token" not in out + "\n".join(lines)


def test_a_bad_callback_url_is_a_usage_error() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "smsc.cli", "emulator", "--http-port", "0", "--callback-url", "ftp://x"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2 and "--callback-url" in result.stderr and "Traceback" not in result.stderr
