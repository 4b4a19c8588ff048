"""The emulator's state in SQLite: accounts, messages, their planned status history, attachments.

In memory by default; a file keeps everything (the clock offset too) across a restart. Not
thread-safe by itself: the Service serialises every call under its lock.

A batch (`Store.batch`, what the SMPP listener stores in one turn) is one transaction around many
requests. Inside it what the requests share is kept in memory and written once, at its end: the
counters, the balances of the accounts billed, the accounts read, and whatever `memo` caches.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import NamedTuple, TypeVar

from attrs import frozen

from smsc.emulator._records import Account

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (
    login TEXT PRIMARY KEY, password TEXT NOT NULL, api_key TEXT UNIQUE, balance TEXT NOT NULL,
    price TEXT NOT NULL, currency TEXT NOT NULL, sender TEXT NOT NULL, callback_url TEXT);
CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, batch INTEGER NOT NULL, login TEXT NOT NULL, id TEXT NOT NULL,
    phone TEXT NOT NULL, text TEXT NOT NULL, sender TEXT NOT NULL, format INTEGER NOT NULL,
    parts INTEGER NOT NULL, cost TEXT NOT NULL, sent_at REAL NOT NULL, due REAL NOT NULL,
    translit INTEGER NOT NULL DEFAULT 0, max_parts INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS messages_by_id ON messages (login, id, phone);
CREATE TABLE IF NOT EXISTS history (
    seq INTEGER NOT NULL REFERENCES messages (seq) ON DELETE CASCADE, at REAL NOT NULL,
    status INTEGER NOT NULL, err INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS history_by_seq ON history (seq, at);
CREATE TABLE IF NOT EXISTS smpp_parts (
    login TEXT NOT NULL, destination TEXT NOT NULL, source TEXT NOT NULL, reference INTEGER NOT NULL,
    total INTEGER NOT NULL, sequence INTEGER NOT NULL, payload BLOB NOT NULL, message_id TEXT NOT NULL,
    PRIMARY KEY (login, destination, source, reference, total, sequence));
"""
# in the main database of a file store; in a temporary file beside an in-memory one (schema "files")
_ATTACHMENTS = """
CREATE TABLE IF NOT EXISTS {schema}attachments (
    batch INTEGER NOT NULL, name TEXT NOT NULL, filename TEXT NOT NULL, content_type TEXT NOT NULL,
    data BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS {schema}attachments_by_batch ON attachments (batch);
"""
_PART_KEY = "login = ? AND destination = ? AND source = ? AND reference = ? AND total = ?"
PartKey = tuple[str, str, int, int]
"""(destination, source, reference, total): which concatenated SMPP message a part belongs to."""
_ACCOUNT_COLUMNS = "login, password, api_key, balance, price, currency, sender, callback_url"
_MESSAGE_COLUMNS = "seq, batch, login, id, phone, text, sender, format, parts, cost, sent_at, due, translit, max_parts"
_T = TypeVar("_T")


class PartialWrite(RuntimeError):
    """A request inside a batch failed after it had written: the whole batch must be rolled back."""


@frozen
class StoredMessage:
    """A row of the messages table."""

    seq: int
    batch: int
    login: str
    id: str
    phone: str
    text: str
    sender: str
    format: int
    parts: int
    cost: Decimal
    sent_at: float
    due: float
    translit: int = 0
    max_parts: int = 0
    """The send's `translit` and `maxsms` (0: none): with the text, what the phone shows."""


class NewMessage(NamedTuple):
    """A message to one phone about to be stored, with its planned status history (a named tuple: one
    is made per message sent, and a tuple is made at a fraction of an attrs instance's cost)."""

    phone: str
    text: str
    sender: str
    format: int
    parts: int
    cost: Decimal
    due: float
    plan: Sequence[tuple[float, int, int]]  # (at, status, err)
    translit: int = 0
    max_parts: int = 0


def _account(row: tuple[str, str, str | None, str, str, str, str, str | None]) -> Account:
    login, password, api_key, balance, price, currency, sender, callback_url = row
    return Account(
        login=login,
        password=password,
        api_key=api_key,
        balance=Decimal(balance),
        price=Decimal(price),
        currency=currency,
        sender=sender,
        callback_url=callback_url,
    )


