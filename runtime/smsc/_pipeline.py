"""One call's attempts as a sans-IO state machine: it yields commands, a loop carries them out.

Every decision about attempts is made here, once, for the blocking and the asyncio client alike:
which error may have reached the service, when a lost send is looked up by its id, which mirror
is tried next, how long to back off (error 9 included), and when the deadline is spent. The
machine never touches a socket or a clock of its own: it is a generator that yields

    Transmit(path, fields, files, budget, host)   send this request (LookUp: a status lookup)
    Submit(request, credentials, budget)          hand this send to the message transport
    Sleep(seconds)                                wait
    Return(value) / Raise(error)                  the call's outcome (always the last command)

and is sent back, for each Transmit or Submit, the reply (bytes, or a SendResult or None from a
message transport) or the SmscError it failed with. `budget` is the seconds left of the call's
deadline (None: no limit); the loop turns it into a deadline on its own clock. The loops are
run_sync() here and smsc._async_pipeline.run_async().

A machine is given the command of one attempt without its budget and host (`at(budget, host)`
makes each one it yields): a call's plan is plain data, with nothing to build per call but the
command itself.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Generator, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from smsc._exceptions import SmscError, TransportError
from smsc._retry import RetryPolicy, may_have_arrived, retryable, shared_backoff

if TYPE_CHECKING:
    from smsc._attachments import Attachment
    from smsc._request import Request

log = logging.getLogger("smsc")
T = TypeVar("T")


class Transmit:
    """Send this request over the HTTP transport (to host number `host`, or the transport's choice)."""

    __slots__ = ("budget", "fields", "files", "host", "message_id", "path")

    def __init__(
        self,
        path: str,
        fields: Sequence[tuple[str, str]],
        files: Sequence[Attachment],
        budget: float | None,
        host: int | None = None,
        message_id: str | None = None,
    ) -> None:
        self.path, self.fields, self.files, self.budget, self.host = path, fields, files, budget, host
        self.message_id = message_id  # set for a send: the id to report if the caller cancels it mid-flight

    def at(self, budget: float | None, host: int | None) -> Transmit:
        """This request with the budget and host of one attempt."""
        return type(self)(self.path, self.fields, self.files, budget, host, self.message_id)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.path!r}, host={self.host}, budget={self.budget})"


class LookUp(Transmit):
    """Look a message up (a status request) after its send reply was lost."""

    __slots__ = ()


class Submit:
    """Hand this send to the message transport (SMTP, SMPP)."""

    __slots__ = ("budget", "credentials", "message_id", "request")

    def __init__(self, request: Request, credentials: Sequence[tuple[str, str]], budget: float | None) -> None:
        self.request, self.credentials, self.budget = request, credentials, budget
        self.message_id = request.value("id")

    def at(self, budget: float | None, host: int | None = None) -> Submit:
        """This send with the budget of one attempt (a message transport has no mirrors)."""
        return Submit(self.request, self.credentials, budget)

    def __repr__(self) -> str:
        return f"Submit(id={self.message_id!r}, budget={self.budget})"


class Sleep:
    __slots__ = ("seconds",)

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def __repr__(self) -> str:
        return f"Sleep({self.seconds})"


class Return(Generic[T]):
    __slots__ = ("value",)

    def __init__(self, value: T) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"Return({self.value!r})"


class Raise:
    __slots__ = ("error",)

    def __init__(self, error: SmscError) -> None:
        self.error = error

    def __repr__(self) -> str:
        return f"Raise({self.error!r})"


Command = Transmit | Submit | Sleep | Return[Any] | Raise
Outcome = Any  # bytes | SendResult | None | SmscError
Machine = Generator[Command, Outcome, None]


class Hosts:
    """The hosts a transport can reach, and the one that answered last (shared by every call)."""

    __slots__ = ("current", "names")

    def __init__(self, names: Sequence[str]) -> None:
        self.names = list(names)
        self.current = 0


def transmit(
    hosts: Hosts | None, budget: Callable[[], float | None], make: Callable[[float | None, int | None], Transmit]
) -> Generator[Command, Outcome, Outcome]:
    """One request over the mirrors: a host that cannot be reached (nothing was sent) passes it to the next.

    The transport stays on the host that answered. Returns the reply, or the error to attempt on.
    """
    if hosts is None:  # a transport without mirrors: it chooses
        return (yield make(budget(), None))
    if len(hosts.names) < 2:
        return (yield make(budget(), 0))
    count = len(hosts.names)
    tried: list[str] = []
    for step in range(count):
        index = (hosts.current + step) % count
        left = budget()
        outcome = yield make(left, index)
        if not isinstance(outcome, SmscError):
            hosts.current = index
            return outcome
        tried.append(hosts.names[index])
        unsent = isinstance(outcome, TransportError) and not outcome.maybe_sent
        if unsent and step < count - 1 and (left is None or budget() != 0.0):
            log.warning(
                "%s cannot be reached (%s); trying %s", hosts.names[index], outcome, hosts.names[(index + 1) % count]
            )
            continue
        if len(tried) > 1 and isinstance(outcome, TransportError):
            wrapped = TransportError(
                f"{outcome} (hosts tried: {', '.join(tried)})", status=outcome.status, maybe_sent=outcome.maybe_sent
            )
            wrapped.__cause__ = outcome.__cause__
            return wrapped
        return outcome
    raise AssertionError("unreachable")


