"""phones.php in the emulator: the address book's contacts, their groups and the black list.

Sending to `G<id>` reaches the group's contacts; a blacklisted number's message ends forbidden
(status 23, error 252 "number forbidden").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from attrs import frozen

from smsc import _renderers as _rn
from smsc._models import Contact, ContactGroup, Created
from smsc._types import MessageId
from smsc.emulator._records import Account
from smsc.emulator._store import Store

if TYPE_CHECKING:
    from smsc.emulator._service import ApiCall, Service

MAX_NAME = 200
GROUP_RECIPIENT = re.compile(r"G([0-9]{1,10})")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS contacts (
    id INTEGER PRIMARY KEY AUTOINCREMENT, login TEXT NOT NULL, phone TEXT NOT NULL, name TEXT NOT NULL,
    UNIQUE (login, phone));
CREATE TABLE IF NOT EXISTS contact_groups (
    id INTEGER PRIMARY KEY AUTOINCREMENT, login TEXT NOT NULL, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS group_members (
    grp INTEGER NOT NULL REFERENCES contact_groups (id) ON DELETE CASCADE,
    contact INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE, PRIMARY KEY (grp, contact));
CREATE TABLE IF NOT EXISTS blacklist (
    id INTEGER PRIMARY KEY AUTOINCREMENT, login TEXT NOT NULL, phone TEXT NOT NULL, UNIQUE (login, phone));
"""


@frozen
class Entry:
    """A contact as the emulator stores it, with the ids of its groups."""

    id: int
    phone: str
    name: str
    groups: tuple[int, ...]


@frozen
class AddressBookView:
    """An account's address book as `Emulator.address_book` shows it."""

    contacts: list[Entry]
    groups: list[ContactGroup]
    blacklist: list[str]


def _failure(code: int) -> Exception:
    from smsc.emulator._service import Failure

    return Failure(code)


def _phone(p: Mapping[str, str], name: str = "phone") -> str:
    from smsc.emulator._service import _normal_phone

    phone = _normal_phone(p.get(name, ""))
    if phone is None:
        raise _failure(1)
    return phone


def _name(p: Mapping[str, str]) -> str:
    name = p.get("name", "").strip()
    if not name or len(name) > MAX_NAME:
        raise _failure(1)
    return name


