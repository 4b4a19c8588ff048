"""The emulator pushes callbacks to a handler in a real server, for every adapter: statuses of
sent messages (HTTP, SMTP and SMPP), incoming messages, retries, forgeries and replays."""

from __future__ import annotations

import io
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from typing import Any

import pytest
import urllib3

import smsc
from smsc import smpp
from smsc.callbacks import Receiver, Verifier
from smsc.emulator import Emulator
from tests.support.callback_servers import FRAMEWORKS, serve
from tests.support.emulator_support import client, running

PASSWORD = "demo"  # the emulator signs with the account's password
FINAL = ["01", "02", "03", "04", "20", "22", "23", "24", "25"]
# how each framework's handler URL asks for its callbacks: format, charset, signature
URLS = {
    "wsgi": "?md5=1",  # form-encoded, windows-1251 (the service's default)
    "asgi": "?fmt=3&charset=utf-8&sha1=1",
    "django": "?fmt=2&charset=utf-8&md5=1",
    "flask": "?charset=koi8-r&crc32=1",
    "starlette": "?fmt=2&charset=windows-1251&sha1=1",
    "fastapi": "?charset=utf-8&md5=1",
    "aiohttp": "?fmt=3&md5=1",
}
ALGORITHM = {"md5=1": "md5", "sha1=1": "sha1", "crc32=1": "crc32"}


class Recorder:
    """The user's function: records every event it is called with; fails `failures` times first."""

    def __init__(self, failures: int = 0) -> None:
        self.events: list[Any] = []
        self.failures = failures
        self.calls = 0
        self.lock = threading.Lock()

    def __call__(self, event: Any) -> None:
        with self.lock:
            self.calls += 1
            if self.failures:
                self.failures -= 1
                raise RuntimeError("temporarily down")
            self.events.append(event)


def _verifier(query: str) -> Verifier:
    algorithm = next(a for flag, a in ALGORITHM.items() if flag in query)
    return Verifier(secret=PASSWORD, algorithm=algorithm)  # type: ignore[arg-type]


def _as_received(text: str, query: str) -> str:
    """A form body carries what its charset can: other characters arrive as '?' (XML and JSON escape them)."""
    if "fmt=" in query:
        return text
    codec = "utf-8" if "utf-8" in query else "koi8_r" if "koi8-r" in query else "cp1251"
    return text.encode(codec, "replace").decode(codec)


def _test_phone(i: int) -> str:
    """+7 999 00 SS EEE: a test number whose message ends with status SS and delivery error EEE."""
    return f"+799900{FINAL[i % len(FINAL)]}{(0, 1, 6, 11, 249, 253, 255)[i % 7]:03d}"


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_every_status_and_incoming_message_arrives_once_verified(framework: str) -> None:
    recorder = Recorder()
    receiver = Receiver(recorder, verifier=_verifier(URLS[framework]))
    with serve(framework, receiver) as url, running() as emulator:
        emulator.accounts.update("demo", callback_url=url + URLS[framework])
        with client(emulator) as c:
            phones = {1000 + i: _test_phone(i).lstrip("+") for i in range(50)}
            for message_id, phone in phones.items():
                c.send([phone], f"Заказ {message_id} готов", id=message_id)
        texts = [f"Ответ {i}: да, подтверждаю ✓" for i in range(20)]
        for i, text in enumerate(texts):
            emulator.receive(f"+7701{i:07d}", text)
        call = emulator.receive_call("+7 701 555 00 00", to="+77270000001")  # "confirm the number with a call"
        for _ in range(3):  # delivered, then read or clicked
            emulator.advance(emulator.lifecycle.final_after)
        emulator.callbacks.wait(30)
        messages = {int(m.id): m for m in emulator.messages()}
        pushed = list(emulator.callbacks)

    statuses = [e for e in recorder.events if isinstance(e, smsc.StatusEvent)]
    incoming = [e for e in recorder.events if isinstance(e, smsc.IncomingMessage)]
    assert len({e.key for e in recorder.events}) == len(recorder.events)  # each event once
    assert all(c.delivered and [a.status for a in c.attempts] == [200] for c in pushed)
    # every status change after "waiting", in order, with the message's final status last
    waiting = smsc.MessageStatus.WAITING
    expected = {i: [h.status for h in m.history if h.status is not waiting] for i, m in messages.items()}
    got: dict[int, list[smsc.MessageStatus]] = {}
    for event in statuses:
        got.setdefault(int(event.id), []).append(event.status)
        message = messages[int(event.id)]
        assert (event.phone, event.parts, event.cost, event.sender) == (
            phones[int(event.id)],
            1,
            message.cost,
            message.sender,
        )
    assert got == expected
    assert {i: s[-1] for i, s in got.items()} == {i: m.status for i, m in messages.items()}
    assert Counter(s[-1] for s in got.values()) == Counter(m.status for m in messages.values())
    assert len(set(s[-1] for s in got.values())) == len(FINAL)
    assert [e.text for e in incoming] == [_as_received(t, URLS[framework]) for t in texts]
    assert [e.phone for e in incoming] == [f"7701{i:07d}" for i in range(20)]
    assert [e for e in recorder.events if isinstance(e, smsc.CallEvent)] == [call]
    assert (call.phone, call.to) == ("77015550000", "77270000001")


