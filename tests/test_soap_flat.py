"""The flat-envelope reader of smsc._soap_support: it reads what our transport, zeep and the emulator
write, and whatever it admits the hardened tree parser reads to the same names and texts, while a
document the tree parser refuses (or any bomb, DTD or entity) it leaves to that parser."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smsc._exceptions import ProtocolError
from smsc._soap_messages import NAMESPACE, OPERATIONS
from smsc._soap_support import (
    _FLAT_REQUEST,
    _FLAT_RESPONSE,
    _flat,
    body_of,
    read_request,
    request_envelope,
    response_envelope,
    result_record,
    texts,
)
from tests.test_soap import BOMB, EXTERNAL

ZEEP = (
    b"<?xml version='1.0' encoding='utf-8'?>\n"
    b'<soap-env:Envelope xmlns:soap-env="http://schemas.xmlsoap.org/soap/envelope/"><soap-env:Body>'
    b'<ns0:send_sms xmlns:ns0="http://smsc.ua/sys/soap.php"><login>demo</login><psw>demo</psw>'
    b"<phones>+77011234567</phones><mes>a&amp;b &lt;&gt; \xd0\x9f</mes><id></id><sender/></ns0:send_sms>"
    b"</soap-env:Body></soap-env:Envelope>"
)


def _tree_request(raw: bytes) -> tuple[str, dict[str, str]] | None:
    try:
        element = body_of(raw)
    except ProtocolError:
        return None
    return element.tag, texts(element)


def _tree_response(raw: bytes) -> tuple[str, str, dict[str, str]] | None:
    try:
        element = body_of(raw)
    except ProtocolError:
        return None
    if len(element) != 1:
        return None
    return element.tag, element[0].tag, texts(element[0])


def test_our_envelopes_and_zeeps_take_the_flat_path() -> None:
    op = OPERATIONS["send_sms"]
    ours = request_envelope(NAMESPACE, op, {"login": "demo", "psw": "x", "phones": "+7701", "mes": "<&> \"'\tП"})
    for raw in (ours, ZEEP):
        assert _flat(_FLAT_REQUEST, raw) is not None
        assert read_request(raw) == _tree_request(raw)
    assert read_request(ZEEP)[1]["mes"] == "a&b <> П" and read_request(ZEEP)[1]["sender"] == ""
    reply = response_envelope(NAMESPACE, op, {"id": "7", "balance": "1.5", "cnt": "1", "error": "0"})
    flat = _flat(_FLAT_RESPONSE, reply)
    assert flat is not None and flat[1] == {"id": "7", "balance": "1.5", "cost": "", "cnt": "1", "error": "0"}
    assert result_record(op, reply, {}) == {"id": "7", "balance": "1.5", "cnt": "1"}


@pytest.mark.parametrize(
    "raw",
    [
        BOMB,
        EXTERNAL,
        ZEEP.replace(b"<mes>", b"<!-- c --><mes>"),
        ZEEP.replace(b"a&amp;b", b"a&#38;b"),  # a character reference: the tree parser's
        ZEEP.replace(b"a&amp;b", b"a\rb"),  # XML reads a carriage return as a line feed
        ZEEP.replace(b"a&amp;b", b"a]]>b"),
        ZEEP.replace(b"a&amp;b", b"a\x01b"),
        ZEEP.replace(b"a&amp;b", b"a&undeclared;b"),
        ZEEP.replace(b"a&amp;b", b"\xff"),
        ZEEP.replace(b"a&amp;b", "\ufffe".encode()),
        ZEEP.replace(b"encoding='utf-8'", b"encoding='latin-1'"),
        b"\xef\xbb\xbf" + ZEEP,  # a BOM
        ZEEP.replace(b"ns0", b"xmlns"),
        ZEEP.replace(b"<login>", b'<login a="1">'),
        ZEEP.replace(b"</psw>", b"</pw>"),
        ZEEP.replace(b"<soap-env:Body>", b"<soap-env:Header/><soap-env:Body>"),
    ],
)
def test_what_the_flat_path_leaves_to_the_tree_parser(raw: bytes) -> None:
    assert _flat(_FLAT_REQUEST, raw) is None
    tree = _tree_request(raw)
    if tree is None:
        with pytest.raises(ProtocolError):
            read_request(raw)
    else:
        assert read_request(raw) == tree


def _mostly(valid: list[str], other: list[str]) -> st.SearchStrategy[str]:
    """One of `valid` most of the time (so that many documents are flat), else one of `other`."""
    return st.sampled_from(valid * (1 + 3 * len(other) // len(valid)) + other)


_WS = st.sampled_from(["", " ", "\n", "\r\n", "\t"])
_PREFIXES = _mostly(["soap", "soap-env", "S", "a.b", "_x"], ["xmlfoo", "xml", "1a", "é", "p q"])
_NAMES = _mostly(["login", "mes", "id", "x-y", "_1"], ["a:b", "xmlns", "1x", "é", "l o"])
_TEXTS = st.lists(
    _mostly(
        ["demo", " ", "П", "😀", ">", '"', "'", "&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "]]", "\n", "\t", "\x7f"],
        ["&#65;", "&x;", "&", "<", "]]>", "\r", "\x01", "\x85", "\ufffe", "\ufffd"],
    ),
    max_size=4,
).map("".join)
_LEAVES = st.lists(st.tuples(_WS, _NAMES, st.one_of(st.none(), _TEXTS)), max_size=5)
_DECLARATIONS = _mostly(
    ["", '<?xml version="1.0" encoding="utf-8"?>', "<?xml version='1.0' encoding='UTF-8'?>", '<?xml version="1.0"?>'],
    ['<?xml version="1.0" encoding="latin-1"?>', '<?xml version="1.1"?>', " "],
)
_NAMESPACES = _mostly([NAMESPACE, "urn:x"], ["", "a b", "a&b", "x\u00e9"])


def _document(decl: str, ws: str, env: str, body: str, prefix: str, ns: str, inner: str, wrap: str | None) -> str:
    if wrap is not None:
        inner = f"<{wrap}>{inner}</{wrap}>"
    return (
        f'{decl}{ws}<{env}:Envelope xmlns:{env}="http://schemas.xmlsoap.org/soap/envelope/">{ws}<{body}:Body>'
        f'<{prefix}:send_sms xmlns:{prefix}="{ns}">{inner}{ws}</{prefix}:send_sms>{ws}</{body}:Body>{ws}'
        f"</{env}:Envelope>{ws}"
    )


def _leaves(leaves: list[tuple[str, str, str | None]]) -> str:
    return "".join(f"{ws}<{name}/>" if text is None else f"{ws}<{name}>{text}</{name}>" for ws, name, text in leaves)


@given(
    decl=_DECLARATIONS,
    ws=_WS,
    env=_PREFIXES,
    same_body=st.sampled_from([True, True, True, False]),
    prefix=_PREFIXES,
    ns=_NAMESPACES,
    leaves=_LEAVES,
    wrap=st.sampled_from([None, "sendresult", "a:b"]),
    mangle=st.sampled_from([b"", b"", b"", b"", b"\xff", b"\xc3"]),
)
def test_what_the_flat_path_admits_the_tree_parser_reads_alike(
    decl: str,
    ws: str,
    env: str,
    same_body: bool,
    prefix: str,
    ns: str,
    leaves: list[tuple[str, str, str | None]],
    wrap: str | None,
    mangle: bytes,
) -> None:
    body = env if same_body else "other"
    raw = _document(decl, ws, env, body, prefix, ns, _leaves(leaves), wrap).encode("utf-8")
    raw = raw.replace(b"demo", b"de" + mangle + b"mo")
    request, response = _flat(_FLAT_REQUEST, raw), _flat(_FLAT_RESPONSE, raw)
    if request is not None:
        match, values = request
        assert _tree_request(raw) == (f"{{{match['ns']}}}{match['op']}", values)
    if response is not None:
        match, values = response
        assert _tree_response(raw) == (f"{{{match['ns']}}}{match['op']}", match["result"], values)
