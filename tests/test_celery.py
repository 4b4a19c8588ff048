"""smsc.celery with a real Redis broker and real worker processes, one of them killed with SIGKILL
mid-run and started again: 300 tasks, 300 messages stored, none twice."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from smsc.emulator import Emulator
from tests.support.celery_app import make_app
from tests.support.emulator_support import running
from tests.support.redis_server import redis_server

ROOT = Path(__file__).resolve().parent.parent
HOLD = 15.0  # seconds the emulator holds six sends' replies while a worker is killed


def _worker(name: str, env: dict[str, str], log: Path | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "tests.support.celery_app",
            "worker",
            "-c",
            "3",
            "-n",
            f"{name}@%h",
            "--pool",
            "prefork",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL if log is None else log.open("ab"),
        start_new_session=True,  # its own process group: SIGKILL reaches the pool's children too
    )


def _kill(worker: subprocess.Popen[bytes]) -> None:
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(10)


def _stop(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(15)
        except subprocess.TimeoutExpired:
            _kill(worker)


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with running(rate_limits=False) as emu:
        emu.accounts.update("demo", balance=Decimal("100000"))
        yield emu


def _until(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _wait_for(emulator: Emulator, count: int, seconds: float) -> int:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        stored = len(emulator.messages())
        if stored >= count:
            return stored
        time.sleep(0.2)
    return len(emulator.messages())


def test_tasks_fix_their_id_at_creation(emulator: Emulator, tmp_path: Path) -> None:
    with redis_server(tmp_path) as broker:
        app, send_sms = make_app(broker)
        result = send_sms.apply_async(args=(["+77011234567"], "hi"), kwargs={"sender": "Shop"})
        with app.connection_for_read() as conn:
            message = conn.default_channel.client.lrange("celery", 0, -1)
        args, kwargs, _ = json.loads(base64.b64decode(json.loads(message[0])["body"]))
        assert result.id and args == [["+77011234567"], "hi"]
        assert kwargs["sender"] == "Shop" and kwargs["id"].startswith("c") and len(kwargs["id"]) <= 40


def test_three_hundred_tasks_through_a_killed_worker_send_three_hundred_messages(
    emulator: Emulator, tmp_path: Path
) -> None:
    slow = emulator.faults.delay(0.05, command="send", probability=1.0, count=100_000)  # slow sends: kill mid-run
    with redis_server(tmp_path) as broker:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SMSC_")}
        env.update(
            SMSC_BASE_URL=emulator.base_url,
            SMSC_LOGIN="demo",
            SMSC_PASSWORD="demo",
            SMSC_TEST_BROKER=broker,
            PYTHONPATH=str(ROOT),
        )
        app, send_sms = make_app(broker)
        log = tmp_path / "workers.log"
        first, second = _worker("first", env, log), _worker("second", env, log)
        restarted = None
        try:
            for i in range(300):
                send_sms.delay(f"+7706{i:07d}", f"task {i}")
            assert _wait_for(emulator, 60, 120) >= 60
            # Kill `first` mid-send: hold the next six sends, one in each of the six pool processes, after the
            # emulator has stored their messages. `first` then has its three messages (its whole prefetch) in
            # hand, unacknowledged, and no BRPOP reply in flight: killed in that reply's window, Redis's
            # transport itself would lose the message it had just popped (kombu's, before smsc sees it).
            slow.cancel()
            held = time.monotonic()
            hold = emulator.faults.delay(HOLD, command="send", probability=1.0, count=6)
            emulator.faults.delay(0.05, command="send", probability=1.0, count=100_000)
            assert _until(lambda: hold.fired == 6, HOLD), "six sends in six processes did not start"
            assert time.monotonic() - held < HOLD  # so none of the six has had its reply: six processes
            _kill(first)  # its three tasks, sent but unacknowledged, come back after the visibility timeout
            assert len(emulator.messages()) < 300
            restarted = _worker("restarted", env, log)
            # 300 stored is not the end: the killed tasks' messages are stored, but the tasks come back later,
            # look their ids up and must not send again. So wait until the broker has every task acknowledged.
            with app.connection_for_read() as conn:
                redis = conn.default_channel.client
                settled = _until(
                    lambda: (
                        len(emulator.messages()) >= 300 and redis.llen("celery") == 0 and redis.hlen("unacked") == 0
                    ),
                    180,
                )
            time.sleep(1.0)  # anything sent twice would arrive by now
        finally:
            for worker in (first, second, restarted):
                if worker is not None:
                    _stop(worker)
        stored = len(emulator.messages())
        texts = Counter(m.text for m in emulator.messages())
    if stored != 300 or not settled:
        print(log.read_text()[-20000:])
        print(sorted(set(f"task {i}" for i in range(300)) - set(texts)))
    assert settled, f"tasks still queued or unacknowledged after 180 s ({stored} messages stored)"
    assert stored == 300 and len(texts) == 300 and set(texts.values()) == {1}
    assert {m.id for m in emulator.messages()} == {m.id for m in emulator.messages() if str(m.id).startswith("c")}


def test_the_task_refuses_no_recipient() -> None:
    class FakeTask:
        request = type("R", (), {"retries": 0})()

    import smsc.celery

    with pytest.raises(smsc.InvalidRequest, match="no recipient"):
        smsc.celery.send_sms(FakeTask(), [], "x", id="c1")  # type: ignore[arg-type]
