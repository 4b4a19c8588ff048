"""The window: at most `size` requests in flight; callers beyond it wait in order, up to a deadline.

Cheaper than asyncio.Semaphore plus a timeout per caller: one timer serves every waiter, as all
waiters of a client share the same wait limit (their deadlines come in order).
"""

from __future__ import annotations

import asyncio
from collections import deque


class Window:
    def __init__(self, size: int) -> None:
        self.size = size
        self.used = 0
        self._waiters: deque[tuple[asyncio.Future[bool], float]] = deque()
        self._timer: asyncio.TimerHandle | None = None

    @property
    def waiting(self) -> int:
        return sum(1 for f, _ in self._waiters if not f.done())

    def try_acquire(self) -> bool:
        """Take a slot if one is free and nobody waits for one (no suspension); False otherwise."""
        if self.used < self.size and not self._waiters:
            self.used += 1
            return True
        return False

    async def acquire(self, deadline: float) -> bool:
        """Take a slot; False when `deadline` (loop time) passed first."""
        if self.used < self.size and not self._waiters:
            self.used += 1
            return True
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bool] = loop.create_future()
        self._waiters.append((future, deadline))
        if self._timer is None:
            self._timer = loop.call_at(deadline, self._expire)
        try:
            return await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled() and future.result():
                self.release()  # granted just as the caller was cancelled: pass the slot on
            raise

    def release(self) -> None:
        """Free a slot, handing it straight to the first caller still waiting."""
        while self._waiters:
            future, _ = self._waiters.popleft()
            if not future.done():
                future.set_result(True)
                return
        self.used -= 1

    def _expire(self) -> None:
        self._timer = None
        loop = asyncio.get_running_loop()
        now = loop.time()
        while self._waiters and (self._waiters[0][0].done() or self._waiters[0][1] <= now):
            future, _ = self._waiters.popleft()
            if not future.done():
                future.set_result(False)
        if self._waiters:
            self._timer = loop.call_at(self._waiters[0][1], self._expire)
