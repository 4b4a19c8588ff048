"""The `smsc` command: send, cost, status, balance, incoming, history, operator, prices, senders,
contacts, templates, segments, bulk, emulator, demo.

Only argparse is imported up front, so `smsc --help` starts fast; each command imports
what it needs when it runs.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from smsc._version import __version__
from smsc.cli._checks import first_undecodable, one_line, port, seconds

EXIT_OK = 0
EXIT_API_ERROR = 1
EXIT_USAGE = 2
EXIT_TRANSPORT = 3
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141

_EPILOG = """\
credentials: --login/--password or --api-key, else SMSC_LOGIN/SMSC_PASSWORD or SMSC_API_KEY;
the service: --base-url, else SMSC_BASE_URL, else https://smsc.kz.

exit codes: 0 done, 1 the service answered with an error, 2 bad arguments or credentials,
3 network failure or a reply that does not parse, 70 a bug in smsc (SMSC_DEBUG=1 shows the traceback).

try it offline:  smsc emulator   (then, in another shell)
  SMSC_BASE_URL=http://127.0.0.1:8000 SMSC_LOGIN=demo SMSC_PASSWORD=demo smsc balance"""

_KINDS = ("sms", "flash", "push", "hlr", "bin", "bin_hex", "ping", "mms", "mail", "call", "viber", "soc", "telegram")


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error: `smsc send: argument --timeout: ... (see smsc send --help)`, exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {one_line(message)} (see '{self.prog} --help')\n")


def _connection() -> _Parser:
    parent = _Parser(add_help=False)
    group = parent.add_argument_group("connection")
    group.add_argument("--login", help="account login (default: $SMSC_LOGIN)")
    group.add_argument(
        "--password",
        help="password or its MD5 (default: $SMSC_PASSWORD; an option is visible to "
        "other local users, prefer the variable)",
    )
    group.add_argument(
        "--api-key",
        help="API key instead of login and password (default: $SMSC_API_KEY; an option is visible to "
        "other local users, prefer the variable)",
    )
    group.add_argument("--base-url", help="the service (default: $SMSC_BASE_URL or https://smsc.kz)")
    group.add_argument(
        "--reply-format",
        choices=("json", "xml", "csv", "text"),
        default="json",
        help="the reply layout asked of the service (default: json)",
    )
    group.add_argument("--timeout", type=seconds, default=30.0, help="seconds to wait for the service (default: 30)")
    parent.add_argument("--json", action="store_true", help="print JSON for scripts instead of a table")
    return parent


