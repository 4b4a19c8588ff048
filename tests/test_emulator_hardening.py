"""The emulator against hostile and careless clients: malformed input, secrets in logs, SMPP edge cases."""

from __future__ import annotations

import base64
import gzip
import hashlib
import logging
import smtplib
import socket
import struct
import time
from collections.abc import Iterator

import pytest
from aiohttp.http_exceptions import HttpProcessingError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import smsc
from smsc.emulator import Emulator, Limits
from smsc.smpp import CommandStatus
from smsc.smpp._codec import PduReader, decode
from smsc.smpp._pdus import BindTransceiver, QuerySm, SubmitSm
from smsc.smpp._wire import Pdu
from tests.support.emulator_support import PHONE, running
from tests.support.raw_http import exchange, multipart, part, post

SEND = "/sys/send.php?login=demo&psw=demo&phones=%2B77011234567&mes=Hi&fmt=1"
FORM = b"application/x-www-form-urlencoded"
MULTI = b"multipart/form-data; boundary=B"


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def text(self) -> str:
        formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
        return "\n".join(formatter.format(r) for r in self.records)


@pytest.fixture
def records() -> Iterator[_Records]:
    """Every record of every logger at DEBUG, formatted as a handler would (tracebacks included)."""
    handler = _Records()
    root = logging.getLogger()
    old = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(old)


MALFORMED = {
    "gzip coding on a plain body": post(SEND, FORM, b"a=1", extra=b"Content-Encoding: gzip\r\n"),
    "multipart without a boundary": post(SEND, b"multipart/form-data", multipart(part(b"a", b"1"))),
    "multipart with a wrong boundary": post(SEND, b"multipart/form-data; boundary=C", multipart(part(b"a", b"1"))),
    "truncated multipart": post(SEND, MULTI, multipart(part(b"a", b"1"))[:-9]),
    "bad base64 padding": post(
        SEND, MULTI, multipart(part(b"f", b"abc", filename=b"a.txt", headers=b"Content-Transfer-Encoding: base64\r\n"))
    ),
    "unknown transfer encoding": post(
        SEND, MULTI, multipart(part(b"f", b"abc", filename=b"a.txt", headers=b"Content-Transfer-Encoding: x-foo\r\n"))
    ),
    "non-UTF-8 field name": post(SEND + "&charset=utf-8", MULTI, multipart(part(b"\xff\xfe", b"1"))),
    "non-UTF-8 file name": post(SEND + "&charset=utf-8", MULTI, multipart(part(b"f", b"1", filename=b"\xff.txt"))),
    "NUL in a file name": post(SEND, MULTI, multipart(part(b"f", b"1", filename=b"a\x00.txt"))),
}


@pytest.mark.parametrize("request_bytes", list(MALFORMED.values()), ids=list(MALFORMED))
def test_malformed_bodies_are_error_1_and_nothing_is_stored(request_bytes: bytes, records: _Records) -> None:
    with running() as emulator:
        assert exchange(emulator.http_port, request_bytes) == (200, b"0,-1")
        assert emulator.messages() == []
        assert exchange(emulator.http_port, post(SEND, FORM, b"")) == (200, b"1,1")  # still serving
    assert not [r for r in records.records if r.levelno >= logging.ERROR], records.text()


def test_a_valid_gzip_body_is_read() -> None:
    with running() as emulator:
        body = gzip.compress(b"login=demo&psw=demo&phones=%2B77011234567&mes=Zipped&fmt=1")
        assert exchange(emulator.http_port, post("/sys/send.php", FORM, body, extra=b"Content-Encoding: gzip\r\n")) == (
            200,
            b"1,1",
        )
        assert [m.text for m in emulator.messages()] == ["Zipped"]


def test_raw_or_undecodable_bytes_in_the_url_are_400_or_read_never_a_500() -> None:
    with running() as emulator:
        query = b"login=demo&psw=demo&phones=77011234567&fmt=1&charset=utf-8&mes="
        for text, reply in ((b"\xd0\xb4\xff", 400), (b"%D0%B4%FF", 200)):
            line = b"GET /sys/send.php?" + query + text + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            assert exchange(emulator.http_port, line)[0] == reply
        assert [m.text for m in emulator.messages()] == ["д\ufffd"]


# --- fuzz -----------------------------------------------------------------------------------------

