"""templates.php in the emulator: saved message templates, which mailings can send (tpl=<id>)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from smsc import _renderers as _rn
from smsc._models import Created, Template
from smsc._params import MAX_MESSAGE, SENDER_ALNUM, SENDER_DIGITS
from smsc.emulator._records import Account
from smsc.emulator._store import Store

if TYPE_CHECKING:
    from smsc.emulator._service import ApiCall, Service

MAX_NAME = 200
KINDS = frozenset({"", "sms", "flash", "bin", "push", "mms", "call", "mail", "viber"})
_SCHEMA = """
CREATE TABLE IF NOT EXISTS templates (
    id INTEGER PRIMARY KEY AUTOINCREMENT, login TEXT NOT NULL, name TEXT NOT NULL, message TEXT NOT NULL,
    kind TEXT NOT NULL, sender TEXT NOT NULL, autosign INTEGER NOT NULL);
"""


def _failure(code: int) -> Exception:
    from smsc.emulator._service import Failure

    return Failure(code)


def _checked(p: Mapping[str, str], required: bool) -> dict[str, str]:
    """The template fields a request gives (name, msg, format, sender), each checked."""
    out = {}
    for key in ("name", "msg", "format", "sender"):
        if key not in p:
            if required and key in ("name", "msg"):
                raise _failure(1)
            continue
        value = p[key] if key == "msg" else p[key].strip()
        bad = (
            (key == "name" and not 0 < len(value) <= MAX_NAME)
            or (key == "msg" and not 0 < len(value) <= MAX_MESSAGE)
            or (key == "format" and value not in KINDS)
            or (key == "sender" and value and not (SENDER_ALNUM.fullmatch(value) or SENDER_DIGITS.fullmatch(value)))
        )
        if bad:
            raise _failure(1)
        out[key] = value
    return out


class Templates:
    """The templates table."""

    def __init__(self, store: Store) -> None:
        self.db = store.db
        self.db.executescript(_SCHEMA)

    def list(self, login: str) -> list[Template]:
        rows = self.db.execute("SELECT id, name, message FROM templates WHERE login = ? ORDER BY id", (login,))
        return [Template(id=int(i), name=str(n), message=str(m)) for i, n, m in rows.fetchall()]

    def text(self, login: str, template: int) -> tuple[str, str] | None:
        """(text, sender) of one of the account's templates, or None."""
        row = self.db.execute(
            "SELECT message, sender FROM templates WHERE id = ? AND login = ?", (template, login)
        ).fetchone()
        return None if row is None else (str(row[0]), str(row[1]))

    def _id(self, login: str, p: Mapping[str, str]) -> int:
        value = p.get("id", "").strip()
        if not (value.isascii() and value.isdigit()) or self.text(login, int(value)) is None:
            raise _failure(1)
        return int(value)

    def handle(self, account: Account, p: Mapping[str, str], fmt: int) -> str:
        login = account.login
        if p.get("add", "").strip() == "1":
            f = _checked(p, required=True)
            cursor = self.db.execute(
                "INSERT INTO templates (login, name, message, kind, sender, autosign) VALUES (?, ?, ?, ?, ?, ?)",
                (login, f["name"], f["msg"], f.get("format", ""), f.get("sender", ""), int(p.get("fl[1]") == "1")),
            )
            assert cursor.lastrowid is not None
            return _rn.render_created(Created(id=cursor.lastrowid), fmt)
        if p.get("chg", "").strip() == "1":
            template, f = self._id(login, p), _checked(p, required=False)
            if not f:
                raise _failure(1)
            columns = {"name": "name", "msg": "message", "format": "kind", "sender": "sender"}
            for key, value in f.items():
                self.db.execute(f"UPDATE templates SET {columns[key]} = ? WHERE id = ?", (value, template))
            return _rn.render_done(fmt)
        if p.get("del", "").strip() == "1":
            self.db.execute("DELETE FROM templates WHERE id = ?", (self._id(login, p),))
            return _rn.render_done(fmt)
        if p.get("get", "").strip() == "1":
            found = self.list(login)
            if not found:
                raise _failure(3)
            return _rn.render_templates(found, fmt)
        raise _failure(1)


def handle(service: Service, account: Account, request: ApiCall, fmt: int, now: float) -> str:
    return service.features.templates.handle(account, request.params, fmt)
