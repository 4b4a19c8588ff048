"""What every client shares: credentials, the transport, the plan of each call, the response format, closing.

ClientCore builds each call's state machine (smsc._pipeline); BaseClient drives it with blocking
I/O and smsc._async_client.AsyncBaseClient with asyncio, so that no decision is written twice.
"""

from __future__ import annotations

import os
import random
import secrets
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, Self, TypeVar, runtime_checkable

from smsc import _redact
from smsc._attachments import Attachment
from smsc._enums import ResponseFormat
from smsc._exceptions import InvalidRequest, ProtocolError
from smsc._http import DEFAULT_MAX_REPLY_BYTES, DEFAULT_TIMEOUT, HttpTransport
from smsc._params import MAX_ID
from smsc._pipeline import Hosts, LookUp, Machine, Outcome, Submit, Transmit, attempts, run_sync
from smsc._request import Request
from smsc._retry import RetryPolicy
from smsc._types import message_id as message_id_of

if TYPE_CHECKING:
    import ssl

    import urllib3

    from smsc._models import SendResult
    from smsc.bulk import BulkRun, Message

DEFAULT_BASE_URL = "https://smsc.kz"
T = TypeVar("T")


class Transport(Protocol):
    """Carries one request to the service and returns the raw reply.

    It raises smsc.TransportError when the reply cannot be had, with `maybe_sent` False only
    when the request certainly never reached the service. `deadline` is a time.monotonic()
    value the transport should not wait past.
    """

    def request(
        self,
        path: str,
        fields: Sequence[tuple[str, str]],
        *,
        files: Sequence[Attachment] = (),
        deadline: float | None = None,
    ) -> bytes: ...

    def close(self) -> None: ...


@runtime_checkable
class MessageTransport(Protocol):
    """Carries sends only (SMTP, SMPP): the client's other commands keep going over HTTPS.

    `submit` returns the SendResult when the transport learns one (SMPP's message id), or None
    when the service acknowledges nothing (SMTP): the client then reports the request's id and
    the offline sms_count estimate.
    """

    def submit(
        self, request: Request, credentials: Sequence[tuple[str, str]], *, deadline: float | None = None
    ) -> SendResult | None: ...

    def close(self) -> None: ...