_VALID = [
    b"GET /sys/send.php?login=demo&psw=demo&phones=77011234567&mes=Hello&fmt=3 HTTP/1.1\r\nHost: x\r\n"
    b"Connection: close\r\n\r\n",
    post("/sys/status.php", FORM, b"login=demo&psw=demo&id=1&phone=77011234567&fmt=2&all=2&charset=utf-8"),
    post(
        "/sys/send.php?fmt=1",
        MULTI,
        multipart(
            part(b"login", b"demo"),
            part(b"psw", b"demo"),
            part(b"phones", b"77011234567"),
            part(b"mes", b"\xd0\x9f\xd1\x80\xd0\xb8"),
            part(b"mms", b"1"),
            part(
                b"file0",
                base64.b64encode(b"\x89PNG data"),
                filename=b"a.png",
                headers=b"Content-Transfer-Encoding: base64\r\n",
            ),
        ),
    ),
]


_HEADERS = [
    b"Content-Encoding: gzip\r\n",
    b"Content-Encoding: deflate\r\n",
    b"Content-Transfer-Encoding: base64\r\n",
    b"Content-Transfer-Encoding: x-unknown\r\n",
    b"Content-Type: multipart/form-data\r\n",
    b"Content-Type: multipart/form-data; boundary=Z\r\n",
    b"Transfer-Encoding: chunked\r\n",
]
_BYTES = [b"\x00", b"\xff", b"\xfe", b"--B", b"\r\n", b"%", b"%ZZ", b"=", b"&", b"\r\n\r\n", b";", b'"', b"=="]


def _offsets(data: bytes, needle: bytes) -> list[int]:
    found, at = [], data.find(needle)
    while at >= 0:
        found.append(at + len(needle))
        at = data.find(needle, at + 1)
    return found


@st.composite
def _mutated(draw: st.DrawFn) -> bytes:
    """A valid request with a few mutations, aimed at where parsers break: line starts, quoted names, the body."""
    data = bytearray(draw(st.sampled_from(_VALID)))
    for _ in range(draw(st.integers(1, 4))):
        head = data.find(b"\r\n\r\n") + 4 if b"\r\n\r\n" in data else len(data)
        op = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "body", "header", "quoted"]))
        at = draw(st.integers(min(len(data), 30), len(data)))  # mostly after the request line
        if op == "flip" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif op == "insert":
            data[at:at] = draw(st.sampled_from(_BYTES))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 8))]
        elif op == "truncate":
            del data[max(at, head) :]
        elif op == "body":
            data[head:] = draw(st.binary(max_size=64))
        elif op == "header":
            lines = [o for o in _offsets(bytes(data), b"\r\n") if o > 20]
            if lines:
                where = draw(st.sampled_from(lines))
                data[where:where] = draw(st.sampled_from(_HEADERS))
        else:
            quotes = _offsets(bytes(data), b'"')
            if quotes:
                where = draw(st.sampled_from(quotes))
                data[where:where] = draw(st.sampled_from(_BYTES))
    return bytes(data)


@pytest.fixture(scope="module")
def fuzz_target() -> Iterator[Emulator]:
    # a request whose headers or body never complete is closed after 0.1 s
    limits = Limits(rate_limits=False, ip_blocking=False, request_timeout=0.1, idle_timeout=0.1)
    with running(limits=limits) as emulator:
        emulator.accounts.update("demo", balance=10**9)
        yield emulator


@pytest.mark.filterwarnings("ignore::aiohttp.multipart.BadContentDispositionHeader")
@pytest.mark.filterwarnings("ignore::aiohttp.multipart.BadContentDispositionParam")
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(request_bytes=_mutated())
def test_mutated_requests_never_get_a_500_nor_an_unlogged_exception(
    fuzz_target: Emulator, records: _Records, request_bytes: bytes
) -> None:
    status, _ = exchange(fuzz_target.http_port, request_bytes, timeout=5)
    assert status != 500, request_bytes
    # aiohttp logs the HTTP 400s of its own parser with their exception; nothing else may raise
    errors = [r for r in records.records if _unexpected(r)]
    assert not errors, records.text()
    records.records.clear()


def _unexpected(record: logging.LogRecord) -> bool:
    if record.exc_info:
        return not isinstance(record.exc_info[1], HttpProcessingError)
    return record.levelno >= logging.ERROR and record.name != "aiohttp.server"


# --- secrets in the emulator's logs ------------------------------------------------------------------

SECRET, KEY = "s3cretpw", "KEY-0123456789"


def _hides_secrets(text: str) -> None:
    md5 = hashlib.md5(SECRET.encode()).hexdigest()
    for secret in (SECRET, md5, KEY):
        assert secret not in text