def test_handler_failing_twice_is_retried_and_processes_the_event_once() -> None:
    recorder = Recorder(failures=2)
    receiver = Receiver(recorder, verifier=Verifier(secret=PASSWORD, algorithm="md5"))
    with serve("wsgi", receiver) as url, running() as emulator:
        emulator.callbacks.backoff = 0.05
        emulator.accounts.update("demo", callback_url=url + "?md5=1&charset=utf-8")
        emulator.receive("+77011234567", "Привет")
        emulator.callbacks.wait(10)
        (pushed,) = emulator.callbacks
        assert pushed.delivered and [a.status for a in pushed.attempts] == [500, 500, 200]
        assert [a.answer for a in pushed.attempts][-1] == "OK"
        # the service calls again with the same event: answered OK, not processed again
        with urllib3.PoolManager(retries=False, timeout=5) as http:
            form = {"Content-Type": "application/x-www-form-urlencoded"}
            reply = http.request("POST", pushed.url, body=pushed.body, headers=form)
            assert (reply.status, reply.data) == (200, b"OK")
            truncated = http.request("POST", pushed.url, body=pushed.body[:-9])
            assert truncated.status in (400, 403)
    assert recorder.calls == 3 and [e.text for e in recorder.events] == ["Привет"]


def test_forged_signature_is_refused_and_the_emulator_gives_up_after_bounded_attempts() -> None:
    recorder = Recorder()
    receiver = Receiver(recorder, verifier=Verifier(secret="another-secret", algorithm="md5"))
    with serve("asgi", receiver) as url, running() as emulator:
        emulator.callbacks.attempts, emulator.callbacks.backoff = 3, 0.02
        emulator.accounts.update("demo", callback_url=url + "?md5=1")
        emulator.receive("+77011234567", "hello")
        emulator.callbacks.wait(10)
        (pushed,) = emulator.callbacks
    assert pushed.state == "failed" and [a.status for a in pushed.attempts] == [403, 403, 403]
    assert recorder.calls == 0


def test_windows_1251_body_as_the_service_sends_it_by_default() -> None:
    recorder = Recorder()
    with serve("flask", Receiver(recorder, verifier=None)) as url, running() as emulator:
        emulator.accounts.update("demo", callback_url=url)  # no charset: windows-1251
        emulator.receive("+77011234567", "Да, всё верно")
        emulator.callbacks.wait(10)
        (pushed,) = emulator.callbacks
    assert "%C4%E0" in pushed.body.decode("ascii")  # the first two letters, in windows-1251
    assert [e.text for e in recorder.events] == ["Да, всё верно"]


def test_smtp_and_smpp_sends_are_pushed_too() -> None:
    recorder = Recorder()
    with serve("aiohttp", Receiver(recorder, verifier=None)) as url, running(smtp_port=0, smpp_port=0) as emulator:
        emulator.accounts.update("demo", callback_url=url + "?fmt=3&charset=utf-8")
        assert emulator.smtp_port is not None and emulator.smpp_port is not None
        smtp = smsc.SmtpTransport("127.0.0.1", emulator.smtp_port, starttls=False)
        with smsc.Client(login="demo", password="demo", transport=smtp, base_url=emulator.base_url) as c:
            c.send(["+79990020001"], "by mail", id=501)
        with smpp.SyncSmppClient(
            "127.0.0.1", emulator.smpp_port, system_id="demo", password="demo", rate_limit=None
        ) as s:
            s.send("+79990003006", "by SMPP")
        emulator.advance(10)
        emulator.callbacks.wait(10)
        finals = {e.phone: e.status for e in recorder.events if e.status.is_final}
    assert finals == {"79990020001": smsc.MessageStatus.UNDELIVERABLE, "79990003006": smsc.MessageStatus.EXPIRED}


