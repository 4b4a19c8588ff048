"""SmppTransport: smsc.Client's send over SMPP, returning the same smsc.SendResult.

    client = smsc.Client(login="login", password="secret",
                         transport=smsc.smpp.SmppTransport("smpp.smsc.ru", password="smpp-secret"))
    sent = client.send(["+77011234567"], "Hello", sender="Shop")   # submit_sm; sent.id from submit_sm_resp
    client.status(sent.id, "+77011234567")                         # other commands: HTTPS as usual

A message transport (smsc.Client's `MessageTransport`): it carries sends only, and the client's
other commands keep going over HTTPS. The client hands it the same request description it would
POST; the send becomes one submit_sm per part and recipient on a bound SMPP session (opened on the
first send, kept until close()). The SendResult's id is the SMSC message id of the first part to the
first recipient and sms_count is parts x recipients; SMPP reports no cost or balance (None).
A send whose answer was lost raises smsc.smpp.OutcomeUnknown and is never sent again by the client.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

from smsc import _redact
from smsc._exceptions import InvalidRequest, SmscError, TransportError
from smsc._models import SendResult, Status
from smsc._request import Request
from smsc.smpp._client import SmppSendResult
from smsc.smpp._errors import OutcomeUnknown
from smsc.smpp._sync import SyncSmppClient
from smsc.text._segments import segments
from smsc.text._translit import transliterate

# send.php fields that concern HTTP only (credentials, reply layout, charset, the client's id)
_IGNORED = frozenset({"login", "psw", "apikey", "fmt", "charset", "cost", "id"})
_CARRIED = frozenset({"phones", "mes", "sender", "valid", "translit", "maxsms", "flash", "hlr"})


class SmppTransport:
    """Sends smsc.Client's messages over SMPP (see the module docstring).

    Args:
        host: the SMSC's SMPP host.
        port: its SMPP port (3700; TLS on 3443 with ssl=...).
        system_id: the SMPP login; by default the client's login.
        password: the SMPP password; by default the client's password (SMSC gives SMPP its own
            password: pass it here).
        statuses: answer smsc.Client.status (BASIC detail) by query_sm over this SMPP session
            instead of HTTPS (default False: status, cost and balance stay on HTTPS).
        options: anything smsc.smpp.SmppClient takes (window, ssl, rate_limit, long_messages, ...).
    """

    def __init__(
        self,
        host: str,
        port: int = 3700,
        *,
        system_id: str | None = None,
        password: str | None = None,
        statuses: bool = False,
        **options: Any,
    ) -> None:
        _redact.register(password)
        self.host, self.port = host, port
        self.statuses = statuses
        self._system_id = system_id
        self._password = password
        self._options = options
        self._client: SyncSmppClient | None = None

    def __repr__(self) -> str:
        return f"SmppTransport({self.host!r}, {self.port})"

    @property
    def client(self) -> SyncSmppClient | None:
        """The SMPP client, once the first message has been sent."""
        return self._client

    def _connect(self, credentials: dict[str, str], deadline: float | None) -> SyncSmppClient:
        if self._client is None:
            system_id = self._system_id or credentials.get("login")
            password = self._password if self._password is not None else credentials.get("psw")
            if not system_id or password is None:
                raise InvalidRequest("SMPP needs a system_id and password (an API key cannot bind)")
            client = SyncSmppClient(self.host, self.port, system_id=system_id, password=password, **self._options)
            try:
                client.connect(_left(deadline))
            except OutcomeUnknown as exc:  # the bind did not finish in time: nothing was submitted
                raise TransportError(f"SMPP {self.host}:{self.port}: {exc}", maybe_sent=False) from exc
            self._client = client
        return self._client

    def submit(
        self, request: Request, credentials: Sequence[tuple[str, str]], *, deadline: float | None = None
    ) -> SendResult:
        """Send a send.php request as submit_sm PDUs; InvalidRequest for what SMPP cannot carry."""
        values = dict(request.fields)
        unsupported = sorted(set(values) - _IGNORED - _CARRIED)
        if unsupported or request.files:
            what = ", ".join(unsupported) or "files"
            raise InvalidRequest(f"send over SMPP does not support: {what}")
        phones = [p for p in values.get("phones", "").replace(";", ",").split(",") if p]
        if not phones:
            raise InvalidRequest("phones: no recipient")
        text = "__HLR__" if values.get("hlr") == "1" else values.get("mes", "")
        if values.get("translit", "0") != "0":
            from smsc._enums import Translit

            text = transliterate(text, Translit(int(values["translit"])))
        if "maxsms" in values:
            text = segments(text, max_parts=int(values["maxsms"])).text
        options: dict[str, Any] = {"flash": values.get("flash") == "1"}
        if "sender" in values:
            options["source"] = values["sender"]
        if "valid" in values:
            options["validity_period"] = _relative(values["valid"])
        client = self._connect(dict(credentials), deadline)
        results = client._run(_send_all(client, phones, text, options), _left(deadline, client.call_timeout))
        sent = [r for r in results if isinstance(r, SmppSendResult)]
        errors = [r for r in results if isinstance(r, BaseException)]
        if errors:
            first = errors[0]
            if isinstance(first, SmscError) and sent:
                first.add_note(
                    f"{len(sent)} of {len(phones)} recipients were accepted: {', '.join(r.message_id for r in sent)}"
                )
            raise first
        return SendResult(id=sent[0].message_id, sms_count=sum(r.parts for r in sent))

    def status_of(self, request: Request, credentials: Sequence[tuple[str, str]]) -> Status:
        """smsc.Client.status carried by query_sm (with statuses=True): one message, BASIC detail."""
        values = dict(request.fields)
        message_id, phone = values.get("id", ""), values.get("phone", "")
        if not message_id or "," in message_id or "," in phone:
            raise InvalidRequest("status over SMPP: one message at a time (query_sm)")
        if values.get("all", "0") != "0":
            raise InvalidRequest("status over SMPP: only the BASIC detail (query_sm carries no more)")
        return self.status(message_id, phone, credentials)

    def status(
        self, id: str | int, phone: str, credentials: Sequence[tuple[str, str]] = (), *, deadline: float | None = None
    ) -> Status:
        """The status of a message sent over SMPP, by query_sm (the same smsc.Status as HTTP's BASIC detail)."""
        client = self._connect(dict(credentials), deadline)
        return client.query(str(id), phone)

    def close(self) -> None:
        """Unbind and close the SMPP session."""
        if self._client is not None:
            self._client.close()
            self._client = None


async def _send_all(
    client: SyncSmppClient, phones: list[str], text: str, options: dict[str, Any]
) -> list[SmppSendResult | BaseException]:
    return await asyncio.gather(*(client.client.send(p, text, **options) for p in phones), return_exceptions=True)


def _left(deadline: float | None, limit: float | None = None) -> float | None:
    """Seconds until the call's deadline (time.monotonic), at most `limit`; TransportError once passed."""
    if deadline is None:
        return limit
    left = deadline - time.monotonic()
    if left <= 0:
        raise TransportError("SMPP: the call's deadline has passed", maybe_sent=False)
    return left if limit is None else min(left, limit)


def _relative(valid: str) -> str:
    """send.php's `valid` (hours, or hh:mm) as an SMPP relative time YYMMDDhhmmss000R."""
    hours, _, minutes = valid.partition(":")
    if not hours.isdigit() or (minutes and not minutes.isdigit()):
        raise InvalidRequest(f"valid: {valid!r} is not hours or hh:mm")
    return f"000000{int(hours):02d}{int(minutes or 0):02d}00000R"
