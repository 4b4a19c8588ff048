"""`smsc bulk FILE.csv` in subprocesses: the estimate, the report, templates, and runs killed
with SIGKILL at random points and resumed — every row stored exactly once."""

from __future__ import annotations

import csv
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from smsc.emulator import Emulator
from tests.support.emulator_support import running


def _env(emulator: Emulator) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("SMSC_")}
    return {**base, "SMSC_BASE_URL": emulator.base_url, "SMSC_LOGIN": "demo", "SMSC_PASSWORD": "demo"}


def _bulk(emulator: Emulator, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "smsc.cli", "bulk", *args],
        capture_output=True,
        text=True,
        env=_env(emulator),
        timeout=timeout,
    )


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with running(rate_limits=True) as emu:
        emu.accounts.update("demo", balance=Decimal("100000"))
        yield emu


def test_dry_run_prints_the_estimate_and_sends_nothing(emulator: Emulator, tmp_path: Path) -> None:
    rows = [["+77011230001", "Hello"], ["+77011230002;+77011230003", "Привет! " * 10]]
    file = _write(tmp_path / "m.csv", ["phones", "text"], rows)
    done = _bulk(emulator, str(file), "--dry-run", "--price", "2.50")
    assert done.returncode == 0, done.stderr
    assert "messages: 2" in done.stdout and "sms:      5" in done.stdout and "cost:     12.50" in done.stdout
    assert emulator.messages() == []


def test_report_templates_and_the_exit_code(emulator: Emulator, tmp_path: Path) -> None:
    rows = [["+77011230011", "Aigerim", "A-1"], ["not a phone", "Bob", "B-2"], ["+77011230013", "Chen", "C-3"]]
    file = _write(tmp_path / "m.csv", ["Phone", "name", "order"], rows)
    report = tmp_path / "out.csv"
    done = _bulk(emulator, str(file), "--text", "Hello {name}, order {order} is ready", "--report", str(report))
    assert done.returncode == 1, done.stderr  # one row failed
    assert "sent 2 of 3" in done.stderr and "Traceback" not in done.stderr
    with report.open(encoding="utf-8") as handle:
        lines = list(csv.DictReader(handle))
    assert [line["status"] for line in lines] == ["sent", "failed", "sent"]
    assert lines[1]["error"] and lines[0]["parts"] == "1" and lines[0]["id"]
    assert sorted(m.text for m in emulator.messages()) == [
        "Hello Aigerim, order A-1 is ready",
        "Hello Chen, order C-3 is ready",
    ]
    missing = _bulk(emulator, str(file), "--text", "Hi {surname}")
    assert missing.returncode == 2 and "no column for {surname}" in missing.stderr


def test_a_file_without_a_phone_column_is_refused(emulator: Emulator, tmp_path: Path) -> None:
    file = _write(tmp_path / "m.csv", ["number", "text"], [["+77011230021", "x"]])
    done = _bulk(emulator, str(file))
    assert done.returncode == 2 and "needs a 'phone' or 'phones' column" in done.stderr


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_killed_at_random_points_and_resumed_every_row_is_stored_once(
    emulator: Emulator, tmp_path: Path, seed: int
) -> None:
    count = 1500
    rows = [[f"+7705{seed}{i:06d}", f"row {i} of seed {seed}"] for i in range(count)]
    file = _write(tmp_path / "m.csv", ["phone", "text"], rows)
    report = tmp_path / "out.csv"
    args = [sys.executable, "-m", "smsc.cli", "bulk", str(file), "--report", str(report), "--no-progress"]
    rng = random.Random(seed)
    kills = 0
    for _ in range(3):  # kill -9 mid-run, three times
        process = subprocess.Popen(args, env=_env(emulator), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0.4, 1.6))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.wait(30)
    done = subprocess.run(args, env=_env(emulator), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    stored = Counter(m.text for m in emulator.messages())
    assert len(stored) == count and set(stored.values()) == {1}  # every row once: none lost, none twice
    with report.open(encoding="utf-8") as handle:
        statuses = Counter(line["status"] for line in csv.DictReader(handle))
    assert statuses["sent"] + statuses["recovered"] == count
    assert kills >= 1
