"""What each `smsc` subcommand does (imported only when a command runs)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import Any

import smsc
from smsc.cli import EXIT_API_ERROR, EXIT_OK, EXIT_TRANSPORT, EXIT_USAGE
from smsc.cli._checks import message_id, one_line, redact, undecodable, url_problem
from smsc.cli._output import fields, table, to_json

_FORMATS = {
    "json": smsc.ResponseFormat.JSON,
    "xml": smsc.ResponseFormat.XML,
    "csv": smsc.ResponseFormat.CSV,
    "text": smsc.ResponseFormat.TEXT,
}
_TRANSLIT = {"none": smsc.Translit.NONE, "latin": smsc.Translit.LATIN, "lookalike": smsc.Translit.LOOKALIKE}
_DETAIL = {
    "basic": smsc.StatusDetail.BASIC,
    "full": smsc.StatusDetail.FULL,
    "region": smsc.StatusDetail.FULL_WITH_REGION,
}


_SECRETS: set[str] = set()
"""The password and API key in use, masked in every message the command prints."""


def redacted(message: str) -> str:
    """`message` with the secrets in use and any URL's user:password shown as ***."""
    return redact(message, _SECRETS)


def _fail(message: str, code: int) -> int:
    print(f"smsc: {one_line(redacted(message))}", file=sys.stderr)
    return code


def run(args: argparse.Namespace) -> int:
    """Run the parsed command; an API, input or network error becomes a message and an exit code."""
    command: Callable[[argparse.Namespace], int] = _COMMANDS[args.command]
    _SECRETS.update(s for s in (getattr(args, "password", None), getattr(args, "api_key", None)) if s)
    _SECRETS.update(s for s in (os.environ.get("SMSC_PASSWORD"), os.environ.get("SMSC_API_KEY")) if s)
    try:
        return command(args)
    except smsc.ApiError as exc:
        return _fail(str(exc), EXIT_API_ERROR)
    except smsc.InvalidRequest as exc:
        return _fail(str(exc), EXIT_USAGE)
    except (smsc.TransportError, smsc.ProtocolError) as exc:
        return _fail(str(exc), EXIT_TRANSPORT)


def _setting(option: str | None, flag: str, variable: str) -> tuple[str, str] | None:
    """An option's value, else the environment variable's, with where it came from (for messages)."""
    if option:
        return option, flag
    value = os.environ.get(variable)
    return (value, variable) if value else None


def _client(args: argparse.Namespace, **options: Any) -> smsc.Client:
    credentials: dict[str, str] = {}
    checked: list[tuple[str, str]] = []
    api_key = (args.api_key, "--api-key") if args.api_key else None
    if api_key is None and not (args.login or args.password):
        api_key = _setting(None, "--api-key", "SMSC_API_KEY")
    if api_key is not None:
        credentials["api_key"] = api_key[0]
        checked.append(api_key)
    else:
        login = _setting(args.login, "--login", "SMSC_LOGIN")
        password = _setting(args.password, "--password", "SMSC_PASSWORD")
        if login is None or password is None:
            raise smsc.InvalidRequest(
                "no credentials: give --login and --password (or --api-key), or set "
                "SMSC_LOGIN and SMSC_PASSWORD (or SMSC_API_KEY)"
            )
        credentials.update(login=login[0], password=password[0])
        checked += [login, password]
    base_url = _setting(args.base_url, "--base-url", "SMSC_BASE_URL") or ("https://smsc.kz", "--base-url")
    for value, where in [*checked, base_url]:
        if (problem := undecodable(value)) is not None:
            raise smsc.InvalidRequest(f"{where}: {problem}")
    if (problem := url_problem(base_url[0])) is not None:
        raise smsc.InvalidRequest(f"{base_url[1]}: {problem}")
    try:
        return smsc.Client(
            **credentials,  # type: ignore[arg-type]
            base_url=base_url[0],
            response_format=_FORMATS[args.reply_format],
            timeout=args.timeout,
            **options,
        )
    except smsc.SmscError:
        raise
    except (ValueError, TypeError, UnicodeError) as exc:  # what the client does not check itself yet
        raise smsc.InvalidRequest(f"connection settings: {exc}") from exc


def _text(value: str) -> str:
    """The text argument, or standard input for '-' (which must be UTF-8)."""
    if value != "-":
        return value
    data = sys.stdin.buffer.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise smsc.InvalidRequest(
            f"standard input is not UTF-8 text (byte 0x{data[exc.start]:02x} after {exc.start} byte"
            f"{'' if exc.start == 1 else 's'})"
        ) from None
    return text.rstrip("\n")


