"""The limits a bulk run keeps: a sliding window for per-minute limits, a shared backoff for error 9.

Both are sans-IO: they answer "how long to wait from `now`", and the blocking and asyncio loops
do the waiting. Both are safe to share between threads.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from smsc._exceptions import InvalidRequest


class SlidingWindow:
    """At most `limit` events per key in any `period` seconds (a true sliding window, no bursts).

    A leaky or token bucket lets a full bucket's worth through at once and then more within the
    same minute; the service counts requests per minute, so this keeps the times of the last
    `limit` events of each key and grants the next one only when the oldest leaves the window.
    Keys are kept in the order of their last event and forgotten once it leaves the window, or,
    beyond `max_keys`, the least recently used first: memory stays bounded however fast a run
    goes. (A key forgotten early can let an identical send through too soon; the service then
    answers error 9, which the run backs off from and retries, so nothing fails for it.)
    """

    def __init__(self, limit: int, period: float = 60.0, *, max_keys: int = 100_000) -> None:
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1 or not period > 0:
            raise InvalidRequest("a sliding window needs a positive int limit and a positive period")
        self.limit, self.period, self.max_keys = limit, period, max_keys
        self._events: OrderedDict[Hashable, list[float]] = OrderedDict()  # the last `limit` times per key
        self._lock = threading.Lock()

    def __len__(self) -> int:
        """Keys with an event in the window (or booked ahead)."""
        return len(self._events)

    def reserve(self, now: float, key: Hashable = None) -> float:
        """Book the next event of `key`; the seconds to wait before it may happen (0: now)."""
        with self._lock:
            self._forget(now)
            events = self._events.pop(key, None) or []
            at = now if len(events) < self.limit else max(now, events[0] + self.period)
            events.append(at)
            if len(events) > self.limit:
                del events[0]
            self._events[key] = events  # last: the most recently used
            return at - now

    def _forget(self, now: float) -> None:
        while self._events:
            key, events = next(iter(self._events.items()))
            if now - events[-1] < self.period and len(self._events) < self.max_keys:
                break
            del self._events[key]


class Backoff:
    """A pause shared by every worker of a run: error 9 for one stops them all for a while.

    Each error 9 doubles the pause (from `first` to `longest`, with jitter from `rand`); a
    success resets it.
    """

    def __init__(self, first: float = 1.0, longest: float = 30.0, *, rand: Callable[[], float] | None = None) -> None:
        import random

        self.first, self.longest = first, longest
        self._rand = rand or random.random
        self._until = 0.0
        self._streak = 0
        self.pauses = 0
        """How many times the run paused."""
        self._lock = threading.Lock()

    def wait(self, now: float) -> float:
        """Seconds every worker must still wait before its next request."""
        return max(0.0, self._until - now)

    def pause(self, now: float) -> float:
        """Error 9 arrived: pause everyone (unless a pause covering this one is in force); its length."""
        with self._lock:
            if self._until > now:
                return self._until - now
            delay = min(self.longest, self.first * 2.0**self._streak) * (0.5 + 0.5 * self._rand())
            self._streak += 1
            self._until = now + delay
            self.pauses += 1
            return delay

    def succeeded(self) -> None:
        """A request went through: the next pause starts short again."""
        self._streak = 0
