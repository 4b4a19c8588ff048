"""The client against a real HTTP(S) server on 127.0.0.1."""

from __future__ import annotations

import logging
import socket
from decimal import Decimal
from urllib.parse import parse_qsl, urlsplit

import pytest
import trustme

import smsc
from tests.support.clients import Factory
from tests.support.http_server import Script, serve
from tests.support.tls_support import client_context, run_ca, server_context

PASSWORD = "p@ss w0rd&=%"


def test_post_sends_a_form_body_and_no_secret_in_the_url(make_client: Factory) -> None:
    script = Script()
    with serve(script) as url, make_client(login="demo", password=PASSWORD, base_url=url) as client:
        result = client.send(["+77011234567"], "Привет & co=1%", id=1)
    assert result == smsc.SendResult(id=1, sms_count=1, cost=Decimal("1.00"), balance=Decimal("99.00"))
    [seen] = script.seen
    assert (seen.method, seen.path) == ("POST", "/sys/send.php")
    assert seen.headers["Content-Type"] == "application/x-www-form-urlencoded"
    form = dict(parse_qsl(seen.body.decode()))
    assert form["psw"] == PASSWORD and form["mes"] == "Привет & co=1%" and form["charset"] == "utf-8"
    assert PASSWORD not in seen.path


def test_keep_alive_reuses_one_connection(make_client: Factory) -> None:
    script = Script(body=b'{"balance": "5.00", "currency": "RUR"}')
    with serve(script) as url, make_client(login="demo", password="x", base_url=url) as client:
        for _ in range(5):
            assert client.balance() == Decimal("5.00")
    assert len({s.client_port for s in script.seen}) == 1


def test_get_mode_puts_parameters_in_the_query(make_client: Factory) -> None:
    script = Script(body=b"5.00,RUR")
    with (
        serve(script) as url,
        make_client(
            login="demo", password="x", base_url=url, method="GET", response_format=smsc.ResponseFormat.CSV
        ) as client,
    ):
        client.balance()
    [seen] = script.seen
    parts = urlsplit(seen.path)
    assert seen.method == "GET" and parts.path == "/sys/balance.php"
    assert dict(parse_qsl(parts.query))["fmt"] == "1"


def test_http_error_status_is_a_transport_error(make_client: Factory) -> None:
    with (
        serve(Script(status=502, body=b"bad gateway")) as url,
        make_client(login="demo", password="x", base_url=url) as client,
    ):
        with pytest.raises(smsc.TransportError, match="HTTP 502") as caught:
            client.balance()
    assert caught.value.status == 502


def test_read_timeout_is_a_transport_error(make_client: Factory) -> None:
    with (
        serve(Script(delay=1.0)) as url,
        make_client(login="demo", password="x", base_url=url, timeout=(1.0, 0.2)) as client,
    ):
        with pytest.raises(smsc.TransportError, match="ReadTimeoutError") as caught:
            client.balance()
    assert caught.value.__cause__ is not None


def test_connection_refused_is_a_transport_error(make_client: Factory) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with make_client(login="demo", password="x", base_url=f"http://127.0.0.1:{port}") as client:
        with pytest.raises(smsc.TransportError, match="failed"):
            client.balance()


def test_garbage_reply_is_a_protocol_error_with_the_raw_reply(make_client: Factory) -> None:
    with (
        serve(Script(body=b"<html>maintenance</html>")) as url,
        make_client(login="demo", password="x", base_url=url) as client,
    ):
        with pytest.raises(smsc.ProtocolError) as caught:
            client.balance()
    assert caught.value.raw == b"<html>maintenance</html>"


def test_api_error_reply_raises_its_class(make_client: Factory) -> None:
    with (
        serve(Script(body=b'{"error": "authorise error", "error_code": 2}')) as url,
        make_client(login="demo", password="x", base_url=url) as client,
    ):
        with pytest.raises(smsc.AuthError, match="authorise error"):
            client.balance()


def test_https_with_a_trusted_private_ca(make_client: Factory) -> None:
    script = Script(body=b'{"balance": "1.00", "currency": "KZT"}')
    with (
        serve(script, server_context()) as url,
        make_client(login="demo", password="x", base_url=url, ssl_context=client_context()) as client,
    ):
        assert client.balance() == Decimal("1.00")


@pytest.mark.parametrize("problem", ["unknown CA", "wrong host name"])
def test_https_verification_failures(problem: str, make_client: Factory) -> None:
    authority = trustme.CA() if problem == "unknown CA" else run_ca()
    with serve(Script(), server_context()) as url:
        if problem == "wrong host name":
            with serve(Script(), server_context("other.example")) as other:
                url = other
                with make_client(login="d", password="x", base_url=url, ssl_context=client_context(authority)) as c:
                    with pytest.raises(smsc.TransportError, match="SSL"):
                        c.balance()
            return
        with make_client(login="d", password="x", base_url=url, ssl_context=client_context(authority)) as c:
            with pytest.raises(smsc.TransportError, match="SSL"):
                c.balance()


def test_debug_logs_never_show_the_password(caplog: pytest.LogCaptureFixture, make_client: Factory) -> None:
    caplog.set_level(logging.DEBUG)
    with serve(Script()) as url, make_client(login="demo", password=PASSWORD, base_url=url) as client:
        client.send(["+77011234567"], "Hi")
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "/sys/send.php" in text and "psw=%2A%2A%2A" in text
    assert PASSWORD not in text and "p%40ss" not in text


def test_threads_share_a_bounded_pool_of_keep_alive_connections() -> None:
    from concurrent.futures import ThreadPoolExecutor

    script = Script(body=b'{"balance": "5.00", "currency": "RUR"}')
    with serve(script) as url, smsc.Client(login="demo", password="x", base_url=url, pool_size=3) as client:
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(lambda _: client.balance(), range(80)))
    assert results == [Decimal("5.00")] * 80 and len(script.seen) == 80
    assert len({s.client_port for s in script.seen}) <= 3


def test_pool_size_is_checked(make_client: Factory) -> None:
    with pytest.raises(smsc.InvalidRequest, match="pool_size"):
        make_client(login="demo", password="x", pool_size=0)