class ClientCore:
    """Credentials, response format, retry policy and the plan of every call; no I/O.

    Subclasses set `transport` (HTTP), `sender` (a message transport or None) and `_hosts`, and
    drive the machines `_call_machine` and `_send_machine` build, one per call.
    """

    transport: Any
    sender: Any
    _hosts: Hosts | None

    def _setup(
        self,
        login: str | None,
        password: str | None,
        api_key: str | None,
        response_format: ResponseFormat,
        retry: RetryPolicy | None,
        clock: Callable[[], float],
        rand: Callable[[], float],
    ) -> None:
        self._auth = credentials(login, password, api_key)
        if not isinstance(response_format, ResponseFormat):
            raise InvalidRequest(f"response_format: {response_format!r} is not a smsc.ResponseFormat")
        if retry is not None and not isinstance(retry, RetryPolicy):
            raise InvalidRequest(f"retry: {retry!r} is not a smsc.RetryPolicy")
        for name, func in (("clock", clock), ("rand", rand)):
            if not callable(func):
                raise InvalidRequest(f"{name}: a callable")
        self.login = login
        self._response_format = response_format
        self._fmt = int(response_format)
        self._common = (("fmt", str(self._fmt)), ("charset", "utf-8"))
        self._leading = [*self._auth, *self._common]  # the fields every request of this client starts with
        self._policy = retry or RetryPolicy()
        self._clock = clock
        self._rand = rand

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **options: object) -> Self:
        """A client from SMSC_LOGIN and SMSC_PASSWORD, or SMSC_API_KEY, and SMSC_BASE_URL."""
        env = os.environ if environ is None else environ
        kwargs: dict[str, object] = {}
        if env.get("SMSC_API_KEY"):
            kwargs["api_key"] = env["SMSC_API_KEY"]
        else:
            kwargs["login"] = env.get("SMSC_LOGIN") or None
            kwargs["password"] = env.get("SMSC_PASSWORD") or None
            if kwargs["login"] is None or kwargs["password"] is None:
                raise InvalidRequest("set SMSC_LOGIN and SMSC_PASSWORD, or SMSC_API_KEY")
        if env.get("SMSC_BASE_URL"):
            kwargs["base_url"] = env["SMSC_BASE_URL"]
        kwargs.update(options)
        return cls(**kwargs)

    @property
    def response_format(self) -> ResponseFormat:
        """The reply layout this client asks for."""
        return self._response_format

    @property
    def retry(self) -> RetryPolicy:
        """How calls are attempted."""
        return self._policy

    def __repr__(self) -> str:
        who = f"login={self.login!r}" if self.login is not None else "api_key=***"
        fmt = self.response_format.name
        return f"{type(self).__name__}({who}, transport={self.transport!r}, response_format={fmt})"

    def _call_machine(
        self, endpoint: str, request: Request, parse: Callable[[bytes], T], fmt: int | None = None
    ) -> Machine:
        """The state machine of a request that may simply be repeated (cost, status, balance).

        `fmt`: the response format to ask for instead of the client's (a reply documented in one format only).
        """
        common = self._common if fmt is None else (("fmt", str(fmt)), ("charset", "utf-8"))
        fields = [*self._auth, *common, *request.fields]
        command = Transmit(endpoint, fields, request.files, None)
        return attempts(self._policy, self._clock, self._rand, self._hosts, command, parse)

    def _send_machine(self, endpoint: str, request: Request, parse: Callable[[bytes], SendResult]) -> Machine:
        """The state machine of one send: through the message transport when there is one, and after a
        lost reply, looked up by its id before it is ever sent again. (One message; a bulk sender runs
        one machine per message.)"""
        message_id = phones = None
        for name, value in request.fields:  # one pass instead of two request.value() scans
            if name == "id" and message_id is None:
                message_id = value
            elif name == "phones" and phones is None:
                phones = value
        if message_id is None or not phones:  # never so: send assigns an id and needs a phone
            raise InvalidRequest("a send needs an id and a recipient, so that a lost reply can be looked up")
        command: Transmit | Submit
        finish: Callable[[Outcome], SendResult]
        if self.sender is None:
            fields = self._leading + request.fields
            command, finish = Transmit(endpoint, fields, request.files, None, None, message_id), parse
        else:
            command, finish = Submit(request, self._auth, None), partial(_submitted, request, message_id)
        return attempts(self._policy, self._clock, self._rand, self._hosts, command, finish, self._recovery)

    def _recovery(self, command: Transmit | Submit) -> tuple[Transmit, Callable[[Outcome], SendResult | None]]:
        """After a lost send reply: the request that looks the message up, and what its reply means."""
        from smsc import _builders
        from smsc._enums import StatusDetail

        # a Transmit carries the send's own fields after the leading ones _send_machine put first
        sent = command.request if isinstance(command, Submit) else Request(list(command.fields[len(self._leading) :]))
        message_id, phones = command.message_id, sent.value("phones")
        assert message_id is not None and phones  # as _send_machine checked
        phone = phones.split(",", 1)[0]
        query = _builders.build_status(message_id, phone, detail=StatusDetail.FULL)
        fields = self._leading + query.fields
        return LookUp("/sys/status.php", fields, (), None), partial(self._found, sent, message_id, phone)

    def _found(self, request: Request, message_id: str, phone: str, raw: bytes) -> SendResult | None:
        """A lookup's reply: the message as the service knows it, or None if it does not.

        A status reply with fewer fields than asked for (all=0 fields to all=1) is accepted. sms_count
        of a found message is the offline estimate (its parts times its recipients).
        """
        from smsc import _parsers
        from smsc._api_errors import ERROR_MAPS
        from smsc._enums import MessageStatus
        from smsc._models import SendResult

        context = {"id": message_id, "phone": phone}
        errors = ERROR_MAPS["status"]
        try:
            status = _parsers.parse_status_full(raw, self._fmt, errors, context)
        except ProtocolError as full:
            try:
                status = _parsers.parse_status_basic(raw, self._fmt, errors, context)
            except ProtocolError:
                raise full from None
        if status.status == MessageStatus.NOT_FOUND:
            return None
        return SendResult(
            id=message_id_of(message_id), sms_count=request.estimated_sms_count(), cost=status.cost, recovered=True
        )

    @staticmethod
    def _new_id() -> int:
        """A numeric id for a message the caller gave none, assigned before the first attempt."""
        return secrets.randbelow(MAX_ID) + 1


def _submitted(request: Request, message_id: str, outcome: Outcome) -> SendResult:
    """A message transport's outcome: its SendResult, or for an acknowledgement without a reply (SMTP) the
    request's id and the offline sms_count estimate."""
    if outcome is None:
        from smsc._models import SendResult

        return SendResult(id=message_id_of(message_id), sms_count=request.estimated_sms_count())
    return outcome  # type: ignore[no-any-return]