class AddressBook:
    """The contacts, groups and black list tables."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.db = store.db
        self.db.executescript(_SCHEMA)

    # inspection and the send pipeline ---------------------------------------------------------
    def contacts(self, login: str) -> list[Entry]:
        rows = self.db.execute("SELECT id, phone, name FROM contacts WHERE login = ? ORDER BY id", (login,)).fetchall()
        return [Entry(int(i), str(ph), str(n), self._groups_of(int(i))) for i, ph, n in rows]

    def _groups_of(self, contact: int) -> tuple[int, ...]:
        rows = self.db.execute("SELECT grp FROM group_members WHERE contact = ? ORDER BY grp", (contact,)).fetchall()
        return tuple(int(r[0]) for r in rows)

    def groups(self, login: str) -> list[ContactGroup]:
        rows = self.db.execute("SELECT id, name FROM contact_groups WHERE login = ? ORDER BY id", (login,)).fetchall()
        return [ContactGroup(id=int(i), name=str(n)) for i, n in rows]

    def blacklisted(self, login: str, phone: str) -> bool:
        if self.store.in_batch and not self.store.memo(("blacklist", login), lambda: self._has_blacklist(login)):
            return False  # most accounts have none: in a batch, one look for all its sends
        row = self.db.execute("SELECT 1 FROM blacklist WHERE login = ? AND phone = ?", (login, phone)).fetchone()
        return row is not None

    def _has_blacklist(self, login: str) -> bool:
        return self.db.execute("SELECT 1 FROM blacklist WHERE login = ? LIMIT 1", (login,)).fetchone() is not None

    def blacklist(self, login: str) -> list[str]:
        rows = self.db.execute("SELECT phone FROM blacklist WHERE login = ? ORDER BY id", (login,)).fetchall()
        return [str(r[0]) for r in rows]

    def expand(self, login: str, phones: str, message_id: MessageId | None = None) -> str:
        """`phones` with each `G<id>` replaced by that group's contacts; an unknown group is error 7."""
        if "G" not in phones:
            return phones
        out = []
        for item in re.split(r"[,;]", phones):
            m = GROUP_RECIPIENT.fullmatch(item.strip())
            if m is None:
                out.append(item)
                continue
            if not self._group_exists(login, int(m[1])):
                from smsc.emulator._service import Failure

                raise Failure(7, message_id)
            rows = self.db.execute(
                "SELECT c.phone FROM contacts c JOIN group_members g ON g.contact = c.id WHERE g.grp = ? ORDER BY c.id",
                (int(m[1]),),
            ).fetchall()
            out.extend(str(r[0]) for r in rows)
        return ",".join(out)

    def _group_exists(self, login: str, group: int) -> bool:
        row = self.db.execute("SELECT 1 FROM contact_groups WHERE id = ? AND login = ?", (group, login)).fetchone()
        return row is not None

    def _group(self, login: str, p: Mapping[str, str]) -> int:
        value = p.get("grp", "").strip()
        if not (value.isascii() and value.isdigit()) or not self._group_exists(login, int(value)):
            raise _failure(1)
        return int(value)

    def _contact_id(self, login: str, phone: str) -> int | None:
        row = self.db.execute("SELECT id FROM contacts WHERE login = ? AND phone = ?", (login, phone)).fetchone()
        return None if row is None else int(row[0])

    # phones.php -------------------------------------------------------------------------------
    def handle(self, account: Account, p: Mapping[str, str], fmt: int) -> str:
        login = account.login
        flag = next((f for f in _FLAGS if p.get(f, "").strip() not in ("", "0")), None)
        if flag is None:
            raise _failure(1)
        if flag == "add":
            phone, name = _phone(p), _name(p)
            group = self._group(login, p) if p.get("grp", "").strip() else None
            if self._contact_id(login, phone) is not None:
                raise _failure(1)
            cursor = self.db.execute("INSERT INTO contacts (login, phone, name) VALUES (?, ?, ?)", (login, phone, name))
            assert cursor.lastrowid is not None
            if group is not None:
                self.db.execute("INSERT INTO group_members (grp, contact) VALUES (?, ?)", (group, cursor.lastrowid))
            return _rn.render_created(Created(id=cursor.lastrowid), fmt)
        if flag == "chg":
            contact = self._contact_id(login, _phone(p))
            if contact is None or not (p.get("new_phone", "").strip() or p.get("name", "").strip()):
                raise _failure(1)
            if p.get("new_phone", "").strip():
                new_phone = _phone(p, "new_phone")
                other = self._contact_id(login, new_phone)
                if other is not None and other != contact:
                    raise _failure(1)
                self.db.execute("UPDATE contacts SET phone = ? WHERE id = ?", (new_phone, contact))
            if p.get("name", "").strip():
                self.db.execute("UPDATE contacts SET name = ? WHERE id = ?", (_name(p), contact))
            return _rn.render_done(fmt)
        if flag == "del":
            contact = self._contact_id(login, _phone(p))
            if contact is None:
                raise _failure(1)
            self.db.execute("DELETE FROM contacts WHERE id = ?", (contact,))
            return _rn.render_done(fmt)
        if flag == "get":
            entries = self.contacts(login)
            if not entries:
                raise _failure(3)
            return _rn.render_contacts([Contact(phone=e.phone, name=e.name) for e in entries], fmt)
        if flag == "add_group":
            cursor = self.db.execute("INSERT INTO contact_groups (login, name) VALUES (?, ?)", (login, _name(p)))
            assert cursor.lastrowid is not None
            return _rn.render_created(Created(id=cursor.lastrowid), fmt)
        if flag == "chg_group":
            group, name = self._group(login, p), _name(p)
            self.db.execute("UPDATE contact_groups SET name = ? WHERE id = ?", (name, group))
            return _rn.render_done(fmt)
        if flag == "del_group":
            self.db.execute("DELETE FROM contact_groups WHERE id = ?", (self._group(login, p),))
            return _rn.render_done(fmt)
        if flag == "get_group":
            groups = self.groups(login)
            if not groups:
                raise _failure(3)
            return _rn.render_contact_groups(groups, fmt)
        if flag == "move_group":
            return self._move(login, p, fmt)
        if flag in ("add_black", "del_black"):
            self.store.forget(("blacklist", login))
        if flag == "add_black":
            phone = _phone(p)
            self.db.execute("INSERT OR IGNORE INTO blacklist (login, phone) VALUES (?, ?)", (login, phone))
            row = self.db.execute("SELECT id FROM blacklist WHERE login = ? AND phone = ?", (login, phone)).fetchone()
            return _rn.render_created(Created(id=int(row[0])), fmt)
        # del_black
        cursor = self.db.execute("DELETE FROM blacklist WHERE login = ? AND phone = ?", (login, _phone(p)))
        if cursor.rowcount == 0:
            raise _failure(1)
        return _rn.render_done(fmt)

    def _move(self, login: str, p: Mapping[str, str], fmt: int) -> str:
        """move_group=1 puts contacts into the group, 3 takes them out (2, a group into a group, is not known)."""
        mode = p.get("move_group", "").strip()
        if mode not in ("1", "3"):
            raise _failure(1)
        group = self._group(login, p)
        from smsc.emulator._service import _normal_phone

        contacts = []
        for item in re.split(r"[,;]", p.get("phone", "")):
            phone = _normal_phone(item)
            contact = None if phone is None else self._contact_id(login, phone)
            if contact is None:
                raise _failure(1)
            contacts.append(contact)
        if not contacts:
            raise _failure(1)
        for contact in contacts:
            if mode == "1":
                self.db.execute("INSERT OR IGNORE INTO group_members (grp, contact) VALUES (?, ?)", (group, contact))
            else:
                self.db.execute("DELETE FROM group_members WHERE grp = ? AND contact = ?", (group, contact))
        return _rn.render_done(fmt)


_FLAGS = (
    "add",
    "chg",
    "del",
    "get",
    "add_group",
    "chg_group",
    "del_group",
    "get_group",
    "move_group",
    "add_black",
    "del_black",
)


def handle(service: Service, account: Account, request: ApiCall, fmt: int, now: float) -> str:
    return service.features.contacts.handle(account, request.params, fmt)