def test_no_secret_in_any_listener_log(records: _Records) -> None:
    with running(smpp_port=0, smtp_port=0) as emulator:
        emulator.accounts.add("bob", SECRET, api_key=KEY)
        md5 = hashlib.md5(SECRET.encode()).hexdigest()
        assert emulator.smtp_port is not None
        with smtplib.SMTP("127.0.0.1", emulator.smtp_port, timeout=5) as mail:
            for body in (f"bob:{md5}:0::0,0,:{PHONE}:one", f":{KEY}:0::0,0,:{PHONE}:two"):
                mail.sendmail("a@example.com", ["send@send.smsc.kz"], "Content-Type: text/plain\r\n\r\n" + body)
        long_get = f"GET /sys/balance.php?login=bob&psw={SECRET}&x={'a' * 70000} HTTP/1.1\r\nHost: x\r\n\r\n"
        assert exchange(emulator.http_port, long_get.encode())[0] in (400, 414, 431)
        assert emulator.smpp_port is not None
        bad_bind = b"bob\x00" + SECRET.encode()  # no terminating NUL: the bind does not decode
        with socket.create_connection(("127.0.0.1", emulator.smpp_port), timeout=5) as sock:
            sock.sendall(struct.pack(">IIII", 16 + len(bad_bind), 9, 0, 1) + bad_bind)
            assert sock.recv(16)
        assert len(emulator.messages("bob")) == 2
    text = records.text()
    assert "DATA" in text and "Got more than" in text and "bind_transceiver" in text  # the records exist
    _hides_secrets(text)


def test_undecodable_bytes_reach_the_logs_as_escapes_any_utf8_handler_writes(records: _Records) -> None:
    with running(smtp_port=0) as emulator:
        assert emulator.smtp_port is not None
        with socket.create_connection(("127.0.0.1", emulator.smtp_port), timeout=5) as sock:
            reply = b""
            for line in (b"EHLO x\r\n", b"MAIL FROM:<\xff@example.com>\r\n", b"QUIT\r\n"):
                sock.sendall(line)
            while b"221" not in reply:
                reply += sock.recv(4096)
    text = records.text()
    assert "\\udcff@example.com" in text  # the record exists, its lone surrogate spelled out
    text.encode("utf-8")  # a strict UTF-8 handler would have printed "--- Logging error ---"


# --- SMPP edge cases ----------------------------------------------------------------------------------


def _smpp_exchange(port: int, *pdus: Pdu) -> list[Pdu]:
    """Send the PDUs (sequence 1, 2, ...) and read one response per PDU."""
    reader = PduReader(65536)
    out: list[Pdu] = []
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"".join(p.encode(i) for i, p in enumerate(pdus, 1)))
        while len(out) < len(pdus):
            reader.feed(sock.recv(65536))
            while (frame := reader.next_frame()) is not None:
                out.append(decode(frame))
    return out


def test_query_sm_before_bind_is_invalid_bind_status() -> None:
    with running(smpp_port=0) as emulator:
        assert emulator.smpp_port is not None
        [response] = _smpp_exchange(emulator.smpp_port, QuerySm(message_id="1"))
        assert response.command_status == CommandStatus.ESME_RINVBNDSTS


def test_a_sar_part_beyond_its_total_is_refused() -> None:
    with running(smpp_port=0) as emulator:
        assert emulator.smpp_port is not None
        bind = BindTransceiver(system_id="demo", password="demo")

        def sar(total: int | None, seq: int | None, text: bytes) -> SubmitSm:
            return SubmitSm(
                destination_addr=PHONE[1:],
                short_message=text,
                sar_msg_ref_num=7,
                sar_total_segments=total,
                sar_segment_seqnum=seq,
            )

        responses = _smpp_exchange(
            emulator.smpp_port,
            bind,
            sar(2, 3, b"x"),
            sar(2, 0, b"y"),
            sar(None, 1, b"z"),
            sar(2, 1, b"a"),
            sar(2, 2, b"b"),
        )
        assert [r.command_status for r in responses] == [
            0,
            CommandStatus.ESME_RINVOPTPARAMVAL,
            CommandStatus.ESME_RINVOPTPARAMVAL,
            CommandStatus.ESME_RMISSINGOPTPARAM,
            0,
            0,
        ]
        assert [m.text for m in emulator.messages()] == ["ab"]


