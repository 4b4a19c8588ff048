"""smsc.callbacks without a network: parsing every format and charset, verification, deduplication,
and the property that what the emulator renders parses back to the same event."""

from __future__ import annotations

import hashlib
import logging
import subprocess
import sys
import zlib
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from attrs import evolve
from hypothesis import given, settings
from hypothesis import strategies as st

import smsc
from smsc.callbacks import (
    ALGORITHMS,
    CallbackEvent,
    CallbackRequest,
    MemoryStore,
    Receiver,
    SqliteStore,
    Verifier,
    parse,
    render,
    signed_text,
)
from tests.support.strategies import datetimes, message_ids

SECRET = "s3cret-callback"
AT = datetime(2024, 5, 20, 12, 0, 5, tzinfo=smsc.MSK)
TS = str(int(AT.timestamp()))


def form(body: str | bytes, query: str = "", *, method: str = "POST", **kw: Any) -> CallbackRequest:
    raw = body.encode("ascii") if isinstance(body, str) else body
    return CallbackRequest(method=method, query=query, body=raw, **kw)


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


# parsing -----------------------------------------------------------------------------------
def test_status_form_post() -> None:
    body = f"id=101&phone=77011234567&status=1&err=0&ts={TS}&cost=1.50&sender_id=Shop&cnt=2&type=0"
    event = parse(form(body, "charset=utf-8"))
    assert event == smsc.StatusEvent(
        id=101,
        phone="77011234567",
        status=smsc.MessageStatus.DELIVERED,
        error=smsc.DeliveryError.NONE,
        at=AT,
        cost=Decimal("1.50"),
        sender="Shop",
        parts=2,
        extra={"type": "0"},
    )
    assert event.key == f"status:101:77011234567:1:{TS}"


def test_status_get_query_with_unknown_codes() -> None:
    event = parse(form(b"", f"id=order-7&phone=79990020001&status=77&err=299&ts={TS}", method="GET"))
    assert isinstance(event, smsc.StatusEvent)
    assert event.id == "order-7" and event.status.name == "UNKNOWN_77" and event.error.name == "UNKNOWN_299"
    assert event.cost is None and event.sender is None and event.parts is None


def test_incoming_windows_1251_default_charset() -> None:
    text = "Привет, мир! №5"
    body = b"id=55&phone=77011234567&to=77000000001&ts=" + TS.encode() + b"&mes=" + _pct(text.encode("cp1251"))
    event = parse(form(body))  # no charset on the URL: the service's default, windows-1251
    assert event == smsc.IncomingMessage(id=55, phone="77011234567", to="77000000001", text=text, at=AT)


@pytest.mark.parametrize("charset, codec", [("koi8-r", "koi8_r"), ("utf-8", "utf-8"), ("windows-1251", "cp1251")])
def test_incoming_in_each_charset(charset: str, codec: str) -> None:
    text = "Ваш код 1234"
    body = b"id=5&phone=77011234567&mes=" + _pct(text.encode(codec))
    event = parse(form(body, f"charset={charset}"))
    assert isinstance(event, smsc.IncomingMessage) and event.text == text


def test_utf8_url_with_windows_1251_bytes_is_malformed() -> None:
    request = form(b"id=5&phone=77011234567&mes=" + _pct("Привет".encode("cp1251")), "charset=utf-8")
    with pytest.raises(smsc.CallbackError, match="not utf-8") as info:
        parse(request)
    assert info.value.request is request and info.value.raw == request.body
    assert isinstance(info.value, smsc.ProtocolError)


def test_json_and_xml_bodies() -> None:
    json_body = f'{{"id": 7, "phone": "77011234567", "status": 3, "err": 6, "ts": {TS}, "cost": "0.00"}}'
    event = parse(form(json_body.encode(), "fmt=3&charset=utf-8"))
    assert isinstance(event, smsc.StatusEvent)
    assert (event.status, event.error, event.cost) == (smsc.MessageStatus.EXPIRED, smsc.DeliveryError(6), Decimal(0))
    xml_body = (
        '<?xml version="1.0" encoding="windows-1251"?>\n<data><id>8</id><phone>77011234567</phone>'
        "<mes>Сумма &lt;100&gt; &amp; всё</mes><to></to></data>"
    ).encode("cp1251")
    incoming = parse(form(xml_body, "fmt=2"))
    assert isinstance(incoming, smsc.IncomingMessage) and incoming.text == "Сумма <100> & всё" and incoming.to == ""


