"""SOAP: the emulator's WSDL read and every operation called by zeep (an independent client); our
SoapTransport's envelopes valid against the WSDL's schema; the same results and errors as HTTP;
malformed SOAP, faults and XML bombs as ProtocolError on the client and faults on the emulator."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import urllib3
import xmlschema
import zeep

import smsc
from smsc._soap_messages import NAMESPACE, OPERATIONS, WSDL
from smsc._soap_support import request_envelope
from smsc._xml import XmlRefused, parse_xml
from smsc.emulator import Emulator
from tests.support.emulator_support import running

PHONE = "+77011234567"


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with running() as emu:
        yield emu


def _zeep(emulator: Emulator) -> Any:
    return zeep.Client(f"{emulator.base_url}/sys/soap.php?wsdl")  # type: ignore[no-untyped-call]


def _soap_client(emulator: Emulator, **options: Any) -> smsc.Client:
    transport = smsc.SoapTransport(emulator.base_url, timeout=5)
    return smsc.Client(login="demo", password="demo", base_url=emulator.base_url, transport=transport, **options)


# --- zeep reads our WSDL and calls every operation --------------------------------------------------


def test_zeep_calls_every_operation_of_the_emulator(emulator: Emulator) -> None:
    service = _zeep(emulator).service
    sent = service.send_sms(login="demo", psw="demo", phones=PHONE, mes="Привет из zeep", id="", sender="", time="")
    assert sent.error == "0" and int(sent.cnt) == 1 and sent.cost and sent.balance and sent.id
    sent2 = service.send_sms2(login="demo", psw="demo", phones=PHONE, mes="ab" * 100, query="maxsms=1")
    assert sent2.error == "0" and sent2.cnt == "1"  # maxsms=1 from the query: one part
    cost = service.get_sms_cost(login="demo", psw="demo", phones=PHONE, mes="Hello")
    assert cost.error == "0" and cost.cnt == "1" and cost.cost
    cost2 = service.get_sms_cost2(login="demo", psw="demo", phones=PHONE, mes="Hello", query="translit=1")
    assert cost2.error == "0"
    status = service.get_status(login="demo", psw="demo", phone=PHONE, id=sent.id, all="1")
    assert status.error == "0" and status.status == "-1" and status.message == "Привет из zeep"
    status2 = service.get_status2(login="demo", psw="demo", phone=PHONE, id=sent.id, query="", all="0")
    assert status2.error == "0" and status2.status == "-1"
    balance = service.get_balance(login="demo", psw="demo")
    assert balance.error == "0" and balance.balance
    wrong = service.get_balance(login="demo", psw="wrong")
    assert wrong.error == "2"
    texts = [m.text for m in emulator.messages()]
    assert "Привет из zeep" in texts


def test_the_wsdl_is_generated_from_the_spec(emulator: Emulator) -> None:
    http = urllib3.PoolManager()
    reply = http.request("GET", f"{emulator.base_url}/sys/soap.php?wsdl")
    assert reply.status == 200 and reply.headers["Content-Type"].startswith("text/xml")
    assert reply.data.decode() == WSDL.format(address=f"{emulator.base_url}/sys/soap.php")
    client = _zeep(emulator)
    assert {op for op in client.wsdl.bindings[f"{{{NAMESPACE}}}SMSCServiceBinding"]._operations} == set(OPERATIONS)


# --- our envelopes are valid by the WSDL's schema ---------------------------------------------------


def _schema() -> xmlschema.XMLSchema:
    start, end = WSDL.index("<xsd:schema "), WSDL.index("</xsd:schema>") + len("</xsd:schema>")
    return xmlschema.XMLSchema(WSDL[start:end])  # the WSDL's types, as zeep and WSDL tools read them


def test_our_request_envelopes_validate_against_the_wsdl_schema() -> None:
    schema = _schema()
    values = {
        "login": "demo",
        "psw": "secret",
        "phones": PHONE,
        "mes": "<&> Привет",
        "id": "7",
        "phone": PHONE,
        "query": "translit=1",
        "all": "1",
        "sender": "Shop",
        "time": "0",
    }
    for op in OPERATIONS.values():
        given = {k: v for k, v in values.items() if k in op.params}
        body = parse_xml(request_envelope(NAMESPACE, op, given))[0][0]
        schema.validate(body)  # raises on an invalid element, order or type


def test_the_envelopes_the_transport_sends_for_client_calls_validate(emulator: Emulator) -> None:
    from smsc._soap import _carry

    class Recording:  # the client's calls, as handed to the transport
        def __init__(self) -> None:
            self.inner = smsc.SoapTransport(emulator.base_url, timeout=5)
            self.calls: list[tuple[str, list[tuple[str, str]]]] = []

        def request(self, path: str, fields: Any, *, files: Any = (), deadline: float | None = None) -> bytes:
            self.calls.append((path, list(fields)))
            return self.inner.request(path, fields, files=files, deadline=deadline)

        def close(self) -> None:
            self.inner.close()

    emulator.accounts.add("markup", "<&>'\"]]>")  # a password that needs escaping
    emulator.accounts.update("markup", balance=100)
    recording = Recording()
    with smsc.Client(login="markup", password="<&>'\"]]>", transport=recording) as client:
        sent = client.send([PHONE], "<&> Привет", sender="Shop")
        client.send([PHONE], "ab" * 100, max_parts=1, translit=smsc.Translit.LATIN)  # send_sms2: the rest in `query`
        client.cost([PHONE], "Hello")
        client.cost([PHONE], "Hello", translit=smsc.Translit.LATIN)
        client.status(sent.id, PHONE, detail=smsc.StatusDetail.FULL)
        client.balance()
    schema = _schema()
    operations = set()
    for path, fields in recording.calls:
        envelope = _carry(path, fields, ())[0]
        body = parse_xml(envelope)[0][0]
        schema.validate(body)
        operations.add(body.tag.rpartition("}")[2])
    assert {"send_sms", "send_sms2", "get_sms_cost", "get_sms_cost2", "get_status", "get_balance"} <= operations


# --- SoapTransport: the same results and errors as HTTP -------------------------------------------


def test_client_over_soap_sends_costs_and_reads_statuses(emulator: Emulator) -> None:
    with _soap_client(emulator) as client:
        sent = client.send([PHONE], "Над SOAP & <xml>", sender="Shop", max_parts=2)
        assert sent.sms_count == 1 and sent.cost is not None and sent.balance is not None and not sent.recovered
        cost = client.cost([PHONE], "Hello")
        assert cost.sms_count == 1 and cost.cost is not None
        assert client.balance() == sent.balance and client.account().currency is None  # SOAP names none
        emulator.advance(60)
        status = client.status(sent.id, PHONE, detail=smsc.StatusDetail.FULL)
        assert status.status is smsc.MessageStatus.DELIVERED and status.message == "Над SOAP & <xml>"
        assert status.sender == "Shop"
        with pytest.raises(smsc.Undeliverable):
            client.send(["+79990080001"], "refused")  # a test number refused at send: error 8, typed
        with pytest.raises(smsc.InvalidRequest, match="one message at a time"):
            client.statuses([(1, PHONE), (2, PHONE)])
        with pytest.raises(smsc.InvalidRequest, match="files"):
            client.send([PHONE], "mms", files=[b"x"], format=smsc.MessageFormat.MMS)
    wrong = smsc.Client(
        login="demo", password="nope", base_url=emulator.base_url, transport=smsc.SoapTransport(emulator.base_url)
    )
    with wrong, pytest.raises(smsc.AuthError):
        wrong.cost([PHONE], "x")


def test_the_password_never_leaves_the_envelope_body(emulator: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG", logger="smsc")
    emulator.accounts.add("soapy", "s3cret-soap")
    transport = smsc.SoapTransport(emulator.base_url)
    with smsc.Client(login="soapy", password="s3cret-soap", base_url=emulator.base_url, transport=transport) as client:
        client.cost([PHONE], "x")
        assert "s3cret-soap" not in repr(client) and "s3cret-soap" not in repr(client.transport)
        with pytest.raises(smsc.Undeliverable) as info:
            client.cost(["+79990080001"], "x")  # an error reply over SOAP
        assert "s3cret-soap" not in str(info.value)
    assert caplog.records and "s3cret-soap" not in caplog.text


def test_soap_fails_over_from_a_refusing_host_to_a_mirror(emulator: Emulator) -> None:
    import asyncio
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    transport = smsc.SoapTransport(dead, hosts=[dead, emulator.base_url], timeout=5)
    with smsc.Client(login="demo", password="demo", transport=transport) as client:
        assert client.send([PHONE], "over the mirror", id=4242).id == 4242
        assert transport.hosts_state.current == 1  # the client stays on the host that answered
        assert client.send([PHONE], "again", id=4243).id == 4243

    async def go() -> int | str:
        transport = smsc.AsyncSoapTransport(dead, hosts=[dead, emulator.base_url], timeout=5)
        async with smsc.AsyncClient(login="demo", password="demo", transport=transport) as client:
            sent = await client.send([PHONE], "async over the mirror", id=4244)
            assert transport.hosts_state.current == 1
            return sent.id

    assert asyncio.run(go()) == 4244
    assert [m.id for m in emulator.messages() if m.id in (4242, 4243, 4244)] == [4242, 4243, 4244]


# --- malformed SOAP --------------------------------------------------------------------------------------


class _Script(BaseHTTPRequestHandler):
    body = b""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def scripted() -> Iterator[tuple[str, type[_Script]]]:
    handler = type("Handler", (_Script,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler
    finally:
        server.shutdown()
        server.server_close()


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>&lol3;</soap:Body></soap:Envelope>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY ext SYSTEM "file:///etc/passwd">]>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>&ext;</soap:Body></soap:Envelope>"""
FAULT = (
    b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault>'
    b"<faultcode>soap:Server</faultcode><faultstring>database down</faultstring></soap:Fault></soap:Body>"
    b"</soap:Envelope>"
)
OTHER = (
    b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
    b'<tns:BalanceResponse xmlns:tns="http://smsc.ua/sys/soap.php"><balanceresult><balance>1</balance>'
    b"<error>0</error></balanceresult></tns:BalanceResponse></soap:Body></soap:Envelope>"
)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<not xml", "not well-formed"),
        (BOMB, "DTD or an entity"),
        (EXTERNAL, "DTD or an entity"),
        (FAULT, "SOAP fault soap:Server: database down"),
        (OTHER, "expected CostResponse"),
        (b"<html><body>Bad gateway</body></html>", "not a SOAP 1.1 envelope"),
        (b"", "not well-formed"),
    ],
)
def test_malformed_soap_replies_are_protocol_errors(
    scripted: tuple[str, type[_Script]], body: bytes, message: str
) -> None:
    url, handler = scripted
    handler.body = body
    client = smsc.Client(
        login="demo", password="demo", transport=smsc.SoapTransport(url), retry=smsc.RetryPolicy(attempts=1)
    )
    with pytest.raises(smsc.ProtocolError, match=message) as info:
        client.cost([PHONE], "x")
    assert info.value.raw == body