def test_data_codings_of_submits_as_a_phone_reads_them() -> None:
    with running(smpp_port=0) as emulator:
        assert emulator.smpp_port is not None

        def submit(coding: int, text: bytes) -> SubmitSm:
            return SubmitSm(destination_addr=PHONE[1:], data_coding=coding, short_message=text)

        responses = _smpp_exchange(
            emulator.smpp_port,
            BindTransceiver(system_id="demo", password="demo"),
            submit(0xF0, b"Flash"),  # group 1111, GSM-7, class 0
            submit(0x11, b"Class 1"),  # group 0001, GSM-7, class 1: not flash
            submit(0x18, "Вспышка".encode("utf-16-be")),  # group 0001, UCS-2, class 0
            submit(0xF4, b"\x00\x01"),  # group 1111, 8-bit data
            submit(0x04, b"\x00\x01"),  # binary
        )
        refused = CommandStatus.ESME_RSUBMITFAIL  # SMSC takes texts only
        assert [r.command_status for r in responses] == [0, 0, 0, 0, refused, refused]
        sent = sorted(emulator.messages(), key=lambda m: m.text)
        assert [(m.text, m.format) for m in sent] == [
            ("Class 1", smsc.MessageFormat.SMS),
            ("Flash", smsc.MessageFormat.FLASH),
            ("Вспышка", smsc.MessageFormat.FLASH),
        ]


# --- memory: bodies, files and attachments are capped -----------------------------------------------


def test_body_file_and_field_caps() -> None:
    limits = Limits(rate_limits=False, ip_blocking=False, max_body=200_000, max_files=2, max_files_total=150_000)
    with running(limits=limits) as emulator:
        port = emulator.http_port
        assert exchange(port, post(SEND, FORM, b"a=" + b"x" * 200_001))[0] == 413  # by Content-Length
        chunked = b"1000\r\n" + b"x" * 4096 + b"\r\n"
        big = post(SEND, FORM, b"", extra=b"Transfer-Encoding: chunked\r\n").replace(b"Content-Length: 0\r\n", b"")
        assert exchange(port, big + chunked * 60 + b"0\r\n\r\n")[0] == 413  # counted while read
        mms = SEND + "&mms=1"
        one_file = part(b"f", b"x" * 1000, filename=b"a.bin")
        assert exchange(port, post(mms, MULTI, multipart(one_file, one_file, one_file))) == (200, b"0,-1")
        over = part(b"f", b"x" * (3 * 1024 * 1024 + 1), filename=b"big.bin")
        emulator.limits.max_body = 16 * 1024 * 1024
        assert exchange(port, post(mms, MULTI, multipart(over))) == (200, b"0,-1")  # over 3 MB
        files = part(b"f", b"x" * 80_000, filename=b"a.bin")
        assert exchange(port, post(mms, MULTI, multipart(files, files))) == (200, b"0,-1")  # over the total
        emulator.limits.max_fields = 3
        fields = [part(b"n%d" % i, b"v") for i in range(4)]
        assert exchange(port, post(mms, MULTI, multipart(*fields))) == (200, b"0,-1")
        assert emulator.messages() == []
        assert exchange(port, post(mms, MULTI, multipart(files))) == (200, b"1,1")
        assert [len(a.data) for a in emulator.messages()[0].attachments] == [80_000]


def test_attachments_of_an_in_memory_emulator_live_on_disk() -> None:
    with running() as emulator:
        store = emulator._service.store
        rows = store._db.execute("PRAGMA database_list").fetchall()
        assert [name for _, name, _ in rows] == ["main", "files"]
        files_path = rows[1][2]
        data = bytes(range(256)) * 4096  # 1 MiB
        body = multipart(part(b"f", data, filename=b"a.bin"))
        assert exchange(emulator.http_port, post(SEND + "&mms=1", MULTI, body)) == (200, b"1,1")
        assert emulator.messages()[0].attachments[0].data == data
        import os

        assert os.path.getsize(files_path) > len(data)
    assert not os.path.exists(files_path)  # removed with the emulator


# --- limits: concurrency from arrival to reply, bounded idle and slow requests ------------------------


