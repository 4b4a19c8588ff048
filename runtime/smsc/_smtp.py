"""E-mail to SMS: a send carried by SMTP in the service's documented letter body.

    transport = smsc.SmtpTransport("send.smsc.kz", 25)
    with smsc.Client(login="demo", password="demo", transport=transport) as client:
        client.send(["+77011234567"], "Hello")      # over SMTP; status and balance over HTTPS

The body is `<login>:<psw>:<id>:<time>:<translit>,<format>,<sender>:<phones>:<message>`
(docs/api-reference.md#smtp; with `tz` the current form `<time>,<tz>` is used), in UTF-8 and
declared so. The password travels as its MD5, which the service accepts, so the plain password
is never written into a letter. STARTTLS is required by default. One connection is kept for
consecutive sends and opened again when it drops.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import math
import smtplib
import ssl
import threading
import time
from collections.abc import Sequence
from email.message import EmailMessage
from typing import Any

from smsc import _redact
from smsc._deadline_io import DeadlineReader
from smsc._enums import MessageFormat
from smsc._exceptions import InvalidRequest, TransportError
from smsc._request import Request

log = logging.getLogger("smsc")

DEFAULT_RECIPIENT = "send@send.smsc.kz"
_CARRIED = frozenset(
    {"cost", "phones", "mes", "id", "time", "tz", "translit", "sender", "fmt", "charset", "login", "psw", "apikey"}
)


class _BoundedSMTP(smtplib.SMTP):
    """smtplib.SMTP whose every reply is read within `timeout` and the whole exchange within `deadline`.

    smtplib's timeout applies to each socket read, so a server dripping a reply a byte at a time
    would hold a send forever; here each reply (and the greeting) has one wall-clock bound.
    """

    def __init__(self, host: str, port: int, *, timeout: float, deadline: float | None) -> None:
        self.deadline = deadline
        self.reply_timeout = timeout
        self._until: float | None = None
        super().__init__(host, port, timeout=self._left())

    def _left(self) -> float:
        left = self.reply_timeout
        if self.deadline is not None:
            left = min(left, self.deadline - time.monotonic())
        if left <= 0:
            raise TimeoutError("SMTP: the call's deadline has passed")
        return left

    def getreply(self) -> tuple[int, bytes]:
        if self.file is None and self.sock is not None:  # after connect, and again after STARTTLS
            self.file = io.BufferedReader(
                DeadlineReader(self.sock.makefile("rb").detach(), self.sock, self._reply_until)
            )
        self._until = time.monotonic() + self._left()
        return super().getreply()

    def _reply_until(self) -> float | None:
        return self._until

    def send(self, s: Any) -> None:
        if self.sock is not None:
            self.sock.settimeout(self._left())  # sendall's timeout bounds the whole write
        super().send(s)

    def starttls(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        if self.sock is not None:
            self.sock.settimeout(self._left())  # the handshake is bounded as a whole
        return super().starttls(*args, **kwargs)


class SmtpTransport:
    """Carries sends to the service by e-mail.

    Args:
        host: the service's mail server (send.smsc.kz / send.smsc.ru) or a local one.
        port: its SMTP port (25 by default).
        starttls: True (default) requires STARTTLS; None uses it when offered; False never does.
        username: SMTP AUTH user, when the mail server asks for it (not the SMSC login).
        password: SMTP AUTH password (not the SMSC password); never logged or shown.
        ssl_context: trust for STARTTLS; the system store by default. Verification stays on.
        recipient: the service's address, send@send.smsc.kz by default.
        sender_address: the letter's From address.
        timeout: seconds for the connection and for each SMTP reply, read whole (a server sending a
            reply byte by byte cannot stretch it); the client's retry deadline bounds the whole send.
    """

    def __init__(
        self,
        host: str,
        port: int = 25,
        *,
        starttls: bool | None = True,
        username: str | None = None,
        password: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
        recipient: str = DEFAULT_RECIPIENT,
        sender_address: str = "smsc-python@localhost",
        timeout: float = 30.0,
    ) -> None:
        _redact.register(password)
        if (username is None) != (password is None):
            raise InvalidRequest("SMTP AUTH needs both username and password")
        if not isinstance(host, str) or not host:
            raise InvalidRequest("host: the mail server's name or address")
        if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
            raise InvalidRequest(f"port: {port!r} is not a TCP port (1 to 65535)")
        if starttls not in (True, False, None):
            raise InvalidRequest("starttls: True, False or None")
        if (
            isinstance(timeout, bool)
            or not isinstance(timeout, (int, float))
            or not math.isfinite(timeout)
            or timeout <= 0
        ):
            raise InvalidRequest("timeout: a positive number of seconds")
        for name, value in (("username", username), ("password", password)):
            if value is not None and not isinstance(value, str):
                raise InvalidRequest(f"{name}: a string")
        for name, value in (("recipient", recipient), ("sender_address", sender_address)):
            if not isinstance(value, str) or "@" not in value or any(c in value for c in "\r\n<>"):
                raise InvalidRequest(f"{name}: {value!r} is not an e-mail address")
        if ssl_context is not None and not isinstance(ssl_context, ssl.SSLContext):
            raise InvalidRequest("ssl_context: an ssl.SSLContext")
        self.host, self.port = host, port
        self.starttls = starttls
        self.recipient = recipient
        self.sender_address = sender_address
        self.timeout = timeout
        self._auth = (username, password) if username is not None and password is not None else None
        self._ssl_context = ssl_context
        self._connection: _BoundedSMTP | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SmtpTransport({self.host!r}, {self.port}, starttls={self.starttls!r})"

    def letter(self, request: Request, credentials: Sequence[tuple[str, str]]) -> EmailMessage:
        """The e-mail for one send request (checked: no field may break the body's layout)."""
        if request.files:
            raise InvalidRequest("files: attachments cannot be sent by e-mail to SMS; use HTTP")
        fields = dict(request.fields)
        extra = sorted(set(fields) - _CARRIED - {k for f in MessageFormat for k in dict(f.wire)})
        if extra:
            raise InvalidRequest(f"SMTP carries no {', '.join(extra)}; send such messages over HTTP")
        auth = dict(credentials)
        login = auth.get("login", "")
        secret = auth.get("apikey") or hashlib.md5(auth.get("psw", "").encode()).hexdigest()
        kind = request.message_format()
        if kind is None:
            raise InvalidRequest("SMTP: the request's format flags match no message format")
        moment = fields.get("time", "")
        for name, value in (("login", login), ("time", moment), ("sender", fields.get("sender", ""))):
            if ":" in value:
                raise InvalidRequest(
                    f"{name}: {value!r} holds a colon, which the e-mail body cannot carry "
                    "(for time use a datetime, a timedelta or DDMMYYhhmm)"
                )
        when = f"{moment},{fields['tz']}" if "tz" in fields else moment
        head = f"{login}:{secret}:{fields.get('id', '')}:{when}:"
        options = f"{fields.get('translit', '0')},{int(kind)},{fields.get('sender', '')}"
        if "tz" in fields:
            options += ","  # the current form carries a <test> flag after the sender
        body = f"{head}{options}:{fields.get('phones', '')}:{fields.get('mes', '')}"
        letter = EmailMessage()
        letter["From"] = self.sender_address
        letter["To"] = self.recipient
        letter["Subject"] = "sms"
        letter.set_content(body, subtype="plain", charset="utf-8", cte="quoted-printable")
        return letter

    def submit(
        self, request: Request, credentials: Sequence[tuple[str, str]], *, deadline: float | None = None
    ) -> None:
        """Hand one send to the mail server; TransportError when it is not accepted."""
        letter = self.letter(request, credentials)
        with self._lock:
            for attempt in (1, 2):
                if attempt == 2 and deadline is not None and time.monotonic() >= deadline:
                    raise TransportError(f"SMTP {self.host}:{self.port}: connection lost; no time left to reconnect")
                fresh = self._connection is None
                try:
                    connection = self._connect(deadline)
                    connection.deadline = deadline
                    log.debug("SMTP %s:%d: letter for id %s", self.host, self.port, request.value("id"))
                    connection.send_message(letter)
                    return
                except smtplib.SMTPServerDisconnected as exc:
                    self._drop()
                    if fresh or attempt == 2:
                        raise TransportError(f"SMTP {self.host}:{self.port}: connection lost: {exc}") from exc
                    # a kept connection went stale before this letter: open a new one, once
                except smtplib.SMTPResponseException as exc:
                    self._reset()
                    text = (
                        exc.smtp_error.decode("utf-8", "replace")
                        if isinstance(exc.smtp_error, bytes)
                        else str(exc.smtp_error)
                    )
                    raise TransportError(
                        f"SMTP {self.host}:{self.port} refused the letter: {exc.smtp_code} {text}",
                        status=exc.smtp_code,
                        maybe_sent=False,
                    ) from exc
                except smtplib.SMTPRecipientsRefused as exc:
                    self._reset()
                    raise TransportError(
                        f"SMTP {self.host}:{self.port} refused the recipient {self.recipient}", maybe_sent=False
                    ) from exc
                except (OSError, smtplib.SMTPException) as exc:
                    self._drop()
                    raise TransportError(
                        f"SMTP {self.host}:{self.port} failed: {type(exc).__name__}: {exc}",
                        maybe_sent=not fresh or not isinstance(exc, ConnectionRefusedError),
                    ) from exc

    def _connect(self, deadline: float | None) -> _BoundedSMTP:
        if self._connection is not None:
            return self._connection
        try:
            connection = _BoundedSMTP(self.host, self.port, timeout=self.timeout, deadline=deadline)
        except (OSError, smtplib.SMTPException) as exc:
            raise TransportError(
                f"SMTP {self.host}:{self.port}: cannot connect: {type(exc).__name__}: {exc}", maybe_sent=False
            ) from exc
        try:
            connection.ehlo()
            if self.starttls is not False and (self.starttls or connection.has_extn("starttls")):
                if not connection.has_extn("starttls"):
                    raise TransportError(
                        f"SMTP {self.host}:{self.port} does not offer STARTTLS; pass starttls=None to send without it",
                        maybe_sent=False,
                    )
                connection.starttls(context=self._ssl_context or ssl.create_default_context())
                connection.ehlo()
            if self._auth is not None:
                connection.login(*self._auth)
        except TransportError:
            connection.close()
            raise
        except (OSError, smtplib.SMTPException, ssl.SSLError) as exc:
            connection.close()
            raise TransportError(
                f"SMTP {self.host}:{self.port}: {type(exc).__name__}: {exc}", maybe_sent=False
            ) from exc
        self._connection = connection
        return connection

    def _reset(self) -> None:
        if self._connection is not None:
            try:
                self._connection.rset()
            except (OSError, smtplib.SMTPException):
                self._drop()

    def _drop(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(OSError):
                self._connection.close()
            self._connection = None

    def close(self) -> None:
        """Say QUIT and close the kept connection."""
        with self._lock:
            if self._connection is not None:
                with contextlib.suppress(OSError, smtplib.SMTPException):
                    self._connection.quit()
                self._drop()
