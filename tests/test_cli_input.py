"""The `smsc` command never shows a traceback: every wrong input is one line on stderr with exit code 2.

Each case runs the real command in a subprocess (arguments as raw bytes, as a shell passes them);
a bounded property test feeds generated argument lists and standard input to `smsc.cli.main`.
"""

from __future__ import annotations

import contextlib
import io
import os
import socket
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smsc.cli import main
from smsc.emulator import Emulator
from tests.support.emulator_support import running

PHONE = "+77011234567"
CLOSED = "http://127.0.0.1:9"  # nothing listens on the discard port: a send can never leave


def run_cli(
    *args: str | bytes, env: Mapping[str, str | bytes] | None = None, stdin: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    base: dict[str | bytes, str | bytes] = {k: v for k, v in os.environ.items() if not k.startswith("SMSC_")}
    base.update({"SMSC_LOGIN": "demo", "SMSC_PASSWORD": "demo", "SMSC_BASE_URL": CLOSED})
    base.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "smsc.cli", *args],
        capture_output=True,
        env=base,  # type: ignore[arg-type]  # bytes values are passed through on POSIX
        input=stdin,
        timeout=30,
    )


def assert_one_line(result: subprocess.CompletedProcess[bytes], code: int = 2) -> str:
    """The result is exit `code` with exactly one line on stderr and nothing on stdout; returns that line."""
    stderr = result.stderr.decode("utf-8", "replace")
    assert b"Traceback" not in result.stderr and b"Traceback" not in result.stdout, stderr
    assert result.returncode == code, stderr
    assert stderr.endswith("\n") and stderr.count("\n") == 1, stderr
    assert stderr.startswith("smsc") and "internal error" not in stderr, stderr
    assert result.stdout == b""
    return stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((b"send", b"\xff", b"Hi"), "PHONES: not valid UTF-8 text (byte 0xff"),
        ((b"send", PHONE.encode(), b"caf\xe9"), "TEXT: not valid UTF-8 text (byte 0xe9 at character 4)"),
        ((b"send", PHONE.encode(), b"Hi", b"--sender", b"\xc3\x28"), "--sender: not valid UTF-8"),
        ((b"segments", b"\x80abc"), "TEXT: not valid UTF-8"),
        ((b"status", b"1", b"\xfe"), "ID PHONE: not valid UTF-8"),
        ((b"balance", b"--login", b"\xff"), "--login: not valid UTF-8"),
        ((b"balance", b"--password", b"pa\xffss"), "--password: not valid UTF-8"),
        ((b"emulator", b"--host", b"\xff"), "--host: not valid UTF-8"),
        ((b"\xff",), "invalid choice"),
    ],
    ids=["phones", "text", "sender", "segments", "status", "login", "password", "host", "command"],
)
def test_bytes_that_are_not_utf8_in_an_argument(args: tuple[bytes, ...], expected: str) -> None:
    assert expected in assert_one_line(run_cli(*args))


@pytest.mark.parametrize("command", [("send", PHONE, "-"), ("cost", PHONE, "-"), ("segments", "-")])
def test_bytes_that_are_not_utf8_on_standard_input(command: tuple[str, ...]) -> None:
    line = assert_one_line(run_cli(*command, stdin=b"Hello \xd0 world\n"))
    assert "standard input is not UTF-8 text (byte 0xd0 after 6 bytes)" in line


