"""The submit rate of an SMPP session: a ceiling, lowered on throttling and raised again slowly.

On ESME_RTHROTTLED the rate drops to a share (`decrease`) of what the SMSC actually accepted in
the last second (or of the rate in force, if that is lower), at most once per `cooldown`, so the
refusals of one burst count once. Every second without a refusal then adds `recovery` times the
lowered rate, up to the ceiling: additive increase, multiplicative decrease, as TCP does. The rate
settles just below what the SMSC accepts, and `current()` shows where.
"""

from __future__ import annotations

from collections import deque

from smsc._exceptions import InvalidRequest


class AdaptiveRate:
    """Submits per second a session may send now.

    Args:
        ceiling: the highest rate (the account's limit); None: no limit until the SMSC first
            throttles, then the limit grows slowly from the rate it accepted.
        floor: never slower than this.
        decrease: share of the accepted rate kept after a refusal (0 < decrease < 1).
        recovery: share of the lowered rate added back per second without refusals.
        cooldown: seconds after a decrease during which further refusals do not lower the rate.
    """

    def __init__(
        self,
        ceiling: float | None,
        *,
        floor: float = 1.0,
        decrease: float = 0.8,
        recovery: float = 0.1,
        cooldown: float = 0.5,
    ) -> None:
        if ceiling is not None and not ceiling > 0:
            raise InvalidRequest("rate_limit: must be positive, or None for no limit")
        if not 0 < decrease < 1 or not recovery > 0 or not floor > 0 or cooldown < 0:
            raise InvalidRequest("throttling: need 0 < decrease < 1, recovery > 0, floor > 0 and cooldown >= 0")
        self.ceiling = ceiling
        self.floor = min(floor, ceiling) if ceiling is not None else floor
        self.decrease = decrease
        self.recovery = recovery
        self.cooldown = cooldown
        self.throttled = 0
        """Refusals for the rate (ESME_RTHROTTLED, ESME_RMSGQFUL) counted so far."""
        self._lowered: float | None = None  # the rate set by the last decrease (None: never throttled)
        self._changed = 0.0
        self._accepted: deque[float] = deque(maxlen=100_000)

    def current(self, now: float) -> float | None:
        """The rate in force at `now` (None: unlimited)."""
        if self._lowered is None:
            return self.ceiling
        grown = self._lowered * (1 + self.recovery * max(0.0, now - self._changed))
        return grown if self.ceiling is None else min(self.ceiling, grown)

    def accepted(self, now: float) -> None:
        """Note one submit the SMSC took."""
        self._accepted.append(now)

    def throttle(self, now: float) -> None:
        """The SMSC refused a submit for its rate: slow down (once per cooldown)."""
        self.throttled += 1
        if self._lowered is not None and now - self._changed < self.cooldown:
            return
        while self._accepted and now - self._accepted[0] > 1.0:
            self._accepted.popleft()
        taken = float(len(self._accepted))
        rate = self.current(now)
        base = taken if rate is None else min(rate, taken) if taken else rate
        self._lowered = max(self.floor, base * self.decrease)
        self._changed = now