def test_call_event() -> None:
    event = parse(form(f"phone=77011234567&to=77270000000&ts={TS}"))
    assert event == smsc.CallEvent(phone="77011234567", to="77270000000", at=AT)


@pytest.mark.parametrize(
    "body, problem",
    [
        (b"", "empty callback"),
        (b"id=1&phone=77011234567&sta", "not a callback event"),  # truncated
        (b'{"id": 1, "phone": "7701', "malformed JSON"),  # truncated
        (b'{"id": 1, "phone": "77011234567", "status": 1, "cost": 1e99999999999999999999}', "malformed JSON"),
        (b"<data><id>1</id><phone>7701", "malformed XML"),  # truncated
        (b"[1, 2]", "not a callback event"),
        (b'{"id": 1, "status": [1]}', "not a string or number"),
        (b"id=1&phone=77011234567&status=delivered", "field status"),
        (b"id=0&phone=77011234567&status=1", "field id"),
        (b"id=1&phone=&status=1", "no phone"),
        (b"id=1&phone=7701&status=1&ts=99999999999999", "field ts"),
        (b'<!DOCTYPE d [<!ENTITY a "b">]><data><id>&a;</id></data>', "malformed XML"),
    ],
)
def test_malformed_requests(body: bytes, problem: str) -> None:
    with pytest.raises(smsc.CallbackError, match=problem):
        parse(form(body, "charset=utf-8"))


def test_xml_entity_expansion_is_refused() -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><d><id>&b;</id></d>'
    with pytest.raises(smsc.CallbackError, match="malformed XML"):
        parse(form(bomb, "fmt=2"))


# verification ------------------------------------------------------------------------------
STATUS_BODY = f"id=101&phone=77011234567&status=1&err=0&ts={TS}"


@pytest.mark.parametrize("algorithm", ["md5", "sha1", "crc32"])
def test_signed_request_accepted_and_forgeries_rejected(algorithm: str) -> None:
    text = f"101:77011234567:1:{SECRET}".encode()
    good = {
        "md5": hashlib.md5(text).hexdigest(),
        "sha1": hashlib.sha1(text).hexdigest(),
        "crc32": str(zlib.crc32(text)),
    }[algorithm]
    verifier = Verifier(secret=SECRET, algorithm=algorithm)  # type: ignore[arg-type]
    query = f"charset=utf-8&{algorithm}=1"
    assert parse(form(f"{STATUS_BODY}&{algorithm}={good}", query), verifier=verifier).key.startswith("status:101:")
    with pytest.raises(smsc.CallbackRejected, match="signature") as info:  # a changed status, same signature
        parse(form(f"{STATUS_BODY.replace('status=1', 'status=20')}&{algorithm}={good}", query), verifier=verifier)
    assert info.value.reason == f"wrong {algorithm} signature"
    with pytest.raises(smsc.CallbackRejected, match="unsigned"):
        parse(form(STATUS_BODY, query), verifier=verifier)  # only the URL's flag md5=1, no signature


def test_verification_runs_before_parsing() -> None:
    """A forged request with a malformed field is refused as forged, never read into an event."""
    verifier = Verifier(secret=SECRET)
    with pytest.raises(smsc.CallbackRejected):
        parse(form("id=1&phone=7701&status=bogus&md5=" + "0" * 32), verifier=verifier)


