"""Deduplication stores: the service may call again with an event already handled.

A store remembers event keys (`event.key`). `claim(key)` is True only for the first caller of a key;
when handling fails, `release(key)` forgets it so that the service's next attempt is handled.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    import sqlite3


@runtime_checkable
class EventStore(Protocol):
    """Where handled event keys are kept: MemoryStore, SqliteStore, or your own (Redis, a table...)."""

    def claim(self, key: str) -> bool:
        """Record `key`; True if it was not there (handle the event), False for a repeat."""
        ...

    def release(self, key: str) -> None:
        """Forget `key` (its handling failed and will be tried again)."""
        ...


class MemoryStore:
    """The most recent `max_size` keys in this process's memory (least recently seen dropped first)."""

    def __init__(self, max_size: int = 100_000) -> None:
        if max_size < 1:
            raise ValueError("max_size must be at least 1")
        self.max_size = max_size
        self._keys: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def claim(self, key: str) -> bool:
        """Record `key`; True if it was not there (handle the event), False for a repeat."""
        with self._lock:
            if key in self._keys:
                self._keys.move_to_end(key)
                return False
            self._keys[key] = None
            if len(self._keys) > self.max_size:
                self._keys.popitem(last=False)
            return True

    def release(self, key: str) -> None:
        """Forget `key` (its handling failed and will be tried again)."""
        with self._lock:
            self._keys.pop(key, None)

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:
        return f"MemoryStore({len(self._keys)}/{self.max_size} keys)"


class SqliteStore:
    """Keys in an SQLite file, shared by the worker processes of one host and kept across restarts.

    Keys older than `max_age` seconds (30 days by default; None: never) are forgotten.
    """

    def __init__(self, path: str, *, max_age: float | None = 30 * 86400, timeout: float = 5.0) -> None:
        import sqlite3

        self.path = path
        self.max_age = max_age
        self._lock = threading.Lock()
        self._claims = 0
        self._db: sqlite3.Connection = sqlite3.connect(
            path, timeout=timeout, check_same_thread=False, isolation_level=None
        )
        if path != ":memory:":
            self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS smsc_callback_events (key TEXT PRIMARY KEY, at REAL NOT NULL)")

    def claim(self, key: str) -> bool:
        """Record `key`; True if it was not there (handle the event), False for a repeat."""
        now = time.time()
        with self._lock:
            cursor = self._db.execute("INSERT OR IGNORE INTO smsc_callback_events (key, at) VALUES (?, ?)", (key, now))
            self._claims += 1
            if self.max_age is not None and self._claims % 1000 == 1:
                self._db.execute("DELETE FROM smsc_callback_events WHERE at < ?", (now - self.max_age,))
            return cursor.rowcount == 1

    def release(self, key: str) -> None:
        """Forget `key` (its handling failed and will be tried again)."""
        with self._lock:
            self._db.execute("DELETE FROM smsc_callback_events WHERE key = ?", (key,))

    def close(self) -> None:
        """Close the database file."""
        with self._lock:
            self._db.close()

    def __repr__(self) -> str:
        return f"SqliteStore({self.path!r})"
