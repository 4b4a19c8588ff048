"""`smsc.emulator.Emulator`: a local, stateful SMSC on loopback, run in a background thread."""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
import typing
from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

from smsc._types import MSK
from smsc.callbacks._events import CallEvent
from smsc.emulator._assertions import SentMessages
from smsc.emulator._callbacks import Callbacks
from smsc.emulator._contacts import AddressBookView
from smsc.emulator._events import EventHub
from smsc.emulator._faults import Faults
from smsc.emulator._incoming import DEFAULT_TO, Incoming
from smsc.emulator._limits import Limits
from smsc.emulator._mailings import Mailing
from smsc.emulator._records import (
    DEFAULT_BALANCE,
    DEFAULT_CURRENCY,
    DEFAULT_LOGIN,
    DEFAULT_PASSWORD,
    DEFAULT_PRICE,
    DEFAULT_SENDER,
    Account,
    Lifecycle,
    Message,
)
from smsc.emulator._redact import SecretFilter
from smsc.emulator._senders import SenderRecord
from smsc.emulator._service import Clock, Service
from smsc.emulator._store import Store

if typing.TYPE_CHECKING:
    from smsc.emulator._smpp_server import SmppFrontend

Money = Decimal | int | str


class Accounts:
    """The emulator's accounts: `emulator.accounts.add(...)`, `emulator.accounts["demo"].balance`."""

    def __init__(self, service: Service) -> None:
        self._service = service

    def _changed(self) -> None:
        self._service.notify("accounts")

    def add(
        self,
        login: str,
        password: str,
        *,
        api_key: str | None = None,
        balance: Money = DEFAULT_BALANCE,
        price: Money = DEFAULT_PRICE,
        currency: str = DEFAULT_CURRENCY,
        sender: str = DEFAULT_SENDER,
        callback_url: str | None = None,
    ) -> Account:
        """Create (or replace) an account; `callback_url` is where status changes and incoming SMS are posted."""
        if not login or not password:
            raise ValueError("an account needs a login and a password")
        account = Account(
            login=login,
            password=password,
            api_key=api_key,
            balance=Decimal(balance),
            price=Decimal(price),
            currency=currency,
            sender=sender,
            callback_url=_callback_url(callback_url),
        )
        with self._service.lock:
            self._service.store.put_account(account)
        self._changed()
        return account

    def update(
        self,
        login: str,
        *,
        balance: Money | None = None,
        price: Money | None = None,
        currency: str | None = None,
        sender: str | None = None,
        password: str | None = None,
        api_key: str | None = None,
        callback_url: str | None = None,
    ) -> Account:
        """Change some fields of an account (None: unchanged; `callback_url=""` removes it); returns the new record."""
        with self._service.lock:
            old = self[login]
            new = Account(
                login=login,
                password=old.password if password is None else password,
                api_key=old.api_key if api_key is None else api_key,
                balance=old.balance if balance is None else Decimal(balance),
                price=old.price if price is None else Decimal(price),
                currency=old.currency if currency is None else currency,
                sender=old.sender if sender is None else sender,
                callback_url=old.callback_url if callback_url is None else _callback_url(callback_url),
            )
            self._service.store.put_account(new)
        self._changed()
        return new

    def __getitem__(self, login: str) -> Account:
        with self._service.lock:
            account = self._service.store.account(login)
        if account is None:
            raise KeyError(login)
        return account

    def __contains__(self, login: object) -> bool:
        with self._service.lock:
            return isinstance(login, str) and self._service.store.account(login) is not None

    def __iter__(self) -> Iterator[Account]:
        with self._service.lock:
            return iter(self._service.store.accounts())


