"""jobs.php in the emulator: mailings the service sends by itself.

A mailing is a send (every send.php option, or a saved template's text) stored under the mailing's
id: its messages move on the emulator's clock like any other, scheduled ones wait for their time,
and a cancelled mailing's messages that were not handed over yet stay stopped (status -2) and
are refunded.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from attrs import frozen

from smsc import _renderers as _rn
from smsc._enums import MessageStatus
from smsc._models import Created
from smsc.emulator._records import Account
from smsc.emulator._store import Store

if TYPE_CHECKING:
    from smsc.emulator._service import ApiCall, Service

MAX_NAME = 200
_NOT_SEND = frozenset({"add", "name", "tpl", "id", "cost", "fmt", "cancel", "del", "get", "get_all"})
_SCHEMA = """
CREATE TABLE IF NOT EXISTS mailings (
    id INTEGER PRIMARY KEY AUTOINCREMENT, login TEXT NOT NULL, name TEXT NOT NULL,
    first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL, cancelled INTEGER NOT NULL);
"""


@frozen
class Mailing:
    """A mailing as the emulator keeps it (the inspection view)."""

    id: int
    login: str
    name: str
    cancelled: bool
    messages: tuple[int, ...]
    """Sequence numbers of its messages in the store."""


def _failure(code: int) -> Exception:
    from smsc.emulator._service import Failure

    return Failure(code)


class Mailings:
    """The mailings table; the messages themselves are the store's."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.db = store.db
        self.db.executescript(_SCHEMA)

    def list(self, login: str | None = None) -> list[Mailing]:
        sql = "SELECT id, login, name, first_seq, last_seq, cancelled FROM mailings"
        rows = self.db.execute(sql + (" WHERE login = ?" if login else "") + " ORDER BY id", (login,) if login else ())
        return [
            Mailing(int(i), str(lg), str(n), bool(c), tuple(range(int(a), int(b) + 1)))
            for i, lg, n, a, b, c in rows.fetchall()
        ]

    def _find(self, login: str, request: ApiCall) -> Mailing:
        value = request.params.get("id", "").strip()
        found = [m for m in self.list(login) if value.isdigit() and m.id == int(value)]
        if not found:
            raise _failure(1)
        return found[0]

    def create(self, service: Service, account: Account, request: ApiCall, now: float) -> int:
        from smsc.emulator._service import ApiCall

        p = request.params
        name = p.get("name", "").strip()
        if not 0 < len(name) <= MAX_NAME or (bool(p.get("mes")) == bool(p.get("tpl", "").strip())):
            raise _failure(1)
        params = {k: v for k, v in p.items() if k not in _NOT_SEND}
        template = p.get("tpl", "").strip()
        if template:
            found = service.features.templates.text(account.login, int(template)) if template.isdigit() else None
            if found is None:
                raise _failure(1)
            params["mes"] = found[0]
            if found[1] and "sender" not in params:
                params["sender"] = found[1]
        cursor = self.db.execute(
            "INSERT INTO mailings (login, name, first_seq, last_seq, cancelled) VALUES (?, ?, 0, 0, 0)",
            (account.login, name),
        )
        assert cursor.lastrowid is not None
        mailing = cursor.lastrowid
        before = self.db.execute("SELECT COALESCE(MAX(seq), 0) FROM messages").fetchone()[0]
        params.update({"id": str(mailing), "cost": "0"})
        service._send(account, ApiCall("/sys/send.php", params, request.files, request.ip), 3, now, cost_only=False)
        after = self.db.execute("SELECT COALESCE(MAX(seq), 0) FROM messages").fetchone()[0]
        self.db.execute("UPDATE mailings SET first_seq = ?, last_seq = ? WHERE id = ?", (before + 1, after, mailing))
        return mailing

    def cancel(self, service: Service, account: Account, request: ApiCall, now: float) -> None:
        mailing = self._find(account.login, request)
        refund = Decimal(0)
        for message in service.store.messages(account.login):
            if message.seq not in mailing.messages:
                continue
            current = service.store.history(message.seq, now)[-1][1]
            if current != MessageStatus.WAITING:
                continue
            self.db.execute("DELETE FROM history WHERE seq = ? AND at > ?", (message.seq, now))
            self.db.execute(
                "INSERT INTO history (seq, at, status, err) VALUES (?, ?, ?, 0)",
                (message.seq, now, int(MessageStatus.STOPPED)),
            )
            refund += message.cost
        self.db.execute("UPDATE mailings SET cancelled = 1 WHERE id = ?", (mailing.id,))
        current_balance = service.store.account(account.login)
        assert current_balance is not None
        service.store.set_balance(account.login, current_balance.balance + refund)

    def handle(self, service: Service, account: Account, request: ApiCall, fmt: int, now: float) -> str:
        p = request.params
        if p.get("add", "").strip() == "1":
            return _rn.render_created(Created(id=self.create(service, account, request, now)), fmt)
        if p.get("cancel", "").strip() == "1":
            self.cancel(service, account, request, now)
            return _rn.render_done(fmt)
        if p.get("del", "").strip() == "1":
            self.db.execute("DELETE FROM mailings WHERE id = ?", (self._find(account.login, request).id,))
            return _rn.render_done(fmt)
        raise _failure(1)


def handle(service: Service, account: Account, request: ApiCall, fmt: int, now: float) -> str:
    return service.features.mailings.handle(service, account, request, fmt, now)
