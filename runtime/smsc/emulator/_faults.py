"""Fault injection: what goes wrong with a reply or a connection, seeded and reproducible.

    emulator.faults.drop(command="send", probability=0.3)   # accept, store, then close without a reply
    emulator.faults.delay(2.0, count=1)                      # reply 2 s late
    emulator.faults.refuse(count=2)                          # reset the next two connections unread
    emulator.faults.garbage(count=1)                         # 200 with random bytes
    emulator.faults.empty(command="balance")                 # 200 with an empty body
    emulator.faults.http_error(502, count=1)                 # the request is not processed
    emulator.faults.api_error(9, command="send", count=5)    # the service's error 9, nothing processed

Rules are tried in the order they were added and the first that fires applies. A rule with
`probability` fires with that chance on each matching request, at most `count` times if a count
is given too; a rule with only `count` fires on the next `count` matching requests; a rule with
neither fires once. `command` ("send", "cost", "status", "balance") limits a rule to one command.
Randomness comes from one `random.Random(seed)`, drawn only by rules with a probability, so the
same requests in the same order meet the same faults.
"""

from __future__ import annotations

import random
import threading
from typing import Literal

from attrs import define, field, frozen

Kind = Literal["drop", "delay", "refuse", "garbage", "empty", "http_error", "api_error"]
COMMANDS = frozenset({"send", "cost", "status", "balance"})
# faults decided before the request is processed; the others apply to its reply
BEFORE = frozenset({"refuse", "http_error", "api_error"})


@define(eq=False)
class Fault:
    """One rule; `cancel()` removes it. `fired` counts how often it applied."""

    kind: Kind
    command: str | None = None
    count: int | None = None
    probability: float | None = None
    seconds: float = 0.0
    status: int = 500
    code: int = 9
    body: bytes | None = field(default=None, repr=False)
    fired: int = 0
    _owner: Faults | None = field(default=None, repr=False, alias="owner")

    def cancel(self) -> None:
        """Remove this rule: it fires no more."""
        if self._owner is not None:
            self._owner.remove(self)

    @property
    def exhausted(self) -> bool:
        return self.count is not None and self.fired >= self.count


@frozen
class FaultHit:
    """A fault that applied: its kind and the command of the request (None for a refused connection)."""

    kind: Kind
    command: str | None


class Faults:
    """The fault rules of one emulator, and a record of the faults that applied (`hits`)."""

    def __init__(self, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._rules: list[Fault] = []
        self._random = random.Random(seed)
        self.hits: list[FaultHit] = []

    def seed(self, seed: int) -> None:
        """Restart the random sequence."""
        with self._lock:
            self._random.seed(seed)

    def _add(
        self, kind: Kind, command: str | None, count: int | None, probability: float | None, **options: object
    ) -> Fault:
        if command is not None and command not in COMMANDS:
            raise ValueError(f"command {command!r} is not one of {sorted(COMMANDS)}")
        if count is not None and count < 1:
            raise ValueError("count must be at least 1")
        if probability is not None and not 0.0 <= probability <= 1.0:
            raise ValueError("probability must be between 0 and 1")
        rule = Fault(kind, command, count, probability, owner=self, **options)  # type: ignore[arg-type]
        with self._lock:
            self._rules.append(rule)
        return rule

    def drop(self, *, command: str | None = None, count: int | None = None, probability: float | None = None) -> Fault:
        """Process the request, then close the connection without a reply."""
        return self._add("drop", command, _once(count, probability), probability)

    def delay(
        self, seconds: float, *, command: str | None = None, count: int | None = None, probability: float | None = None
    ) -> Fault:
        """Process the request and send its reply `seconds` late."""
        if seconds < 0:
            raise ValueError("seconds must not be negative")
        return self._add("delay", command, _once(count, probability), probability, seconds=seconds)

    def refuse(self, *, count: int | None = None, probability: float | None = None) -> Fault:
        """Reset new connections before reading a byte (the request never reaches the service)."""
        return self._add("refuse", None, _once(count, probability), probability)

    def garbage(
        self,
        *,
        command: str | None = None,
        count: int | None = None,
        probability: float | None = None,
        body: bytes | None = None,
    ) -> Fault:
        """Process the request and answer 200 with random bytes (or `body`)."""
        return self._add("garbage", command, _once(count, probability), probability, body=body)

    def empty(self, *, command: str | None = None, count: int | None = None, probability: float | None = None) -> Fault:
        """Process the request and answer 200 with an empty body."""
        return self._add("empty", command, _once(count, probability), probability)

    def http_error(
        self,
        status: int = 502,
        *,
        command: str | None = None,
        count: int | None = None,
        probability: float | None = None,
    ) -> Fault:
        """Answer with this HTTP status without processing the request."""
        if not 400 <= status <= 599:
            raise ValueError("status must be an HTTP error status (400-599)")
        return self._add("http_error", command, _once(count, probability), probability, status=status)

    def api_error(
        self,
        code: int = 9,
        *,
        command: str | None = None,
        count: int | None = None,
        probability: float | None = None,
    ) -> Fault:
        """Answer with the service's error `code` (9: too many requests) without processing the request."""
        if not isinstance(code, int) or not 1 <= code <= 9:
            raise ValueError("code must be one of the service's error codes 1-9")
        return self._add("api_error", command, _once(count, probability), probability, code=code)

    def remove(self, rule: Fault) -> None:
        """Remove one rule (what `rule.cancel()` does); a rule already gone is ignored."""
        with self._lock:
            if rule in self._rules:
                self._rules.remove(rule)

    def clear(self) -> None:
        """Remove every rule (the record of hits stays)."""
        with self._lock:
            self._rules.clear()

    @property
    def rules(self) -> list[Fault]:
        with self._lock:
            return list(self._rules)

    def pick(self, command: str | None, *, before: bool) -> Fault | None:
        """The rule that applies to this request (or connection, with command None), if any."""
        if not self._rules:  # no rule at all (the usual case): no lock to take
            return None
        with self._lock:
            for rule in self._rules:
                if (rule.kind in BEFORE) != before or rule.exhausted:
                    continue
                if rule.kind == "refuse" and command is not None:
                    continue
                if rule.kind != "refuse" and (command is None or rule.command not in (None, command)):
                    continue
                if rule.probability is not None and self._random.random() >= rule.probability:
                    continue
                rule.fired += 1
                self.hits.append(FaultHit(rule.kind, command))
                if rule.exhausted:
                    self._rules.remove(rule)
                return rule
            return None

    def garbage_bytes(self) -> bytes:
        """16 to 64 random bytes from the seeded generator: the body of a `garbage` fault."""
        with self._lock:
            return self._random.randbytes(self._random.randint(16, 64))


def _once(count: int | None, probability: float | None) -> int | None:
    """Without a count or a probability a rule fires once."""
    return 1 if count is None and probability is None else count
