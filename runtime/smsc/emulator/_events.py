"""Change notices of the emulator for live views: what changed, pushed to every subscriber's queue.

Publishers are any thread (the HTTP loop, the SMPP and SMTP threads, a test calling `advance`);
subscribers are coroutines on an event loop, each with its own bounded queue. A subscriber that
falls behind loses old notices, never blocks a publisher: a notice only says *what* changed
("messages", "clock", "accounts", "incoming", "faults", "reset"), and the view reloads it.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

KINDS = frozenset({"messages", "clock", "accounts", "incoming", "faults", "reset"})
_QUEUE_SIZE = 64


class Subscription:
    """One subscriber's queue of notices, filled from any thread."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.queue: asyncio.Queue[str] = asyncio.Queue(_QUEUE_SIZE)

    def _put(self, kind: str) -> None:
        if self.queue.full():
            self.queue.get_nowait()  # drop the oldest: a notice only says what to reload
        self.queue.put_nowait(kind)

    async def next(self, timeout: float) -> str | None:
        """The next notice, or None after `timeout` seconds without one."""
        try:
            return await asyncio.wait_for(self.queue.get(), timeout)
        except TimeoutError:
            return None


class EventHub:
    """Fans notices out to subscribers; `publish` is thread-safe and never blocks."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: list[Subscription] = []

    def publish(self, kind: str) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown notice {kind!r}")
        with self._lock:
            subscribers = list(self._subscribers)
        for sub in subscribers:
            try:
                sub.loop.call_soon_threadsafe(sub._put, kind)
            except RuntimeError:  # its loop has closed
                self._remove(sub)

    @asynccontextmanager
    async def subscribe(self) -> AsyncIterator[Subscription]:
        """A subscription on the running loop for the duration of the `async with` block."""
        sub = Subscription(asyncio.get_running_loop())
        with self._lock:
            self._subscribers.append(sub)
        try:
            yield sub
        finally:
            self._remove(sub)

    @property
    def subscribers(self) -> int:
        with self._lock:
            return len(self._subscribers)

    def _remove(self, sub: Subscription) -> None:
        with self._lock:
            if sub in self._subscribers:
                self._subscribers.remove(sub)
