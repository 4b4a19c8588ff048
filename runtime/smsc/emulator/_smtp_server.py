"""The emulator's e-mail-to-SMS listener: letters in the documented body feed the send pipeline.

Both body forms are accepted (docs/api-reference.md#smtp):
`login:psw:id:time:translit,format,sender:phones:message` and the current
`login:psw:id:time,tz:translit,format,sender,test:phones:message`; an empty `phones` makes the
rest a per-recipient `list`; an empty login makes `psw` the API key. The message is everything
after the sixth colon. A letter without a charset is read as koi8-r, as the service does.
A malformed body or an API error is refused with an SMTP 5xx reply.
"""

from __future__ import annotations

import email
import email.policy
import socket
import ssl
from email.message import EmailMessage
from typing import Any

from smsc._enums import MessageFormat
from smsc.emulator._service import ApiCall, Service

MAX_LETTER = 100 * 1024


class BodyError(ValueError):
    """The letter's body is not in a documented form."""


def parse_body(text: str) -> dict[str, str]:
    """send.php parameters from a letter body."""
    text = text.strip()
    if text.startswith("[text]") and text.endswith("[/text]"):
        text = text[len("[text]") : -len("[/text]")].strip()
    fields = text.split(":", 6)
    if len(fields) != 7:
        raise BodyError("the body needs login:psw:id:time:options:phones:message")
    login, psw, message_id, when, options, phones, message = fields
    params: dict[str, str] = {"fmt": "0", "charset": "utf-8"}
    if login:
        params["login"], params["psw"] = login, psw
    else:
        params["apikey"] = psw
    if message_id and message_id != "0":
        params["id"] = message_id
    moment, _, tz = when.partition(",")
    if moment and moment != "0":
        params["time"] = moment
    if tz:
        params["tz"] = tz
    parts = options.split(",")
    if len(parts) not in (3, 4):
        raise BodyError("options must be translit,format,sender[,test]")
    translit, kind, sender = parts[:3]
    if translit:
        params["translit"] = translit
    try:
        flags = MessageFormat(int(kind or "0")).wire
    except ValueError:
        raise BodyError(f"unknown format {kind!r}") from None
    params.update(flags)
    if sender:
        params["sender"] = sender
    if phones:
        params["phones"], params["mes"] = phones, message
    else:
        params["list"] = message
    return params


def letter_text(content: bytes) -> str:
    """The plain-text body of a letter, decoded with its declared charset (koi8-r if none)."""
    letter = email.message_from_bytes(content, policy=email.policy.default)
    assert isinstance(letter, EmailMessage)
    part = letter.get_body(preferencelist=("plain",)) or letter
    if part.get_content_charset() is None:
        payload = part.get_payload(decode=True)
        return payload.decode("koi8-r", "replace") if isinstance(payload, bytes) else str(payload)
    content_text = part.get_content()
    return content_text if isinstance(content_text, str) else content_text.decode("koi8-r", "replace")


class _Handler:
    def __init__(self, service: Service) -> None:
        self.service = service

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        try:
            content = envelope.content
            params = parse_body(letter_text(content if isinstance(content, bytes) else content.encode()))
        except (BodyError, UnicodeError, LookupError) as exc:
            return f"550 5.6.0 malformed SMS letter: {exc}"
        peer = session.peer[0] if isinstance(session.peer, tuple) else "127.0.0.1"
        reply = self.service.handle(ApiCall("/sys/send.php", params, ip=peer))
        if reply.error is not None:
            return f"550 5.7.1 {reply.body}"
        return "250 Message accepted for delivery"


class SmtpFrontend:
    """An aiosmtpd controller (its own thread and loop) on a given loopback port."""

    def __init__(self, service: Service, *, tls_context: ssl.SSLContext | None = None) -> None:
        self.service = service
        self.tls_context = tls_context
        self._controller: Any = None

    def start(self, host: str, port: int) -> int:
        from aiosmtpd.controller import Controller

        if port == 0:
            with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
                probe.bind((host, 0))
                port = probe.getsockname()[1]
        self._controller = Controller(
            _Handler(self.service),
            hostname=host,
            port=port,
            server_hostname="localhost",
            tls_context=self.tls_context,
            require_starttls=self.tls_context is not None,
            data_size_limit=MAX_LETTER,
            decode_data=False,
            ready_timeout=10,
        )
        self._controller.start()
        return port

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
