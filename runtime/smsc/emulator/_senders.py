"""senders.php in the emulator: the account's Sender IDs, their documents and numeric confirmation codes.

A numeric Sender ID is confirmed with a code the emulator "sends" by SMS: `Emulator.sender_codes`
shows it (a test reads it there, as a person reads their phone).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from attrs import frozen

from smsc import _renderers as _rn
from smsc._attachments import MAX_FILE_BYTES
from smsc._models import Sender
from smsc._params import SENDER_ALNUM, SENDER_DIGITS
from smsc.emulator._records import Account
from smsc.emulator._store import Store

if TYPE_CHECKING:
    from smsc.emulator._service import ApiCall, Service

DOCUMENT_TYPES = (".jpg", ".jpeg", ".tif", ".tiff", ".pdf", ".png", ".zip", ".rar")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS senders (
    id INTEGER PRIMARY KEY AUTOINCREMENT, login TEXT NOT NULL, sender TEXT NOT NULL, comment TEXT NOT NULL,
    document TEXT NOT NULL, document_bytes INTEGER NOT NULL, code TEXT NOT NULL, confirmed INTEGER NOT NULL,
    UNIQUE (login, sender));
"""


@frozen
class SenderRecord:
    """A Sender ID as the emulator keeps it (the inspection view)."""

    id: int
    sender: str
    comment: str
    document: str
    """Name of the attached document ("" if none)."""
    code: str
    """The confirmation code last sent to a numeric Sender ID ("" if none)."""
    confirmed: bool


def _failure(code: int) -> Exception:
    from smsc.emulator._service import Failure

    return Failure(code)


def _sender(p: Mapping[str, str]) -> str:
    value = p.get("sender", "").strip()
    if value.startswith("+") and value[1:].isdigit():
        value = value[1:]  # a numeric Sender ID is a phone number: '+' is optional
    if not (SENDER_ALNUM.fullmatch(value) or SENDER_DIGITS.fullmatch(value)):
        raise _failure(1)
    return value


def _document(files: Sequence[tuple[str, str, str, bytes]]) -> tuple[str, int] | None:
    if not files:
        return None
    if len(files) > 1:
        raise _failure(1)
    _, filename, _, data = files[0]
    if len(data) > MAX_FILE_BYTES or not filename.lower().endswith(DOCUMENT_TYPES):
        raise _failure(1)
    return filename, len(data)


class Senders:
    """The senders table."""

    def __init__(self, store: Store) -> None:
        self.db = store.db
        self.db.executescript(_SCHEMA)

    def records(self, login: str) -> list[SenderRecord]:
        rows = self.db.execute(
            "SELECT id, sender, comment, document, code, confirmed FROM senders WHERE login = ? ORDER BY id", (login,)
        ).fetchall()
        return [SenderRecord(int(i), str(s), str(c), str(d), str(k), bool(ok)) for i, s, c, d, k, ok in rows]

    def _find(self, login: str, sender: str) -> int:
        row = self.db.execute("SELECT id FROM senders WHERE login = ? AND sender = ?", (login, sender)).fetchone()
        if row is None:
            raise _failure(1)
        return int(row[0])

    def handle(
        self, account: Account, p: Mapping[str, str], files: Sequence[tuple[str, str, str, bytes]], fmt: int
    ) -> str:
        login = account.login
        if p.get("get", "").strip() == "1":
            found = self.records(login)
            if not found:
                raise _failure(3)
            return _rn.render_senders([Sender(sender=r.sender, id=r.id, comment=r.comment) for r in found], fmt)
        sender = _sender(p)
        document = _document(files)
        if p.get("add", "").strip() == "1":
            exists = self.db.execute("SELECT 1 FROM senders WHERE login = ? AND sender = ?", (login, sender)).fetchone()
            if exists is not None:
                raise _failure(1)
            name, size = document or ("", 0)
            self.db.execute(
                "INSERT INTO senders (login, sender, comment, document, document_bytes, code, confirmed)"
                " VALUES (?, ?, ?, ?, ?, '', 0)",
                (login, sender, p.get("cmt", ""), name, size),
            )
        elif p.get("chg", "").strip() == "1":
            row = self._find(login, sender)
            if "cmt" not in p and document is None:
                raise _failure(1)
            if "cmt" in p:
                self.db.execute("UPDATE senders SET comment = ? WHERE id = ?", (p["cmt"], row))
            if document is not None:
                self.db.execute("UPDATE senders SET document = ?, document_bytes = ? WHERE id = ?", (*document, row))
        elif p.get("del", "").strip() == "1":
            self.db.execute("DELETE FROM senders WHERE id = ?", (self._find(login, sender),))
        elif p.get("send_code", "").strip() == "1":
            if not sender.isdigit():
                raise _failure(1)
            row = self._find(login, sender)
            code = f"{secrets.randbelow(10000):04d}"
            self.db.execute("UPDATE senders SET code = ? WHERE id = ?", (code, row))
        elif p.get("check_code", "").strip() == "1":
            row = self._find(login, sender)
            stored = self.db.execute("SELECT code FROM senders WHERE id = ?", (row,)).fetchone()[0]
            if not stored or p.get("code", "").strip() != stored:
                raise _failure(1)
            self.db.execute("UPDATE senders SET confirmed = 1 WHERE id = ?", (row,))
        else:
            raise _failure(1)
        return _rn.render_done(fmt)


def handle(service: Service, account: Account, request: ApiCall, fmt: int, now: float) -> str:
    return service.features.senders.handle(account, request.params, request.files, fmt)