def _message_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("phones", metavar="PHONES", help="recipients, comma-separated (+77011234567,+77017654321)")
    parser.add_argument("message", metavar="TEXT", help="the text; '-' reads it from standard input")
    parser.add_argument("--sender", help="Sender ID")
    parser.add_argument("--kind", choices=_KINDS, default="sms", help="kind of message (default: sms)")
    parser.add_argument("--translit", choices=("none", "latin", "lookalike"), help="transliteration by the service")
    parser.add_argument("--time", help="when to send: DDMMYYhhmm, 'DD.MM.YY hh:mm', h1-h2, 0<unix ts>, +<minutes>")
    parser.add_argument("--tz", type=int, help="hour offset of --time from Moscow time")
    parser.add_argument("--max-parts", type=int, help="truncate the text to this many SMS parts")
    parser.add_argument("--subject", help="subject of an MMS or e-mail")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `smsc` (no side effects, nothing heavy imported)."""
    parser = _Parser(
        prog="smsc",
        description="The SMSC SMS gateway (smsc.kz, smsc.ru, smsc.ua, smscentre.com) from the command line.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    connection = _connection()

    send = commands.add_parser(
        "send",
        parents=[connection],
        help="send a message",
        description="Send a message; prints its id, parts, cost and the new balance.",
    )
    _message_options(send)
    send.add_argument("--id", help="message id (default: one assigned by the client)")

    cost = commands.add_parser(
        "cost",
        parents=[connection],
        help="what a message would cost (nothing is sent)",
        description="Ask the service what a message would cost; nothing is sent.",
    )
    _message_options(cost)

    status = commands.add_parser(
        "status",
        parents=[connection],
        help="delivery status of messages",
        description="Delivery status of messages: give ID PHONE pairs.",
    )
    status.add_argument("pairs", nargs="+", metavar="ID PHONE", help="message id and recipient, repeated")
    status.add_argument(
        "--detail",
        choices=("basic", "full", "region"),
        default="basic",
        help="basic, full (send time, cost, sender, text) or region (adds country, operator)",
    )

    commands.add_parser("balance", parents=[connection], help="account balance", description="The account balance.")

    segments = commands.add_parser(
        "segments",
        help="how a text splits into SMS parts (offline)",
        description="How a text splits into SMS parts, computed offline.",
    )
    segments.add_argument("message", metavar="TEXT", help="the text; '-' reads it from standard input")
    segments.add_argument(
        "--translit",
        choices=("none", "latin", "lookalike"),
        default="none",
        help="transliteration applied before counting",
    )
    segments.add_argument("--max-parts", type=int, help="truncate to this many parts, as the service's maxsms does")
    segments.add_argument("--json", action="store_true", help="print JSON for scripts instead of a table")

    emulator = commands.add_parser(
        "emulator",
        help="run a local SMSC emulator in the foreground",
        description="Run a local SMSC emulator (account demo/demo) until interrupted: the SMSC HTTP API, "
        "a web inbox at / and a JSON control API under /_emulator/ on the same port; SMPP and SMTP on request.",
    )
    emulator.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    emulator.add_argument("--http-port", type=port, default=8000, help="HTTP port, 0 for a free one (default: 8000)")
    emulator.add_argument(
        "--smpp-port",
        type=port,
        metavar="PORT",
        help="also serve SMPP 3.4 on this port, 0 for a free one (SMSC uses 3700)",
    )
    emulator.add_argument(
        "--smtp-port",
        type=port,
        metavar="PORT",
        help="also take e-mail to SMS on this port, 0 for a free one (the service uses 25)",
    )
    emulator.add_argument(
        "--control-token",
        metavar="TOKEN",
        help="token the control API and web inbox require from clients off the loopback interface "
        "(default: $SMSC_CONTROL_TOKEN; without one they answer loopback clients only)",
    )
    emulator.add_argument("--open", action="store_true", help="open the web inbox in a browser")
    emulator.add_argument("--db", metavar="PATH", help="SQLite file that keeps the state across restarts")
    emulator.add_argument("--no-limits", action="store_true", help="switch off rate limits and IP blocking")
    emulator.add_argument("--balance", metavar="AMOUNT", help="set the demo account's balance (default: 100.00)")
    emulator.add_argument("--seed", type=int, default=0, help="seed of the fault injector (default: 0)")
    emulator.add_argument(
        "--callback-url",
        metavar="URL",
        help="post the demo account's status changes and incoming messages to this handler URL",
    )

    from smsc.cli._bulk import add_parser as add_bulk

    add_bulk(commands, connection)

    from smsc.cli._api import add_parsers as add_api

    add_api(commands, connection)

    commands.add_parser(
        "demo",
        help="send three messages through an in-process emulator and show the result",
        description="The demo of `make demo`: an in-process emulator, three messages, their "
        "final statuses and the balance.",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `smsc` command; returns the exit code. Whatever the input, no traceback: one line on stderr."""
    args = build_parser().parse_args(argv)
    problem = first_undecodable(vars(args))
    if problem is not None:
        print(f"smsc: {one_line(problem)}", file=sys.stderr)
        return EXIT_USAGE
    from smsc.cli._commands import redacted, run

    try:
        return run(args)
    except KeyboardInterrupt:
        print("smsc: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # the reader went away (smsc ... | head): stop quietly, as other tools do
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except Exception as exc:
        if os.environ.get("SMSC_DEBUG"):
            raise
        try:
            text = one_line(redacted(f"{type(exc).__name__}: {exc}"))
        except Exception:  # the message itself cannot be shown safely
            text = type(exc).__name__
        print(f"smsc: internal error: {text} (SMSC_DEBUG=1 shows the traceback; please report it)", file=sys.stderr)
        return EXIT_INTERNAL


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