def _message_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    phones = [p for p in args.phones.split(",") if p.strip()]
    kwargs: dict[str, Any] = {
        "phones": phones,
        "message": _text(args.message),
        "format": smsc.MessageFormat[args.kind.upper()],
    }
    options = {
        "sender": args.sender,
        "time": args.time,
        "tz": args.tz,
        "max_parts": args.max_parts,
        "subject": args.subject,
        "translit": None if args.translit is None else _TRANSLIT[args.translit],
    }
    kwargs.update({k: v for k, v in options.items() if v is not None})
    return kwargs


def _send(args: argparse.Namespace) -> int:
    kwargs = _message_kwargs(args)
    if args.id is not None:
        kwargs["id"] = message_id(args.id)
    with _client(args) as client:
        result = client.send(**kwargs)
    print(
        to_json(result)
        if args.json
        else fields([("id", result.id), ("sms", result.sms_count), ("cost", result.cost), ("balance", result.balance)])
    )
    return EXIT_OK


def _cost(args: argparse.Namespace) -> int:
    with _client(args) as client:
        result = client.cost(**_message_kwargs(args))
    print(to_json(result) if args.json else fields([("sms", result.sms_count), ("cost", result.cost)]))
    return EXIT_OK


def _status(args: argparse.Namespace) -> int:
    if len(args.pairs) % 2:
        raise smsc.InvalidRequest("status: give ID PHONE pairs (an even number of arguments)")
    pairs = [(message_id(i), p) for i, p in zip(args.pairs[::2], args.pairs[1::2], strict=True)]
    detail = _DETAIL[args.detail]
    with _client(args) as client:
        if len(pairs) == 1:
            records = [client.status(*pairs[0], detail=detail)]
        else:
            records = client.statuses(pairs, detail=detail)
    if args.json:
        print(to_json(records if len(pairs) > 1 else records[0]))
        return EXIT_OK
    headers = ["id", "phone", "status", "error", "changed"]
    rows: list[list[Any]] = [[r.id, r.phone, r.status, r.error, r.changed_at] for r in records]
    if detail is not smsc.StatusDetail.BASIC:
        headers += ["sent", "cost", "sender", "text"]
        for row, r in zip(rows, records, strict=True):
            row += [r.sent_at, r.cost, r.sender, r.message]
    if detail is smsc.StatusDetail.FULL_WITH_REGION:
        headers += ["country", "operator", "region"]
        for row, r in zip(rows, records, strict=True):
            row += [r.country, r.operator, r.region]
    print(table(headers, rows))
    return EXIT_OK


def _balance(args: argparse.Namespace) -> int:
    with _client(args) as client:
        balance = client.balance()
    print(to_json({"balance": balance}) if args.json else balance)
    return EXIT_OK


def _segments(args: argparse.Namespace) -> int:
    from smsc.text._segments import describe

    result = describe(_text(args.message), translit=_TRANSLIT[args.translit], max_parts=args.max_parts)
    if args.json:
        print(to_json(result))
        return EXIT_OK
    print(result["summary"])
    print(fields([(f"part {n}", repr(part)) for n, part in enumerate(result["parts"], 1)]))
    return EXIT_OK


def _emulator(args: argparse.Namespace) -> int:
    emulator_module = _load_emulator()
    if emulator_module is None:
        return EXIT_USAGE
    import signal
    import sqlite3
    import threading
    from decimal import Decimal, InvalidOperation

    demo: dict[str, Any] = {}
    if args.balance is not None:
        try:
            demo["balance"] = Decimal(args.balance)
        except InvalidOperation:
            demo["balance"] = None
        if demo["balance"] is None or not demo["balance"].is_finite():
            return _fail(f"--balance: {args.balance!r} is not an amount", EXIT_USAGE)
    token = args.control_token or os.environ.get("SMSC_CONTROL_TOKEN") or None
    try:
        emulator = emulator_module.Emulator(
            host=args.host,
            http_port=args.http_port,
            db=args.db,
            seed=args.seed,
            rate_limits=not args.no_limits,
            ip_blocking=not args.no_limits,
            smpp_port=args.smpp_port,
            smtp_port=args.smtp_port,
            control_token=token,
        )
    except (sqlite3.Error, OSError) as exc:
        return _fail(f"--db {args.db}: cannot open the database ({exc})", EXIT_USAGE)
    except (ValueError, TypeError, OverflowError) as exc:
        return _fail(f"emulator: {exc}", EXIT_USAGE)
    if args.callback_url is not None:
        demo["callback_url"] = args.callback_url
    if demo:
        try:
            emulator.accounts.update("demo", **demo)
        except ValueError as exc:
            emulator.stop()
            return _fail(f"--callback-url: {exc}", EXIT_USAGE)
    try:
        emulator.start()
    except (sqlite3.Error, OSError, UnicodeError, TypeError, ValueError, OverflowError) as exc:
        emulator.stop()
        return _fail(_listen_problem(args, exc), EXIT_USAGE)
    except KeyboardInterrupt:
        emulator.stop()
        raise
    stop = threading.Event()
    try:  # from here on, Ctrl-C or SIGTERM at any moment stops the emulator and exits with 0
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        print("\n".join(_addresses(emulator, args, token)), flush=True)  # one write: readers see every line
        if args.open:
            import webbrowser

            if not webbrowser.open(emulator.base_url + "/"):
                print("  (no browser found: open the inbox address yourself)", flush=True)
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
    print("smsc emulator: stopped", flush=True)
    return EXIT_OK