def test_bytes_that_are_not_utf8_in_a_variable() -> None:
    line = assert_one_line(run_cli("balance", env={"SMSC_PASSWORD": b"p\xffw"}))
    assert "SMSC_PASSWORD: not valid UTF-8" in line
    assert "SMSC_LOGIN: not valid UTF-8" in assert_one_line(run_cli("balance", env={"SMSC_LOGIN": b"\xff"}))


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("send", "--id", "²", PHONE, "Hi"), "id: '²' is not an id"),
        (("send", "--id", "٣", PHONE, "Hi"), "is not an id"),
        (("status", "²", PHONE), "id: '²' is not an id"),
        (("status", "1²", PHONE, "2", PHONE), "is not an id"),
    ],
)
def test_digits_that_are_not_ascii_are_not_ids(args: tuple[str, ...], expected: str) -> None:
    assert expected in assert_one_line(run_cli(*args))


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "0", "-1", "1e309", "86401", "soon"])
def test_a_timeout_that_is_not_a_finite_positive_number(value: str) -> None:
    line = assert_one_line(run_cli("balance", f"--timeout={value}"))
    assert line.startswith("smsc balance: argument --timeout:") and repr(value) in line


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--base-url", "http://127.0.0.1:99999"), "--base-url: 'http://127.0.0.1:99999' is not a URL"),
        (("--base-url", "http://[::1"), "is not a URL (Invalid IPv6 URL)"),
        (("--base-url", "http://127.0.0.1:port"), "is not a URL"),
        (("--base-url", "http:///sys"), "has no host"),
        (("--base-url", "ftp://127.0.0.1"), "base_url"),
    ],
)
def test_constructor_inputs_are_one_line(args: tuple[str, ...], expected: str) -> None:
    assert expected in assert_one_line(run_cli("balance", *args))


def test_a_bad_base_url_from_the_environment_names_the_variable() -> None:
    line = assert_one_line(run_cli("balance", env={"SMSC_BASE_URL": "http://127.0.0.1:70000"}))
    assert line.startswith("smsc: SMSC_BASE_URL: ")


def test_secrets_are_masked_in_messages() -> None:
    line = assert_one_line(
        run_cli("balance", "--password", "hunter2!", "--base-url", "http://demo:hunter2!@127.0.0.1:99999")
    )
    assert "hunter2" not in line and "***@127.0.0.1:99999" in line


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--http-port", "99999"), "argument --http-port: '99999' is not a port (0 to 65535)"),
        (("--http-port", "-1"), "is not a port"),
        (("--http-port", "²"), "is not a port"),
        (("--http-port", "0", "--smpp-port", "65536"), "argument --smpp-port: '65536' is not a port"),
        (("--http-port", "0", "--balance", "nan"), "--balance: 'nan' is not an amount"),
        (("--http-port", "0", "--balance", "lots"), "--balance: 'lots' is not an amount"),
        (("--http-port", "0", "--host", "host.invalid"), "cannot listen on host.invalid"),
        (("--http-port", "0", "--callback-url", "not a url"), "--callback-url: "),
        (("--http-port", "0", "--callback-url", "http://[::1"), "is not a valid URL (Invalid IPv6 URL)"),
        (("--http-port", "0", "--callback-url", "http://h:99999/"), "is not a valid URL (Port out of range"),
        (("--http-port", "0", "--callback-url", "http://:80/"), "has no valid host"),
        (("--http-port", "0", "--callback-url", "http://a b/"), "has no valid host"),
    ],
)
def test_emulator_options(args: tuple[str, ...], expected: str) -> None:
    assert expected in assert_one_line(run_cli("emulator", *args))