def test_the_fifteenth_request_in_progress_under_concurrent_load_gets_error_9() -> None:
    import threading
    from concurrent.futures import ThreadPoolExecutor

    with running(rate_limits=True) as emulator:
        arrived = threading.Barrier(21)

        def ask(i: int) -> bytes:
            query = f"/sys/send.php?login=demo&psw=demo&phones={PHONE[1:]}&mes=m{i}&fmt=1".encode()
            arrived.wait()
            return exchange(emulator.http_port, b"GET " + query + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")[
                1
            ]

        with ThreadPoolExecutor(20) as pool:
            with emulator._service.lock:  # the service is busy: every request waits, in progress
                answers = [pool.submit(ask, i) for i in range(20)]
                arrived.wait()
                time.sleep(1.0)  # all twenty arrive and wait
            replies = sorted(a.result() for a in answers)
        assert replies.count(b"0,-9") == 6 and len(emulator.messages()) == 14, replies


def test_idle_and_unfinished_requests_are_closed_after_the_configured_time() -> None:
    limits = Limits(rate_limits=False, ip_blocking=False, idle_timeout=0.3, request_timeout=0.3)
    with running(limits=limits) as emulator:

        def closed_within(data: bytes, seconds: float) -> bytes:
            with socket.create_connection(("127.0.0.1", emulator.http_port), timeout=5) as sock:
                sock.sendall(data)
                start, got = time.monotonic(), b""
                while chunk := sock.recv(65536):
                    got += chunk
                assert time.monotonic() - start < seconds
                return got

        assert closed_within(b"", 2) == b""  # never a request
        assert closed_within(b"GET /sys/balance.php?login=demo HTTP/1.1\r\nHost: x\r\n", 2) == b""  # headers never end
        assert closed_within(post(SEND, FORM, b"login=demo", length=100), 2) == b""  # the body never ends
        keep_alive = b"GET /sys/balance.php?login=demo&psw=demo&fmt=1 HTTP/1.1\r\nHost: x\r\n\r\n"
        assert closed_within(keep_alive, 2).endswith(b"\r\n\r\n100.00")  # answered, then idle: closed


_SOAP_SEND = (
    b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
    b'<tns:send_sms xmlns:tns="http://smsc.ua/sys/soap.php"><login>demo</login><psw>demo</psw>'
    b"<phones>+77011234567</phones><mes>Hi</mes></tns:send_sms></soap:Body></soap:Envelope>"
)


def test_a_soap_call_is_bounded_by_the_request_timeout_wherever_it_waits() -> None:
    limits = Limits(rate_limits=False, ip_blocking=False, idle_timeout=5, request_timeout=0.3)
    with running(limits=limits) as emulator:

        def sent_in(*pieces: bytes, pause: float = 0.0) -> tuple[bytes, float]:
            with socket.create_connection(("127.0.0.1", emulator.http_port), timeout=5) as sock:
                start, got = time.monotonic(), b""
                for piece in pieces:
                    sock.sendall(piece)
                    time.sleep(pause)
                while chunk := sock.recv(65536):
                    got += chunk
                return got, time.monotonic() - start

        whole = post("/sys/soap.php", b"text/xml", _SOAP_SEND)
        got, took = sent_in(whole[:-20])  # the body never ends: closed when the time is up
        assert got == b"" and 0.25 < took < 2
        got, took = sent_in(whole[:-20], whole[-20:], pause=0.1)  # the body ends late, yet in time: answered
        assert got.startswith(b"HTTP/1.1 200 ") and b"<error>0</error>" in got and took < 2
        with emulator._service.lock:  # the service is busy: the call waits for its worker, then gives up
            got, took = sent_in(whole)
        assert got == b"" and 0.25 < took < 2, got
        got, took = sent_in(whole)  # an answer on the loop needs no timer, and is no slower for it
        assert got.startswith(b"HTTP/1.1 200 ") and b"<error>0</error>" in got and took < 2


_SOAP_BALANCE = (
    b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
    b'<tns:get_balance xmlns:tns="http://smsc.ua/sys/soap.php"><login>demo</login><psw>demo</psw>'
    b"</tns:get_balance></soap:Body></soap:Envelope>"
)


def test_soap_calls_count_toward_the_requests_in_progress_of_their_login() -> None:
    from concurrent.futures import ThreadPoolExecutor

    with running(rate_limits=True) as emulator:
        emulator.limits.concurrent = 2
        request = post("/sys/soap.php", b"text/xml", _SOAP_BALANCE)
        with ThreadPoolExecutor(3) as pool:
            with emulator._service.lock:  # the service is busy: all three calls are in progress at once
                calls = [pool.submit(exchange, emulator.http_port, request) for _ in range(3)]
                time.sleep(1.0)
            answers = [call.result(timeout=10) for call in calls]
    assert [status for status, _ in answers] == [200, 200, 200], answers
    replies = [body for _, body in answers]
    refused = [reply for reply in replies if b"<error>9</error>" in reply]
    assert len(refused) == 1, replies  # the third of a login's calls in progress, as over HTTP
    assert all(b"<error>0</error>" in reply and b"<balance>" in reply for reply in replies if reply not in refused)