Recovery = Callable[[Any], tuple[Transmit, Callable[[Outcome], Any]]]
"""Given a send's request, makes (after a lost reply) the lookup request and the function that reads its reply."""


def attempts(
    policy: RetryPolicy,
    clock: Callable[[], float],
    rand: Callable[[], float],
    hosts: Hosts | None,
    request: Transmit | Submit,
    finish: Callable[[Outcome], T],
    recovery: Recovery | None = None,
) -> Machine:
    """The state machine of one call (see the module docstring).

    Each attempt yields `request` with its budget, over the mirrors of `hosts` (a Submit, or
    hosts None: the transport chooses), and `finish` turns its outcome into the result (or raises
    the SmscError the attempt failed with). For a send, once an attempt may have reached the
    service, each later attempt first looks the message up: `recovery(request)` (called once, when
    first needed) gives the lookup request and the function that turns its outcome into the result
    (the message was accepted: it is returned, never sent again) or None (the service does not
    know it: it is sent again). When the attempts end on a failed lookup, the error raised is the
    send's own, with the lookup's failure as its cause.
    """
    deadline = None if policy.deadline is None else clock() + policy.deadline
    budget = None  # for transmit() over mirrors and lookups, made when first needed: the usual attempt is inline
    mirrors = request.at if hosts is not None and len(hosts.names) > 1 and isinstance(request, Transmit) else None
    uncertain: SmscError | None = None  # the send's failure that may have reached the service
    lookup: tuple[Transmit, Callable[[Outcome], Any]] | None = None
    attempt = 0
    while True:
        attempt += 1
        error: SmscError | None = None
        from_lookup = False
        if uncertain is not None and recovery is not None:
            if lookup is None:
                lookup = recovery(request)
            budget = budget or partial(seconds_left, deadline, clock)
            outcome = yield from transmit(hosts, budget, lookup[0].at)
            try:
                if isinstance(outcome, SmscError):
                    raise outcome
                value = lookup[1](outcome)
            except SmscError as exc:
                error, from_lookup = exc, True
            else:
                if value is not None:
                    log.info("attempt %d: the lost request was accepted; not sending it again", attempt)
                    yield Return(value)
                    return
                uncertain = None
        if error is None:
            if mirrors is not None:
                budget = budget or partial(seconds_left, deadline, clock)
                outcome = yield from transmit(hosts, budget, mirrors)
            else:  # as transmit() does for one host (with seconds_left() inline), without a generator: the usual case
                host = None if hosts is None else 0
                outcome = yield request.at(None if deadline is None else max(deadline - clock(), 0.0), host)
            try:
                if isinstance(outcome, SmscError):
                    raise outcome
                result = finish(outcome)
            except SmscError as exc:
                error = exc
                if recovery is not None and may_have_arrived(exc):
                    uncertain = exc
            else:
                yield Return(result)
                return
        final = _about_the_send(uncertain, error) if from_lookup else error
        if not retryable(error) or attempt >= policy.attempts or shared_backoff(error):
            yield Raise(final)
            return
        wait = policy.delay(attempt, rand)
        if deadline is not None and clock() + wait >= deadline:
            yield Raise(final)
            return
        log.info("attempt %d failed (%s); trying again in %.2f s", attempt, error, wait)
        yield Sleep(wait)


def seconds_left(deadline: float | None, clock: Callable[[], float]) -> float | None:
    """A call's budget: the seconds left until `deadline` on `clock` (None: no limit), never below 0."""
    return None if deadline is None else max(deadline - clock(), 0.0)


def _about_the_send(send_error: SmscError | None, lookup_error: SmscError) -> SmscError:
    """The send's own error with the failed lookup chained: never an error about a status nobody asked for."""
    if send_error is None:
        return lookup_error
    if send_error.__cause__ is None:
        send_error.__cause__ = lookup_error
    else:
        send_error.add_note(f"looking the message up by its id failed too: {lookup_error}")
    return send_error


def run_sync(machine: Machine, transport: Any, sender: Any, sleep: Callable[[float], None]) -> Any:
    """Drive a machine with blocking I/O: the HTTP transport, the message transport and `sleep`."""
    command = next(machine)
    while True:
        if isinstance(command, Return):
            return command.value
        if isinstance(command, Raise):
            raise command.error
        outcome: Outcome = None
        try:
            if isinstance(command, Transmit):
                deadline = None if command.budget is None else time.monotonic() + command.budget
                if command.host is None:
                    outcome = transport.request(command.path, command.fields, files=command.files, deadline=deadline)
                else:
                    outcome = transport.request_to(command.host, command.path, command.fields, command.files, deadline)
            elif isinstance(command, Submit):
                deadline = None if command.budget is None else time.monotonic() + command.budget
                outcome = sender.submit(command.request, command.credentials, deadline=deadline)
            else:
                sleep(command.seconds)
        except SmscError as exc:
            outcome = exc
        command = machine.send(outcome)


__all__ = [
    "Command",
    "Hosts",
    "LookUp",
    "Machine",
    "Raise",
    "Recovery",
    "Return",
    "Sleep",
    "Submit",
    "Transmit",
    "attempts",
    "run_sync",
    "seconds_left",
    "transmit",
]