def test_an_unopenable_database(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "dir" / "state.db"
    line = assert_one_line(run_cli("emulator", "--http-port", "0", "--db", str(missing)))
    assert f"--db {missing}: cannot open the database" in line
    line = assert_one_line(run_cli("emulator", "--http-port", "0", "--db", str(tmp_path)))  # a directory
    assert f"--db {tmp_path}: cannot" in line
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not an SQLite database" * 100)
    assert f"--db {garbage}: cannot" in assert_one_line(run_cli("emulator", "--http-port", "0", "--db", str(garbage)))


@contextlib.contextmanager
def busy_port() -> Iterator[int]:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        yield taken.getsockname()[1]


@pytest.mark.parametrize("option", ["--http-port", "--smpp-port"])
def test_a_port_in_use_is_named(option: str) -> None:
    with busy_port() as port:
        args = ["--http-port", str(port)] if option == "--http-port" else ["--http-port", "0", "--smpp-port", str(port)]
        line = assert_one_line(run_cli("emulator", *args))
    assert f"cannot listen on 127.0.0.1:{port} ({option}): address already in use" in line


def test_a_closed_stdout_is_quiet() -> None:
    read, write = os.pipe()
    os.close(read)
    with os.fdopen(write, "wb") as closed:
        result = subprocess.run(
            [sys.executable, "-m", "smsc.cli", "segments", "x" * 5000],
            stdout=closed,
            stderr=subprocess.PIPE,
            timeout=30,
        )
    assert b"Traceback" not in result.stderr and result.returncode in (0, 141), result.stderr


# --- generated argument lists ------------------------------------------------------------------

OPTIONS = [
    "--id", "--sender", "--kind", "--translit", "--time", "--tz", "--max-parts", "--subject", "--timeout",
    "--base-url", "--login", "--password", "--api-key", "--reply-format", "--json", "--detail", "--help",
]  # fmt: skip
VALUES = [
    "²", "٣", "nan", "inf", "-1", "0", "1", "42", "99999", "1e309", "\udcff", "a\udcffb", "\ud800", "", " ", "-",
    PHONE, "+79990080000", "77011234567,+79161234567", "x" * 300, "http://127.0.0.1:99999", "http://[::1",
    "ftp://127.0.0.1", "mms", "latin", "full", "json", "xml", "+5", "9-18", "\x00", "ä" * 80, "--",
    "\U0001d518\U0001d52b", "9" * 30, "-0", "+1", "1.5", "0x10", "\n", "\r\n", "a,b", ",", "hlr", "viber",
    "telegram", "1e-300",
]  # fmt: skip
COMMANDS = ["send", "cost", "status", "balance", "segments"]
SAFE_TEXT = st.text(st.characters(exclude_characters=":/", exclude_categories=["Cs"]), max_size=12)
ARGV = st.tuples(
    st.sampled_from(COMMANDS),
    st.lists(st.one_of(st.sampled_from(OPTIONS), st.sampled_from(VALUES), SAFE_TEXT), max_size=8),
).map(lambda drawn: [drawn[0], *drawn[1]])


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with running() as emulator:
        yield emulator


def _stdin(data: bytes) -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")


@settings(
    max_examples=int(os.environ.get("CLI_FUZZ_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(argv=ARGV, stdin=st.binary(max_size=16))
def test_generated_arguments_never_escape_as_a_traceback(emulator: Emulator, argv: list[str], stdin: bytes) -> None:
    env = {"SMSC_LOGIN": "demo", "SMSC_PASSWORD": "demo", "SMSC_BASE_URL": emulator.base_url}
    out, err = io.StringIO(), io.StringIO()
    with (
        mock.patch.dict(os.environ, env),
        mock.patch.object(sys, "stdin", _stdin(stdin)),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        try:
            code = main(argv)
        except SystemExit as exit:  # argparse: --help (0) or a usage error (2)
            code = exit.code if isinstance(exit.code, int) else 2
    assert code in (0, 1, 2, 3), (argv, err.getvalue())
    assert "internal error" not in err.getvalue(), (argv, err.getvalue())
    if code:
        assert err.getvalue().count("\n") == 1, (argv, err.getvalue())


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--dry-run", "--price", "nan"), "--price: 'nan' is not a price"),
        (("--dry-run", "--price=-1"), "--price: '-1' is not a price"),
        (("--dry-run", "--price", "x"), "--price: 'x' is not a number"),
        (("--dry-run", "--text", "{"), "--text: "),
        (("--journal", "/nonexistent/dir/journal"), "cannot be opened"),
    ],
)
def test_bulk_options(tmp_path: Path, args: tuple[str, ...], expected: str) -> None:
    sheet = tmp_path / "messages.csv"
    sheet.write_text(f"phone,text\n{PHONE},Hi\n", encoding="utf-8")
    assert expected in assert_one_line(run_cli("bulk", str(sheet), "--no-progress", *args))


def test_bulk_files_that_cannot_be_read(tmp_path: Path) -> None:
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"phone,text\n\xa3\xff\x00,\xfe\n")
    for path in (tmp_path / "missing.csv", tmp_path, binary):
        assert f"{path}: cannot be read" in assert_one_line(run_cli("bulk", str(path), "--no-progress"))
