"""The emulator's SOAP endpoint (/sys/soap.php): the generated WSDL, and each operation carried
to the same Service (and store) as the HTTP API, through the command its spec names.

A request is parsed with the SDK's hardened XML reader (no DTD, no entity): malformed XML, an
unknown operation, a missing element or an XML bomb is a SOAP fault (HTTP 500, faultcode Client),
never a hang. Results are the HTTP command's fmt=3 record written back as the result elements.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl

from aiohttp import web

from smsc._exceptions import InvalidRequest, ProtocolError
from smsc._soap_messages import NAMESPACE, OPERATIONS, PATH, WSDL
from smsc._soap_support import fault_envelope, local, read_request, response_envelope
from smsc.emulator._service import ApiCall, Reply, Service

log = logging.getLogger("smsc.emulator")

_XML = "text/xml"
_PREFIX = f"{{{NAMESPACE}}}"  # an operation's element: in the service's namespace, or in none
_QUALIFIED = len(_PREFIX)
_PARAMS = {name: frozenset(op.params) for name, op in OPERATIONS.items()}
_IMPLIED = {name: {**dict(op.fixed), "fmt": "3", "charset": "utf-8"} for name, op in OPERATIONS.items()}


def serves(path: str) -> bool:
    """True for the SOAP endpoint."""
    return path == PATH


def _fault(text: str, code: str = "Client") -> web.Response:
    return web.Response(status=500, body=fault_envelope(code, text), content_type=_XML, charset="utf-8")


async def handle(
    http: web.BaseRequest,
    service: Service,
    answer: Callable[[ApiCall, float], Awaitable[Reply]],
    read: Callable[[web.BaseRequest, float], Awaitable[bytes]],
    deadline: float,
) -> web.Response:
    """GET ?wsdl: the WSDL; POST: one operation. `read` gives the body, `answer` the service's reply to
    a call; either raises TimeoutError past `deadline` (the loop's clock)."""
    if http.method == "GET":
        if "wsdl" not in {k.lower() for k in http.query}:
            return web.Response(status=405, headers={"Allow": "POST"}, text="POST a SOAP envelope, or GET ?wsdl")
        address = f"{http.scheme}://{http.host}{PATH}"
        return web.Response(text=WSDL.format(address=address), content_type=_XML, charset="utf-8")
    if http.method != "POST":
        return web.Response(status=405, headers={"Allow": "GET, POST"})
    raw = await read(http, deadline)
    try:
        tag, values = read_request(raw)
    except ProtocolError as exc:
        return _fault(str(exc).removeprefix("SOAP: "))
    op = OPERATIONS.get(tag[_QUALIFIED:] if tag.startswith(_PREFIX) else tag)
    if op is None:
        return _fault(f"unknown operation {local(tag)!r}")
    params_of, required = _PARAMS[op.name], op.required
    if not values.keys() <= params_of:
        return _fault(f"{op.name}: unknown element(s) {', '.join(sorted(values.keys() - params_of))}")
    if not required <= values.keys():
        return _fault(f"{op.name}: missing {', '.join(sorted(required - values.keys()))}")
    query = values.pop("query", None)
    params = values
    if query is not None:
        try:
            params.update(parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query)))
        except ValueError:
            return _fault(f"{op.name}: query is not URL-encoded parameters")
    params.update(_IMPLIED[op.name])
    try:
        reply = await answer(ApiCall(op.endpoint, params, (), http.remote or ""), deadline)
    except InvalidRequest as exc:
        return _fault(str(exc))
    record = json.loads(reply.body)
    if reply.error is not None:
        result = {"error": str(reply.error)}
        if "id" in record:
            result["id"] = str(record["id"])
    else:
        result = {name: "" if (value := record.get(key)) is None else str(value) for name, key in op.fields}
        result["error"] = "0"
    return web.Response(body=response_envelope(NAMESPACE, op, result), content_type=_XML, charset="utf-8")