def test_custom_formula_and_networks() -> None:
    def formula(kind: str, fields: Any, secret: str) -> str:
        return f"{secret}|{fields['id']}|{fields['status']}"

    verifier = Verifier(secret=SECRET, algorithm="sha1", formula=formula, networks=["10.0.0.0/8", "::1/128"])
    signature = hashlib.sha1(f"{SECRET}|101|1".encode()).hexdigest()
    request = form(f"{STATUS_BODY}&sha1={signature}", remote="10.1.2.3")
    assert parse(request, verifier=verifier).key.startswith("status:101:")
    assert parse(form(f"{STATUS_BODY}&sha1={signature}", remote="::ffff:10.9.9.9"), verifier=verifier)
    with pytest.raises(smsc.CallbackRejected, match="not allowed"):
        parse(form(f"{STATUS_BODY}&sha1={signature}", remote="192.0.2.1"), verifier=verifier)
    with pytest.raises(smsc.CallbackRejected, match="unknown"):
        parse(form(f"{STATUS_BODY}&sha1={signature}"), verifier=verifier)


def test_secret_never_shown() -> None:
    verifier = Verifier(secret=SECRET, algorithm="md5")
    receiver = Receiver(lambda e: None, verifier=verifier)
    texts = [repr(verifier), repr(receiver), str(verifier)]
    for forged in (form(STATUS_BODY), form(STATUS_BODY + "&md5=" + md5("x"))):
        with pytest.raises(smsc.CallbackRejected) as info:
            parse(forged, verifier=verifier)
        texts += [str(info.value), repr(info.value), repr(info.value.request)]
    assert not any(SECRET in t for t in texts)


def test_verifier_configuration_errors() -> None:
    with pytest.raises(smsc.InvalidRequest, match="secret"):
        Verifier(algorithm="md5")
    with pytest.raises(smsc.InvalidRequest, match="algorithm"):
        Verifier(secret=SECRET, algorithm="sha256")  # type: ignore[arg-type]
    with pytest.raises(smsc.InvalidRequest, match="networks"):
        Verifier(algorithm=None, networks=["not a network"])
    with pytest.raises(smsc.InvalidRequest):
        Verifier(algorithm=None)


def test_default_formula_is_the_documented_contract() -> None:
    assert signed_text("status", {"id": "1", "phone": "7701", "status": "1"}, "k") == "1:7701:1:k"
    assert signed_text("incoming", {"id": "2", "phone": "7701", "mes": "hi"}, "k") == "2:7701:hi:k"
    assert signed_text("call", {"phone": "7701", "ts": "17"}, "k") == "7701:17:k"


# deduplication and the receiver --------------------------------------------------------------
@pytest.mark.parametrize("make_store", [lambda tmp: MemoryStore(), lambda tmp: SqliteStore(str(tmp / "seen.db"))])
def test_receiver_handles_each_event_once_and_retries_after_failure(make_store: Any, tmp_path: Any) -> None:
    handled: list[smsc.StatusEvent] = []
    failures = [RuntimeError("database down")] * 2

    def on_event(event: Any) -> None:
        if failures:
            raise failures.pop()
        handled.append(event)

    receiver = Receiver(on_event, verifier=None, store=make_store(tmp_path))
    request = form(STATUS_BODY)
    answers = [receiver.handle(request).status for _ in range(4)]
    assert answers == [500, 500, 200, 200]
    assert len(handled) == 1
    assert receiver.handle(form(STATUS_BODY.replace("status=1", "status=2"))).status == 200
    assert len(handled) == 2


def test_sqlite_store_shared_between_instances(tmp_path: Any) -> None:
    path = str(tmp_path / "seen.db")
    first, second = SqliteStore(path), SqliteStore(path)
    assert first.claim("k") and not second.claim("k")
    second.release("k")
    assert first.claim("k")
    first.close()
    second.close()


def test_memory_store_is_bounded() -> None:
    store = MemoryStore(max_size=2)
    assert store.claim("a") and store.claim("b") and store.claim("c")
    assert len(store) == 2 and store.claim("a")  # the oldest was forgotten


def test_receiver_answers() -> None:
    receiver = Receiver(lambda e: None, verifier=Verifier(secret=SECRET))
    assert receiver.handle(form(STATUS_BODY)).status == 403
    assert receiver.handle(form(b"garbage")).status == 400
    assert receiver.handle(CallbackRequest(method="PUT")).status == 405
    assert receiver.handle(form(b"x" * 70000)).status == 413
    ok = Receiver(lambda e: None, verifier=None).handle(form(STATUS_BODY))
    assert (ok.status, ok.body) == (200, "OK")


