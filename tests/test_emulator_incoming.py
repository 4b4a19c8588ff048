"""Incoming messages in the emulator: `Emulator.receive`, the inbox and its listeners."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from smsc.emulator import Emulator, Incoming
from tests.support.emulator_support import running


def test_receive_stores_in_order_and_tells_listeners() -> None:
    heard: list[Incoming] = []
    with running() as emulator:
        emulator.on_receive(heard.append)
        first = emulator.receive("+7 701 123-45-67", "STOP")
        emulator.advance(30)
        second = emulator.receive("+79161234567", "Привет", to="+77010000001")
        assert (first.id, first.phone, first.to, first.text, first.login) == (
            1,
            "77011234567",
            "79990000000",
            "STOP",
            "demo",
        )
        assert second.id == 2 and second.to == "77010000001"
        assert second.received_at - first.received_at == timedelta(seconds=30)
        assert emulator.incoming() == [first, second] == heard
        assert emulator.incoming("demo") == [first, second]


def test_receive_refuses_bad_input() -> None:
    with running() as emulator:
        with pytest.raises(ValueError, match="international"):
            emulator.receive("12", "x")
        with pytest.raises(ValueError, match="1000"):
            emulator.receive("+77011234567", "x" * 1001)
        with pytest.raises(KeyError):
            emulator.receive("+77011234567", "x", login="nobody")
        assert emulator.incoming() == []


def test_inbox_survives_a_restart(tmp_path: Path) -> None:
    db = str(tmp_path / "state.db")
    with Emulator(db=db) as emulator:
        emulator.receive("+77011234567", "kept")
    with Emulator(db=db) as emulator:
        assert [m.text for m in emulator.incoming()] == ["kept"]