def _message(row: tuple[int, int, str, str, str, str, str, int, int, str, float, float, int, int]) -> StoredMessage:
    seq, batch, login, id_, phone, text, sender, fmt, parts, cost, sent_at, due, translit, max_parts = row
    return StoredMessage(
        seq, batch, login, id_, phone, text, sender, fmt, parts, Decimal(cost), sent_at, due, translit, max_parts
    )


class Store:
    """SQLite tables behind the emulator: a file path, or None for memory."""

    def __init__(self, path: str | None = None) -> None:
        self.path = path
        self._secrets: list[str] | None = None
        self._batch = False
        self._counters: dict[str, int] = {}  # counters taken inside a batch, written at its end
        self._balances: dict[str, Decimal] = {}  # balances set inside a batch, written at its end
        self._accounts: dict[str, Account] = {}  # accounts read inside a batch, with their new balances
        self._memo: dict[Hashable, object] = {}  # see memo()
        self._deferred = 0  # writes kept for the end of the batch, so far
        self._writes_at_begin = 0
        self._db = sqlite3.connect(":memory:" if path is None else path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA foreign_keys = ON")
        self._files: tempfile.TemporaryDirectory[str] | None = None
        if path is not None:
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.executescript(_SCHEMA + _ATTACHMENTS.format(schema=""))
        else:  # attachments on disk, so that an in-memory emulator's memory does not grow with them
            self._files = tempfile.TemporaryDirectory(prefix="smsc-emulator-")
            self._db.execute("ATTACH DATABASE ? AS files", (f"{self._files.name}/attachments.sqlite",))
            self._db.execute("PRAGMA files.journal_mode = MEMORY")
            self._db.execute("PRAGMA files.synchronous = OFF")
            self._db.executescript(_SCHEMA + _ATTACHMENTS.format(schema="files."))
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(accounts)")}
        if "callback_url" not in columns:  # a state file from before callback URLs
            self._db.execute("ALTER TABLE accounts ADD COLUMN callback_url TEXT")
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(messages)")}
        for column in ("translit", "max_parts") if "translit" not in columns else ():  # a file from before them
            self._db.execute(f"ALTER TABLE messages ADD COLUMN {column} INTEGER NOT NULL DEFAULT 0")

    @property
    def db(self) -> sqlite3.Connection:
        """The connection, for the tables of the emulator's other modules (contacts, inbox, ...)."""
        return self._db

    def close(self) -> None:
        self._db.close()
        if self._files is not None:
            self._files.cleanup()

    def _writes(self) -> int:
        return self._db.total_changes + self._deferred

    def begin(self) -> None:
        """Start a request's transaction.

        Inside a batch a request has no savepoint of its own (taking one costs more than a send's
        writes): a request that fails does so before it writes (the send pipeline checks everything
        first), and one that fails after writing makes `rollback` raise PartialWrite, so the whole
        batch is rolled back rather than a half-done request kept.
        """
        if self._batch:
            self._writes_at_begin = self._writes()
        else:
            self._db.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        if not self._batch:
            self._db.execute("COMMIT")

    def rollback(self) -> None:
        if self._batch:
            if self._writes() != self._writes_at_begin:
                raise PartialWrite("a request failed after writing; its batch is rolled back")
        elif self._db.in_transaction:
            self._db.execute("ROLLBACK")

    @contextmanager
    def batch(self) -> Iterator[None]:
        """One transaction around many requests: each request's own begin/commit/rollback becomes a
        savepoint, and everything is durable (in a file store) once the block ends without an error."""
        if self._batch:
            yield
            return
        self._db.execute("BEGIN IMMEDIATE")
        self._batch = True
        try:
            yield
            for key, value in self._counters.items():
                self.set_meta(key, str(value))
            self._write_balances()
        except BaseException:
            self._end_batch()
            self._db.execute("ROLLBACK")
            raise
        self._end_batch()
        self._db.execute("COMMIT")

    def _end_batch(self) -> None:
        self._batch = False
        self._counters.clear()
        self._balances.clear()
        self._accounts.clear()
        self._memo.clear()
        self._deferred = 0

    @property
    def in_batch(self) -> bool:
        return self._batch

    def memo(self, key: Hashable, compute: Callable[[], _T]) -> _T:
        """`compute()`, once per batch for this key (every time outside a batch): for a read that the
        batch's requests do not change (who writes what it reads calls `forget`)."""
        if not self._batch:
            return compute()
        if key in self._memo:
            return self._memo[key]  # type: ignore[return-value]
        value = self._memo[key] = compute()
        return value

    def forget(self, key: Hashable) -> None:
        """Drop what `memo` keeps for this key (what it read has changed)."""
        self._memo.pop(key, None)

    # meta ---------------------------------------------------------------------------------
    def meta(self, key: str, default: str) -> str:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return default if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def next_number(self, key: str) -> int:
        """The next value of a counter kept in meta (1, 2, ...); inside a batch it is written once, at its end
        (a number taken by a request rolled back inside the batch is not given again)."""
        if self._batch:
            value = self._counters.get(key) or int(self.meta(key, "0"))
            self._counters[key] = value = value + 1
            return value
        value = int(self.meta(key, "0")) + 1
        self.set_meta(key, str(value))
        return value

    # accounts -----------------------------------------------------------------------------
    def put_account(self, account: Account, *, replace: bool = True) -> None:
        self._secrets = None
        self._write_balances()
        self._accounts.pop(account.login, None)
        verb = "INSERT OR REPLACE" if replace else "INSERT OR IGNORE"
        self._db.execute(
            f"{verb} INTO accounts ({_ACCOUNT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                account.login,
                account.password,
                account.api_key,
                str(account.balance),
                str(account.price),
                account.currency,
                account.sender,
                account.callback_url,
            ),
        )

    def secrets(self) -> list[str]:
        """Every account's password and API key (for the log filter), cached until an account changes."""
        if self._secrets is None:
            self._write_balances()
            rows = self._db.execute("SELECT password, api_key FROM accounts").fetchall()
            self._secrets = [str(v) for row in rows for v in row if v]
        return self._secrets

    def account(self, login: str) -> Account | None:
        """The account with this login (inside a batch read once, then kept with its new balance)."""
        account = self._accounts.get(login) if self._batch else None
        if account is None:
            row = self._db.execute(f"SELECT {_ACCOUNT_COLUMNS} FROM accounts WHERE login = ?", (login,)).fetchone()
            if row is None:
                return None
            account = _account(row)
        if self._batch:
            balance = self._balances.get(login)
            if balance is not None and balance != account.balance:
                account = account.with_balance(balance)
            self._accounts[login] = account
        return account

    def account_by_key(self, api_key: str) -> Account | None:
        self._write_balances()
        row = self._db.execute(f"SELECT {_ACCOUNT_COLUMNS} FROM accounts WHERE api_key = ?", (api_key,)).fetchone()
        return None if row is None else _account(row)

    def accounts(self) -> list[Account]:
        self._write_balances()
        rows = self._db.execute(f"SELECT {_ACCOUNT_COLUMNS} FROM accounts ORDER BY login").fetchall()
        return [_account(r) for r in rows]

    def clear(self) -> None:
        """Forget every account, message, attachment and counter (the schema stays)."""
        self._balances.clear()
        self._accounts.clear()
        self._memo.clear()
        for table in ("history", "attachments", "messages", "accounts", "meta", "smpp_parts"):
            self._db.execute(f"DELETE FROM {table}")

    def set_balance(self, login: str, balance: Decimal) -> None:
        """Set an account's balance (inside a batch written at its end, once per account)."""
        if not self._batch:
            self._db.execute("UPDATE accounts SET balance = ? WHERE login = ?", (str(balance), login))
            return
        self._balances[login] = balance  # account() shows it
        self._deferred += 1

    def _write_balances(self) -> None:
        """Write the balances a batch has set so far (before a read that goes to the table)."""
        if self._balances:
            before = self._db.total_changes
            rows = [(str(balance), login) for login, balance in self._balances.items()]
            if len(rows) == 1:
                self._db.execute("UPDATE accounts SET balance = ? WHERE login = ?", rows[0])
            else:
                self._db.executemany("UPDATE accounts SET balance = ? WHERE login = ?", rows)
            self._deferred -= self._db.total_changes - before  # written now, not by the request under way
            self._balances.clear()

    # parts of concatenated SMPP messages not complete yet ---------------------------------
    def part_message_id(self, login: str, key: PartKey) -> str | None:
        """The message id given to the first part of this message, if a part of it is stored."""
        row = self._db.execute(f"SELECT message_id FROM smpp_parts WHERE {_PART_KEY} LIMIT 1", (login, *key)).fetchone()
        return None if row is None else str(row[0])

    def incomplete_messages(self, login: str) -> int:
        """How many concatenated messages of this account have parts stored and are not complete."""
        row = self._db.execute(
            "SELECT COUNT(*) FROM (SELECT DISTINCT destination, source, reference, total FROM smpp_parts"
            " WHERE login = ?)",
            (login,),
        ).fetchone()
        return int(row[0])

    def put_part(self, login: str, key: PartKey, sequence: int, payload: bytes, message_id: str) -> dict[int, bytes]:
        """Store one part (a repeated place replaces the earlier one); every part of its message stored so far."""
        self._db.execute(
            "INSERT OR REPLACE INTO smpp_parts (login, destination, source, reference, total, sequence, payload,"
            " message_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (login, *key, sequence, payload, message_id),
        )
        rows = self._db.execute(f"SELECT sequence, payload FROM smpp_parts WHERE {_PART_KEY}", (login, *key))
        return {int(seq): bytes(data) for seq, data in rows}

    def drop_parts(self, login: str, key: PartKey) -> None:
        """Forget the parts of a message (it is complete)."""
        self._db.execute(f"DELETE FROM smpp_parts WHERE {_PART_KEY}", (login, *key))

    # messages -----------------------------------------------------------------------------
    def add_messages(
        self,
        login: str,
        message_id: str,
        sent_at: float,
        messages: Iterable[NewMessage],
        attachments: Sequence[tuple[str, str, str, bytes]] = (),
    ) -> int:
        """Store one send (one row per phone) and its attachments; returns the batch number."""
        batch = self.next_number("batch")
        for m in messages:
            cursor = self._db.execute(
                "INSERT INTO messages (batch, login, id, phone, text, sender, format, parts, cost, sent_at, due,"
                " translit, max_parts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    *(batch, login, message_id, m.phone, m.text, m.sender, m.format, m.parts, str(m.cost), sent_at),
                    *(m.due, m.translit, m.max_parts),
                ),
            )
            self._db.executemany(
                "INSERT INTO history (seq, at, status, err) VALUES (?, ?, ?, ?)",
                [(cursor.lastrowid, at, status, err) for at, status, err in m.plan],
            )
        if attachments:
            self._db.executemany(
                "INSERT INTO attachments (batch, name, filename, content_type, data) VALUES (?, ?, ?, ?, ?)",
                [(batch, *a) for a in attachments],
            )
        return batch

    def find(self, login: str, message_id: str, phone: str) -> StoredMessage | None:
        """The latest message with this id to this phone (ids need not be unique)."""
        row = self._db.execute(
            f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE login = ? AND id = ? AND phone = ?"
            " ORDER BY seq DESC LIMIT 1",
            (login, message_id, phone),
        ).fetchone()
        return None if row is None else _message(row)

    def latest(self, login: str, message_id: str) -> StoredMessage | None:
        """The latest message with this id to any phone (query_sm names no phone); indexed."""
        row = self._db.execute(
            f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE login = ? AND id = ? ORDER BY seq DESC LIMIT 1",
            (login, message_id),
        ).fetchone()
        return None if row is None else _message(row)

    def delete(self, seq: int) -> None:
        self._db.execute("DELETE FROM messages WHERE seq = ?", (seq,))

    def messages(self, login: str | None = None) -> list[StoredMessage]:
        if login is None:
            rows = self._db.execute(f"SELECT {_MESSAGE_COLUMNS} FROM messages ORDER BY seq").fetchall()
        else:
            rows = self._db.execute(
                f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE login = ? ORDER BY seq", (login,)
            ).fetchall()
        return [_message(r) for r in rows]

    def history(self, seq: int, until: float) -> list[tuple[float, int, int]]:
        """(at, status, err) of a message up to `until`, oldest first."""
        rows = self._db.execute(
            "SELECT at, status, err FROM history WHERE seq = ? AND at <= ? ORDER BY at, rowid", (seq, until)
        ).fetchall()
        return [(float(at), int(status), int(err)) for at, status, err in rows]

    def attachments(self, batch: int) -> list[tuple[str, str, str, bytes]]:
        rows = self._db.execute(
            "SELECT name, filename, content_type, data FROM attachments WHERE batch = ? ORDER BY rowid", (batch,)
        ).fetchall()
        return [(str(n), str(f), str(c), bytes(d)) for n, f, c, d in rows]
