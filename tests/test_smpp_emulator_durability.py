"""The emulator's SMPP listener stores submits in batches, and never acknowledges one it could lose."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import smsc
from smsc import smpp
from smsc.emulator import Emulator
from tests.support.emulator_support import client as client_of
from tests.support.emulator_support import running
from tests.test_smpp_client import run

ROOT = Path(__file__).resolve().parent.parent
SERVE = (
    "import sys; from smsc.emulator import Emulator; "
    "e = Emulator(db=sys.argv[1], rate_limits=False, ip_blocking=False, smpp_port=0).start(); "
    "e.accounts.update('demo', balance=10**9); print(e.smpp_port, flush=True); sys.stdin.read()"
)


def _client(port: int, **options: Any) -> smpp.SmppClient:
    settings: dict[str, Any] = {"window": 32, "rate_limit": None, "registered_delivery": False, "reconnect": False}
    return smpp.SmppClient("127.0.0.1", port, system_id="demo", password="demo", **{**settings, **options})


def _sent_counting_commits(emulator: Any, texts: list[str]) -> tuple[list[smpp.SmppSendResult | smsc.SmscError], int]:
    """Send these texts over SMPP in one send_many; the results and how many transactions committed."""
    commits: list[str] = []
    db = emulator._service.store.db

    async def send() -> list[smpp.SmppSendResult | smsc.SmscError]:
        async with _client(emulator.smpp_port or 0) as client:
            return await client.send_many([("77011234567", text) for text in texts])

    db.set_trace_callback(lambda sql: commits.append(sql) if sql == "COMMIT" else None)
    try:
        return run(send()), len(commits)
    finally:
        db.set_trace_callback(None)


def test_submits_of_one_loop_turn_share_one_transaction() -> None:
    with running(smpp_port=0) as emulator:
        assert emulator.smpp_port is not None
        emulator.accounts.update("demo", balance=10**6)
        results, commits = _sent_counting_commits(emulator, [f"batched {i}" for i in range(600)])
        ids = {r.message_id for r in results if isinstance(r, smpp.SmppSendResult)}
        assert len(ids) == 600 and len(emulator.messages()) == 600
        assert commits <= 600 / 4, commits  # one commit per submit before batching


def test_a_batch_bills_in_order_and_refuses_what_the_balance_no_longer_covers() -> None:
    """The balance a batch has taken so far is what the next submit of the batch sees (it is written
    once, at the batch's end): ten SMS at 1.50 out of 15.00, the six after them refused."""
    with running(smpp_port=0) as emulator:
        emulator.accounts.update("demo", balance="15.00")
        results, commits = _sent_counting_commits(emulator, [f"billed {i}" for i in range(16)])
        sent = [r.message_id for r in results if isinstance(r, smpp.SmppSendResult)]
        refused = [r for r in results if isinstance(r, smpp.SmppStatusError)]
        assert commits < 16  # batches, not one transaction per submit
        assert len(sent) == 10 and [r.status for r in refused] == [smpp.CommandStatus.ESME_RSUBMITFAIL] * 6
        assert emulator.accounts["demo"].balance == 0
        assert sorted(str(m.id) for m in emulator.messages()) == sorted(sent)
        with client_of(emulator) as http:
            assert http.balance() == 0


def test_a_blacklisted_number_ends_forbidden_in_every_batch() -> None:
    """A batch looks once whether the account has a black list: a number added between two batches
    is forbidden in the second, the others in the same batch are not."""
    listed, other = "77011110002", "77011110003"
    with running(smpp_port=0) as emulator, client_of(emulator) as http:
        emulator.accounts.update("demo", balance=10**6)

        async def send(tag: str) -> list[str]:
            async with _client(emulator.smpp_port or 0) as client:
                messages = [(listed if i % 2 else other, f"{tag} {i}") for i in range(16)]
                results = await client.send_many(messages)
                return [r.message_id for r in results if isinstance(r, smpp.SmppSendResult)]

        before = run(send("before"))
        http.blacklist.add("+" + listed)
        after = run(send("after"))
        emulator.advance(60)
        status = {(str(m.id), m.phone): m.status for m in emulator.messages()}
        forbidden = smsc.MessageStatus.FORBIDDEN
        assert len(before) == len(after) == 16 and len(status) == 32
        assert not any(s is forbidden for (i, _), s in status.items() if i in before)
        assert all((s is forbidden) == (phone == listed) for (i, phone), s in status.items() if i in after)


def test_a_request_that_fails_after_writing_rolls_its_whole_batch_back() -> None:
    """Requests in a batch have no savepoints of their own: one that wrote and then failed must not
    leave half its writes behind, so the batch's transaction is rolled back as a whole."""
    from smsc.emulator._store import PartialWrite

    with running() as emulator:
        service = emulator._service
        store = service.store
        with pytest.raises(PartialWrite), service.batch():
            store.begin()
            store.set_meta("first", "kept until the batch fails")
            store.commit()
            store.begin()
            store.set_meta("second", "written, then the request fails")
            store.rollback()
        assert store.meta("first", "gone") == "gone" and store.meta("second", "gone") == "gone"
        with service.batch():  # a request that fails before writing leaves the batch as it was
            store.begin()
            store.set_meta("third", "kept")
            store.commit()
            store.begin()
            store.rollback()
        assert store.meta("third", "gone") == "kept"


def test_observers_hear_of_a_batch_once_after_its_commit() -> None:
    with running(smpp_port=0) as emulator:
        emulator.accounts.update("demo", balance=10**6)
        db = emulator._service.store.db
        heard: list[tuple[str, bool]] = []
        emulator._service.observers.append(lambda kind: heard.append((kind, db.in_transaction)))

        async def send() -> list[smpp.SmppSendResult | smsc.SmscError]:
            async with _client(emulator.smpp_port or 0) as client:
                return await client.send_many([("77011234567", f"heard {i}") for i in range(200)])

        assert all(isinstance(r, smpp.SmppSendResult) for r in run(send()))
        assert heard and {kind for kind, _ in heard} == {"messages"}
        assert len(heard) < 200 and not any(in_transaction for _, in_transaction in heard)


def test_a_batch_holds_back_only_its_own_thread_s_notices() -> None:
    """What another thread tells the observers while a batch is open reaches them at once, not
    after (or instead of) the batch's own notices."""
    import threading

    with running() as emulator:
        service = emulator._service
        heard: list[str] = []
        service.observers.append(heard.append)
        with service.batch():
            other = threading.Thread(target=service.notify, args=("faults",))
            other.start()
            other.join(5)
            service.notify("messages")
            assert heard == ["faults"]
        assert heard == ["faults", "messages"]


def test_no_acknowledged_submit_is_lost_when_the_process_is_killed(tmp_path: Path) -> None:
    db = str(tmp_path / "state.sqlite")
    server = subprocess.Popen(
        [sys.executable, "-c", SERVE, db], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    acknowledged: list[str] = []
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())

        async def send_until_killed() -> None:
            async with _client(port, response_timeout=5) as client:

                async def one(i: int) -> None:
                    result = await client.send("77011234567", f"kill test {i}")
                    acknowledged.append(result.message_id)
                    if len(acknowledged) == 400:
                        os.kill(server.pid, signal.SIGKILL)  # with more submits in flight

                outcomes = await asyncio.gather(*(one(i) for i in range(3000)), return_exceptions=True)
                assert any(isinstance(o, smsc.TransportError) for o in outcomes)  # in flight at the kill

        run(send_until_killed(), timeout=60)
        assert server.wait(10) == -signal.SIGKILL
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(10)
    assert len(acknowledged) >= 400
    restarted = Emulator(db=db)
    try:
        stored = {str(m.id) for m in restarted.messages()}
    finally:
        restarted.stop()
    missing = [i for i in acknowledged if i not in stored]
    assert not missing, f"{len(missing)} of {len(acknowledged)} acknowledged submits lost"


def test_a_burst_of_receipts_is_delivered_in_turns_and_completely() -> None:
    with running(smpp_port=0) as emulator:
        emulator.accounts.update("demo", balance=10**6)
        port = emulator.smpp_port or 0
        receipts: list[smpp.Receipt] = []

        async def body() -> None:
            async with _client(port, registered_delivery=True, on_receipt=receipts.append) as client:
                await client.send_many([("77011234567", f"burst {i}") for i in range(1200)])
                await asyncio.get_running_loop().run_in_executor(None, emulator.advance, 60)
                for _ in range(200):
                    if len(receipts) >= 1200:
                        break
                    await asyncio.sleep(0.05)
                assert await client.query((await client.send("77011234567", "still served")).message_id)

        run(body(), timeout=60)
        assert len({r.message_id for r in receipts}) == 1200
        assert {r.status for r in receipts} == {smsc.MessageStatus.DELIVERED}


def test_acknowledged_parts_of_an_unfinished_message_survive_a_kill(tmp_path: Path) -> None:
    """Parts 1 and 2 of 3 acknowledged, kill -9, restart on the same db=: part 3, sent over a new
    connection, completes the message under the id the first parts were given."""
    from smsc.smpp._pdus import SubmitSm
    from smsc.text._gsm import encode_gsm7
    from smsc.text._udh import udh_header

    db = str(tmp_path / "state.sqlite")
    chunks = ["first third, ", "second third, ", "and the end"]

    def part(sequence: int) -> SubmitSm:
        body = udh_header(77, 3, sequence) + encode_gsm7(chunks[sequence - 1])
        return SubmitSm(destination_addr="77011234567", source_addr="Shop", esm_class=0x40, short_message=body)

    def serve() -> tuple[subprocess.Popen[str], int]:
        process = subprocess.Popen(
            [sys.executable, "-c", SERVE, db], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert process.stdout is not None
        return process, int(process.stdout.readline())

    async def submit(port: int, *sequences: int) -> list[str]:
        async with _client(port) as client:
            return [(await client.submit(part(n))).message_id for n in sequences]

    server, port = serve()
    try:
        first_ids = run(submit(port, 1, 2), timeout=30)
        os.kill(server.pid, signal.SIGKILL)
        assert server.wait(10) == -signal.SIGKILL
        server, port = serve()
        [last_id] = run(submit(port, 3), timeout=30)
    finally:
        if server.stdin is not None:
            server.stdin.close()
        server.wait(10)
    assert first_ids == [last_id, last_id]  # one message, one id for all its parts
    restarted = Emulator(db=db)
    try:
        [message] = restarted.messages()
    finally:
        restarted.stop()
    assert (str(message.id), message.text, message.parts) == (last_id, "".join(chunks), 1)


def test_an_account_with_a_new_balance_keeps_every_other_field() -> None:
    """A batch keeps its accounts with their new balances (Account.with_balance): nothing else may change."""
    import attrs

    from smsc.emulator._records import Account

    values: dict[str, Any] = {
        "login": "shop",
        "password": "secret-1",
        "api_key": "key-1",
        "balance": Decimal("10.00"),
        "price": Decimal("2.25"),
        "currency": "RUB",
        "sender": "Shop",
        "callback_url": "http://127.0.0.1:9/smsc",
    }
    assert set(values) == {f.name for f in attrs.fields(Account)}, "a new field: set it here and in with_balance"
    account = Account(**values)
    assert account.with_balance(Decimal("7.75")) == attrs.evolve(account, balance=Decimal("7.75"))
