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

import functools
import json
from collections.abc import Callable, Mapping, Sequence
from json.encoder import encode_basestring_ascii as _string
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlencode

from smsc._exceptions import InvalidRequest
from smsc._http import HttpTransport
from smsc._soap_support import choose, element_names, filled, request_template, result_record

if TYPE_CHECKING:
    from smsc._attachments import Attachment


class SoapTransport:
    """Carries smsc.Client's requests over SOAP (see the module docstring).

    Takes HttpTransport's options: base_url (the service; the path is /sys/soap.php), hosts,
    timeout, ca_certs, ssl_context, verify, pool_size, max_reply_bytes.
    """

    def __init__(self, base_url: str = "https://smsc.kz", **options: Any) -> None:
        from smsc._soap_messages import PATH

        if options.pop("method", "POST") != "POST":
            raise InvalidRequest("SoapTransport: SOAP is always POST")
        self._http = HttpTransport(base_url, **options)
        self._path = PATH
        self.hosts_state = self._http.hosts_state  # the client fails over between the hosts, as over HTTP

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
        return finish(self._http.request(self._path, fields, deadline=deadline, body=(envelope, headers)))

    def request_to(
        self,
        host: int | None,
        path: str,
        fields: Sequence[tuple[str, str]],
        files: Sequence[Attachment],
        deadline: float | None,
    ) -> bytes:
        """One call to host number `host` (the current one for None), no failover (see request)."""
        envelope, headers, finish = _carry(path, fields, files)
        return finish(self._http.request_to(host, self._path, fields, (), deadline, (envelope, headers)))

    def close(self) -> None:
        """Close the pooled connections."""
        self._http.close()


class AsyncSoapTransport:
    """SoapTransport for smsc.AsyncClient, on AsyncHttpTransport (aiohttp: `pip install 'smsc[async]'`)."""

    def __init__(self, base_url: str = "https://smsc.kz", **options: Any) -> None:
        from smsc._aiohttp import AsyncHttpTransport
        from smsc._soap_messages import PATH

        if options.pop("method", "POST") != "POST":
            raise InvalidRequest("AsyncSoapTransport: SOAP is always POST")
        self._http = AsyncHttpTransport(base_url, **options)
        self._path = PATH
        self.hosts_state = self._http.hosts_state

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
        return finish(await self._http.request(self._path, fields, deadline=deadline, body=(envelope, headers)))

    async def request_to(
        self,
        host: int | None,
        path: str,
        fields: Sequence[tuple[str, str]],
        files: Sequence[Attachment],
        deadline: float | None,
    ) -> bytes:
        """One call to host number `host` (the current one for None), no failover."""
        envelope, headers, finish = _carry(path, fields, files)
        return finish(await self._http.request_to(host, self._path, fields, (), deadline, (envelope, headers)))

    async def aclose(self) -> None:
        """Close the session."""
        await self._http.aclose()

    def close(self) -> None:
        """Close the session (from outside a running loop)."""
        self._http.close()


class _Route:
    """How calls of one endpoint with one set of fields travel: precomputed once, used for every such call."""

    __slots__ = ("descriptions", "headers", "names", "op", "rest", "template")

    def __init__(self, path: str, items: Sequence[tuple[str, str]]) -> None:
        from smsc._api_errors import ERROR_MAPS
        from smsc._soap_messages import NAMESPACE, OPERATIONS

        op = choose(OPERATIONS, path, items)
        fixed = dict(op.fixed)
        given = {k for k, _ in items if k not in fixed}
        self.op = op
        self.rest = tuple(k for k, _ in items if k not in op.params and k not in fixed)
        self.names = element_names(op, given | {"query"} if self.rest else given)
        self.template = request_template(NAMESPACE, op, self.names)
        self.headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{NAMESPACE}#{op.name}"'}
        self.descriptions = {code: text for code, (_, text) in ERROR_MAPS[op.error_map].items()}

    def envelope(self, values: Mapping[str, str]) -> bytes:
        """The request envelope of a call with these `values` (its fields, fmt and charset dropped)."""
        if self.rest:
            values = {**values, "query": urlencode([(k, values[k]) for k in self.rest])}
        return filled(self.template, self.names, values)

    def finish(self, raw: bytes) -> bytes:
        """The SOAP reply as the command's fmt=3 record (JSON)."""
        record = result_record(self.op, raw, self.descriptions)
        if "error_code" in record:
            return json.dumps(record).encode("ascii")
        strings = cast("dict[str, str]", record)  # a result's values are its elements' texts
        return ("{" + ",".join([f"{_string(k)}:{_string(v)}" for k, v in strings.items()]) + "}").encode("ascii")


_ROUTES: dict[tuple[object, ...], _Route] = {}


@functools.cache
def _fixed_keys() -> tuple[str, ...]:
    """The fields whose values pick an operation (spec/soap.yaml's `fixed`: cost)."""
    from smsc._soap_messages import OPERATIONS

    return tuple(sorted({k for op in OPERATIONS.values() for k, _ in op.fixed}))


def _carry(
    path: str, fields: Sequence[tuple[str, str]], files: Sequence[Attachment]
) -> tuple[bytes, Mapping[str, str], Callable[[bytes], bytes]]:
    """The envelope and headers of one HTTP-API call, and how to turn its SOAP reply into the fmt=3 record."""
    if files:
        raise InvalidRequest("files (MMS, e-mail) cannot travel over SOAP: send them over HTTP")
    values = dict(fields)
    if values.pop("fmt", "3") != "3":
        raise InvalidRequest("SoapTransport: give the client response_format=smsc.ResponseFormat.JSON")
    values.pop("charset", None)  # SOAP is UTF-8
    if path == "/sys/status.php" and ("," in values.get("id", "") or values.get("all") == "2"):
        raise InvalidRequest("over SOAP, status takes one message at a time and no region detail")
    if path == "/sys/balance.php":
        values.pop("cur", None)  # SOAP's balance result has no currency
    key = (path, tuple(values), *map(values.get, _fixed_keys()))
    route = _ROUTES.get(key)
    if route is None:
        route = _Route(path, list(values.items()))
        if len(_ROUTES) < 256:  # bounded: one per endpoint and set of parameters the client sends
            _ROUTES[key] = route
    return route.envelope(values), route.headers, route.finish
