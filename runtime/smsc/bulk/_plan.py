"""The decisions for one message of a bulk run, written once: a generator of steps, no I/O.

`plan()` yields what to do — wait this long, look this id up, send with this id — and is sent
back what happened (a SendResult, a SendResult or None for a lookup, or the SmscError raised).
The blocking loop (threads) and the asyncio loop in `_run` only carry the steps out, so both
clients make the same choices: when to pause for error 9, when to stop the run, when a message
counts as sent, failed, recovered or not sent.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Generator
from decimal import Decimal
from typing import Any

from attrs import define, field, fields, frozen

from smsc._api_errors import AuthError, InsufficientFunds, TooManyRequests
from smsc._exceptions import SmscError
from smsc._models import SendResult
from smsc._retry import may_have_arrived
from smsc._types import MessageId
from smsc.bulk._limits import Backoff, SlidingWindow
from smsc.bulk._message import BulkProgress, BulkResult, Message, NotSent

_ZERO = {f.name: f.default for f in fields(BulkProgress) if f.name != "elapsed"}
"""The counts of BulkProgress a run adds to, at their start (elapsed is worked out by snapshot())."""

IDENTICAL_PER_MINUTE = 1  # send.php: more than one identical request per minute is error 9


@frozen
class Wait:
    """Sleep this many seconds, then send back None."""

    seconds: float


@frozen
class Send:
    """Send the message with this id; send back the SendResult or the SmscError."""

    id: MessageId


@frozen
class Lookup:
    """Look the message up by id (a resumed run); send back a SendResult, None (not sent) or the SmscError."""

    id: MessageId


Step = Wait | Send | Lookup


class UnknownOutcome(SmscError):
    """A message whose fate is unknown: it may have been sent (see `id`); a resumed run looks it up."""

    def __init__(self, id: MessageId, cause: SmscError) -> None:
        super().__init__(f"message {id}: outcome unknown ({cause}); look it up by its id before sending it again")
        self.id = id
        self.cause = cause


@define
class RunState:
    """What the messages of one run share: limits, the pause, the counts, whether the run stopped."""

    backoff: Backoff
    identical: SlidingWindow
    per_minute: SlidingWindow | None
    attempts: int
    clock: Callable[[], float] = time.monotonic
    stopped: SmscError | None = None
    counts: dict[str, Any] = field(factory=lambda: dict(_ZERO))
    started: float = 0.0
    lock: threading.Lock = field(factory=threading.Lock)

    def count(self, **changes: int | Decimal) -> None:
        """Add to the counts (queued=+1, in_flight=-1, cost=Decimal(...), ...)."""
        counts = self.counts
        with self.lock:
            for name, change in changes.items():
                counts[name] += change

    def taken(self) -> None:
        """A message was taken from the input (count(queued=1), the hot path's own)."""
        with self.lock:
            self.counts["queued"] += 1

    def started_one(self) -> None:
        """A message left the queue for a worker (count(queued=-1, in_flight=1))."""
        counts = self.counts
        with self.lock:
            counts["queued"] -= 1
            counts["in_flight"] += 1

    def ended_one(self) -> None:
        """A message's worker is done with it (count(in_flight=-1))."""
        with self.lock:
            self.counts["in_flight"] -= 1

    def sent_one(self, result: SendResult) -> None:
        """A message was sent, or found sent (count(sent=1, recovered=..., parts=..., cost=...))."""
        counts = self.counts
        with self.lock:
            counts["sent"] += 1
            counts["recovered"] += result.recovered
            counts["parts"] += result.sms_count
            if result.cost:
                counts["cost"] += result.cost

    def snapshot(self) -> BulkProgress:
        """The counts now, with the elapsed time (a frozen copy)."""
        with self.lock:
            return BulkProgress(**self.counts, elapsed=self.clock() - self.started)

    def stop(self, reason: SmscError) -> None:
        """Stop the run: nothing further is sent."""
        with self.lock:
            if self.stopped is None:
                self.stopped = reason


def content_key(message: Message) -> int:
    """What makes two sends "identical" for the service's one-per-minute rule (a 64-bit hash, kept
    only in memory for the run: keys never leave the process, so Python's own hash does)."""
    if not message.options:
        return hash((message.phones, message.text))
    return hash((message.phones, message.text, repr(sorted((k, repr(v)) for k, v in message.options.items()))))


def plan(
    state: RunState, index: int, message: Message, id: MessageId, *, resume: bool = False
) -> Generator[Step, Any, BulkResult]:
    """The steps of one message (see the module docstring); returns its BulkResult."""
    state.started_one()
    try:
        if state.stopped is not None:
            state.count(not_sent=1)
            return BulkResult(index=index, message=message, id=id, error=NotSent(state.stopped))
        if resume:  # assigned by an earlier run that recorded no outcome: it may have been sent
            found = yield Lookup(id)
            if isinstance(found, SendResult):
                return _sent(state, index, message, id, found)
            if isinstance(found, SmscError):
                state.count(failed=1)
                return BulkResult(index=index, message=message, id=id, error=UnknownOutcome(id, found))
        key = content_key(message)
        tries = 0
        while True:
            pause = state.backoff.wait(state.clock())
            if pause > 0:
                yield Wait(pause)
                continue
            if state.stopped is not None:
                state.count(not_sent=1)
                return BulkResult(index=index, message=message, id=id, error=NotSent(state.stopped))
            # an identical send is allowed once a minute; a send refused with error 9 was not sent,
            # so only the first attempt books that slot (the per-minute budget counts every request)
            slot = state.identical.reserve(state.clock(), key) if tries == 0 else 0.0
            if state.per_minute is not None:
                slot = max(slot, state.per_minute.reserve(state.clock()))
            if slot > 0:
                yield Wait(slot)
            tries += 1
            outcome = yield Send(id)
            if isinstance(outcome, SendResult):
                state.backoff.succeeded()
                return _sent(state, index, message, id, outcome)
            assert isinstance(outcome, SmscError)
            if isinstance(outcome, TooManyRequests) and tries < state.attempts:
                state.backoff.pause(state.clock())  # every worker waits, this message goes again
                continue
            if isinstance(outcome, AuthError | InsufficientFunds):
                state.stop(outcome)
            state.count(failed=1)
            if may_have_arrived(outcome):  # the client's own lookups could not tell: a resumed run will
                return BulkResult(index=index, message=message, id=id, error=UnknownOutcome(id, outcome))
            return BulkResult(index=index, message=message, id=id, error=outcome)
    finally:
        state.ended_one()


def _sent(state: RunState, index: int, message: Message, id: MessageId, result: SendResult) -> BulkResult:
    state.sent_one(result)
    return BulkResult(index=index, message=message, id=id, result=result)