def test_sync_receiver_refuses_a_coroutine_handler() -> None:
    async def on_event(event: Any) -> None:
        return None

    assert Receiver(on_event, verifier=None).handle(form(STATUS_BODY)).status == 500


# render -> parse ---------------------------------------------------------------------------
_phones = st.from_regex(r"[1-9][0-9]{6,14}", fullmatch=True)
_extra = st.dictionaries(
    st.from_regex(r"x_[a-z]{1,8}", fullmatch=True), st.text("abc xyz-=&%+", max_size=10), max_size=2
)
_texts = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff") | st.sampled_from("\n\r\t"),
    max_size=80,
)
_status_events = st.builds(
    smsc.StatusEvent,
    id=message_ids,
    phone=_phones,
    status=st.sampled_from(list(smsc.MessageStatus)),
    error=st.sampled_from(list(smsc.DeliveryError)),
    at=st.none() | datetimes.filter(lambda d: d.year < 9000),
    cost=st.none() | st.decimals(min_value=0, max_value=10**6, places=2),
    sender=st.none() | st.text("ABCxyz 0-9.", max_size=11),
    parts=st.none() | st.integers(1, 100),
    extra=_extra,
)
_incoming_events = st.builds(
    smsc.IncomingMessage,
    id=message_ids,
    phone=_phones,
    to=st.just("") | _phones,
    text=_texts,
    at=st.none() | datetimes.filter(lambda d: d.year < 9000),
    extra=_extra,
)
_call_events = st.builds(smsc.CallEvent, phone=_phones, to=_phones, at=datetimes.filter(lambda d: d.year < 9000))
_urls = st.builds(
    lambda fmt, charset, algorithm: "http://127.0.0.1/cb?" + "&".join(p for p in (fmt, charset, algorithm) if p),
    st.sampled_from(["", "fmt=2", "fmt=3"]),
    st.sampled_from(["", "charset=utf-8", "charset=windows-1251", "charset=koi8-r"]),
    st.sampled_from(["", "md5=1", "sha1=1", "crc32=1"]),
)


@settings(max_examples=300, deadline=None)
@given(event=st.one_of(_status_events, _incoming_events, _call_events), url=_urls)
def test_render_then_parse_is_the_same_event(event: CallbackEvent, url: str) -> None:
    rendered = render(event, url, secret=SECRET)
    query = url.partition("?")[2]
    request = CallbackRequest(method="POST", query=query, body=rendered.body, headers=rendered.headers)
    verifier = None
    for algorithm in ALGORITHMS:
        if f"{algorithm}=1" in url:
            verifier = Verifier(secret=SECRET, algorithm=algorithm)
    parsed = parse(request, verifier=verifier)
    expected: CallbackEvent = event
    if isinstance(event, smsc.IncomingMessage) and "fmt=" not in url:  # a form body: the charset's repertoire
        name = "utf-8" if "utf-8" in url else "koi8_r" if "koi8" in url else "cp1251"
        expected = evolve(event, text=event.text.encode(name, "replace").decode(name))
    assert parsed == expected
    assert parsed.key == expected.key


def _pct(raw: bytes) -> bytes:
    return "".join(f"%{b:02X}" for b in raw).encode("ascii")


def test_secret_never_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    receiver = Receiver(lambda e: None, verifier=Verifier(secret=SECRET, algorithm="sha1"))
    for request in (form(STATUS_BODY), form(STATUS_BODY + "&sha1=" + "0" * 40), form(b"garbage")):
        assert receiver.handle(request).status in (400, 403)
    assert caplog.records and not any(SECRET in r.getMessage() for r in caplog.records)


def test_frameworks_and_defusedxml_load_only_when_used() -> None:
    code = (
        "import sys, smsc, smsc.callbacks; smsc.StatusEvent; "
        "from smsc.callbacks.wsgi import wsgi_app; from smsc.callbacks.asgi import asgi_app; "
        "names = ('django', 'flask', 'fastapi', 'starlette', 'aiohttp', 'defusedxml'); "
        "print(sorted(m for m in names if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == "[]"
