"""The client against hostile servers and careless callers: deadlines, bounded replies, only SmscError, no secrets."""

from __future__ import annotations

import base64
import gzip
import hashlib
import logging
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from urllib.parse import quote_plus

import pytest

import smsc
from smsc import smpp
from tests.support.clients import Factory
from tests.support.raw_server import drip, read_request, serve_raw
from tests.support.tls_support import client_context, server_context

BALANCE = b'{"balance": "5.00", "currency": "KZT"}'
ONE_TRY = smsc.RetryPolicy(attempts=1, deadline=None)
MARGIN = 1.5  # for a loaded machine; an unbounded call takes 6 s or more (the drippers go on for 6 s)


def reply(body: bytes = BALANCE, *headers: str) -> bytes:
    head = ["HTTP/1.1 200 OK", "Content-Type: text/plain", *headers]
    if not any(h.lower().startswith(("content-length", "transfer-encoding")) for h in headers):
        head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def dripping(what: str, interval: float = 0.1, stop_after: float = 6.0) -> Callable[[socket.socket], None]:
    """A server sending the reply's headers (or only its body) one byte per `interval` seconds."""

    def handler(conn: socket.socket) -> None:
        read_request(conn)
        data = reply(b"5" * 200)
        if what == "body":
            head, _, body = data.partition(b"\r\n\r\n")
            conn.sendall(head + b"\r\n\r\n")
            drip(conn, body, interval, stop_after)
        else:
            drip(conn, data, interval, stop_after)

    return handler


@contextmanager
def timed() -> Iterator[list[float]]:
    took: list[float] = []
    start = time.monotonic()
    try:
        yield took
    finally:
        took.append(time.monotonic() - start)


# --- the read timeout bounds the whole reply; the deadline bounds the whole call ---


@pytest.mark.parametrize("scheme", ["http", "https"])
@pytest.mark.parametrize("what", ["headers", "body"])
def test_the_read_timeout_bounds_the_whole_reply(scheme: str, what: str, make_client: Factory) -> None:
    tls = server_context() if scheme == "https" else None
    with serve_raw(dripping(what), tls) as port:
        client = make_client(
            login="demo",
            password="pw",
            base_url=f"{scheme}://127.0.0.1:{port}",
            ssl_context=client_context() if tls else None,
            timeout=(2.0, 1.0),
            retry=ONE_TRY,
        )
        with timed() as took, pytest.raises(smsc.TransportError, match=r"timed out|Timeout"):
            client.balance()
        client.close()
    assert took[0] < 1.0 + MARGIN


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_the_deadline_bounds_the_whole_call_attempts_included(scheme: str, make_client: Factory) -> None:
    tls = server_context() if scheme == "https" else None
    with serve_raw(dripping("headers"), tls) as port:
        client = make_client(
            login="demo",
            password="pw",
            base_url=f"{scheme}://127.0.0.1:{port}",
            ssl_context=client_context() if tls else None,
            timeout=(2.0, 0.7),
            retry=smsc.RetryPolicy(attempts=5, backoff=0.05, jitter=False, deadline=1.5),
        )
        with timed() as took, pytest.raises(smsc.TransportError):
            client.balance()
        with timed() as sent, pytest.raises(smsc.SmscError):  # a lost send is looked up: within the deadline too
            client.send(["+77011234567"], "Hi", id=7)
        client.close()
    assert took[0] < 1.5 + MARGIN and sent[0] < 1.5 + MARGIN


def smtp_dripper(conn: socket.socket) -> None:
    drip(conn, b"220 " + b"x" * 200 + b"\r\n", 0.1, 6.0)


@pytest.mark.parametrize("bound", ["timeout", "deadline"])
def test_smtp_replies_and_calls_are_bounded(bound: str, make_client: Factory) -> None:
    with serve_raw(smtp_dripper) as port:
        transport = smsc.SmtpTransport("127.0.0.1", port, starttls=None, timeout=1.0 if bound == "timeout" else 30.0)
        policy = ONE_TRY if bound == "timeout" else smsc.RetryPolicy(attempts=3, deadline=1.0)
        client = make_client(
            login="demo", password="pw", base_url="http://127.0.0.1:9", transport=transport, retry=policy
        )
        with timed() as took, pytest.raises(smsc.TransportError):
            client.send(["+77011234567"], "Hi")
        client.close()
    assert took[0] < 1.0 + MARGIN