class Emulator(SentMessages):
    """A local SMSC: the HTTP API on a loopback port, with accounts, messages and statuses.

        with Emulator() as emulator:
            client = smsc.Client(login="demo", password="demo", base_url=emulator.base_url)
            sent = client.send(["+77011234567"], "Hello")
            emulator.advance(10)                      # statuses move on the emulator's clock
            client.status(sent.id, "+77011234567")    # delivered

    Args:
        host: the address to listen on, 127.0.0.1 by default.
        http_port: the HTTP port; 0 (the default) picks a free one.
        db: an SQLite file that keeps the state across restarts; in memory by default.
        seed: seed of the fault injector's random numbers.
        clock: the time source (seconds since the epoch); `advance()` adds to it.
        limits: the rate limits and IP blocking (`Limits(rate_limits=False, ip_blocking=False)` for
            load tests); `rate_limits` and `ip_blocking` are shortcuts for the same switches.
        lifecycle: how fast statuses move (seconds after the due time).
        ssl_context: serve HTTPS with this server context.
        default_account: create the account demo/demo (balance 100.00) if missing.
        smpp_port: also speak SMPP 3.4 on this port (0: a free one; None: no SMPP listener); binds use
            the accounts' logins and passwords, and submits join the same messages and statuses.
        smpp_tls_context: serve SMPP over TLS with this server context.
        smpp_throttle: submits per second per SMPP connection beyond which ESME_RTHROTTLED answers (None: off).
        smpp_inactivity: seconds of silence after which an SMPP connection is dropped (SMSC: 120).
        smtp_port: also take e-mail to SMS on this port (0: a free one; None: no SMTP listener).
        smtp_tls_context: offer (and require) STARTTLS on the SMTP listener with this server context.
        control_token: the token the control API (`/_emulator/`) and the web inbox (`/`) require from
            clients off the loopback interface; without one they answer only loopback clients.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        http_port: int = 0,
        db: str | None = None,
        seed: int = 0,
        clock: Callable[[], float] | None = None,
        limits: Limits | None = None,
        rate_limits: bool = True,
        ip_blocking: bool = True,
        lifecycle: Lifecycle | None = None,
        ssl_context: ssl.SSLContext | None = None,
        default_account: bool = True,
        smpp_port: int | None = None,
        smpp_tls_context: ssl.SSLContext | None = None,
        smpp_throttle: float | None = None,
        smpp_inactivity: float = 120.0,
        smtp_port: int | None = None,
        smtp_tls_context: ssl.SSLContext | None = None,
        control_token: str | None = None,
    ) -> None:
        if limits is None:
            limits = Limits(rate_limits=rate_limits, ip_blocking=ip_blocking)
        self.host = host
        self.http_port = http_port
        self.ssl_context = ssl_context
        self.smpp_port = smpp_port
        self._smpp_options = {"ssl_context": smpp_tls_context, "throttle": smpp_throttle, "inactivity": smpp_inactivity}
        self._smpp: SmppFrontend | None = None
        self.smtp_port = smtp_port
        self.smtp_tls_context = smtp_tls_context
        self._smtp: Any = None
        self.faults = Faults(seed)
        self._service = Service(
            Store(db),
            clock=Clock() if clock is None else Clock(clock),
            limits=limits,
            lifecycle=lifecycle,
            default_account=default_account,
        )
        self.accounts = Accounts(self._service)
        self._log_filter = SecretFilter(self._secrets)
        self.callbacks = Callbacks(self._service)
        """Callbacks pushed to the accounts' `callback_url` for status changes and incoming messages."""
        self.control_token = control_token
        self.events = EventHub()
        """Change notices ("messages", "clock", ...) for live views such as the web inbox."""
        self._service.observers.append(self.events.publish)
        self._default_account = default_account
        self._service.incoming_listeners.append(lambda _: self._service.notify("incoming"))
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False

    # configuration and inspection -----------------------------------------------------------
    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:<port>` (https with an ssl_context): give it to `smsc.Client(base_url=...)`."""
        scheme = "https" if self.ssl_context is not None else "http"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.http_port}"

    @property
    def limits(self) -> Limits:
        """The rate limits and IP blocking; change their fields at any time."""
        return self._service.limits

    @property
    def lifecycle(self) -> Lifecycle:
        return self._service.lifecycle

    @lifecycle.setter
    def lifecycle(self, value: Lifecycle) -> None:
        with self._service.lock:
            self._service.lifecycle = value

    @property
    def denied_senders(self) -> set[str]:
        """Sender IDs that send.php refuses with error 6 (case-insensitive); `BLOCKED` by default."""
        return self._service.denied_senders

    @property
    def denied_words(self) -> set[str]:
        """Words whose presence in a text makes send.php answer error 6; `casino` by default."""
        return self._service.denied_words

    def messages(self, login: str | None = None) -> list[Message]:
        """Every stored message (one per phone), oldest first, with its status as of now."""
        return self._service.messages(login)

    def receive(self, phone: str, text: str, *, to: str = DEFAULT_TO, login: str = DEFAULT_LOGIN) -> Incoming:
        """A subscriber at `phone` sends `text` to the account's number `to`: it lands in the inbox.

        get.php?get_answers=1 (`client.incoming()`) then lists it, and every function given to
        `on_receive` is called with the stored record. Raises ValueError for a malformed number
        or a text over 1000 characters, KeyError for an unknown login.
        """
        return self._service.receive(login, phone, text, to)

    def receive_call(self, phone: str, *, to: str = DEFAULT_TO, login: str = DEFAULT_LOGIN) -> CallEvent:
        """A subscriber at `phone` calls the account's number `to` ("confirm the number with a call"):
        the account's `callback_url` is told with a `smsc.CallEvent`. Raises ValueError for a
        malformed number, KeyError for an unknown login."""
        return self.callbacks.push_call(login, phone, to)

    def _incoming_to_smpp(self, incoming: Incoming) -> None:
        """Incoming messages also go to the SMPP receiver binds of their login."""
        if self._smpp is not None:
            self._smpp.deliver_incoming(incoming)

    def on_receive(self, listener: Callable[[Incoming], None]) -> None:
        """Call `listener(incoming)` after every `receive` (in the caller's thread, outside the emulator's lock)."""
        with self._service.lock:
            self._service.incoming_listeners.append(listener)

    def incoming(self, login: str | None = None) -> list[Incoming]:
        """Every incoming message (of one account, or of all), oldest first."""
        with self._service.lock:
            return self._service.inbox.list(login)

    def senders(self, login: str = DEFAULT_LOGIN) -> list[SenderRecord]:
        """The account's Sender IDs with their documents and confirmation codes (as if read from the phone)."""
        with self._service.lock:
            return self._service.features.senders.records(login)

    def mailings(self, login: str | None = None) -> list[Mailing]:
        """The mailings created through jobs.php (of one account, or of all)."""
        with self._service.lock:
            return self._service.features.mailings.list(login)

    def address_book(self, login: str = DEFAULT_LOGIN) -> AddressBookView:
        """The account's contacts (with their groups), groups and black list."""
        with self._service.lock:
            book = self._service.features.contacts
            return AddressBookView(book.contacts(login), book.groups(login), book.blacklist(login))

    def advance(self, seconds: float) -> None:
        """Move the emulator's clock forward: statuses, schedules and limit windows follow it."""
        self._service.advance(seconds)
        if self._smpp is not None:
            self._smpp.wake()

    def now(self) -> datetime:
        """The emulator's current time (Moscow time)."""
        return datetime.fromtimestamp(self._service.clock.now(), MSK)

    def reset(self) -> None:
        """Back to a fresh emulator: no messages, incoming SMS or fault rules; the clock back where it
        started; rate-limit counts forgotten; the default denied senders and words; only the default
        account (demo/demo, 100.00) if it had one. The limit switches and lifecycle stay as set.
        Listeners keep running, so a per-session emulator can be reset between tests."""
        service = self._service
        with service.lock:
            service.store.clear()
            service.store.db.execute("DELETE FROM incoming")
            service.features.clear()
            service.clock.offset = 0.0
            if self._default_account:
                service.store.put_account(Account(login=DEFAULT_LOGIN, password=DEFAULT_PASSWORD))
            service.denied_senders.clear()
            service.denied_senders.add("BLOCKED")
            service.denied_words.clear()
            service.denied_words.add("casino")
            service.limiter.reset()
        self.faults.clear()
        self.faults.hits.clear()
        service.notify("reset")

    def reset_limits(self) -> None:
        """Forget the rate-limit counters and unblock every IP."""
        with self._service.lock:
            self._service.limiter.reset()

    # running ---------------------------------------------------------------------------------
    def start(self) -> Self:
        """Listen and serve in a background thread; returns at once, ready for requests."""
        if self._thread is not None:
            raise RuntimeError("the emulator is already running")
        if self._closed:
            raise RuntimeError("a stopped emulator cannot start again: make a new one (with db= to keep the state)")
        from smsc.emulator._http_server import HttpFrontend

        self._log_filter.install()
        sock = socket.create_server((self.host, self.http_port), family=_family(self.host), backlog=128)
        self.http_port = sock.getsockname()[1]
        from smsc.emulator._control import ControlApi

        frontend = HttpFrontend(
            self._service, self.faults, ssl_context=self.ssl_context, control=ControlApi(self, self.control_token)
        )
        loop = asyncio.new_event_loop()
        ready = threading.Event()
        failures: list[BaseException] = []

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(frontend.start(sock))
            except BaseException as exc:  # reported to start()'s caller
                failures.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(frontend.stop())
                loop.close()

        self._loop = loop
        self._thread = threading.Thread(target=run, name=f"smsc-emulator-{self.http_port}", daemon=True)
        self._thread.start()
        ready.wait()
        if failures:
            self._thread.join()
            self._thread = self._loop = None
            sock.close()
            self._log_filter.remove()
            raise failures[0]
        if self.smpp_port is not None:
            from smsc.emulator._smpp_server import SmppFrontend

            self._smpp = SmppFrontend(self._service, self.faults, **self._smpp_options)  # type: ignore[arg-type]
            self.smpp_port = self._smpp.start(self.host, self.smpp_port)
            if self._incoming_to_smpp not in self._service.incoming_listeners:
                self.on_receive(self._incoming_to_smpp)
        if self.smtp_port is not None:
            from smsc.emulator._smtp_server import SmtpFrontend

            self._smtp = SmtpFrontend(self._service, tls_context=self.smtp_tls_context)
            self.smtp_port = self._smtp.start(self.host, self.smtp_port)
        self.callbacks.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the state (a `db` file keeps it)."""
        self.callbacks.stop()
        if self._smpp is not None:
            self._smpp.stop()
            self._smpp = None
        if self._smtp is not None:
            self._smtp.stop()
            self._smtp = None
        if self._thread is not None and self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._thread = self._loop = None
        if not self._closed:
            self._closed = True
            with self._service.lock:
                self._service.store.close()
            self._log_filter.remove()

    def _secrets(self) -> list[str]:
        with self._service.lock:
            return [] if self._closed else self._service.store.secrets()

    @property
    def running(self) -> bool:
        return self._thread is not None

    def __enter__(self) -> Self:
        return self.start() if self._thread is None else self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = self.base_url if self.running else "stopped"
        return f"Emulator({state})"


def _callback_url(url: str | None) -> str | None:
    """An http(s) URL, or None ("" removes it)."""
    if url is None or url == "":
        return None
    if not isinstance(url, str) or not url.startswith(("http://", "https://")) or len(url) > 2000:
        raise ValueError(f"callback_url: {url!r} is not an http:// or https:// URL")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises for a port out of range or not a number
    except ValueError as exc:
        raise ValueError(f"callback_url: {url!r} is not a valid URL ({exc})") from None
    if not parts.hostname or any(c.isspace() for c in url):
        raise ValueError(f"callback_url: {url!r} has no valid host")
    return url


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET
