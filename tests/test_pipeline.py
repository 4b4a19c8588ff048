"""The attempt state machine alone: every branch, driven by hand, deterministic (no sockets, no sleeps)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import smsc
from smsc._pipeline import (
    Hosts,
    LookUp,
    Machine,
    Raise,
    Return,
    Sleep,
    Submit,
    Transmit,
    attempts,
    transmit,
)
from smsc._request import Request

LOST = smsc.TransportError("read timed out", maybe_sent=True)
UNSENT = smsc.TransportError("connection refused", maybe_sent=False)
MANGLED = smsc.ProtocolError("unexpected reply", raw=b"<html>")
LIMITED = smsc.TooManyRequests(9, "wait")
DENIED = smsc.AuthError(2, "authorise error")


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def policy(**options: Any) -> smsc.RetryPolicy:
    return smsc.RetryPolicy(**{"attempts": 4, "backoff": 1.0, "jitter": False, "deadline": None, **options})


def finish(outcome: Any) -> str:
    if outcome == b"garbage":
        raise MANGLED
    return f"parsed {outcome!r}"


def found(outcome: Any) -> str | None:
    if outcome == b"unknown":
        return None
    if outcome == b"garbage":
        raise smsc.ProtocolError("status reply does not parse", raw=b"garbage")
    return "recovered"


SEND = Transmit("send", [], (), None)
X = Transmit("/x", [], (), None)


def recovery(request: Any) -> tuple[Transmit, Callable[[Any], str | None]]:
    assert request is SEND
    return LookUp("status", [], (), None), found


def machine(clock: Clock | None = None, send: bool = True, **options: Any) -> Machine:
    clock = clock or Clock()
    return attempts(policy(**options), clock, lambda: 0.5, None, SEND, finish, recovery if send else None)


def drive(m: Machine, outcomes: list[Any], clock: Clock | None = None) -> list[Any]:
    """Run the machine, answering each I/O command with the next outcome; the commands seen."""
    seen = [next(m)]
    while not isinstance(seen[-1], (Return, Raise)):
        command = seen[-1]
        if isinstance(command, Sleep):
            if clock is not None:
                clock.now += command.seconds
            seen.append(m.send(None))
        else:
            seen.append(m.send(outcomes.pop(0)))
    with pytest.raises(StopIteration):
        next(m)
    assert outcomes == []
    return seen


def kinds(commands: list[Any]) -> list[str]:
    return [f"{type(c).__name__}({c.seconds})" if isinstance(c, Sleep) else type(c).__name__ for c in commands]


def test_success_at_once() -> None:
    seen = drive(machine(), [b"ok"])
    assert kinds(seen) == ["Transmit", "Return"] and seen[-1].value == "parsed b'ok'"


def test_a_lost_send_is_looked_up_and_returned_when_found() -> None:
    seen = drive(machine(), [LOST, b"found"])
    assert kinds(seen) == ["Transmit", "Sleep(1.0)", "LookUp", "Return"] and seen[-1].value == "recovered"


def test_a_lost_send_the_service_does_not_know_is_sent_again_in_the_same_attempt() -> None:
    seen = drive(machine(), [LOST, b"unknown", b"ok"])
    assert kinds(seen) == ["Transmit", "Sleep(1.0)", "LookUp", "Transmit", "Return"]


def test_a_mangled_send_reply_is_looked_up() -> None:
    assert kinds(drive(machine(), [b"garbage", b"found"]))[-2:] == ["LookUp", "Return"]


def test_an_unsent_request_is_sent_again_without_a_lookup() -> None:
    assert kinds(drive(machine(), [UNSENT, b"ok"])) == ["Transmit", "Sleep(1.0)", "Transmit", "Return"]


def test_a_failed_lookup_is_tried_again_before_any_resend() -> None:
    seen = drive(machine(), [LOST, LOST, LIMITED, b"found"])
    assert kinds(seen) == ["Transmit", "Sleep(1.0)", "LookUp", "Sleep(2.0)", "LookUp", "Sleep(4.0)", "LookUp", "Return"]


def test_when_lookups_fail_to_the_end_the_error_is_the_sends_with_the_lookups_chained() -> None:
    seen = drive(machine(attempts=2), [b"garbage", b"garbage"])
    error = seen[-1].error
    assert isinstance(error, smsc.ProtocolError) and error.raw == b"<html>"  # the send's reply, not the status's
    assert isinstance(error.__cause__, smsc.ProtocolError) and error.__cause__.raw == b"garbage"


def test_a_lookup_error_that_cannot_succeed_ends_the_call_with_the_sends_error() -> None:
    lost, denied = smsc.TransportError("read timed out"), smsc.AuthError(2, "authorise error")
    seen = drive(machine(), [lost, denied])
    assert kinds(seen) == ["Transmit", "Sleep(1.0)", "LookUp", "Raise"]
    assert seen[-1].error is lost and lost.__cause__ is denied


def test_errors_that_cannot_succeed_raise_at_once() -> None:
    seen = drive(machine(), [DENIED])
    assert kinds(seen) == ["Transmit", "Raise"] and seen[-1].error is DENIED


def test_error_9_backs_off_doubling_up_to_max_backoff() -> None:
    seen = drive(machine(send=False, max_backoff=3.0), [LIMITED, LIMITED, LIMITED, b"ok"])
    assert kinds(seen) == [
        "Transmit",
        "Sleep(1.0)",
        "Transmit",
        "Sleep(2.0)",
        "Transmit",
        "Sleep(3.0)",
        "Transmit",
        "Return",
    ]


def test_jitter_uses_the_injected_randomness() -> None:
    m = attempts(policy(jitter=True), Clock(), lambda: 0.0, None, SEND, finish)
    assert kinds(drive(m, [LIMITED, b"ok"])) == ["Transmit", "Sleep(0.5)", "Transmit", "Return"]


def test_the_attempts_are_bounded() -> None:
    seen = drive(machine(send=False, attempts=2), [LIMITED, LIMITED])
    assert kinds(seen) == ["Transmit", "Sleep(1.0)", "Transmit", "Raise"]


def test_the_deadline_bounds_waits_and_is_handed_to_every_command_as_a_budget() -> None:
    clock = Clock()
    m = machine(clock, send=False, deadline=2.5)
    seen = drive(m, [LIMITED, LIMITED], clock)
    assert kinds(seen) == ["Transmit", "Sleep(1.0)", "Transmit", "Raise"]  # a 2 s wait would pass the deadline
    assert [c.budget for c in seen if isinstance(c, Transmit)] == [2.5, 1.5]


def test_each_attempt_is_a_command_of_its_own_and_the_plan_is_left_as_it_was() -> None:
    clock = Clock()
    seen = drive(machine(clock, deadline=10.0), [LOST, b"unknown", b"ok"], clock)
    sends = [c for c in seen if type(c) is Transmit]
    assert len(sends) == 2 and sends[0] is not sends[1] and SEND not in sends
    assert [c.budget for c in sends] == [10.0, 9.0] and SEND.budget is None and SEND.host is None


def test_a_send_is_looked_up_by_the_request_its_recovery_makes_once() -> None:
    made: list[Transmit] = []

    def counting(request: Any) -> tuple[Transmit, Callable[[Any], str | None]]:
        lookup, read = recovery(request)
        made.append(lookup)
        return lookup, read

    m = attempts(policy(), Clock(), lambda: 0.5, None, SEND, finish, counting)
    seen = drive(m, [LOST, LOST, b"found"])
    assert kinds(seen) == ["Transmit", "Sleep(1.0)", "LookUp", "Sleep(2.0)", "LookUp", "Return"] and len(made) == 1
    assert all(c is not made[0] and c.path == "status" for c in seen if isinstance(c, LookUp))


def test_no_deadline_is_no_budget() -> None:
    seen = drive(machine(send=False), [b"ok"])
    assert seen[0].budget is None


def test_a_submit_through_a_message_transport() -> None:
    submit = Submit(Request([("id", "7"), ("phones", "77011234567")]), [("login", "x")], None)
    m = attempts(policy(), Clock(), lambda: 0.5, Hosts(["a", "b"]), submit, lambda outcome: outcome or "acknowledged")
    seen = drive(m, [None])
    assert kinds(seen) == ["Submit", "Return"] and seen[0].message_id == "7" and seen[-1].value == "acknowledged"


def test_mirrors_an_unreachable_host_passes_to_the_next_and_the_answering_one_stays() -> None:
    hosts = Hosts(["a", "b", "c"])

    m = attempts(policy(), Clock(), lambda: 0.5, hosts, X, finish)
    seen = drive(m, [UNSENT, b"ok"])
    assert [c.host for c in seen if isinstance(c, Transmit)] == [0, 1] and hosts.current == 1
    m = attempts(policy(), Clock(), lambda: 0.5, hosts, X, finish)
    assert [c.host for c in drive(m, [b"ok"]) if isinstance(c, Transmit)] == [1]


def test_mirrors_a_request_that_may_have_arrived_is_not_passed_on() -> None:
    hosts = Hosts(["a", "b"])

    m = attempts(policy(attempts=1), Clock(), lambda: 0.5, hosts, X, finish)
    seen = drive(m, [LOST])
    assert [c.host for c in seen if isinstance(c, Transmit)] == [0] and seen[-1].error is LOST


def test_mirrors_every_host_down_is_one_error_naming_them() -> None:
    hosts = Hosts(["a", "b"])

    m = attempts(policy(attempts=1), Clock(), lambda: 0.5, hosts, X, finish)
    error = drive(m, [UNSENT, smsc.TransportError("refused too", maybe_sent=False)])[-1].error
    assert "hosts tried: a, b" in str(error) and error.maybe_sent is False


def test_mirrors_stop_when_the_budget_is_spent() -> None:
    hosts, clock = Hosts(["a", "b"]), Clock()
    m = attempts(policy(attempts=1, deadline=1.0), clock, lambda: 0.5, hosts, X, finish)
    first = next(m)
    clock.now += 1.0
    assert isinstance(m.send(UNSENT), Raise) and isinstance(first, Transmit) and first.host == 0


def test_one_host_is_named_and_a_transport_without_hosts_chooses() -> None:
    one_host = transmit(Hosts(["a"]), lambda: None, lambda left, host: Transmit("/x", [], (), left, host))
    chooses = transmit(None, lambda: None, lambda left, host: Transmit("/x", [], (), left, host))
    first, second = next(one_host), next(chooses)
    assert isinstance(first, Transmit) and first.host == 0
    assert isinstance(second, Transmit) and second.host is None
