"""Attempts, not blind retries: the policy, and which errors may have arrived or be tried again.

The state machine that applies them is smsc._pipeline.

A request that failed before it was written is simply tried again (on the next mirror when a
host cannot be reached). A send whose reply was lost may have been accepted: before it is tried
again, the message is looked up by its id, and a message that exists is returned, never sent
twice. Error 9 (too many requests) backs off; every other API error raises at once.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from contextvars import ContextVar

from attrs import field, frozen

from smsc._exceptions import ApiError, InvalidRequest, ProtocolError, SmscError, TransportError

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


def shared_backoff(error: SmscError) -> bool:
    """An error 9 that the caller's shared backoff handles (see SHARED_BACKOFF)."""
    return isinstance(error, ApiError) and error.code == 9 and SHARED_BACKOFF.get()
