"""users.php in the emulator: a reseller's sub-accounts, each a full account with its own login,
password and balance, paid from the parent's balance."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from attrs import frozen

from smsc import _renderers as _rn
from smsc._models import Created
from smsc.emulator._records import Account
from smsc.emulator._store import Store

if TYPE_CHECKING:
    from smsc.emulator._service import ApiCall, Service

MAX_LOGIN = 100
_SCHEMA = """
CREATE TABLE IF NOT EXISTS subaccounts (
    id INTEGER PRIMARY KEY AUTOINCREMENT, parent TEXT NOT NULL, login TEXT NOT NULL UNIQUE, name TEXT NOT NULL);
"""


@frozen
class Subaccount:
    """A sub-account's link to its parent (the account itself is in `emulator.accounts`)."""

    id: int
    parent: str
    login: str
    name: str


def _failure(code: int) -> Exception:
    from smsc.emulator._service import Failure

    return Failure(code)


class Subaccounts:
    """The subaccounts table; the accounts themselves are the store's."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.db = store.db
        self.db.executescript(_SCHEMA)

    def list(self, parent: str | None = None) -> list[Subaccount]:
        sql = "SELECT id, parent, login, name FROM subaccounts"
        rows = self.db.execute(
            sql + (" WHERE parent = ?" if parent else "") + " ORDER BY id", (parent,) if parent else ()
        )
        return [Subaccount(int(i), str(p), str(lg), str(n)) for i, p, lg, n in rows.fetchall()]

    def _own(self, parent: str, login: str) -> Subaccount:
        found = [s for s in self.list(parent) if s.login == login]
        if not found:
            raise _failure(1)
        return found[0]

    def handle(self, account: Account, request: ApiCall, fmt: int) -> str:
        p = request.params
        user = p.get("user", "").strip()
        if not 0 < len(user) <= MAX_LOGIN:
            raise _failure(1)
        if p.get("add", "").strip() == "1":
            password = p.get("password", "")
            if not password or self.store.account(user) is not None:
                raise _failure(1)
            self.store.put_account(
                Account(
                    login=user,
                    password=password,
                    balance=Decimal("0.00"),
                    price=account.price,
                    currency=account.currency,
                    sender=account.sender,
                )
            )
            cursor = self.db.execute(
                "INSERT INTO subaccounts (parent, login, name) VALUES (?, ?, '')", (account.login, user)
            )
            assert cursor.lastrowid is not None
            return _rn.render_created(Created(id=cursor.lastrowid), fmt)
        sub = self._own(account.login, user)
        if p.get("chg", "").strip() == "1":
            if "fio" not in p:
                raise _failure(1)
            self.db.execute("UPDATE subaccounts SET name = ? WHERE id = ?", (p["fio"].strip(), sub.id))
            return _rn.render_done(fmt)
        if p.get("pay", "").strip() == "1":
            try:
                amount = Decimal(p.get("sum", "").strip())
            except InvalidOperation:
                raise _failure(1) from None
            if not amount.is_finite() or amount <= 0 or amount > account.balance:
                raise _failure(1)  # the service's answer to an overdraft is not documented [decision]
            target = self.store.account(sub.login)
            assert target is not None
            self.store.set_balance(account.login, account.balance - amount)
            self.store.set_balance(sub.login, target.balance + amount)
            return _rn.render_done(fmt)
        raise _failure(1)


def handle(service: Service, account: Account, request: ApiCall, fmt: int, now: float) -> str:
    return service.features.subaccounts.handle(account, request, fmt)