# --- one request never stalls the others ----------------------------------------------------------


class _Statements:
    """The SQL statements the emulator's store runs while the block is active (any thread)."""

    def __init__(self, emulator: Emulator) -> None:
        self.db = emulator._service.store.db
        self.seen: list[str] = []

    def __enter__(self) -> list[str]:
        self.db.set_trace_callback(self.seen.append)
        return self.seen

    def __exit__(self, *exc: object) -> None:
        self.db.set_trace_callback(None)


def test_a_huge_phone_list_is_refused_before_it_is_parsed_and_others_are_served() -> None:
    from concurrent.futures import ThreadPoolExecutor

    with running() as emulator:
        phones = ",".join(f"7701{n:07d}" for n in range(80_000))
        body = f"login=demo&psw=demo&fmt=1&mes=x&phones={phones}".encode()
        with ThreadPoolExecutor(1) as pool:
            hostile = pool.submit(exchange, emulator.http_port, post("/sys/send.php", FORM, body), timeout=10)
            balance = exchange(emulator.http_port, post("/sys/balance.php?fmt=1", FORM, b"login=demo&psw=demo"))
            assert balance == (200, b"100.00")
            assert hostile.result() == (200, b"0,-1")  # within the 10 s timeout (the quadratic way took 59 s)
        # a list just over the limit after de-duplication is still refused: the limit counts what was sent
        repeated = ",".join(["77011234567"] * 1001)
        assert exchange(emulator.http_port, post(SEND, FORM, f"phones={repeated}".encode())) == (200, b"0,-1")


def test_query_sm_is_one_indexed_lookup_whatever_is_stored() -> None:
    with running(smpp_port=0) as emulator:
        assert emulator.smpp_port is not None
        emulator.accounts.update("demo", balance=10_000)
        phones = ",".join(f"7701{n:07d}" for n in range(500))
        assert exchange(emulator.http_port, post(SEND, FORM, f"phones={phones}".encode())) == (200, b"1,500")
        message_id = str(emulator.messages()[0].id)
        with _Statements(emulator) as statements:
            bind = BindTransceiver(system_id="demo", password="demo")
            [_, found] = _smpp_exchange(emulator.smpp_port, bind, QuerySm(message_id=message_id))
        assert found.command_status == 0
        selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
        assert len(selects) <= 5, selects  # not one per stored message
        store = emulator._service.store
        for sql in selects:
            plan = " ".join(
                str(row[-1]) for row in store.db.execute("EXPLAIN QUERY PLAN " + sql, [""] * sql.count("?"))
            )
            assert "SCAN messages" not in plan and "SCAN history" not in plan, (sql, plan)


def test_a_receipt_that_never_becomes_final_costs_no_work_while_its_receiver_waits() -> None:
    with running(smpp_port=0) as emulator:
        assert emulator.smpp_port is not None
        reader = PduReader(65536)
        with socket.create_connection(("127.0.0.1", emulator.smpp_port), timeout=5) as sock:
            never = SubmitSm(destination_addr="79990099000", short_message=b"stays waiting", registered_delivery=1)
            soon = SubmitSm(destination_addr="77011234567", short_message=b"delivered", registered_delivery=1)
            sock.sendall(BindTransceiver(system_id="demo", password="demo").encode(1) + never.encode(2))
            responses: list[Pdu] = []
            while len(responses) < 2:
                reader.feed(sock.recv(65536))
                while (frame := reader.next_frame()) is not None:
                    responses.append(decode(frame))
            with _Statements(emulator) as statements:
                time.sleep(0.5)
            assert statements == []  # no polling of the store while nothing is due
            sock.sendall(soon.encode(3))
            receipt = None
            while receipt is None:
                reader.feed(sock.recv(65536))
                while (frame := reader.next_frame()) is not None:
                    pdu = decode(frame)
                    if pdu.command_name == "submit_sm_resp":  # stored: now the clock moves
                        emulator.advance(60)  # an event: its receipt is due and sent at once
                    elif pdu.command_name == "deliver_sm":
                        receipt = pdu
        assert b"stat:DELIVRD" in receipt.short_message  # type: ignore[attr-defined]
