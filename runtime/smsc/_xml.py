"""XML the SDK and the emulator read, parsed with no DTD, no entity and no external fetch.

The standard library's expat does not fetch external entities and limits entity expansion, but
still reads DTDs and internal entities. A reply or SOAP envelope never needs them, so any DOCTYPE,
entity declaration or entity reference is refused outright (as defusedxml's forbid_dtd does), and
nesting is bounded. defusedxml itself is not a dependency of the client: this is the part of it
the SDK needs, on the standard library.
"""

from __future__ import annotations

import re
import xml.parsers.expat as expat
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

MAX_DEPTH = 64


class XmlRefused(ValueError):
    """Input that is not well-formed XML, or that uses what is refused here (DTDs, entities)."""


_DECLARED = re.compile(rb"<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)")
_ASCII_SUPERSETS = frozenset({b"utf-8", b"utf8", b"us-ascii", b"ascii"})


def parse_xml(raw: bytes | str) -> Element:
    """The root element of `raw`; XmlRefused for malformed XML, a DTD, an entity or deep nesting."""
    data = raw.encode("utf-8") if isinstance(raw, str) else raw
    if _plain(data):
        return _parse_plain(data)
    return _parse_guarded(data)


def _plain(data: bytes) -> bool:
    """True for a document that cannot hold a DTD nor nest deeper than MAX_DEPTH, read as it is.

    That is: UTF-8 (no BOM, no other declared encoding, in which `<!` could be spelt other bytes),
    no `<!` at all (so no DOCTYPE, hence no entity can be declared), and too few tags to nest
    deeper than MAX_DEPTH. Such a document needs no watching and goes to the C parser whole.
    """
    if not data.startswith(b"<") or data[1:2] == b"\x00" or b"<!" in data or data.count(b"<") > 2 * MAX_DEPTH:
        return False
    if data.startswith(b"<?xml"):
        declared = _DECLARED.match(data)
        return declared is None or declared.group(1).lower() in _ASCII_SUPERSETS
    return True


def _parse_plain(data: bytes) -> Element:
    from xml.etree.ElementTree import ParseError, XMLParser

    parser = XMLParser()
    try:
        parser.feed(data)
        root: Element = parser.close()
    except ParseError as exc:
        raise _malformed(exc.code, exc.position[0]) from None
    return root


def _malformed(code: int, line: int) -> XmlRefused:
    return XmlRefused(f"not well-formed XML: {expat.errors.messages[code]} at line {line}")


def _parse_guarded(data: bytes) -> Element:
    """Expat with every DTD and entity handler refusing, and the nesting counted."""
    from xml.etree.ElementTree import TreeBuilder

    builder = TreeBuilder()
    parser = expat.ParserCreate(namespace_separator=" ")
    depth = 0

    def name(qualified: str) -> str:
        uri, _, local = qualified.rpartition(" ")
        return f"{{{uri}}}{local}" if uri else local

    def start(tag: str, attrs: dict[str, str]) -> None:
        nonlocal depth
        depth += 1
        if depth > MAX_DEPTH:
            raise XmlRefused(f"elements nested deeper than {MAX_DEPTH}")
        builder.start(name(tag), {name(k): v for k, v in attrs.items()})

    def end(tag: str) -> None:
        nonlocal depth
        depth -= 1
        builder.end(name(tag))

    def refuse(*_: object) -> None:
        raise XmlRefused("a DTD or an entity (refused)")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = builder.data
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse  # type: ignore[assignment]
    parser.SkippedEntityHandler = refuse
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise _malformed(exc.code, exc.lineno) from None
    except RecursionError:
        raise XmlRefused("elements nested too deeply") from None
    root: Element = builder.close()
    return root
