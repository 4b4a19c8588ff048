"""The emulator calls each account's `callback_url`, as the service calls its customers' handlers.

Every status change of every message (however it was sent: HTTP, SMTP or SMPP), every incoming
message (`Emulator.receive`) and every confirmation call (`Emulator.receive_call`) becomes a real
HTTP POST, rendered by `smsc.callbacks.render` (so in the URL's `fmt` and `charset`, and signed with
the account's password when the URL asks with `md5=1`, `sha1=1` or `crc32=1`). A call is retried
with doubling backoff until the handler answers `OK` with HTTP 200, a bounded number of times; the
calls about one message go out in order, one at a time. `Emulator.callbacks` lists every call with
the handler's answers.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Literal, overload

from attrs import field, frozen

from smsc._codec import p_message_id
from smsc._enums import DeliveryError, MessageStatus
from smsc._exceptions import InvalidRequest
from smsc._types import MSK
from smsc.callbacks._events import CallbackEvent, CallEvent, IncomingMessage, StatusEvent
from smsc.callbacks._render import RenderedCallback, render
from smsc.emulator._incoming import Incoming
from smsc.emulator._service import Service, _normal_phone

_SCHEMA = """
CREATE TABLE IF NOT EXISTS callback_pushed (seq INTEGER NOT NULL, hrow INTEGER NOT NULL, PRIMARY KEY (seq, hrow));
"""
# what the scan looks up by time; made once an account has a callback URL, so that without one every
# status change stored costs one index fewer
_SCAN_INDEX = "CREATE INDEX IF NOT EXISTS history_by_at ON history (at)"
_SINCE = "callback_since:"  # meta key: changes of a login from this time on are pushed (none before it is set)
_SCANNED = "callback_scanned"  # meta key: the emulator time up to which changes were queued
_DUE = """
SELECT m.seq, h.rowid, h.at, h.status, h.err, m.login, m.id, m.phone, m.sender, m.parts, m.cost, a.callback_url
FROM accounts a JOIN messages m ON m.login = a.login JOIN history h ON h.seq = m.seq
WHERE a.callback_url IS NOT NULL AND h.status != -1 AND h.at <= ? AND h.at >= ?
  AND h.at >= CAST((SELECT value FROM meta WHERE key = ? || a.login) AS REAL)
  AND NOT EXISTS (SELECT 1 FROM callback_pushed p WHERE p.seq = m.seq AND p.hrow = h.rowid)
ORDER BY h.at, h.rowid
"""
_ANSWER_PREVIEW = 200
_MAX_LOG = 100_000

State = Literal["pending", "delivered", "failed"]


@frozen
class CallbackAttempt:
    """One HTTP request of a callback and the handler's answer (status None: no HTTP answer)."""

    at: datetime
    status: int | None
    answer: str
    """The body the handler answered (its first 200 characters), or what went wrong."""


@frozen(kw_only=True)
class PushedCallback:
    """A callback the emulator sent (or is sending) to an account's handler."""

    number: int
    login: str
    url: str
    event: CallbackEvent
    state: State
    """`pending` (to be tried, maybe again), `delivered` (answered OK), `failed` (attempts used up)."""
    attempts: tuple[CallbackAttempt, ...] = ()
    body: bytes = field(default=b"", repr=False)
    """The request body as sent."""

    @property
    def delivered(self) -> bool:
        return self.state == "delivered"


class _Job:
    """A callback in the queue: what to send, its group (one message), its attempts."""

    def __init__(self, number: int, group: str, login: str, event: CallbackEvent, url: str) -> None:
        self.number = number
        self.group = group
        self.login = login
        self.event = event
        self.url = url
        self.rendered: RenderedCallback | None = None
        self.attempts: list[CallbackAttempt] = []
        self.state: State = "pending"
        self.next_try = 0.0

    def record(self) -> PushedCallback:
        return PushedCallback(
            number=self.number,
            login=self.login,
            url=self.url,
            event=self.event,
            state=self.state,
            attempts=tuple(self.attempts),
            body=b"" if self.rendered is None else self.rendered.body,
        )