def test_calls_about_one_message_go_out_in_order_and_only_after_the_url_was_set() -> None:
    recorder = Recorder(failures=1)  # the first call fails: the later status waits for its retry
    with serve("wsgi", Receiver(recorder, verifier=None)) as url, running() as emulator:
        emulator.callbacks.backoff = 0.1
        with client(emulator) as c:
            c.send(["+79990001000"], "before", id=1)
            emulator.advance(10)  # delivered before there is a callback URL: never pushed
            emulator.accounts.update("demo", callback_url=url + "?charset=utf-8")
            c.send(["+79990004000"], "after", id=2)  # delivered, then the link clicked
            for _ in range(3):
                emulator.advance(5)
        emulator.callbacks.wait(10)
        pushed = list(emulator.callbacks)
    assert [(int(c.event.id), c.event.status) for c in pushed] == [  # type: ignore[union-attr]
        (2, smsc.MessageStatus.TRANSFERRED),
        (2, smsc.MessageStatus.DELIVERED),
        (2, smsc.MessageStatus.CLICKED),
    ]
    assert [e.status for e in recorder.events] == [c.event.status for c in pushed]  # type: ignore[union-attr]
    assert pushed[0].attempts[0].status == 500 and pushed[1].attempts[0].at >= pushed[0].attempts[-1].at


def test_receive_call_refuses_bad_input() -> None:
    with running() as emulator:
        with pytest.raises(ValueError, match="international"):
            emulator.receive_call("12")
        with pytest.raises(KeyError):
            emulator.receive_call("+77011234567", login="nobody")
        assert emulator.receive_call("+77011234567").phone == "77011234567"  # no URL: nothing pushed
        assert len(emulator.callbacks) == 0


def test_no_callback_url_no_calls() -> None:
    with Emulator() as emulator:
        with client(emulator) as c:
            c.send(["+77011234567"], "hi")
        emulator.advance(10)
        emulator.callbacks.wait(5)
        assert len(emulator.callbacks) == 0


def test_command_line_emulator_pushes_to_callback_url() -> None:
    recorder = Recorder()
    with serve("wsgi", Receiver(recorder, verifier=Verifier(secret=PASSWORD, algorithm="md5"))) as url:
        process = subprocess.Popen(
            [sys.executable, "-m", "smsc.cli", "emulator", "--http-port", "0", "--callback-url", url + "?md5=1"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert process.stdout is not None
            base_url = process.stdout.readline().split()[4].rstrip(";")
            assert f"callbacks to {url}?md5=1" in "".join(process.stdout.readline() for _ in range(2))
            with smsc.Client(login="demo", password="demo", base_url=base_url) as c:
                c.send(["+77011234567"], "hi", id=77)
            deadline = time.monotonic() + 15  # the command's clock is the wall clock: transferred after 1 s
            while not recorder.events and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            process.send_signal(signal.SIGINT)
            process.communicate(timeout=15)
    assert recorder.events[0].id == 77 and recorder.events[0].status is smsc.MessageStatus.TRANSFERRED


def test_command_line_refuses_a_bad_callback_url() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "smsc.cli", "emulator", "--http-port", "0", "--callback-url", "ftp://x"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2 and "--callback-url" in result.stderr and "Traceback" not in result.stderr


def test_demo_shows_statuses_arriving_by_callback() -> None:
    from smsc.emulator import demo

    out = io.StringIO()
    demo.run(out)
    lines = out.getvalue().splitlines()
    header = lines.index(next(line for line in lines if line.split()[:3] == ["at", "(MSK)", "id"]))
    rows = [line.split() for line in lines[header + 2 : header + 8]]
    assert [(r[1], r[3]) for r in rows[3:]] == [("101", "DELIVERED"), ("102", "DELIVERED"), ("103", "UNDELIVERABLE")]
    assert {r[3] for r in rows[:3]} == {"TRANSFERRED"}


def test_a_restarted_emulator_does_not_push_again(tmp_path: Any) -> None:
    recorder = Recorder()
    db = str(tmp_path / "state.sqlite")
    with serve("wsgi", Receiver(recorder, verifier=None)) as url:
        with running(db=db) as emulator:
            emulator.accounts.update("demo", callback_url=url)
            with client(emulator) as c:
                c.send(["+77011234567"], "hi", id=5)
            emulator.advance(10)
            emulator.callbacks.wait(10)
        with running(db=db) as emulator:
            emulator.advance(10)
            emulator.callbacks.wait(10)
            assert len(emulator.callbacks) == 0
    assert [e.status for e in recorder.events] == [smsc.MessageStatus.TRANSFERRED, smsc.MessageStatus.DELIVERED]


def test_the_scan_index_exists_only_once_an_account_has_a_callback_url() -> None:
    """Without a callback URL nothing is scanned by time: the history keeps one index fewer, which
    every status change stored would pay for."""
    with running() as emulator:
        db = emulator._service.store.db

        def indexes() -> set[str]:
            return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}

        assert "history_by_at" not in indexes()
        emulator.accounts.update("demo", callback_url="http://127.0.0.1:9/smsc")
        assert "history_by_at" in indexes()
