"""Request limits of the service (error 9) and blocking of an erring IP (error 4), on the emulator's clock."""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable

from attrs import define

from smsc._attachments import MAX_FILE_BYTES


@define
class Limits:
    """The documented limits (docs/api-reference.md#limits); `rate_limits=False` or `ip_blocking=False` turn them off.

    Counts are per minute (`window` seconds) of the emulator's clock, per account. The sizes and
    timeouts of the HTTP listener always apply (they protect the emulator, not the account).
    """

    rate_limits: bool = True
    send_identical: int = 1
    """Identical sends (same recipients, text and options) accepted per window."""
    cost_identical: int = 5
    """Identical cost=1 requests per window."""
    status_one: int = 5
    """Status requests for one message per window."""
    status_multi: int = 1
    """Multi-message status requests per window."""
    balance: int = 10
    """Balance requests per window."""
    info_identical: int = 3
    """Identical info.php requests per window."""
    info_all: int = 100
    """info.php requests in all per window."""
    price_identical: int = 3
    """Price-list requests (get.php?get_price=1) per window."""
    concurrent: int = 14
    """Requests of one account in progress at once (the 15th is refused)."""
    window: float = 60.0
    ip_blocking: bool = True
    block_after: int = 10
    """Errors 1 and 2 from one IP within `window` that block it."""
    block_for: float = 600.0
    """Seconds an IP stays blocked."""
    max_body: int = 16 * 1024 * 1024
    """Bytes of one request body (after any Content-Encoding); a larger one gets HTTP 413."""
    max_file: int = MAX_FILE_BYTES
    """Bytes of one attached file (3 MB, as the service documents); a larger one is error 1."""
    max_files: int = 20
    """Files attached to one message; more is error 1."""
    max_files_total: int = 10 * 1024 * 1024
    """Bytes of all files of one message; more is error 1."""
    max_fields: int = 1000
    """Form fields of one multipart body; more is error 1."""
    idle_timeout: float = 30.0
    """Seconds an idle keep-alive connection, or one whose request headers never complete, stays open
    (read when the listener starts)."""
    request_timeout: float = 30.0
    """Seconds a request body may take to arrive; then the connection is closed."""


class Limiter:
    """Sliding-window counters for the rate limits and the IP block."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._seen: dict[Hashable, deque[float]] = {}
        self._errors: dict[Hashable, deque[float]] = {}
        self._blocked: dict[str, float] = {}

    def _recent(self, table: dict[Hashable, deque[float]], key: Hashable, now: float) -> deque[float]:
        times = table.get(key)
        if times is None:
            if len(table) > 10_000:
                self._forget(table, now)
            times = table[key] = deque()
        while times and times[0] <= now - self.limits.window:
            times.popleft()
        return times

    def _forget(self, table: dict[Hashable, deque[float]], now: float) -> None:
        for key in [k for k, t in table.items() if not t or t[-1] <= now - self.limits.window]:
            del table[key]

    def over(self, key: Hashable, limit: int, now: float) -> bool:
        """True when `limit` requests with this key were already counted in the window."""
        return self.limits.rate_limits and len(self._recent(self._seen, key, now)) >= limit

    def count(self, key: Hashable, now: float) -> None:
        if self.limits.rate_limits:
            self._recent(self._seen, key, now).append(now)

    def blocked(self, ip: str, now: float) -> bool:
        if not self.limits.ip_blocking:
            return False
        until = self._blocked.get(ip)
        if until is not None and now >= until:
            del self._blocked[ip]
            until = None
        return until is not None

    def error(self, ip: str, now: float) -> None:
        """Count an error reply to this IP; enough of them block it."""
        if not self.limits.ip_blocking:
            return
        errors = self._recent(self._errors, ip, now)
        errors.append(now)
        if len(errors) >= self.limits.block_after:
            self._blocked[ip] = now + self.limits.block_for
            errors.clear()

    def reset(self) -> None:
        """Forget every count and unblock every IP."""
        self._seen.clear()
        self._errors.clear()
        self._blocked.clear()
