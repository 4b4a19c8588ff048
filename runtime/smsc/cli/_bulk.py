"""`smsc bulk FILE.csv`: send a spreadsheet of messages, resumable, with progress and a report.

Columns (header names, case-insensitive): `phone` (or `phones`: several separated by `,` or `;`),
`text` (unless --text gives a template), and optionally `id`, `sender`, `time`. `--text "Hello
{name}"` fills `{column}` placeholders from each row. `--dry-run` prints the offline estimate and
sends nothing. `--report out.csv` writes one row per message. A journal (`--journal PATH`, by
default next to the report, else next to the file) records each message's id before it is sent
and its outcome after, so a run killed at any moment and started again with the same arguments
sends only what was not sent and looks up what may have been. Exit code 0 only if all were sent.
"""

from __future__ import annotations

import argparse
import csv
import string
import sys
import time
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import smsc

if TYPE_CHECKING:  # smsc.bulk (asyncio, SQLite) loads when a run starts, not for `smsc --help`
    from smsc.bulk import BulkProgress, BulkResult, Message

COLUMNS = ("phone", "phones", "text", "id", "sender", "time")
_PLAIN_EVERY = 2.0  # seconds between progress lines when standard error is not a terminal


def add_parser(commands: Any, connection: argparse.ArgumentParser) -> None:
    """The `bulk` subcommand's arguments."""
    bulk = commands.add_parser(
        "bulk",
        parents=[connection],
        help="send the messages of a CSV file (resumable)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    bulk.add_argument("file", metavar="FILE.csv", help="the messages: columns phone(s), text, id, sender, time")
    bulk.add_argument("--text", help="a template for every row: {column} is that row's value")
    bulk.add_argument("--sender", help="Sender ID for rows without a sender column")
    bulk.add_argument("--dry-run", action="store_true", help="print the offline estimate; send nothing")
    bulk.add_argument("--price", help="price of one SMS, for the estimate of --dry-run")
    bulk.add_argument("--report", metavar="OUT.csv", help="write one row per message: id, status, parts, cost, error")
    bulk.add_argument("--journal", metavar="PATH", help="the journal file (default: next to the report or the file)")
    bulk.add_argument("--concurrency", type=int, default=14, help="requests in flight at most (default: 14)")
    bulk.add_argument("--no-progress", action="store_true", help="no progress bar or progress lines")


def _rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames:
            raise smsc.InvalidRequest(f"{path}: no header row")
        for row in reader:
            yield {(k or "").strip().lower(): (v or "").strip() for k, v in row.items() if k is not None}


def _check(path: Path, template: str | None) -> tuple[list[str], int]:
    """The columns and the number of rows; InvalidRequest for a file that cannot be used."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = [h.strip().lower() for h in next(reader, [])]
            count = sum(1 for row in reader if any(cell.strip() for cell in row))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise smsc.InvalidRequest(f"{path}: cannot be read ({exc})") from None
    if "phone" not in header and "phones" not in header:
        raise smsc.InvalidRequest(f"{path}: needs a 'phone' or 'phones' column (has: {', '.join(header) or 'none'})")
    if template is None and "text" not in header:
        raise smsc.InvalidRequest(f"{path}: needs a 'text' column, or give --text")
    if template is not None:
        try:
            names = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
        except ValueError as exc:
            raise smsc.InvalidRequest(f"--text: {exc}") from None
        missing = sorted(n for n in names if n.lower() not in header)
        if missing:
            raise smsc.InvalidRequest(f"--text: no column for {', '.join('{' + n + '}' for n in missing)}")
    return header, count


def _message(row: dict[str, str], template: str | None, sender: str | None) -> Message:
    raw = row.get("phones") or row.get("phone") or ""
    phones = [p.strip() for p in raw.replace(";", ",").split(",") if p.strip()]
    text = template.format_map({k.lower(): v for k, v in row.items()}) if template is not None else row.get("text", "")
    options: dict[str, Any] = {}
    if row.get("sender") or sender:
        options["sender"] = row.get("sender") or sender
    if row.get("time"):
        options["time"] = row["time"]
    message_id: int | str | None = row.get("id") or None
    if isinstance(message_id, str) and message_id.isdigit() and message_id[0] != "0":
        message_id = int(message_id)
    from smsc.bulk import Message

    return Message(phones, text, id=message_id, **options)


def _messages(path: Path, template: str | None, sender: str | None) -> Iterator[Message | tuple[Any, str]]:
    for row in _rows(path):
        if not any(row.values()):
            continue
        try:
            yield _message(row, template, sender)
        except smsc.InvalidRequest:
            yield ((), row.get("text", ""))  # reported as that row's error, the others go on
        except (KeyError, IndexError, ValueError):
            yield ((), "")


def _estimate(path: Path, template: str | None, sender: str | None, price: str | None, out: IO[str]) -> int:
    from smsc.text._estimate import estimate

    try:
        per_sms = Decimal(price) if price is not None else None
    except InvalidOperation:
        raise smsc.InvalidRequest(f"--price: {price!r} is not a number") from None
    if per_sms is not None and (not per_sms.is_finite() or per_sms < 0):
        raise smsc.InvalidRequest(f"--price: {price!r} is not a price (a finite number, 0 or more)")
    from smsc.bulk import Message

    messages = sms = bad = 0
    for item in _messages(path, template, sender):
        messages += 1
        if not isinstance(item, Message):
            bad += 1
            continue
        try:
            sms += estimate(list(item.phones), item.text).sms_count
        except smsc.InvalidRequest:
            bad += 1
    print(f"messages: {messages}", file=out)
    print(f"sms:      {sms}", file=out)
    if per_sms is not None:
        print(f"cost:     {per_sms * sms:.2f}", file=out)
    if bad:
        print(f"invalid:  {bad} (they would not be sent)", file=out)
    return 0 if not bad else 2


class _Progress:
    """A rich progress bar on a terminal; plain lines every few seconds otherwise."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.total = total
        self.enabled = enabled
        self._bar: Any = None
        self._task: Any = None
        self._last = 0.0
        if enabled and sys.stderr.isatty():
            try:
                from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
            except ImportError:
                return
            self._bar = Progress(
                TextColumn("sending"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[counts]}"),
                TimeRemainingColumn(),
                transient=False,
            )
            self._task = self._bar.add_task("send", total=total, counts="")
            self._bar.start()

    def __call__(self, p: BulkProgress) -> None:
        counts = f"sent {p.sent}  failed {p.failed}  recovered {p.recovered}  sms {p.parts}  cost {p.cost}"
        if self._bar is not None:
            self._bar.update(self._task, completed=p.done, counts=counts)
        elif self.enabled and time.monotonic() - self._last >= _PLAIN_EVERY:
            self._last = time.monotonic()
            print(f"{p.done}/{self.total}  {counts}", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()


def _status(result: BulkResult) -> str:
    if result.result is not None:
        return "recovered" if result.result.recovered else "sent"
    from smsc.bulk import NotSent

    return "not_sent" if isinstance(result.error, NotSent) else "failed"


def run(args: argparse.Namespace, client_factory: Any) -> int:
    """Run `smsc bulk`; the exit code (0: every message sent)."""
    path = Path(args.file)
    _, total = _check(path, args.text)
    if args.dry_run:
        return _estimate(path, args.text, args.sender, args.price, sys.stdout)
    report_path = Path(args.report) if args.report else None
    journal_path = Path(args.journal) if args.journal else (report_path or path).with_suffix(".journal.sqlite")
    from smsc.bulk import Journal

    journal = Journal(journal_path)
    progress = _Progress(total, not args.no_progress)
    report = None
    try:
        if report_path is not None:
            try:
                report = report_path.open("w", newline="", encoding="utf-8")
            except OSError as exc:
                raise smsc.InvalidRequest(f"--report: {report_path} cannot be written ({exc})") from None
        writer = csv.writer(report) if report is not None else None
        if writer is not None:
            writer.writerow(["row", "phones", "id", "status", "parts", "cost", "error"])
        with client_factory(args, pool_size=min(max(args.concurrency, 1), 64)) as client:
            bulk = client.send_many(
                _messages(path, args.text, args.sender),
                concurrency=args.concurrency,
                journal=journal,
                on_progress=progress,
            )
            for result in bulk:
                if writer is not None:
                    r = result.result
                    writer.writerow(
                        [
                            result.index + 1,
                            ",".join(result.message.phones),
                            "" if result.id is None else result.id,
                            _status(result),
                            "" if r is None else r.sms_count,
                            "" if r is None or r.cost is None else r.cost,
                            "" if result.error is None else str(result.error),
                        ]
                    )
            summary = bulk.summary
    finally:
        progress.close()
        journal.close()
        if report is not None:
            report.close()
    print(
        f"sent {summary.sent} of {summary.done} ({summary.recovered} recovered), failed {summary.failed}, "
        f"not sent {summary.not_sent}; {summary.parts} SMS, cost {summary.cost}",
        file=sys.stderr,
    )
    return 0 if summary.sent == summary.done else 1