def test_the_hardened_parser_refuses_bombs_and_deep_nesting() -> None:
    for bomb in (BOMB, EXTERNAL):
        with pytest.raises(XmlRefused):
            parse_xml(bomb)
    with pytest.raises(XmlRefused, match="nested"):
        parse_xml(b"<a>" * 100 + b"</a>" * 100)
    assert parse_xml(b"<a><b>x</b></a>")[0].text == "x"


@pytest.mark.parametrize(
    ("body", "fault"),
    [
        (b"<nope", "not well-formed"),
        (BOMB, "DTD or an entity"),
        (EXTERNAL, "DTD or an entity"),
        (
            b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
            b'<tns:launch_rockets xmlns:tns="http://smsc.ua/sys/soap.php"/></soap:Body></soap:Envelope>',
            "unknown operation 'launch_rockets'",
        ),
        (
            b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
            b'<tns:send_sms xmlns:tns="http://smsc.ua/sys/soap.php"><login>demo</login></tns:send_sms>'
            b"</soap:Body></soap:Envelope>",
            "missing mes, phones",
        ),
    ],
)
def test_the_emulator_answers_malformed_soap_with_a_fault(emulator: Emulator, body: bytes, fault: str) -> None:
    http = urllib3.PoolManager()
    reply = http.request(
        "POST",
        f"{emulator.base_url}/sys/soap.php",
        body=body,
        headers={"Content-Type": "text/xml"},
        retries=False,
        timeout=10,
    )
    assert reply.status == 500 and b"<faultcode>soap:Client</faultcode>" in reply.data
    assert fault.encode() in reply.data


