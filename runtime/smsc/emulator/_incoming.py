"""Incoming messages: what subscribers send to an account's numbers (`Emulator.receive`), and the inbox.

The inbox is what get.php?get_answers=1 reads (paged forwards by `after_id`, limited to the
last `hour` hours); `Emulator.receive` is the one way a message comes in, so everything built on
incoming messages (the web inbox, callbacks) starts from it.
"""

from __future__ import annotations

from datetime import datetime

from attrs import frozen

from smsc._types import MSK
from smsc.emulator._store import Store

DEFAULT_TO = "79990000000"
"""The number a message is sent to when `receive` names none (a test number of the emulator's table)."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS incoming (
    id INTEGER PRIMARY KEY AUTOINCREMENT, login TEXT NOT NULL, phone TEXT NOT NULL,
    to_phone TEXT NOT NULL, text TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS incoming_by_login ON incoming (login, id);
"""


@frozen(kw_only=True)
class Incoming:
    """A message a subscriber sent to one of an account's numbers, as the emulator stored it."""

    id: int
    """The service's id of the incoming message (what `after_id` pages by)."""
    login: str
    """The account it came to."""
    phone: str
    """The subscriber who sent it (international form, digits only)."""
    to: str
    """The account's number it was sent to."""
    text: str
    received_at: datetime


class Inbox:
    """The incoming table of the emulator's store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        store.db.executescript(_SCHEMA)

    def add(self, login: str, phone: str, to: str, text: str, at: float) -> Incoming:
        cursor = self.store.db.execute(
            "INSERT INTO incoming (login, phone, to_phone, text, at) VALUES (?, ?, ?, ?, ?)",
            (login, phone, to, text, at),
        )
        assert cursor.lastrowid is not None
        return Incoming(
            id=cursor.lastrowid,
            login=login,
            phone=phone,
            to=to,
            text=text,
            received_at=datetime.fromtimestamp(int(at), MSK),
        )

    def list(
        self,
        login: str | None = None,
        *,
        after_id: int = 0,
        since: float | None = None,
        to: str | None = None,
        limit: int | None = None,
    ) -> list[Incoming]:
        """Incoming messages oldest first: after `after_id`, at or after `since`, to `to`, at most `limit`."""
        where: list[str] = ["id > ?"]
        args: list[object] = [after_id]
        if login is not None:
            where.append("login = ?")
            args.append(login)
        if since is not None:
            where.append("at >= ?")
            args.append(since)
        if to is not None:
            where.append("to_phone = ?")
            args.append(to)
        sql = f"SELECT id, login, phone, to_phone, text, at FROM incoming WHERE {' AND '.join(where)} ORDER BY id"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [
            Incoming(id=int(i), login=str(lg), phone=str(ph), to=str(to_), text=str(tx), received_at=_moment(float(at)))
            for i, lg, ph, to_, tx, at in self.store.db.execute(sql, args).fetchall()
        ]


def _moment(at: float) -> datetime:
    return datetime.fromtimestamp(int(at), MSK)
