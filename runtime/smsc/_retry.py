"""Attempts, not blind retries: what may be tried again, when, and how long to wait.

A request that failed before it was written is simply tried again (on the next mirror when a
host cannot be reached). A send whose reply was lost may have been accepted: before it is tried
again, the message is looked up by its id, and a message that exists is returned, never sent
twice. Error 9 (too many requests) backs off; every other API error raises at once.
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import TypeVar

from attrs import field, frozen

from smsc._exceptions import ApiError, InvalidRequest, ProtocolError, SmscError, TransportError

log = logging.getLogger("smsc")
T = TypeVar("T")

SHARED_BACKOFF: ContextVar[bool] = ContextVar("smsc_shared_backoff", default=False)
"""Set by a bulk run around its sends: error 9 is raised at once instead of backed off here,
because the run pauses every one of its workers for it (smsc.bulk)."""


def _positive(_: object, attribute: object, value: float) -> None:
    name = getattr(attribute, "name", "?")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise InvalidRequest(f"retry: {name} must be a finite number of seconds, not negative")


def _deadline(_: object, attribute: object, value: float | None) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise InvalidRequest("retry: deadline must be a positive, finite number of seconds, or None")


def _flag(_: object, attribute: object, value: bool) -> None:
    if not isinstance(value, bool):
        raise InvalidRequest("retry: jitter must be True or False")


@frozen(kw_only=True)
class RetryPolicy:
    """How a call is attempted.

    Attributes:
        attempts: attempts in all, the first included (1 = never try again).
        backoff: seconds before the second attempt; doubled for each further one.
        max_backoff: the longest wait between two attempts.
        deadline: seconds for the whole call, waits included; None for no limit.
        jitter: wait a random fraction (50-100 %) of each backoff, so clients do not march in step.
    """

    attempts: int = field(default=4)
    backoff: float = field(default=0.5, validator=_positive)
    max_backoff: float = field(default=10.0, validator=_positive)
    deadline: float | None = field(default=60.0, validator=_deadline)
    jitter: bool = field(default=True, validator=_flag)

    @attempts.validator
    def _check_attempts(self, _: object, value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InvalidRequest("retry: attempts must be an int of at least 1")

    def delay(self, attempt: int, rand: Callable[[], float]) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        base = min(self.max_backoff, self.backoff * 2.0 ** (attempt - 1))
        return base * (0.5 + 0.5 * rand()) if self.jitter else base


NO_RETRY = RetryPolicy(attempts=1)


def may_have_arrived(error: SmscError) -> bool:
    """True when a failed request may still have been accepted by the service."""
    if isinstance(error, TransportError):
        return error.maybe_sent
    return isinstance(error, ProtocolError)  # an empty or mangled reply: the request got there


def retryable(error: SmscError) -> bool:
    if isinstance(error, ApiError):
        return error.retryable
    if isinstance(error, TransportError):
        return error.status is None or error.status >= 500 or error.status == 429
    return isinstance(error, ProtocolError)


def _shared(error: SmscError) -> bool:
    """An error 9 that the caller's shared backoff handles (see SHARED_BACKOFF)."""
    return isinstance(error, ApiError) and error.code == 9 and SHARED_BACKOFF.get()


class Attempts:
    """Runs one call under a RetryPolicy with an injectable clock, sleep and randomness."""

    def __init__(
        self,
        policy: RetryPolicy,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.policy = policy
        self.clock = clock
        self.sleep = sleep
        self.rand = rand

    def run(
        self,
        call: Callable[[float | None], T],
        *,
        lookup: Callable[[float | None], T | None] | None = None,
    ) -> T:
        """Call `call(deadline)` until it succeeds or may not be tried again.

        `deadline` is handed on as a time.monotonic() value (what transports compare against),
        whatever clock the policy runs on.

        With `lookup` (a send), once an attempt may have reached the service, every later
        attempt first calls `lookup(deadline)`: a value means the request was accepted (it is
        returned), None means it was not (the call is made again).
        """
        policy = self.policy
        deadline = None if policy.deadline is None else self.clock() + policy.deadline
        uncertain = False
        attempt = 0
        while True:
            attempt += 1
            until = None if deadline is None else time.monotonic() + max(deadline - self.clock(), 0.0)
            try:
                if uncertain and lookup is not None:
                    found = lookup(until)
                    if found is not None:
                        log.info("attempt %d: the lost request was accepted; not sending it again", attempt)
                        return found
                    uncertain = False
                return call(until)
            except SmscError as error:
                if lookup is not None and may_have_arrived(error):
                    uncertain = True
                if not retryable(error) or attempt >= policy.attempts or _shared(error):
                    raise
                wait = policy.delay(attempt, self.rand)
                if deadline is not None and self.clock() + wait >= deadline:
                    raise
                log.info("attempt %d failed (%s); trying again in %.2f s", attempt, error, wait)
                self.sleep(wait)
