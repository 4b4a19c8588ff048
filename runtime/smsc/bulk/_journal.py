"""A bulk run's journal (SQLite): each message's id before its first attempt, its outcome after.

Killed at any moment and run again over the same input, a run with a journal sends only what has
no outcome yet: a message with an outcome is reported from the journal, and a message that has
an id but no outcome (it may have been sent when the run died) is looked up by that id first.
Every write is committed before the step it records (the id before the send), so a `kill -9`
can lose no more than the answer of a send that is then looked up.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from decimal import Decimal
from pathlib import Path

from attrs import frozen

from smsc._exceptions import InvalidRequest
from smsc._models import SendResult
from smsc._types import MessageId
from smsc._types import message_id as parse_message_id
from smsc.bulk._message import BulkResult, Message

_SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    idx INTEGER PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    id TEXT NOT NULL,
    outcome TEXT
);
CREATE TABLE IF NOT EXISTS run (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@frozen
class Entry:
    """What the journal knows of one message: its id, its result when it was sent, and whether it failed.

    No result and not failed: the run died between the id and the outcome (look it up first).
    """

    id: MessageId
    result: BulkResult | None
    failed: bool = False


def fingerprint(message: Message) -> str:
    """A message's identity in the journal: its phones, text and options."""
    options = sorted((k, repr(v)) for k, v in message.options.items())
    data = repr((message.phones, message.text, message.id, options)).encode()
    return hashlib.sha256(data).hexdigest()[:32]


class Journal:
    """The journal of one bulk run in an SQLite file (see the module docstring).

    A journal belongs to one input: a message at a recorded place whose phones, text or options
    differ is refused (InvalidRequest), so a journal is never applied to another file by mistake.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise InvalidRequest(f"journal {self.path}: cannot be opened ({exc})") from None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Journal({str(self.path)!r})"

    def run_token(self, new: str) -> str:
        """The token that prefixes this run's assigned ids: `new` the first time, then the recorded one."""
        with self._lock:
            self._db.execute("INSERT OR IGNORE INTO run VALUES ('token', ?)", (new,))
            row = self._db.execute("SELECT value FROM run WHERE key = 'token'").fetchone()
        return str(row[0])

    def entry(self, index: int, message: Message) -> Entry | None:
        """The recorded id and outcome of the message at `index`, or None if it has none."""
        with self._lock:
            row = self._db.execute("SELECT fingerprint, id, outcome FROM messages WHERE idx = ?", (index,)).fetchone()
        if row is None:
            return None
        if row[0] != fingerprint(message):
            raise InvalidRequest(
                f"journal {self.path}: message {index + 1} differs from the one recorded there (another input?)"
            )
        message_id = parse_message_id(row[1])
        if row[2] is None:
            return Entry(message_id, None)
        outcome = json.loads(row[2])
        if not outcome.get("sent"):
            return Entry(message_id, None, failed=True)  # not sent: a new run tries it again
        return Entry(message_id, _sent(index, message, message_id, outcome))

    def assign(self, index: int, message: Message, message_id: MessageId) -> None:
        """Record the id of a message before its first attempt."""
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO messages (idx, fingerprint, id, outcome) VALUES (?, ?, ?, NULL)",
                (index, fingerprint(message), str(message_id)),
            )

    def finish(self, result: BulkResult) -> None:
        """Record the outcome of a message (a message whose outcome is unknown stays without one)."""
        from smsc.bulk._plan import UnknownOutcome

        if isinstance(result.error, UnknownOutcome):
            return
        if result.result is not None:
            r = result.result
            outcome = {"sent": True, "id": str(r.id), "sms_count": r.sms_count, "recovered": r.recovered}
            outcome["cost"] = None if r.cost is None else str(r.cost)
        else:
            error = result.error
            outcome = {"sent": False, "kind": type(error).__name__, "error": str(error)}
        with self._lock:
            self._db.execute("UPDATE messages SET outcome = ? WHERE idx = ?", (json.dumps(outcome), result.index))

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            self._db.close()


def _sent(index: int, message: Message, message_id: MessageId, outcome: dict[str, object]) -> BulkResult:
    cost = outcome.get("cost")
    sent = SendResult(
        id=message_id,
        sms_count=int(str(outcome["sms_count"])),
        cost=None if cost is None else Decimal(str(cost)),
        recovered=bool(outcome.get("recovered")),
    )
    return BulkResult(index=index, message=message, id=message_id, result=sent)
