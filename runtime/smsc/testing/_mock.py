"""MockTransport: a transport that records each request and answers from a script, for tests without a network."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Sequence
from typing import TypeAlias

import attrs

from smsc._attachments import Attachment
from smsc._builders import SENSITIVE
from smsc._exceptions import InvalidRequest, TransportError


def _as_bytes(value: bytes | str) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else value


@attrs.frozen
class Reply:
    """One scripted HTTP reply: its body and its status (anything but 200 is a TransportError, as over HTTP)."""

    body: bytes = attrs.field(default=b"", converter=_as_bytes)
    status: int = 200

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.body, bytes):
            raise InvalidRequest(f"Reply body: give bytes or str, not {type(self.body).__name__}")
        if isinstance(self.status, bool) or not isinstance(self.status, int) or not 100 <= self.status <= 599:
            raise InvalidRequest(f"Reply status: {self.status!r} is not an HTTP status (100-599)")


@attrs.frozen(repr=False)
class RecordedRequest:
    """One request the client made: the endpoint path, its fields in order, its files and its deadline.

    The password and API key are kept in `fields` (tests may check them) but shown as *** in the repr.
    """

    path: str
    fields: tuple[tuple[str, str], ...]
    files: tuple[Attachment, ...] = ()
    deadline: float | None = None

    @property
    def command(self) -> str:
        """The command's name: "send" for /sys/send.php."""
        name = self.path.rsplit("/", 1)[-1]
        return name.removesuffix(".php")

    @property
    def params(self) -> dict[str, str]:
        """The fields as a dict (a name given twice keeps its last value)."""
        return dict(self.fields)

    def __repr__(self) -> str:
        shown = [(k, "***" if k in SENSITIVE else v) for k, v in self.fields]
        files = f", files={list(self.files)!r}" if self.files else ""
        return f"RecordedRequest({self.path!r}, fields={shown!r}{files})"


Answer: TypeAlias = "bytes | str | Reply | BaseException"
Step: TypeAlias = "bytes | str | Reply | BaseException | Callable[[RecordedRequest], Answer]"


def _check(step: object, where: str) -> None:
    if isinstance(step, type) and issubclass(step, BaseException):
        raise InvalidRequest(f"{where}: give an exception instance such as {step.__name__}(...), not the class")
    if isinstance(step, (bytes, str, Reply, BaseException)) or callable(step):
        return
    raise InvalidRequest(
        f"{where}: {type(step).__name__} is not a step (give bytes, str, smsc.testing.Reply, an exception, "
        "or a function of the request returning one of them)"
    )


class MockTransport:
    """A stand-in for the HTTP transport: records every request and answers from a script.

        mock = MockTransport(b'{"id": 7, "cnt": 1}', smsc.TransportError("read timed out"))
        client = smsc.Client(login="demo", password="demo", transport=mock)

    Each request takes the next step of the script: bytes or str are the reply body (HTTP 200); a
    `Reply(body, status=...)` with any other status raises smsc.TransportError as the HTTP transport
    does (`maybe_sent` for 5xx); an exception instance is raised; a function of the RecordedRequest
    returns one of these. When the script is used up, `default` answers every further request; with
    no default an AssertionError names the request that had no answer. `requests` lists what was
    asked, in order. Safe to share between threads.
    """

    def __init__(self, *script: Step, default: Step | None = None) -> None:
        for index, step in enumerate(script):
            _check(step, f"MockTransport step {index}")
        if default is not None:
            _check(default, "MockTransport default")
        self._script: deque[Step] = deque(script)
        self._default = default
        self._lock = threading.Lock()
        self.requests: list[RecordedRequest] = []
        self.closed = False

    def add(self, *steps: Step) -> MockTransport:
        """Append steps to the script; returns the transport, so that calls chain."""
        for index, step in enumerate(steps):
            _check(step, f"MockTransport.add step {index}")
        with self._lock:
            self._script.extend(steps)
        return self

    def reply(self, body: bytes | str = b"", *, status: int = 200) -> MockTransport:
        """Append one reply to the script."""
        return self.add(Reply(body, status))

    def fail(self, error: BaseException) -> MockTransport:
        """Append one error to the script: the request raises it (an smsc.TransportError, usually)."""
        if not isinstance(error, BaseException):
            raise InvalidRequest(f"MockTransport.fail: {error!r} is not an exception")
        return self.add(error)

    @property
    def remaining(self) -> int:
        """How many scripted steps no request has used yet."""
        with self._lock:
            return len(self._script)

    @property
    def last_request(self) -> RecordedRequest:
        """The latest request; AssertionError if none was made."""
        with self._lock:
            if not self.requests:
                raise AssertionError("MockTransport: no request was made")
            return self.requests[-1]

    def assert_all_used(self) -> None:
        """AssertionError unless every scripted step answered a request."""
        left = self.remaining
        if left:
            raise AssertionError(f"MockTransport: {left} scripted step(s) never used ({len(self.requests)} request(s))")

    def request(
        self,
        path: str,
        fields: Sequence[tuple[str, str]],
        *,
        files: Sequence[Attachment] = (),
        deadline: float | None = None,
    ) -> bytes:
        """Record the request and answer with the next step of the script."""
        recorded = RecordedRequest(path, tuple(fields), tuple(files), deadline)
        with self._lock:
            if self.closed:
                raise TransportError(f"{path}: the transport is closed", maybe_sent=False)
            self.requests.append(recorded)
            if self._script:
                step: Step = self._script.popleft()
            elif self._default is not None:
                step = self._default
            else:
                number = len(self.requests)
                raise AssertionError(f"MockTransport: no reply scripted for request {number} ({recorded!r})")
        answer = step(recorded) if callable(step) and not isinstance(step, BaseException) else step
        if isinstance(answer, BaseException):
            raise answer
        reply = answer if isinstance(answer, Reply) else Reply(answer)
        if reply.status != 200:
            raise TransportError(f"{path}: HTTP {reply.status}", status=reply.status, maybe_sent=reply.status >= 500)
        return reply.body

    def close(self) -> None:
        """Mark the transport closed: later requests raise smsc.TransportError."""
        self.closed = True

    def __repr__(self) -> str:
        return f"MockTransport({len(self.requests)} request(s), {self.remaining} step(s) left)"
