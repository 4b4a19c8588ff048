"""SOAP 1.1 envelopes from the generated operation tables (smsc._soap_messages), both ways.

An operation carries one HTTP command: its request elements are that command's wire parameters
(further ones travel URL-encoded in `query` where the operation has it), and its result elements
are the keys of the command's fmt=3 record. So a SOAP result becomes that record, and the client's
generated JSON parsers read it as they read an HTTP reply; the emulator does the reverse.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple
from xml.sax.saxutils import escape

from smsc._exceptions import InvalidRequest, ProtocolError
from smsc._xml import XmlRefused, parse_xml

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

ENVELOPE_NS = "http://schemas.xmlsoap.org/soap/envelope/"
_HEAD = f'<?xml version="1.0" encoding="utf-8"?>\n<soap:Envelope xmlns:soap="{ENVELOPE_NS}"><soap:Body>'
_TAIL = "</soap:Body></soap:Envelope>"


class Operation(NamedTuple):
    """One SOAP operation, as spec/soap.yaml describes it."""

    name: str
    endpoint: str  # the HTTP endpoint it carries
    error_map: str
    fixed: tuple[tuple[str, str], ...]  # HTTP fields it implies (cost=1)
    params: tuple[str, ...]  # request elements, in order
    required: frozenset[str]
    query: bool  # has a `query` element for further parameters
    response: str  # response element
    result: str  # result element inside it
    fields: tuple[tuple[str, str], ...]  # (result element, fmt=3 key)


def _element(name: str, value: str) -> str:
    return f"<{name}>{escape(value)}</{name}>"


def request_envelope(namespace: str, op: Operation, values: Mapping[str, str]) -> bytes:
    """The request of `op` with `values` (its elements, in the WSDL's order)."""
    missing = sorted(op.required - values.keys())
    if missing:
        raise InvalidRequest(f"{op.name}: missing {', '.join(missing)}")
    inner = "".join(_element(name, values[name]) for name in op.params if name in values)
    body = f'<tns:{op.name} xmlns:tns="{namespace}">{inner}</tns:{op.name}>'
    return (_HEAD + body + _TAIL).encode("utf-8")


def response_envelope(namespace: str, op: Operation, values: Mapping[str, str]) -> bytes:
    """The response of `op` with its result elements (the emulator's side)."""
    inner = "".join(_element(name, values.get(name, "")) for name, _ in op.fields)
    body = f'<tns:{op.response} xmlns:tns="{namespace}"><{op.result}>{inner}</{op.result}></tns:{op.response}>'
    return (_HEAD + body + _TAIL).encode("utf-8")


def fault_envelope(code: str, text: str) -> bytes:
    """A SOAP fault (`code`: Client for the caller's mistake, Server for ours)."""
    body = f"<soap:Fault><faultcode>soap:{code}</faultcode><faultstring>{escape(text)}</faultstring></soap:Fault>"
    return (_HEAD + body + _TAIL).encode("utf-8")


def body_of(raw: bytes) -> Element:
    """The one element inside the envelope's Body; ProtocolError for anything else (a fault included)."""
    try:
        root = parse_xml(raw)
    except XmlRefused as exc:
        raise ProtocolError(f"SOAP: {exc}", raw=raw) from None
    if root.tag != f"{{{ENVELOPE_NS}}}Envelope":
        raise ProtocolError(f"SOAP: the document is {root.tag!r}, not a SOAP 1.1 envelope", raw=raw)
    body = root.find(f"{{{ENVELOPE_NS}}}Body")
    children = list(body) if body is not None else []
    if len(children) != 1:
        raise ProtocolError("SOAP: the envelope's Body does not hold exactly one element", raw=raw)
    child = children[0]
    if child.tag == f"{{{ENVELOPE_NS}}}Fault":
        code = (child.findtext("faultcode") or "").strip()
        text = (child.findtext("faultstring") or "").strip()
        raise ProtocolError(f"SOAP fault {code}: {text[:200]}", raw=raw)
    return child


def local(tag: str) -> str:
    """An element's name without its namespace."""
    return tag.rpartition("}")[2]


def result_record(op: Operation, raw: bytes, descriptions: Mapping[int, str]) -> dict[str, object]:
    """The fmt=3 record a response of `op` carries: its result's values, or an error record."""
    element = body_of(raw)
    if local(element.tag) != op.response:
        raise ProtocolError(f"SOAP: expected {op.response}, got {local(element.tag)}", raw=raw)
    result = next((c for c in element if local(c.tag) == op.result), None)
    if result is None:
        raise ProtocolError(f"SOAP: {op.response} without {op.result}", raw=raw)
    values = {local(c.tag): (c.text or "").strip() for c in result}
    error = values.get("error", "")
    if error not in ("", "0"):
        if not error.isdigit():
            raise ProtocolError(f"SOAP: {op.result}'s error is {error[:40]!r}, not a code", raw=raw)
        code = int(error)
        return {"error": descriptions.get(code, f"error {code}"), "error_code": code}
    return {key: values[name] for name, key in op.fields if values.get(name) and name != "error"}  # empty: absent


def request_values(op: Operation, envelope_child: Element) -> dict[str, str]:
    """The element values of a request to `op` (the emulator's side)."""
    return {local(c.tag): (c.text or "") for c in envelope_child}


def choose(operations: Mapping[str, Operation], endpoint: str, fields: Sequence[tuple[str, str]]) -> Operation:
    """The operation that carries a call of `endpoint` with `fields`: the plain one if it holds them all."""
    names = {k for k, _ in fields}
    candidates = [op for op in operations.values() if op.endpoint == endpoint and set(dict(op.fixed)) <= names]
    candidates.sort(key=lambda op: op.query)  # the plain operation before the one with `query`
    for op in candidates:
        fixed = dict(op.fixed)
        if all(dict(fields).get(k) == v for k, v in fixed.items()) and (
            op.query or names - fixed.keys() <= set(op.params)
        ):
            return op
    raise InvalidRequest(f"{endpoint}: no SOAP operation carries it")
