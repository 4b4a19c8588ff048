"""SOAP 1.1 envelopes from the generated operation tables (smsc._soap_messages), both ways.

An operation carries one HTTP command: its request elements are that command's wire parameters
(further ones travel URL-encoded in `query` where the operation has it), and its result elements
are the keys of the command's fmt=3 record. So a SOAP result becomes that record, and the client's
generated JSON parsers read it as they read an HTTP reply; the emulator does the reverse.

Every envelope is written from a string template made once per operation (and per set of elements
present), with only the values escaped. A document is read by smsc._xml's hardened parser, except
one of the flat shape every SOAP toolkit writes for these operations (an envelope, its body, one
operation element of leaf elements holding plain text), which a single regular expression that
admits only well-formed XML of that shape reads instead (see _FLAT_REQUEST).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence, Set
from typing import TYPE_CHECKING, NamedTuple
from xml.sax.saxutils import escape, unescape

from smsc._exceptions import InvalidRequest, ProtocolError
from smsc._xml import XmlRefused, parse_xml

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

ENVELOPE_NS = "http://schemas.xmlsoap.org/soap/envelope/"
_HEAD = f'<?xml version="1.0" encoding="utf-8"?>\n<soap:Envelope xmlns:soap="{ENVELOPE_NS}"><soap:Body>'
_TAIL = "</soap:Body></soap:Envelope>"
_ENVELOPE = f"{{{ENVELOPE_NS}}}Envelope"
_BODY = f"{{{ENVELOPE_NS}}}Body"
_FAULT = f"{{{ENVELOPE_NS}}}Fault"


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


def _literal(text: str) -> str:
    """Constant text inside a %-template."""
    return text.replace("%", "%%")


def _elements(names: Sequence[str]) -> str:
    return "".join(f"<{name}>%s</{name}>" for name in names)


_REQUEST_TEMPLATES: dict[tuple[str, str, tuple[str, ...]], str] = {}
_RESPONSE_TEMPLATES: dict[tuple[str, str], str] = {}


def request_template(namespace: str, op: Operation, names: tuple[str, ...]) -> str:
    """The %-template of a request to `op` holding the elements `names` (in the WSDL's order), one %s each."""
    key = (namespace, op.name, names)
    template = _REQUEST_TEMPLATES.get(key)
    if template is None:
        wrapper = f'<tns:{op.name} xmlns:tns="{namespace}">'
        template = _literal(_HEAD + wrapper) + _elements(names) + _literal(f"</tns:{op.name}>{_TAIL}")
        if len(_REQUEST_TEMPLATES) < 1024:  # bounded: one per operation and set of elements present
            _REQUEST_TEMPLATES[key] = template
    return template


def element_names(op: Operation, present: Set[str]) -> tuple[str, ...]:
    """The elements of a request to `op` that `present` holds, in the WSDL's order; InvalidRequest
    when a required one is missing."""
    if not op.required <= present:
        raise InvalidRequest(f"{op.name}: missing {', '.join(sorted(op.required - present))}")
    return tuple(name for name in op.params if name in present)


def filled(template: str, names: Sequence[str], values: Mapping[str, str]) -> bytes:
    """A request template (request_template) with the values of its elements `names`, escaped."""
    return (template % tuple([escape(values[name]) for name in names])).encode("utf-8")


def request_envelope(namespace: str, op: Operation, values: Mapping[str, str]) -> bytes:
    """The request of `op` with `values` (its elements, in the WSDL's order)."""
    names = element_names(op, values.keys())
    return filled(request_template(namespace, op, names), names, values)


def _response_template(namespace: str, op: Operation) -> str:
    key = (namespace, op.name)
    template = _RESPONSE_TEMPLATES.get(key)
    if template is None:
        head = f'<tns:{op.response} xmlns:tns="{namespace}"><{op.result}>'
        tail = f"</{op.result}></tns:{op.response}>{_TAIL}"
        template = _literal(_HEAD + head) + _elements([name for name, _ in op.fields]) + _literal(tail)
        _RESPONSE_TEMPLATES[key] = template
    return template


def response_envelope(namespace: str, op: Operation, values: Mapping[str, str]) -> bytes:
    """The response of `op` with its result elements (the emulator's side); a missing one is empty."""
    texts = tuple([values.get(name, "") for name, _ in op.fields])
    joined = "".join(texts)  # one look for markup in all of them: the values are mostly plain numbers
    if "&" in joined or "<" in joined or ">" in joined:
        texts = tuple([escape(text) for text in texts])
    return (_response_template(namespace, op) % texts).encode("utf-8")


def fault_envelope(code: str, text: str) -> bytes:
    """A SOAP fault (`code`: Client for the caller's mistake, Server for ours)."""
    body = f"<soap:Fault><faultcode>soap:{code}</faultcode><faultstring>{escape(text)}</faultstring></soap:Fault>"
    return (_HEAD + body + _TAIL).encode("utf-8")


# The flat shape: what it admits is well-formed, namespace-well-formed XML that the tree parser
# reads to the same names and texts, so either reader gives one answer. The document is UTF-8 (no
# BOM, no other encoding declared); names are ASCII and prefixes never start with "xml"; texts hold
# no markup, no "]]>", no carriage return (XML would make it a line feed), no character XML forbids
# and only the five predefined entities. Anything else (a DTD, a comment, CDATA, attributes, a
# header, character references) is left to smsc._xml.
_S = r"[ \t\r\n]*"
_NAME = r"[A-Za-z_][A-Za-z0-9_.-]*"
_PREFIX = r"(?![Xx][Mm][Ll])" + _NAME
_CHARS = r"[^<&\x00-\x08\x0b-\x1f\ud800-\udfff\ufffe\uffff]*"
_TEXT = _CHARS + r"(?:&(?:lt|gt|amp|quot|apos);" + _CHARS + r")*"
_LEAVES = r"(?:" + _S + r"<(?P<leaf>" + _NAME + r")(?:/>|>" + _TEXT + r"</(?P=leaf)>))*" + _S
_DECLARATION = r"(?:<\?xml version=(?:\"1\.0\"|'1\.0')(?: encoding=(?:\"(?:utf|UTF)-8\"|'(?:utf|UTF)-8'))?\?>)?"
_OPEN = (
    _DECLARATION
    + _S
    + rf"<(?P<e>{_PREFIX}):Envelope xmlns:(?P=e)=\"http://schemas\.xmlsoap\.org/soap/envelope/\">"
    + _S
    + r"<(?P=e):Body>"
    + _S
    + rf"<(?P<p>{_PREFIX}):(?P<op>{_NAME}) xmlns:(?P=p)=\"(?P<ns>[!#-%'-;=?-~]+)\">"  # printable ASCII but "&<>
)
_CLOSE = r"</(?P=p):(?P=op)>" + _S + r"</(?P=e):Body>" + _S + r"</(?P=e):Envelope>" + _S
_FLAT_REQUEST = re.compile(_OPEN + r"(?P<leaves>" + _LEAVES + r")" + _CLOSE)
_FLAT_RESPONSE = re.compile(_OPEN + _S + rf"<(?P<result>{_NAME})>(?P<leaves>{_LEAVES})</(?P=result)>" + _S + _CLOSE)
_LEAF = re.compile(rf"<({_NAME})(?:/>|>({_TEXT})</\1>)")


_QUOTES = {"&quot;": '"', "&apos;": "'"}  # the predefined entities saxutils.unescape does not know itself


def _flat(pattern: re.Pattern[str], raw: bytes) -> tuple[re.Match[str], dict[str, str]] | None:
    """The match of a flat document and its leaves' texts by name; None for any other document."""
    try:
        document = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    match = pattern.fullmatch(document)
    if match is None or "]]>" in document:
        return None
    values = {name: unescape(text, _QUOTES) if "&" in text else text for name, text in _LEAF.findall(match["leaves"])}
    return match, values


def read_request(raw: bytes) -> tuple[str, dict[str, str]]:
    """The operation element's tag ({namespace}name) and its children's texts by local name (the
    emulator's side); ProtocolError for what is not one SOAP request."""
    flat = _flat(_FLAT_REQUEST, raw)
    if flat is not None:
        match, values = flat
        return f"{{{match['ns']}}}{match['op']}", values
    element = body_of(raw)
    return element.tag, texts(element)


def body_of(raw: bytes) -> Element:
    """The one element inside the envelope's Body; ProtocolError for anything else (a fault included)."""
    try:
        root = parse_xml(raw)
    except XmlRefused as exc:
        raise ProtocolError(f"SOAP: {exc}", raw=raw) from None
    if root.tag != _ENVELOPE:
        raise ProtocolError(f"SOAP: the document is {root.tag!r}, not a SOAP 1.1 envelope", raw=raw)
    body = root.find(_BODY)
    if body is None or len(body) != 1:
        raise ProtocolError("SOAP: the envelope's Body does not hold exactly one element", raw=raw)
    child = body[0]
    if child.tag == _FAULT:
        code = (child.findtext("faultcode") or "").strip()
        text = (child.findtext("faultstring") or "").strip()
        raise ProtocolError(f"SOAP fault {code}: {text[:200]}", raw=raw)
    return child


def local(tag: str) -> str:
    """An element's name without its namespace."""
    return tag.rpartition("}")[2] if tag[:1] == "{" else tag


def texts(element: Element) -> dict[str, str]:
    """The text of each child element of `element`, by its local name ("" for an empty one)."""
    values = {child.tag: child.text or "" for child in element}
    if any(tag[:1] == "{" for tag in values):  # a qualified child: rare, and read by its local name
        values = {local(child.tag): child.text or "" for child in element}
    return values


def result_record(op: Operation, raw: bytes, descriptions: Mapping[int, str]) -> dict[str, object]:
    """The fmt=3 record a response of `op` carries: its result's values, or an error record."""
    flat = _flat(_FLAT_RESPONSE, raw)
    if flat is not None and flat[0]["op"] == op.response and flat[0]["result"] == op.result:
        values = flat[1]
    else:
        element = body_of(raw)
        if local(element.tag) != op.response:
            raise ProtocolError(f"SOAP: expected {op.response}, got {local(element.tag)}", raw=raw)
        result = element.find(op.result)
        if result is None:
            result = next((c for c in element if local(c.tag) == op.result), None)
            if result is None:
                raise ProtocolError(f"SOAP: {op.response} without {op.result}", raw=raw)
        values = texts(result)
    error = values.get("error", "").strip()
    if error and error != "0":
        if not error.isdigit():
            raise ProtocolError(f"SOAP: {op.result}'s error is {error[:40]!r}, not a code", raw=raw)
        code = int(error)
        return {"error": descriptions.get(code, f"error {code}"), "error_code": code}
    record: dict[str, object] = {}
    for name, key in op.fields:
        text = values.get(name)
        if text and name != "error":
            text = text.strip()
            if text:  # empty: absent
                record[key] = text
    return record


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
