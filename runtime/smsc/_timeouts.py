"""The timeouts of smsc.AsyncHttpTransport's requests: one timer handle watches them all.

Each request has a RequestTimer: the pool wait and the connect within the connect timeout, then
the whole reply within the read timeout, never past the call's deadline (times of the event loop's
clock). A Watchdog per transport keeps a single loop timer, set for the earliest end among the
requests in progress, instead of one timer handle per request (most requests end long before
their time is up, and a handle costs more than the request's bookkeeping here). When a request's
time is up its task is cancelled, as asyncio.timeout() does; `timed_out()` tells that
cancellation from any other.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


class Watchdog:
    """Ends the requests whose time is up, with one timer handle for all the requests of a transport."""

    __slots__ = ("active", "at", "handle", "loop", "time")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        # the loop's clock: time.monotonic itself for asyncio's own loops (their time() calls it), without
        # the Python frame of loop.time(); a loop with its own clock (uvloop) is asked
        self.time: Callable[[], float] = time.monotonic if type(loop).time is asyncio.BaseEventLoop.time else loop.time
        self.active: set[RequestTimer] = set()
        self.at: float | None = None  # when the handle fires
        self.handle: asyncio.TimerHandle | None = None

    def ends_at(self, end: float | None) -> None:
        """A request in progress must end by `end`: fire then at the latest."""
        if end is not None and (self.at is None or end < self.at):
            if self.handle is not None:
                self.handle.cancel()
            self.at, self.handle = end, self.loop.call_at(end, self._check)

    def stop(self) -> None:
        """No further checks (the transport is closed)."""
        if self.handle is not None:
            self.handle.cancel()
        self.at = self.handle = None

    def _check(self) -> None:
        self.at = self.handle = None
        now = self.time()
        following: float | None = None
        for timer in list(self.active):
            end = timer.end
            if end is None:
                continue
            if end <= now:
                timer.expire()
            elif following is None or end < following:
                following = end
        self.ends_at(following)


class RequestTimer:
    """The time one request has (see the module docstring); `close()` when the request is over."""

    __slots__ = ("cancelling", "connected", "deadline", "end", "expired", "read", "task", "watchdog")

    def __init__(
        self,
        watchdog: Watchdog,
        connect: float | None,
        read: float | None,
        deadline: float | None,
        task: asyncio.Task[object] | None = None,
    ) -> None:
        """`task`: the request's (default: the current task of the watchdog's loop)."""
        self.watchdog, self.read, self.deadline = watchdog, read, deadline
        self.connected = self.expired = False
        task = task or asyncio.current_task(watchdog.loop)
        assert task is not None  # a request runs in a task
        self.task, self.cancelling = task, task.cancelling()
        end = None if connect is None else watchdog.time() + connect
        self.end = end = deadline if end is None or (deadline is not None and deadline < end) else end
        watchdog.active.add(self)
        if end is not None and (watchdog.at is None or end < watchdog.at):  # else the watchdog fires in time
            watchdog.ends_at(end)

    def on_connection(self) -> None:
        """The request has its connection: from now on the read timeout counts."""
        self.connected = True
        read, deadline = self.read, self.deadline
        end = None if read is None else self.watchdog.time() + read
        self.end = end = deadline if end is None or (deadline is not None and deadline < end) else end
        at = self.watchdog.at
        if end is not None and (at is None or end < at):  # else the watchdog fires in time
            self.watchdog.ends_at(end)

    def expire(self) -> None:
        """Time is up: cancel the request's task (once)."""
        self.end = None
        self.expired = True
        self.task.cancel()

    def timed_out(self) -> bool:
        """Whether the CancelledError being handled is this timer's alone (then it is taken back)."""
        return self.expired and self.task.uncancel() <= self.cancelling

    def close(self) -> None:
        """The request is over: no longer watched."""
        self.end = None
        self.watchdog.active.discard(self)