def test_smpp_sends_keep_the_deadline(make_client: Factory) -> None:
    def silent(conn: socket.socket) -> None:
        while conn.recv(4096):  # reads the bind, never answers it
            pass

    with serve_raw(silent) as port:
        transport = smpp.SmppTransport("127.0.0.1", port, rate_limit=None)
        policy = smsc.RetryPolicy(attempts=2, deadline=1.0)
        client = make_client(
            login="demo", password="pw", base_url="http://127.0.0.1:9", transport=transport, retry=policy
        )
        with timed() as took, pytest.raises(smsc.SmscError):
            client.send(["+77011234567"], "Hi")
        client.close()
    assert took[0] < 1.0 + MARGIN


# --- replies are bounded ---


def answering(data: bytes, seen: list[bytes] | None = None) -> Callable[[socket.socket], None]:
    def handler(conn: socket.socket) -> None:
        request = read_request(conn)
        if seen is not None:
            seen.append(request)
        conn.sendall(data)

    return handler


def test_a_declared_long_reply_is_refused_before_it_is_read(make_client: Factory) -> None:
    with serve_raw(answering(reply(b"1" * 5000))) as port:
        with make_client(
            login="demo", password="pw", base_url=f"http://127.0.0.1:{port}", max_reply_bytes=4096, retry=ONE_TRY
        ) as client:
            with pytest.raises(smsc.ProtocolError, match="is 5000 bytes, above max_reply_bytes=4096") as caught:
                client.balance()
    assert caught.value.raw == b""


@pytest.mark.parametrize("framing", ["close", "chunked"])
def test_an_undeclared_long_reply_is_cut_at_the_limit(framing: str, make_client: Factory) -> None:
    body = b"1" * 100_000
    if framing == "close":
        data = reply(body, "Connection: close", "Transfer-Encoding: identity")
        data = data.replace(b"Transfer-Encoding: identity\r\n", b"")
    else:
        chunks = b"".join(b"%x\r\n%s\r\n" % (1000, body[i : i + 1000]) for i in range(0, len(body), 1000))
        data = reply(chunks + b"0\r\n\r\n", "Transfer-Encoding: chunked")
    with serve_raw(answering(data)) as port:
        with make_client(
            login="demo", password="pw", base_url=f"http://127.0.0.1:{port}", max_reply_bytes=4096, retry=ONE_TRY
        ) as client:
            with pytest.raises(smsc.ProtocolError, match="max_reply_bytes=4096") as caught:
                client.balance()
    assert 0 < len(caught.value.raw) <= 65536


def test_a_content_coding_the_client_did_not_ask_for_is_refused(make_client: Factory) -> None:
    bomb = gzip.compress(b"0" * 10_000_000)
    seen: list[bytes] = []
    with serve_raw(answering(reply(bomb, "Content-Encoding: gzip", f"Content-Length: {len(bomb)}"), seen)) as port:
        with make_client(login="demo", password="pw", base_url=f"http://127.0.0.1:{port}", retry=ONE_TRY) as client:
            with pytest.raises(smsc.ProtocolError, match="gzip"):
                client.balance()
    assert b"accept-encoding: identity" in seen[0].lower()


@pytest.mark.parametrize("length", ["-5", "12abc", "+38", " "])
def test_a_malformed_content_length_is_refused(length: str, make_client: Factory) -> None:
    data = reply(BALANCE, f"Content-Length: {length}", "Connection: close")
    with serve_raw(answering(data)) as port:
        with make_client(login="demo", password="pw", base_url=f"http://127.0.0.1:{port}", retry=ONE_TRY) as client:
            with pytest.raises(smsc.SmscError, match="Content-Length"):
                client.balance()


def test_replies_within_the_limit_still_work_and_keep_the_connection(make_client: Factory) -> None:
    ports: list[int] = []

    def keep_alive(conn: socket.socket) -> None:
        ports.append(conn.getpeername()[1])
        for _ in range(3):
            read_request(conn)
            conn.sendall(reply())

    with serve_raw(keep_alive) as port:
        with make_client(login="demo", password="pw", base_url=f"http://127.0.0.1:{port}") as client:
            assert [client.balance() for _ in range(3)] == [Decimal("5.00")] * 3
    assert len(ports) == 1


# --- only SmscError escapes, and bad input is refused before anything is sent ---


