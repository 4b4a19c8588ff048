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
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from smsc._exceptions import InvalidRequest, ProtocolError
from smsc._soap_messages import NAMESPACE, OPERATIONS, PATH, WSDL
from smsc._soap_support import body_of, fault_envelope, local, request_values, response_envelope
from smsc.emulator._service import ApiCall, Service

log = logging.getLogger("smsc.emulator")

_XML = "text/xml"


def serves(path: str) -> bool:
    """True for the SOAP endpoint."""
    return path == PATH


def _fault(text: str, code: str = "Client") -> web.Response:
    return web.Response(status=500, body=fault_envelope(code, text), content_type=_XML, charset="utf-8")


async def handle(
    http: web.BaseRequest, service: Service, run: Callable[[ApiCall], Awaitable[Any]], read: Callable[..., Any]
) -> web.Response:
    """GET ?wsdl: the WSDL; POST: one operation. `run` hands a call to the service's worker; `read` the body."""
    if http.method == "GET":
        if "wsdl" not in {k.lower() for k in http.query}:
            return web.Response(status=405, headers={"Allow": "POST"}, text="POST a SOAP envelope, or GET ?wsdl")
        address = f"{http.scheme}://{http.host}{PATH}"
        return web.Response(text=WSDL.format(address=address), content_type=_XML, charset="utf-8")
    if http.method != "POST":
        return web.Response(status=405, headers={"Allow": "GET, POST"})
    raw: bytes = await read(http)
    try:
        element = body_of(raw)
    except ProtocolError as exc:
        return _fault(str(exc).removeprefix("SOAP: "))
    op = OPERATIONS.get(local(element.tag))
    if op is None or (element.tag.startswith("{") and not element.tag.startswith(f"{{{NAMESPACE}}}")):
        return _fault(f"unknown operation {local(element.tag)!r}")
    values = request_values(op, element)
    unknown = sorted(set(values) - set(op.params))
    if unknown:
        return _fault(f"{op.name}: unknown element(s) {', '.join(unknown)}")
    missing = sorted(op.required - values.keys())
    if missing:
        return _fault(f"{op.name}: missing {', '.join(missing)}")
    params = {k: v for k, v in values.items() if k != "query"}
    if "query" in values:
        try:
            params.update(parse_qsl(values["query"], keep_blank_values=True, strict_parsing=bool(values["query"])))
        except ValueError:
            return _fault(f"{op.name}: query is not URL-encoded parameters")
    params.update(dict(op.fixed))
    params.update({"fmt": "3", "charset": "utf-8"})
    try:
        reply = await run(ApiCall(op.endpoint, params, (), http.remote or ""))
    except InvalidRequest as exc:
        return _fault(str(exc))
    record = json.loads(reply.body)
    if reply.error is not None:
        result = {"error": str(reply.error)}
        if "id" in record:
            result["id"] = str(record["id"])
    else:
        result = {name: _text(record.get(key)) for name, key in op.fields if key in record}
        result["error"] = "0"
    body = response_envelope(NAMESPACE, op, result)
    return web.Response(body=body, content_type=_XML, charset="utf-8")


def _text(value: object) -> str:
    return "" if value is None else str(value)