def _listen_problem(args: argparse.Namespace, exc: BaseException) -> str:
    """Why the emulator could not start, naming the option and port that failed."""
    import re
    import sqlite3

    if isinstance(exc, sqlite3.Error):
        return f"--db {args.db}: cannot use the database ({exc})"
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    address = re.search(r"\('([^']*)', (\d+)", reason)
    reason = re.sub(r"\s*\(while attempting to bind on address [^)]*\)\)?", "", reason) or reason
    ports = {"--http-port": args.http_port, "--smpp-port": args.smpp_port, "--smtp-port": args.smtp_port}
    if address is not None:
        port = int(address[2])
        option = next((name for name, value in ports.items() if value == port), None)
        named = f" ({option})" if option else ""
        return f"cannot listen on {args.host}:{port}{named}: {reason.lower()}"
    wanted = ", ".join(f"{name} {value}" for name, value in ports.items() if value is not None)
    return f"cannot listen on {args.host} ({wanted}): {reason}"


def _addresses(emulator: Any, args: argparse.Namespace, token: str | None) -> list[str]:
    """What `smsc emulator` prints: every address it serves, and how to point a client at it."""
    url = emulator.base_url
    where = f" (state in {args.db})" if args.db else ""
    lines = [
        f"smsc emulator: listening on {url}{where}; account demo/demo; Ctrl-C to stop",
        f"  export SMSC_BASE_URL={url} SMSC_LOGIN=demo SMSC_PASSWORD=demo",
        *(
            [f"  callbacks to {args.callback_url} (account demo's statuses and incoming SMS)"]
            if args.callback_url
            else []
        ),
        f"  SMSC HTTP API  {url}/sys/send.php, status.php, balance.php",
        f"  web inbox      {url}/",
        f"  control API    {url}/_emulator/ (described at {url}/_emulator/openapi.json)",
    ]
    if emulator.smpp_port is not None:
        lines.append(f"  SMPP 3.4 on {args.host}:{emulator.smpp_port} (system_id demo, password demo)")
    if emulator.smtp_port is not None:
        lines.append(f"  SMTP on {args.host}:{emulator.smtp_port} (e-mail to SMS: letters to send@send.smsc.kz)")
    if token is not None:
        lines.append("  clients off the loopback interface need the control token (Authorization: Bearer ...)")
    elif args.host not in ("127.0.0.1", "::1", "localhost"):
        lines.append("  the control API and inbox answer loopback clients only: give --control-token to open them")
    return lines


def _bulk(args: argparse.Namespace) -> int:
    from smsc.cli._bulk import run as run_bulk

    return run_bulk(args, _client)


def _api(args: argparse.Namespace) -> int:
    from smsc.cli._api import run as run_api

    return run_api(args, _client)


def _demo(args: argparse.Namespace) -> int:
    if _load_emulator() is None:
        return EXIT_USAGE
    from smsc.emulator.demo import main

    return main()


def _load_emulator() -> Any:
    try:
        import smsc.emulator
    except ImportError as exc:
        _fail(f"the emulator needs the 'emulator' extra: pip install 'smsc[emulator]' ({exc})", EXIT_USAGE)
        return None
    return smsc.emulator


_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "send": _send,
    "cost": _cost,
    "status": _status,
    "balance": _balance,
    "segments": _segments,
    "emulator": _emulator,
    "demo": _demo,
    "bulk": _bulk,
    **dict.fromkeys(("incoming", "history", "operator", "prices", "senders", "contacts", "templates"), _api),
}
