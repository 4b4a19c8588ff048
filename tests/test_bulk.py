"""Bulk sending: the limits and decisions alone (no sockets), then send_many against the emulator
with its limits on — every message once, lost replies, error 9 on a burst, money running out."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest

import smsc
from smsc.bulk import Backoff, BulkRun, SlidingWindow
from smsc.bulk._plan import Lookup, RunState, Send, Wait, plan
from tests.support.emulator_support import running

# --- limits ------------------------------------------------------------------------------------------


def test_sliding_window_never_lets_more_than_the_limit_into_any_window() -> None:
    window = SlidingWindow(3, 60.0)
    grants = [t + window.reserve(t) for t in (0.0, 1.0, 2.0, 3.0, 4.0, 61.5)]
    assert grants[:3] == [0.0, 1.0, 2.0]
    assert grants[3:] == [60.0, 61.0, 62.0]  # the 4th waits for the 1st to leave the window, not a refill
    for start in grants:
        assert sum(start <= g < start + 60.0 for g in grants) <= 3
    keyed = SlidingWindow(1, 60.0)
    assert keyed.reserve(0.0, "a") == 0.0 and keyed.reserve(0.0, "b") == 0.0 and keyed.reserve(1.0, "a") == 59.0


def test_sliding_window_memory_is_bounded_by_the_window_and_max_keys() -> None:
    window = SlidingWindow(1, 60.0, max_keys=1000)
    for i in range(5000):
        window.reserve(i / 1000, i)  # 5000 different keys within five seconds
    assert len(window) == 1000
    for i in range(10):
        window.reserve(100.0 + i, f"late {i}")  # the old ones left the window
    assert len(window) == 10


def test_backoff_is_shared_doubles_and_resets() -> None:
    backoff = Backoff(1.0, 8.0, rand=lambda: 1.0)
    assert backoff.wait(0.0) == 0.0
    assert backoff.pause(10.0) == 1.0 and backoff.wait(10.5) == 0.5
    assert backoff.pause(10.2) == pytest.approx(0.8)  # already paused: the same pause, not a longer one
    assert backoff.pause(11.0) == 2.0 and backoff.pause(13.0) == 4.0 and backoff.pause(17.0) == 8.0
    assert backoff.pause(25.0) == 8.0 and backoff.pauses == 5
    backoff.succeeded()
    assert backoff.pause(40.0) == 1.0


def test_message_options_are_those_of_send() -> None:
    message = smsc.Message(["+77011234567"], "Hi", id=5, sender="Shop", max_parts=2)
    assert message.phones == ("+77011234567",) and message.options == {"sender": "Shop", "max_parts": 2}
    with pytest.raises(smsc.InvalidRequest, match="unknown send option"):
        smsc.Message("+77011234567", "Hi", colour="red")
    with pytest.raises(smsc.InvalidRequest, match="phones"):
        smsc.Message(123, "Hi")  # type: ignore[arg-type]


# --- the plan of one message, alone -------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _state(clock: Clock, attempts: int = 3) -> RunState:
    return RunState(
        backoff=Backoff(1.0, 10.0, rand=lambda: 1.0),
        identical=SlidingWindow(1, 60.0),
        per_minute=None,
        attempts=attempts,
        clock=clock,
    )


def _sent(message_id: int = 1) -> smsc.SendResult:
    return smsc.SendResult(id=message_id, sms_count=2, cost=Decimal("3.00"))


def test_a_run_that_sent_nothing_counts_zero_of_everything() -> None:
    progress = _state(Clock()).snapshot()
    assert progress == smsc.BulkProgress(elapsed=progress.elapsed)
    assert isinstance(progress.cost, Decimal)


def test_plan_sends_once_and_counts() -> None:
    clock = Clock()
    state = _state(clock)
    steps = plan(state, 0, smsc.Message("+7701", "a"), 1)
    assert next(steps) == Send(1)
    with pytest.raises(StopIteration) as done:
        steps.send(_sent())
    assert done.value.value.ok and done.value.value.id == 1
    p = state.snapshot()
    assert (p.sent, p.failed, p.parts, p.cost, p.in_flight) == (1, 0, 2, Decimal("3.00"), 0)


def test_plan_error_9_pauses_every_message_and_tries_again() -> None:
    clock = Clock()
    state = _state(clock)
    first = plan(state, 0, smsc.Message("+7701", "a"), 1)
    other = plan(state, 1, smsc.Message("+7702", "b"), 2)
    assert next(first) == Send(1)
    assert first.send(smsc.TooManyRequests(9, "too many")) == Wait(1.0)  # paused
    assert next(other) == Wait(1.0)  # the other message waits too, without having seen an error 9
    clock.now += 1.0
    assert first.send(None) == Send(1)  # refused with error 9, so not counted as an identical send
    assert other.send(None) == Send(2)
    with pytest.raises(StopIteration) as done:
        first.send(_sent())
    assert done.value.value.ok and state.snapshot().failed == 0


def test_plan_spaces_identical_messages_a_minute_apart() -> None:
    clock = Clock()
    state = _state(clock)
    first = plan(state, 0, smsc.Message("+7701", "same"), 1)
    second = plan(state, 1, smsc.Message("+7701", "same"), 2)
    assert next(first) == Send(1)
    assert next(second) == Wait(60.0)  # the service answers error 9 to a second identical send in a minute
    clock.now += 60.0
    assert second.send(None) == Send(2)


def test_plan_gives_up_on_error_9_after_its_attempts() -> None:
    clock = Clock()
    state = _state(clock, attempts=1)
    steps = plan(state, 0, smsc.Message("+7701", "a"), 1)
    next(steps)
    with pytest.raises(StopIteration) as done:
        steps.send(smsc.TooManyRequests(9, "too many"))
    assert isinstance(done.value.value.error, smsc.TooManyRequests) and state.snapshot().failed == 1


@pytest.mark.parametrize(
    ("error", "stops"),
    [(smsc.AuthError(2, "x"), True), (smsc.InsufficientFunds(3, "x"), True), (smsc.InvalidPhone(7, "x"), False)],
)
def test_plan_errors_2_and_3_stop_the_run_others_only_the_message(error: smsc.ApiError, stops: bool) -> None:
    clock = Clock()
    state = _state(clock)
    steps = plan(state, 0, smsc.Message("+7701", "a"), 1)
    next(steps)
    with pytest.raises(StopIteration) as done:
        steps.send(error)
    assert done.value.value.error is error and (state.stopped is error) == stops
    later = plan(state, 1, smsc.Message("+7702", "b"), 2)
    if stops:
        with pytest.raises(StopIteration) as skipped:
            next(later)
        assert isinstance(skipped.value.value.error, smsc.bulk.NotSent)
    else:
        assert next(later) == Send(2)


def test_plan_of_a_resumed_message_looks_it_up_first() -> None:
    clock = Clock()
    state = _state(clock)
    found = plan(state, 0, smsc.Message("+7701", "a"), "run-0", resume=True)
    assert next(found) == Lookup("run-0")
    with pytest.raises(StopIteration) as done:
        found.send(smsc.SendResult(id="run-0", sms_count=1, recovered=True))
    assert done.value.value.result.recovered
    missing = plan(state, 1, smsc.Message("+7702", "b"), "run-1", resume=True)
    assert next(missing) == Lookup("run-1")
    assert missing.send(None) == Send("run-1")  # not found: sent now, with the same id
    unknown = plan(state, 2, smsc.Message("+7703", "c"), "run-2", resume=True)
    next(unknown)
    with pytest.raises(StopIteration) as done:
        unknown.send(smsc.TransportError("down", maybe_sent=False))
    assert isinstance(done.value.value.error, smsc.bulk._plan.UnknownOutcome)


# --- the loop: order, laziness, progress --------------------------------------------------------------


def test_results_come_in_input_order_and_the_input_is_read_lazily() -> None:
    taken = itertools.count()
    ahead: list[int] = []
    calls: list[tuple[int, str]] = []

    def messages() -> Iterator[smsc.Message]:
        for i in range(1000):
            next(taken)
            ahead.append(i - len(calls))
            yield smsc.Message(f"+7701{i:06d}", f"m{i}")

    def send(message: smsc.Message, message_id: Any) -> smsc.SendResult:
        calls.append((0, message.text))
        return smsc.SendResult(id=1, sms_count=1)

    def lookup(message: smsc.Message, message_id: Any) -> None:
        raise AssertionError("nothing to look up")

    progress: list[smsc.BulkProgress] = []
    run = BulkRun(send, lookup, messages(), concurrency=4, on_progress=progress.append, progress_interval=0)
    results = list(run)
    assert [r.index for r in results] == list(range(1000)) and all(r.ok for r in results)
    assert max(ahead) <= 4 * 4 + 4  # never more than the window taken ahead of what was sent
    assert run.summary.sent == 1000 and run.summary.done == 1000 and progress[-1].sent == 1000
    with pytest.raises(smsc.InvalidRequest, match="once"):
        list(run)


# --- against the emulator --------------------------------------------------------------------------------


@contextmanager
def funded(balance: str) -> Iterator[Any]:
    with running(rate_limits=True) as emu:
        emu.accounts.update("demo", balance=Decimal(balance))
        yield emu


def _client(emulator: Any, **options: Any) -> smsc.Client:
    options.setdefault("pool_size", 14)
    options.setdefault("timeout", (2, 5))
    return smsc.Client(login="demo", password="demo", base_url=emulator.base_url, **options)


def _send_many(
    kind: str, emulator: Any, messages: Any, client_options: dict[str, Any] | None = None, **run_options: Any
) -> tuple[list[smsc.BulkResult], smsc.BulkProgress]:
    """Run send_many with a Client (threads) or an AsyncClient (tasks); the results and the summary."""
    options = {"timeout": (2, 5), **(client_options or {})}
    if kind == "sync":
        with _client(emulator, **options) as client:
            run = client.send_many(messages, **run_options)
            return list(run), run.summary

    async def main() -> tuple[list[smsc.BulkResult], smsc.BulkProgress]:
        async with smsc.AsyncClient(login="demo", password="demo", base_url=emulator.base_url, **options) as client:
            arun = client.send_many(messages, **run_options)
            return [result async for result in arun], arun.summary

    return asyncio.run(main())


CLIENTS = pytest.mark.parametrize("kind", ["sync", "async"])


def _stored_ids(emulator: Any) -> list[str]:
    return [str(m.id) for m in emulator.messages()]


@CLIENTS
def test_two_thousand_messages_each_sent_once_with_limits_on(kind: str) -> None:
    with funded("100000") as emu:
        messages = (smsc.Message(f"+7701{i:07d}", f"Order {i} is ready") for i in range(2000))
        results, summary = _send_many(kind, emu, messages)
        ids = _stored_ids(emu)
    assert len(results) == 2000 and all(r.ok for r in results), [r.error for r in results if not r.ok][:3]
    assert [r.index for r in results] == list(range(2000))  # in input order by default
    assert len(ids) == 2000 and len(set(ids)) == 2000
    assert sorted(ids) == sorted(str(r.id) for r in results)
    assert summary.sent == 2000 and summary.parts == 2000 and summary.in_flight == 0 and summary.queued == 0


@CLIENTS
def test_lost_replies_are_looked_up_never_sent_twice(kind: str) -> None:
    with funded("100000") as emu:
        emu.faults.seed(7)
        emu.faults.drop(command="send", probability=0.3, count=10_000)
        messages = (smsc.Message(f"+7702{i:07d}", f"lost {i}") for i in range(2000))
        results, summary = _send_many(kind, emu, messages, {"retry": smsc.RetryPolicy(backoff=0.01)})
        ids = _stored_ids(emu)
        dropped = sum(1 for h in emu.faults.hits if h.kind == "drop")
    assert len(ids) == 2000 and len(set(ids)) == 2000  # 0 duplicates, 0 lost
    assert all(r.ok for r in results)
    recovered = sum(r.result.recovered for r in results if r.result)
    assert dropped > 400 and recovered == dropped == summary.recovered


@CLIENTS
def test_error_9_on_a_burst_backs_everyone_off_and_nothing_fails(kind: str) -> None:
    with funded("100000") as emu:
        rule = emu.faults.api_error(9, command="send", count=30)
        backoff = Backoff(0.05, 0.5)
        messages = (smsc.Message(f"+7703{i:07d}", f"busy {i}") for i in range(300))
        # a message may meet several of the 30 refusals, one per pause, as the workers happen to be
        # scheduled; with more attempts than refusals none can run out, whatever the machine's load
        results, summary = _send_many(kind, emu, messages, backoff=backoff, attempts=31)
        ids = _stored_ids(emu)
    assert rule.fired == 30 and backoff.pauses >= 1  # the run paused: error 9 reached it, not the client's retry
    assert all(r.ok for r in results) and summary.failed == 0
    assert len(ids) == 300 and len(set(ids)) == 300


@CLIENTS
def test_money_running_out_stops_the_run_and_the_report_says_what_was_sent(kind: str) -> None:
    with funded("30") as emu:
        messages = (smsc.Message(f"+7704{i:07d}", f"pay {i}") for i in range(100))
        results, summary = _send_many(kind, emu, messages)
        stored = set(_stored_ids(emu))
    sent = {str(r.id) for r in results if r.ok}
    assert sent == stored and 0 < len(sent) < 100
    failed = [r for r in results if not r.ok]
    assert any(isinstance(r.error, smsc.InsufficientFunds) for r in failed)
    assert all(isinstance(r.error, smsc.InsufficientFunds | smsc.bulk.NotSent) for r in failed)
    assert summary.sent == len(sent) and summary.done == 100 and summary.not_sent >= 1


def test_send_many_refuses_a_concurrency_out_of_range_before_capping_it() -> None:
    client = smsc.Client(login="demo", password="demo", base_url="http://127.0.0.1:9")
    for bad in (0, 1001, 99_999_999_999, True, "14"):
        with pytest.raises(smsc.InvalidRequest, match="concurrency"):
            client.send_many([smsc.Message("+77011234567", "x")], concurrency=bad)