def _hosts_of(transport: object) -> Hosts | None:
    """The shared host state of a transport with mirrors (it answers request_to), or None."""
    hosts = getattr(transport, "hosts_state", None)
    return hosts if isinstance(hosts, Hosts) else None


class BaseClient(ClientCore):
    """The blocking client: urllib3 (or a given transport), calls driven by run_sync; commands from Client."""

    def __init__(
        self,
        *,
        login: str | None = None,
        password: str | None = None,
        api_key: str | None = None,
        base_url: str = DEFAULT_BASE_URL,
        hosts: Sequence[str] | None = None,
        response_format: ResponseFormat = ResponseFormat.JSON,
        method: str = "POST",
        timeout: float | tuple[float, float] | urllib3.Timeout = DEFAULT_TIMEOUT,
        ca_certs: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
        verify: bool = True,
        pool_size: int = 4,
        max_reply_bytes: int = DEFAULT_MAX_REPLY_BYTES,
        retry: RetryPolicy | None = None,
        transport: Transport | MessageTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self._setup(login, password, api_key, response_format, retry, clock, rand)
        if not callable(sleep):
            raise InvalidRequest("sleep: a callable")
        self._sleep = sleep
        self.sender: MessageTransport | None = None
        if isinstance(transport, MessageTransport):
            self.sender, transport = transport, None
        self.transport: Transport = (
            transport
            if transport is not None
            else HttpTransport(
                base_url,
                hosts=hosts,
                timeout=timeout,
                method=method,
                ca_certs=ca_certs,
                ssl_context=ssl_context,
                verify=verify,
                pool_size=pool_size,
                max_reply_bytes=max_reply_bytes,
            )
        )
        self._hosts = _hosts_of(self.transport)

    def _execute(self, endpoint: str, request: Request, parse: Callable[[bytes], T], fmt: int | None = None) -> T:
        """Send a request that may be repeated and parse its reply, under the retry policy."""
        if endpoint == "/sys/status.php" and getattr(self.sender, "statuses", False):
            return self.sender.status_of(request, self._auth)  # type: ignore[no-any-return,union-attr]
        machine = self._call_machine(endpoint, request, parse, fmt)
        return run_sync(machine, self.transport, self.sender, self._sleep)  # type: ignore[no-any-return]

    def _send(self, endpoint: str, request: Request, parse: Callable[[bytes], SendResult]) -> SendResult:
        """Send one message (see ClientCore._send_machine); as run_send(), one call fewer."""
        machine = self._send_machine(endpoint, request, parse)
        return run_sync(machine, self.transport, self.sender, self._sleep)  # type: ignore[no-any-return]

    def run_send(self, machine: Machine) -> SendResult:
        """Drive one send's state machine (for a bulk sender: one machine per message)."""
        return run_sync(machine, self.transport, self.sender, self._sleep)  # type: ignore[no-any-return]

    def send_many(self, messages: Iterable[Message | tuple[Any, str]], **options: Any) -> BulkRun:
        """Send many messages within the service's limits; iterate the run for one smsc.BulkResult each.

        `messages`: smsc.Message objects (or (phones, text) pairs), read lazily. Options:
        concurrency (14), ordered (True: results in input order), on_progress (called with
        smsc.BulkProgress at most every progress_interval, 0.25 s), journal (smsc.bulk.Journal:
        resumable), attempts (5, for error 9), per_minute (None: a sliding-window limit of
        requests per minute). See smsc.bulk.
        """
        from smsc.bulk._client import sync_run

        return sync_run(self, messages, **options)  # type: ignore[arg-type]

    def close(self) -> None:
        """Close the transports' connections."""
        self.transport.close()
        if self.sender is not None:
            self.sender.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def credentials(login: object, password: object, api_key: object) -> tuple[tuple[str, str], ...]:
    """The credential fields, checked; the secrets are registered for redaction first."""
    _redact.register(password, api_key)
    if api_key is not None and (password is not None or login is not None):
        raise InvalidRequest("give either login and password, or api_key, not both")
    if api_key is not None:
        return (("apikey", _text(api_key, "api_key")),)
    if login is not None and password is not None:
        return (("login", _text(login, "login")), ("psw", _text(password, "password")))
    raise InvalidRequest("give login and password, or api_key")


def _text(value: object, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidRequest(f"{name}: must be a non-empty string")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidRequest(f"{name}: not valid Unicode text (a lone surrogate)") from None
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise InvalidRequest(f"{name}: contains control characters")
    return value
