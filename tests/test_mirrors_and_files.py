"""Failover over mirror hosts, TLS verification switches, and files as multipart over loopback."""

from __future__ import annotations

import logging
import socket
import time
from decimal import Decimal
from email.parser import BytesParser
from email.policy import HTTP
from pathlib import Path

import pytest

import smsc
from smsc._http import mirror_urls
from tests.support.clients import Factory
from tests.support.http_server import Script, serve


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_service_domains_get_their_mirrors() -> None:
    assert mirror_urls("https://smsc.kz") == ["https://smsc.kz", *(f"https://www{n}.smsc.kz" for n in range(2, 6))]
    assert mirror_urls("https://www.smsc.ru/") == ["https://smsc.ru", *(f"https://www{n}.smsc.ru" for n in range(2, 6))]
    assert mirror_urls("http://127.0.0.1:8080") == ["http://127.0.0.1:8080"]


def test_an_unreachable_primary_fails_over_to_a_mirror_and_stays_there(make_client: Factory) -> None:
    script = Script(body=b'{"balance": "3.00", "currency": "KZT"}')
    with serve(script) as mirror:
        hosts = [closed_port_url(), mirror]
        with make_client(login="d", password="p", hosts=hosts) as client:
            assert client.balance() == Decimal("3.00")
            assert client.transport.base_url == mirror
            assert client.balance() == Decimal("3.00")
    assert len(script.seen) == 2


def test_every_host_down_is_one_transport_error_naming_them_within_the_deadline(make_client: Factory) -> None:
    hosts = [closed_port_url(), closed_port_url(), closed_port_url()]
    policy = smsc.RetryPolicy(attempts=3, backoff=0.05, deadline=2.0)
    start = time.monotonic()
    with make_client(login="d", password="p", hosts=hosts, retry=policy) as client:
        with pytest.raises(smsc.TransportError) as caught:
            client.balance()
    assert time.monotonic() - start < 2.5
    assert all(host in str(caught.value) for host in hosts)
    assert caught.value.maybe_sent is False
    assert "ConnectionRefusedError" in str(caught.value) or "NewConnectionError" in str(caught.value)


def test_verification_can_be_switched_off_only_explicitly(
    caplog: pytest.LogCaptureFixture, make_client: Factory
) -> None:
    caplog.set_level(logging.WARNING, logger="smsc")
    make_client(login="d", password="p", verify=False)
    assert any("verification is OFF" in r.getMessage() for r in caplog.records)
    with pytest.raises(smsc.InvalidRequest):
        make_client(login="d", password="p", verify=False, ca_certs="/nonexistent.pem")


def test_files_go_as_multipart_form_data(tmp_path: Path, make_client: Factory) -> None:
    picture = tmp_path / "photo.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\nbinary\x00data")
    script = Script()
    with serve(script) as url, make_client(login="demo", password="pw", base_url=url) as client:
        client.send(
            ["+77011234567"],
            "Look",
            format=smsc.MessageFormat.MMS,
            id=1,
            subject="Hi",
            files=[picture, b"raw bytes", ("notes.txt", "Привет".encode(), "text/plain; charset=utf-8")],
        )
    [seen] = script.seen
    assert seen.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + seen.headers["Content-Type"].encode() + b"\r\n\r\n" + seen.body
    )
    parts = {part.get_param("name", header="content-disposition"): part for part in message.iter_parts()}
    assert parts["mms"].get_content() == "1" and parts["psw"].get_content() == "pw"
    assert parts["file0"].get_filename() == "photo.png"
    assert parts["file0"].get_payload(decode=True) == picture.read_bytes()
    assert parts["file0"].get_content_type() == "image/png"
    assert parts["file1"].get_payload(decode=True) == b"raw bytes"
    assert parts["file2"].get_payload(decode=True) == "Привет".encode()


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ("photo.png", "a list of files"),
        ([123], "not a path, bytes"),
        (["/nonexistent/x.png"], "cannot read"),
        ([b"x" * (3 * 1024 * 1024 + 1)], "at most"),
    ],
)
def test_bad_files_are_refused_before_sending(files: object, message: str, make_client: Factory) -> None:
    with make_client(login="d", password="p", base_url=closed_port_url()) as client:
        with pytest.raises(smsc.InvalidRequest, match=message):
            client.send(["+77011234567"], "x", format=smsc.MessageFormat.MMS, files=files)


def test_the_emulator_stores_the_files_the_client_sends(tmp_path: Path, make_client: Factory) -> None:
    from tests.support.emulator_support import PHONE, running

    picture = tmp_path / "menu.png"
    picture.write_bytes(bytes(range(256)) * 40)
    with running() as emulator, make_client(login="demo", password="demo", base_url=emulator.base_url) as client:
        sent = client.send(
            [PHONE],
            "Меню",
            format=smsc.MessageFormat.MMS,
            subject="Menu",
            files=[picture, ("notes.txt", "Привет".encode(), "text/plain")],
        )
        [message] = emulator.messages()
    assert message.id == sent.id and message.format is smsc.MessageFormat.MMS and message.text == "Меню"
    assert [(a.filename, a.content_type, a.data) for a in message.attachments] == [
        ("menu.png", "image/png", picture.read_bytes()),
        ("notes.txt", "text/plain", "Привет".encode()),
    ]
