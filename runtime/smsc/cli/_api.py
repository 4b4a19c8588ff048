"""`smsc incoming`, `history`, `operator`, `prices`, `senders`, `contacts`, `templates`: the rest of the API.

Each prints a table (or `--json`, the same data as smsc.to_dict); lists with nothing in them print
the headers alone (`[]` with --json).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import Any

from smsc.cli._checks import one_line

NAMES = ("incoming", "history", "operator", "prices", "senders", "contacts", "templates")


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{one_line(text)!r} is not a date (YYYY-MM-DD)") from None


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{one_line(text)!r} is not a positive whole number")
    return int(text)


def add_parsers(commands: Any, connection: argparse.ArgumentParser) -> None:
    """The subcommands' arguments."""
    incoming = commands.add_parser(
        "incoming",
        parents=[connection],
        help="messages subscribers sent to the account",
        description="The inbox (get.php?get_answers=1), oldest first.",
    )
    incoming.add_argument("--hours", type=_positive, help="only the last this many hours (at most 168)")
    incoming.add_argument("--after-id", type=int, help="only the messages after this id")
    incoming.add_argument("--to", metavar="PHONE", help="only the messages to this number of the account")
    incoming.add_argument("--limit", type=_positive, help="at most this many messages")

    history = commands.add_parser(
        "history",
        parents=[connection],
        help="messages sent in a period (the last 7 days by default)",
        description="The sent history (get.php?get_messages=1), newest first; at most six months.",
    )
    history.add_argument("--since", type=_day, help="first day, YYYY-MM-DD (default: 6 days before --until)")
    history.add_argument("--until", type=_day, help="last day, YYYY-MM-DD (default: today)")
    history.add_argument("--phones", help="only the messages to these numbers, comma-separated")
    history.add_argument("--limit", type=_positive, help="at most this many messages")

    operator = commands.add_parser(
        "operator", parents=[connection], help="the operator of a number", description="info.php?get_operator=1."
    )
    operator.add_argument("phone", metavar="PHONE", help="the number, in international format")

    commands.add_parser("prices", parents=[connection], help="the price list", description="get.php?get_price=1.")

    senders = commands.add_parser(
        "senders",
        parents=[connection],
        help="the account's Sender IDs: list, add SENDER, delete SENDER",
        description="senders.php: `smsc senders` lists them; `add SENDER [--comment C] [--document PATH]`, "
        "`delete SENDER`.",
    )
    senders.add_argument("action", nargs="?", choices=("list", "add", "delete"), default="list")
    senders.add_argument("args", nargs="*", metavar="SENDER")
    senders.add_argument("--comment", help="what it is for (add)")
    senders.add_argument("--document", metavar="PATH", help="a supporting document, at most 3 MB (add)")

    contacts = commands.add_parser(
        "contacts",
        parents=[connection],
        help="the address book: list, add PHONE NAME, delete PHONE",
        description="phones.php: `smsc contacts` lists them; `add PHONE NAME [--group ID]`, `delete PHONE`.",
    )
    contacts.add_argument("action", nargs="?", choices=("list", "add", "delete"), default="list")
    contacts.add_argument("args", nargs="*", metavar="ARG")
    contacts.add_argument("--group", type=_positive, help="put the new contact into this group (its id)")

    templates = commands.add_parser(
        "templates",
        parents=[connection],
        help="message templates: list, add NAME TEXT, delete ID",
        description="templates.php: `smsc templates` lists them; `add NAME TEXT`, `delete ID`.",
    )
    templates.add_argument("action", nargs="?", choices=("list", "add", "delete"), default="list")
    templates.add_argument("args", nargs="*", metavar="ARG")


_ARITY = {
    ("senders", "add"): ("SENDER",),
    ("senders", "delete"): ("SENDER",),
    ("contacts", "add"): ("PHONE", "NAME"),
    ("contacts", "delete"): ("PHONE",),
    ("templates", "add"): ("NAME", "TEXT"),
    ("templates", "delete"): ("ID",),
}


def _operands(args: argparse.Namespace) -> list[str]:
    """The action's operands, checked against what it takes (InvalidRequest, exit code 2, otherwise)."""
    from smsc import InvalidRequest

    wanted = _ARITY.get((args.command, args.action), ())
    given = list(getattr(args, "args", []))
    if len(given) != len(wanted):
        usage = " ".join([args.command, args.action, *wanted])
        raise InvalidRequest(f"usage: smsc {usage} (got {len(given)} argument(s))")
    return given


def run(args: argparse.Namespace, open_client: Callable[[argparse.Namespace], Any]) -> int:
    """Run one of these subcommands and print its result."""
    from smsc.cli._output import fields, table, to_json

    def show(headers: tuple[str, ...], records: Iterable[Any], row: Callable[[Any], list[Any]]) -> None:
        listed = list(records)
        print(to_json(listed) if args.json else table(headers, [row(r) for r in listed]))

    def done(**values: Any) -> None:
        print(to_json(values) if args.json else fields(list(values.items())))

    with open_client(args) as client:
        command, action = args.command, getattr(args, "action", "list")
        if command == "incoming":
            records = client.incoming(hours=args.hours, after_id=args.after_id, to_phone=args.to, limit=args.limit)
            show(("id", "received", "from", "to", "text"), records, lambda m: [m.id, m.at, m.phone, m.to, m.text])
        elif command == "history":
            until = args.until or date.today()
            since = args.since or until - timedelta(days=6)
            phones = [p for p in (args.phones or "").split(",") if p.strip()] or None
            records = client.history(since, until, phones=phones, limit=args.limit)
            show(
                ("int_id", "sent", "phone", "status", "cost", "text"),
                records,
                lambda m: [m.int_id, m.sent_at, m.phone, m.status, m.cost, m.message],
            )
        elif command == "operator":
            found = client.operator(args.phone)
            names = ("phone", "country", "operator", "region", "mcc", "mnc", "tz")
            print(to_json(found) if args.json else fields([(n, getattr(found, n)) for n in names]))
        elif command == "prices":
            show(
                ("zone", "name", "sms", "mass", "mms", "hlr", "call"),
                client.prices(),
                lambda p: [p.zone, p.name, p.sms, p.mass, p.mms, p.hlr, p.call],
            )
        elif command == "senders":
            operands = _operands(args)
            if action == "add":
                client.senders.add(operands[0], comment=args.comment, document=args.document)
                done(added=operands[0])
            elif action == "delete":
                client.senders.delete(operands[0])
                done(deleted=operands[0])
            else:
                show(("id", "sender", "comment"), client.senders.list(), lambda s: [s.id, s.sender, s.comment])
        elif command == "contacts":
            operands = _operands(args)
            if action == "add":
                done(id=client.contacts.add(operands[0], operands[1], group=args.group))
            elif action == "delete":
                client.contacts.delete(operands[0])
                done(deleted=operands[0])
            else:
                show(("phone", "name"), client.contacts.list(), lambda c: [c.phone, c.name])
        else:
            operands = _operands(args)
            if action == "add":
                done(id=client.templates.add(operands[0], operands[1]))
            elif action == "delete":
                if not operands[0].isdigit():
                    from smsc import InvalidRequest

                    raise InvalidRequest(f"ID: {operands[0]!r} is not a template id")
                client.templates.delete(int(operands[0]))
                done(deleted=int(operands[0]))
            else:
                show(("id", "name", "text"), client.templates.list(), lambda t: [t.id, t.name, t.message])
    return 0