def test_soap_reply_records_are_json_the_http_parsers_read() -> None:
    from smsc._soap_support import result_record

    op = OPERATIONS["get_sms_cost"]
    raw = (
        b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
        b'<tns:CostResponse xmlns:tns="http://smsc.ua/sys/soap.php"><costresult><cost>2.5</cost><cnt>2</cnt>'
        b"<error>0</error></costresult></tns:CostResponse></soap:Body></soap:Envelope>"
    )
    assert result_record(op, raw, {}) == {"cost": "2.5", "cnt": "2"}
    error = raw.replace(b"<error>0</error>", b"<error>3</error>")
    assert json.loads(json.dumps(result_record(op, error, {3: "no money"}))) == {"error": "no money", "error_code": 3}


def test_async_client_over_soap(emulator: Emulator) -> None:
    import asyncio

    async def go() -> tuple[smsc.SendResult, smsc.Cost, smsc.Status]:
        transport = smsc.AsyncSoapTransport(emulator.base_url, timeout=5)
        async with smsc.AsyncClient(
            login="demo", password="demo", base_url=emulator.base_url, transport=transport
        ) as client:
            sent = await client.send([PHONE], "async SOAP")
            cost = await client.cost([PHONE], "async SOAP")
            status = await client.status(sent.id, PHONE)
            with pytest.raises(smsc.Undeliverable):
                await client.send(["+79990080001"], "refused")
            return sent, cost, status

    sent, cost, status = asyncio.run(go())
    assert sent.sms_count == 1 and sent.balance is not None and cost.sms_count == 1
    assert status.status in (smsc.MessageStatus.WAITING, smsc.MessageStatus.TRANSFERRED, smsc.MessageStatus.DELIVERED)
    assert "async SOAP" in [m.text for m in emulator.messages()]