@pytest.mark.parametrize(
    "options",
    [
        {"timeout": 0},
        {"timeout": -1},
        {"timeout": float("nan")},
        {"timeout": float("inf")},
        {"timeout": (1, 0)},
        {"timeout": (1,)},
        {"timeout": "5"},
        {"base_url": "http://127.0.0.1:99999"},
        {"base_url": "http://[::1"},
        {"base_url": "ftp://example.com"},
        {"base_url": 5},
        {"hosts": "http://127.0.0.1"},
        {"hosts": []},
        {"login": "dem\ud800o"},
        {"password": "p\udfffw"},
        {"max_reply_bytes": 0},
        {"verify": "no"},
        {"ssl_context": "ctx"},
        {"method": "PUT"},
    ],
)
def test_bad_constructor_arguments_are_invalid_requests(options: dict[str, object], make_client: Factory) -> None:
    kwargs: dict[str, object] = {"login": "demo", "password": "pw", **options}
    with pytest.raises(smsc.InvalidRequest):
        make_client(**kwargs)


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.send(["+77011234567"], "Hi \ud83d"),
        lambda c: c.send(["+77011234567"], "Hi", subject="\udc00"),
        lambda c: c.send(["+77011234567"], "Hi", extra={"k\ud800": "v"}),
        lambda c: c.send(["+77011234567"], "Hi", extra={"k": "\ud800"}),
        lambda c: c.cost(["+77011234567"], "\ud800"),
    ],
)
def test_lone_surrogates_are_refused_before_anything_is_sent(
    call: Callable[[smsc.Client], object], make_client: Factory
) -> None:
    seen: list[bytes] = []
    with serve_raw(answering(reply(), seen)) as port:
        with make_client(login="demo", password="pw", base_url=f"http://127.0.0.1:{port}") as client:
            with pytest.raises(smsc.InvalidRequest, match="surrogate"):
                call(client)
    assert seen == []


# --- secrets nowhere ---

SECRET = "Sup3r-s3cret/Pw+="
KEY = "KEY-77aa-9q9q-zz"


def secret_forms(secret: str) -> list[str]:
    raw = secret.encode()
    return [
        secret,
        quote_plus(secret),
        hashlib.md5(raw).hexdigest(),
        base64.b64encode(raw).decode().rstrip("="),
    ]


def test_an_echoed_request_is_redacted_in_errors_and_logs_but_kept_raw(
    caplog: pytest.LogCaptureFixture, make_client: Factory
) -> None:
    def echo(conn: socket.socket) -> None:
        request = read_request(conn)
        md5 = hashlib.md5(SECRET.encode()).hexdigest().encode()
        form = request.partition(b"\r\n\r\n")[2]
        body = b"<html>" + form + b" md5=" + md5 + b" b64=" + base64.b64encode(SECRET.encode()) + b"</html>"
        conn.sendall(reply(body, "Connection: close"))

    caplog.set_level(logging.DEBUG)
    with serve_raw(echo) as port:
        for auth in ({"login": "demo", "password": SECRET}, {"api_key": KEY}):
            with make_client(base_url=f"http://127.0.0.1:{port}", retry=ONE_TRY, **auth) as client:
                with pytest.raises(smsc.ProtocolError) as caught:
                    client.balance()
            secret = auth.get("password") or auth["api_key"]
            assert quote_plus(secret).encode() in caught.value.raw  # the raw reply stays as received
            text = "\n".join([str(caught.value), repr(caught.value), *(r.getMessage() for r in caplog.records)])
            for form in secret_forms(secret):
                assert form not in text, form
            assert "***" in str(caught.value)


@pytest.mark.parametrize(
    "base_url", ["http://user:" + SECRET.replace("/", "%2F") + "@127.0.0.1:9", "http://127.0.0.1:9/?psw=" + SECRET]
)
def test_a_base_url_with_credentials_is_refused_without_echoing_them(base_url: str, make_client: Factory) -> None:
    with pytest.raises(smsc.InvalidRequest) as caught:
        make_client(login="demo", password="pw", base_url=base_url)
    for form in secret_forms(SECRET):
        assert form not in str(caught.value) and form not in repr(caught.value)


def test_smpp_client_errors_never_show_the_password() -> None:
    password = "far-too-long-for-smpp"
    with pytest.raises(smsc.InvalidRequest) as caught:
        smpp.SmppClient("127.0.0.1", system_id="demo", password=password)
    assert password not in str(caught.value) and password not in repr(caught.value)