class Callbacks(Sequence[PushedCallback]):
    """`Emulator.callbacks`: what was pushed to the handlers, and the pusher's settings.

        emulator.accounts.update("demo", callback_url="http://127.0.0.1:8080/smsc?md5=1")
        ...
        emulator.advance(10)
        emulator.callbacks.wait()          # until every due callback was answered (or gave up)
        [c.event.status for c in emulator.callbacks if c.delivered]

    Attributes:
        attempts: requests per callback before it is given up (5).
        backoff: seconds before the first retry, doubling each time up to `max_backoff` (0.2 / 5).
        timeout: seconds to wait for the handler's answer (5).
        poll: seconds between looks at the emulator's clock for status changes now due (0.05).
    """

    def __init__(self, service: Service) -> None:
        self._service = service
        self.attempts = 5
        self.backoff = 0.2
        self.max_backoff = 5.0
        self.timeout = 5.0
        self.poll = 0.05
        self._jobs: list[_Job] = []
        self._pending: list[_Job] = []
        self._numbers = 0
        self._cond = threading.Condition()
        self._scans = 0
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._http: object | None = None
        self._saved = 0.0
        self._active = False  # some account has a callback URL
        self._calls = 0
        with service.lock:
            service.store.db.executescript(_SCHEMA)
            if service.store.meta(_SCANNED, "") == "":
                service.store.set_meta(_SCANNED, repr(service.clock.now()))
            self._mark_new_urls()
        service.observers.append(self._notice)
        service.incoming_listeners.append(self._incoming)

    # the log ----------------------------------------------------------------------------------
    @overload
    def __getitem__(self, index: int) -> PushedCallback: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[PushedCallback]: ...

    def __getitem__(self, index: int | slice) -> PushedCallback | Sequence[PushedCallback]:
        records = self._records()
        return records[index]

    def __len__(self) -> int:
        with self._cond:
            return len(self._jobs)

    def __iter__(self) -> Iterator[PushedCallback]:
        return iter(self._records())

    def _records(self) -> list[PushedCallback]:
        with self._cond:
            return [job.record() for job in self._jobs]

    @property
    def pending(self) -> int:
        """Callbacks not yet answered OK nor given up."""
        with self._cond:
            return len(self._pending)

    def clear(self) -> None:
        """Forget the log of callbacks already answered or given up (pending ones stay)."""
        with self._cond:
            self._jobs = [job for job in self._jobs if job.state == "pending"]

    def wait(self, timeout: float = 10.0) -> None:
        """Block until every status change due by now was pushed and answered OK or given up.

        Raises TimeoutError if that takes longer than `timeout` seconds (a handler still failing).
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            if self._thread is None:
                raise RuntimeError("the emulator is not running: nothing is pushed")
            target = self._scans + 2  # a whole scan that started after this call
            self._cond.notify_all()
            while self._scans < target or self._pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{len(self._pending)} callbacks still pending after {timeout} s")
                self._cond.wait(min(left, 0.05))

    # what to push -----------------------------------------------------------------------------
    def _notice(self, kind: str) -> None:
        """The emulator changed: look at once (and for new callback URLs, start from now)."""
        if kind == "reset":
            with self._service.lock, self._cond:
                self._service.store.db.execute("DELETE FROM callback_pushed")
                self._service.store.set_meta(_SCANNED, repr(self._service.clock.now()))
                self._jobs.clear()
                self._pending.clear()
        if kind in ("accounts", "reset"):
            with self._service.lock:
                self._mark_new_urls()
        if self._active:  # without a callback URL, a send costs the pusher nothing
            with self._cond:
                self._cond.notify_all()

    def _mark_new_urls(self) -> None:
        """An account that just got a callback URL is called for changes from now on, not before."""
        store, now = self._service.store, self._service.clock.now()
        accounts = store.accounts()
        self._active = any(a.callback_url for a in accounts)
        if self._active:
            store.db.execute(_SCAN_INDEX)
        for account in accounts:
            key = _SINCE + account.login
            has = store.meta(key, "") != ""
            if account.callback_url and not has:
                store.set_meta(key, repr(now))
            elif not account.callback_url and has:
                store.db.execute("DELETE FROM meta WHERE key = ?", (key,))

    def _incoming(self, incoming: Incoming) -> None:
        with self._service.lock:
            account = self._service.store.account(incoming.login)
        if account is None or not account.callback_url:
            return
        event = IncomingMessage(
            id=incoming.id, phone=incoming.phone, to=incoming.to, text=incoming.text, at=incoming.received_at
        )
        self._enqueue(f"incoming:{incoming.id}", incoming.login, event, account.callback_url, account.password)

    def push_call(self, login: str, phone: str, to: str) -> CallEvent:
        """Push a confirmation call from `phone` to `to` (see `Emulator.receive_call`)."""
        caller, number = _normal_phone(phone), _normal_phone(to)
        if caller is None or number is None:
            raise ValueError(f"not a phone number in international format: {phone if caller is None else to!r}")
        with self._service.lock:
            account = self._service.store.account(login)
            now = self._service.clock.now()
        if account is None:
            raise KeyError(login)
        event = CallEvent(phone=caller, to=number, at=datetime.fromtimestamp(int(now), MSK))
        if account.callback_url:
            self._calls += 1
            self._enqueue(f"call:{self._calls}", login, event, account.callback_url, account.password)
        return event

    def _scan(self) -> None:
        """Queue every status change that is due by the emulator's clock and not yet queued."""
        service = self._service
        with service.lock:
            store = service.store
            if not self._active:
                return
            try:
                now = service.clock.now()
                low = float(store.meta(_SCANNED, repr(now)))
                rows = store.db.execute(_DUE, (now, low, _SINCE)).fetchall()
                passwords = {a.login: a.password for a in store.accounts()}
                store.db.executemany(
                    "INSERT OR IGNORE INTO callback_pushed (seq, hrow) VALUES (?, ?)", [(r[0], r[1]) for r in rows]
                )
                self._scanned(now, force=bool(rows))
            except sqlite3.ProgrammingError:  # the store closed under us: the emulator is stopping
                if self._stopping:
                    return
                raise
        for seq, _, at, status, err, login, id_, phone, sender, parts, cost, url in rows:
            event = StatusEvent(
                id=p_message_id(id_),
                phone=phone,
                status=MessageStatus(status),
                error=DeliveryError(err),
                at=datetime.fromtimestamp(int(at), MSK),
                cost=Decimal(cost),
                sender=sender,
                parts=int(parts),
            )
            self._enqueue(f"message:{seq}", login, event, url, passwords.get(login, ""))

    def _scanned(self, now: float, *, force: bool) -> None:
        """Remember how far changes were queued (in the store at most once a second, or when some were)."""
        wall = time.monotonic()
        if force or wall - self._saved >= 1.0:
            self._service.store.set_meta(_SCANNED, repr(now))
            self._saved = wall

    def _enqueue(self, group: str, login: str, event: CallbackEvent, url: str, secret: str) -> None:
        with self._cond:
            self._numbers += 1
            job = _Job(self._numbers, group, login, event, url)
            self._log(job)
            try:
                job.rendered = render(event, url, secret=secret)
            except InvalidRequest as exc:  # e.g. a text XML cannot carry: recorded, never sent
                job.state = "failed"
                job.attempts.append(CallbackAttempt(_now(), None, str(exc)))
                return
            self._pending.append(job)
            self._cond.notify_all()

    def _log(self, job: _Job) -> None:
        self._jobs.append(job)
        if len(self._jobs) > _MAX_LOG:
            del self._jobs[: len(self._jobs) - _MAX_LOG]

    # sending ----------------------------------------------------------------------------------
    def start(self) -> None:
        """Start pushing (the emulator calls it when it starts)."""
        import urllib3

        self._stopping = False
        self._http = urllib3.PoolManager(retries=False, headers={"User-Agent": "smsc-emulator callbacks"})
        self._thread = threading.Thread(target=self._run, name="smsc-emulator-callbacks", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop pushing; calls not yet answered stay pending (the emulator calls it when it stops)."""
        thread = self._thread
        if thread is None:
            return
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        thread.join(self.timeout + 5)
        self._thread = None
        import urllib3

        if isinstance(self._http, urllib3.PoolManager):
            self._http.clear()  # close the keep-alive connections to the handlers

    def _run(self) -> None:
        while True:
            with self._cond:
                if self._stopping:
                    return
            self._scan()
            with self._cond:
                self._scans += 1
                self._cond.notify_all()
                ready = self._ready()
                if not ready:
                    self._cond.wait(self._sleep())
                    continue
            for job in ready:
                if self._stopping:
                    return
                self._send(job)

    def _ready(self) -> list[_Job]:
        """The first pending callback of each message whose retry time has come, in queue order."""
        now, seen, ready = time.monotonic(), set(), []
        for job in self._pending:
            if job.group in seen:
                continue
            seen.add(job.group)
            if job.next_try <= now:
                ready.append(job)
        return ready

    def _sleep(self) -> float:
        now = time.monotonic()
        waits = [job.next_try - now for job in self._pending]
        return max(0.001, min([self.poll, *waits]))

    def _send(self, job: _Job) -> None:
        import urllib3

        assert isinstance(self._http, urllib3.PoolManager)
        rendered = job.rendered
        assert rendered is not None
        try:
            reply = self._http.request(
                "POST",
                rendered.url,
                body=rendered.body,
                headers={**rendered.headers, "Connection": "close"},  # a connection per call, as the service
                timeout=urllib3.Timeout(connect=min(2.0, self.timeout), read=self.timeout),
                redirect=False,
            )
            answer = reply.data.decode("utf-8", "replace")
            attempt = CallbackAttempt(_now(), reply.status, answer[:_ANSWER_PREVIEW])
            ok = reply.status == 200 and answer.strip() == "OK"
        except urllib3.exceptions.HTTPError as exc:
            attempt, ok = CallbackAttempt(_now(), None, f"{type(exc).__name__}: {exc}"[:_ANSWER_PREVIEW]), False
        with self._cond:
            job.attempts.append(attempt)
            if ok or len(job.attempts) >= self.attempts:
                job.state = "delivered" if ok else "failed"
                self._pending.remove(job)
            else:
                job.next_try = time.monotonic() + min(self.max_backoff, self.backoff * 2 ** (len(job.attempts) - 1))
            self._cond.notify_all()


def _now() -> datetime:
    return datetime.now(MSK)
