"""SoapTransport and AsyncSoapTransport: the clients' commands over the service's SOAP interface.

    client = smsc.Client(login="login", password="secret", transport=smsc.SoapTransport())
    client.send(["+77011234567"], "Hello")        # send_sms: the same smsc.SendResult and errors

    async with smsc.AsyncClient(login="login", password="secret", transport=smsc.AsyncSoapTransport()) as client:
        await client.send(["+77011234567"], "Hello")

The client builds its requests as for HTTP; the transport carries each over the operation that
carries that command (send_sms, send_sms2 with the other parameters in `query`, get_sms_cost,
get_status, get_balance), reads the SOAP result into the command's fmt=3 record, and hands that
to the client's own parsers. So results, typed errors, retries and lost-send lookups are the same
as over HTTP. It uses an HttpTransport (AsyncHttpTransport) underneath: pooling, TLS, timeouts,
deadlines, bounded replies, mirrors; the password is in the envelope's body, never in a URL or a log record.
Not over SOAP: files (MMS, e-mail), several statuses in one request, and the region detail
(the SOAP status result has no country). The client must ask for JSON replies (the default).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from smsc._exceptions import InvalidRequest
from smsc._http import HttpTransport
from smsc._soap_support import choose, request_envelope, result_record

if TYPE_CHECKING:
    from smsc._attachments import Attachment

_DROPPED = frozenset({"fmt", "charset"})  # SOAP is UTF-8 and its results are records


class SoapTransport:
    """Carries smsc.Client's requests over SOAP (see the module docstring).

    Takes HttpTransport's options: base_url (the service; the path is /sys/soap.php), hosts,
    timeout, ca_certs, ssl_context, verify, pool_size, max_reply_bytes.
    """

    def __init__(self, base_url: str = "https://smsc.kz", **options: Any) -> None:
        if options.pop("method", "POST") != "POST":
            raise InvalidRequest("SoapTransport: SOAP is always POST")
        self._http = HttpTransport(base_url, **options)

    def __repr__(self) -> str:
        return f"SoapTransport({self._http.base_url!r})"

    @property
    def hosts(self) -> list[str]:
        """The base URLs tried in order."""
        return self._http.hosts

    def request(
        self,
        path: str,
        fields: Sequence[tuple[str, str]],
        *,
        files: Sequence[Attachment] = (),
        deadline: float | None = None,
    ) -> bytes:
        """One HTTP-API call carried over SOAP; the reply as the fmt=3 record the client parses."""
        envelope, headers, finish = _carry(path, fields, files)
        return finish(self._http.request(_path(), fields, deadline=deadline, body=(envelope, headers)))

    def close(self) -> None:
        """Close the pooled connections."""
        self._http.close()


class AsyncSoapTransport:
    """SoapTransport for smsc.AsyncClient, on AsyncHttpTransport (aiohttp: `pip install 'smsc[async]'`)."""

    def __init__(self, base_url: str = "https://smsc.kz", **options: Any) -> None:
        from smsc._aiohttp import AsyncHttpTransport

        if options.pop("method", "POST") != "POST":
            raise InvalidRequest("AsyncSoapTransport: SOAP is always POST")
        self._http = AsyncHttpTransport(base_url, **options)

    def __repr__(self) -> str:
        return f"AsyncSoapTransport({self._http.base_url!r})"

    @property
    def hosts(self) -> list[str]:
        """The base URLs tried in order."""
        return self._http.hosts

    async def request(
        self,
        path: str,
        fields: Sequence[tuple[str, str]],
        *,
        files: Sequence[Attachment] = (),
        deadline: float | None = None,
    ) -> bytes:
        """One HTTP-API call carried over SOAP (see SoapTransport.request)."""
        envelope, headers, finish = _carry(path, fields, files)
        return finish(await self._http.request(_path(), fields, deadline=deadline, body=(envelope, headers)))

    async def aclose(self) -> None:
        """Close the session."""
        await self._http.aclose()

    def close(self) -> None:
        """Close the session (from outside a running loop)."""
        self._http.close()


def _path() -> str:
    from smsc._soap_messages import PATH

    return PATH


def _carry(
    path: str, fields: Sequence[tuple[str, str]], files: Sequence[Attachment]
) -> tuple[bytes, Mapping[str, str], Callable[[bytes], bytes]]:
    """The envelope and headers of one HTTP-API call, and how to turn its SOAP reply into the fmt=3 record."""
    from smsc._api_errors import ERROR_MAPS
    from smsc._soap_messages import NAMESPACE, OPERATIONS

    if files:
        raise InvalidRequest("files (MMS, e-mail) cannot travel over SOAP: send them over HTTP")
    values = dict(fields)
    if values.get("fmt", "3") != "3":
        raise InvalidRequest("SoapTransport: give the client response_format=smsc.ResponseFormat.JSON")
    if path == "/sys/status.php" and ("," in values.get("id", "") or values.get("all") == "2"):
        raise InvalidRequest("over SOAP, status takes one message at a time and no region detail")
    if path == "/sys/balance.php":
        values.pop("cur", None)  # SOAP's balance result has no currency
    items = [(k, v) for k, v in values.items() if k not in _DROPPED]
    op = choose(OPERATIONS, path, items)
    fixed = dict(op.fixed)
    elements = {k: v for k, v in items if k in op.params and k not in fixed}
    rest = [(k, v) for k, v in items if k not in op.params and k not in fixed]
    if rest:
        elements["query"] = urlencode(rest)
    envelope = request_envelope(NAMESPACE, op, elements)
    headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{NAMESPACE}#{op.name}"'}
    descriptions = {code: text for code, (_, text) in ERROR_MAPS[op.error_map].items()}

    def finish(raw: bytes) -> bytes:
        return json.dumps(result_record(op, raw, descriptions), ensure_ascii=False).encode("utf-8")

    return envelope, headers, finish