_UTF16 = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>'


@pytest.mark.parametrize(
    "doc",
    [
        _UTF16.encode("utf-16-le"),  # no BOM: "<!" is not the bytes b"<!"
        _UTF16.encode("utf-16"),  # with a BOM
        b'<?xml version="1.0" encoding="cp500"?>' + "<!DOCTYPE a [<!ENTITY x 'y'>]><a>&x;</a>".encode("cp500"),
        b"<a>" + b"<b/>" * 200 + b"</a>" + b"<c>" * 70,  # too many tags to be sure of the depth
    ],
)
def test_documents_the_c_parser_could_be_fooled_by_take_the_guarded_path(doc: bytes) -> None:
    from smsc._xml import _plain

    assert not _plain(doc)
    with pytest.raises(XmlRefused):
        parse_xml(doc)


@pytest.mark.parametrize(
    "doc",
    [
        FAULT,
        OTHER,
        b'<?xml version="1.0" encoding="UTF-8"?><r a="1" xmlns:p="urn:p" p:b="2">t<i>\xd0\x9f</i>tail&amp;&#65;</r>',
        b"<r><i>unclosed</r>",
        b"<r>&undeclared;</r>",
        b"<r/><second/>",
    ],
)
def test_both_parsers_read_a_plain_document_alike(doc: bytes) -> None:
    from xml.etree.ElementTree import tostring

    from smsc._xml import _parse_guarded, _parse_plain, _plain

    assert _plain(doc)
    try:
        guarded: object = tostring(_parse_guarded(doc))
    except XmlRefused as exc:
        guarded = str(exc)
    try:
        plain: object = tostring(_parse_plain(doc))
    except XmlRefused as exc:
        plain = str(exc)
    assert plain == guarded
