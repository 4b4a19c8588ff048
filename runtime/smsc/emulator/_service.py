"""The emulated service: a request's parameters in, the reply text out, state in the Store.

Independent of HTTP (the listeners only carry bytes), so every listener shares one pipeline.
Replies are rendered by the generated renderers and error texts come from the generated error
maps, so what the client parses is what the spec says the service writes.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal

from attrs import evolve, frozen

from smsc import _renderers as _rn
from smsc._api_errors import ERROR_MAPS
from smsc._codec import Invalid, p_message_id
from smsc._enums import DeliveryError, MessageFormat, MessageStatus, StatusDetail, Translit
from smsc._exceptions import InvalidRequest
from smsc._models import Balance, Cost, ErrorReply, HlrInfo, SendResult, Status
from smsc._params import EMAIL, MAX_ID, MAX_MESSAGE, PHONE_NOISE, SENDER_ALNUM, SENDER_DIGITS, STRING_ID, TELEGRAM
from smsc._types import MSK, MessageId
from smsc.emulator import _directory as _dir
from smsc.emulator._features import ENDPOINTS, HANDLERS, Features, error_map
from smsc.emulator._incoming import Inbox, Incoming
from smsc.emulator._limits import Limiter, Limits
from smsc.emulator._records import (
    DEFAULT_LOGIN,
    DEFAULT_PASSWORD,
    Account,
    Lifecycle,
    Message,
    StatusChange,
    StoredFile,
)
from smsc.emulator._schedule import BadTime, due_time
from smsc.emulator._store import NewMessage, Store, StoredMessage
from smsc.text._estimate import billed_parts

MAX_RECIPIENTS = 1000
_PHONE = re.compile(r"[0-9]{7,15}")
_TZ = re.compile(r"[+-]?(?:[0-9]|1[0-2])")
_HEX = re.compile(r"(?:[0-9A-Fa-f]{2})*")
_NEWLINES = re.compile(r"\r\n|\r|\n")
_SEPARATORS = re.compile(r"[,;]")  # between the recipients of `phones`
# parameters that do not make two sends different for the duplicate limit
_NOT_IDENTITY = frozenset({"id", "fmt", "charset", "cost", "login", "psw", "apikey"})
_FLAGS = [(kind, kind.wire) for kind in MessageFormat if kind.wire]  # (kind, the parameters that ask for it)
_FLAG_NAMES = frozenset(name for _, wire in _FLAGS for name, _ in wire)
_TRANSLITS = {int(t): t for t in Translit}
_WAITING = int(MessageStatus.WAITING)  # the plan's statuses as stored
_TRANSFERRED = int(MessageStatus.TRANSFERRED)
_DELIVERED = int(MessageStatus.DELIVERED)
_EMPTY_HLR = HlrInfo(imsi="", msc="", mcc="", mnc="", country="", network="", roaming_country="", roaming_network="")


class Clock:
    """The emulator's time: a source (the wall clock by default) plus an offset moved by `advance`."""

    def __init__(self, source: Callable[[], float] = time.time, offset: float = 0.0) -> None:
        self._source = source
        self.offset = offset

    def now(self) -> float:
        return self._source() + self.offset

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self.offset += seconds


@frozen
class ApiCall:
    """One call of the API as a listener received it."""

    path: str
    params: Mapping[str, str]
    files: Sequence[tuple[str, str, str, bytes]] = ()  # (field name, file name, content type, data)
    ip: str = "127.0.0.1"
    concurrent: int = 0  # requests with the same credentials already in progress


@frozen
class Reply:
    """The reply text, the command it answered (None: unknown path) and the API error code, if any."""

    body: str
    command: str | None
    error: int | None = None


class Failure(Exception):
    """An API error reply (code, and the message id of send errors 3, 6, 7 and 8)."""

    def __init__(self, code: int, message_id: MessageId | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.message_id = message_id


_ENDPOINTS = {"/sys/send.php": "send", "/sys/status.php": "status", "/sys/balance.php": "balance", **ENDPOINTS}
_ERROR_MAP = {"send": "send", "cost": "send", "status": "status", "balance": "balance"}


def _map_of(command: str, params: Mapping[str, str]) -> str:
    """The spec's error map a request's errors come from."""
    return _ERROR_MAP.get(command) or error_map(command, params)


def command_of(path: str, params: Mapping[str, str]) -> str | None:
    """The command a request is for: send, cost (send.php with cost=1), status, balance; None if unknown."""
    command = _ENDPOINTS.get(path)
    if command == "send" and params.get("cost", "").strip() == "1":
        return "cost"
    return command


def _fmt(params: Mapping[str, str]) -> int:
    value = params.get("fmt", "").strip()
    return int(value) if value in ("0", "1", "2", "3") else 0


def _choice(params: Mapping[str, str], name: str, allowed: range, default: int = 0) -> int:
    value = params.get(name, "").strip()
    if value == "":
        return default
    if value.isascii() and value.isdigit() and int(value) in allowed:
        return int(value)
    raise Failure(1)


def _moment(at: float | None) -> datetime | None:
    return None if at is None else datetime.fromtimestamp(int(at), MSK)


def _md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()


class Service:
    """Accounts, sending, statuses and balance, answering as the SMSC HTTP API does."""

    def __init__(
        self,
        store: Store,
        *,
        clock: Clock | None = None,
        limits: Limits | None = None,
        lifecycle: Lifecycle | None = None,
        denied_senders: set[str] | None = None,
        denied_words: set[str] | None = None,
        default_account: bool = True,
    ) -> None:
        self.store = store
        self.lock = threading.RLock()
        self.clock = clock if clock is not None else Clock()
        self.clock.offset += float(store.meta("clock_offset", "0"))
        self.limits = limits if limits is not None else Limits()
        self.limiter = Limiter(self.limits)
        self.lifecycle = lifecycle if lifecycle is not None else Lifecycle()
        self.denied_senders = {"BLOCKED"} if denied_senders is None else denied_senders
        self.denied_words = {"casino"} if denied_words is None else denied_words
        self.observers: list[Callable[[str], None]] = []
        """Called with what changed ("messages", "clock", ...) after a change is committed."""
        self._batching: tuple[int, dict[str, None]] | None = None
        """Inside batch(): the thread running it, and what changed in it (told after the commit)."""
        if default_account:
            store.put_account(Account(login=DEFAULT_LOGIN, password=DEFAULT_PASSWORD), replace=False)
        self.inbox = Inbox(store)
        self.features = Features(store)
        self.incoming_listeners: list[Callable[[Incoming], None]] = []

    def notify(self, kind: str) -> None:
        batching = self._batching  # read once: another thread may be ending its batch
        if batching is not None and batching[0] == threading.get_ident():
            batching[1][kind] = None
            return
        for observer in list(self.observers):
            observer(kind)

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Many requests under the lock in one transaction of the store (Store.batch); the observers
        hear of what changed once, after the commit."""
        with self.lock:
            if self._batching is not None:  # already in one (the lock is this thread's)
                yield
                return
            notices: dict[str, None] = {}
            self._batching = (threading.get_ident(), notices)
            try:
                with self.store.batch():
                    yield
            finally:
                self._batching = None
            for kind in notices:
                self.notify(kind)

    # inspection ---------------------------------------------------------------------------
    def advance(self, seconds: float) -> None:
        with self.lock:
            self.clock.advance(seconds)
            self.store.set_meta("clock_offset", repr(float(self.store.meta("clock_offset", "0")) + seconds))
        self.notify("clock")

    def receive(self, login: str, phone: str, text: str, to: str) -> Incoming:
        """Store a message a subscriber sent to the account, then tell the listeners (outside the lock)."""
        sender, number = _normal_phone(phone), _normal_phone(to)
        if sender is None or number is None:
            raise ValueError(f"not a phone number in international format: {phone if sender is None else to!r}")
        if len(text) > MAX_MESSAGE:
            raise ValueError(f"an incoming text has at most {MAX_MESSAGE} characters")
        with self.lock:
            if self.store.account(login) is None:
                raise KeyError(login)
            incoming = self.inbox.add(login, sender, number, text, self.clock.now())
            listeners = list(self.incoming_listeners)
        for listener in listeners:
            listener(incoming)
        return incoming

    def messages(self, login: str | None = None) -> list[Message]:
        with self.lock:
            now = self.clock.now()
            return [self._public(m, now) for m in self.store.messages(login)]

    def message(self, login: str, message_id: str, phone: str | None = None) -> Message | None:
        """One stored message as of now: the latest with this id (to this phone, if given); indexed."""
        with self.lock:
            store = self.store
            stored = store.latest(login, message_id) if phone is None else store.find(login, message_id, phone)
            return None if stored is None else self._public(stored, self.clock.now())

    def final_at(self, login: str, message_id: str, phone: str) -> float | None:
        """When (on the emulator's clock) this message's planned history reaches a final status; None: never."""
        with self.lock:
            stored = self.store.find(login, message_id, phone)
            if stored is None:
                return None
            plan = self.store.history(stored.seq, float("inf"))
        return plan[-1][0] if plan and MessageStatus(plan[-1][1]).is_final else None

    def _public(self, m: StoredMessage, now: float) -> Message:
        history = tuple(
            StatusChange(datetime.fromtimestamp(at, MSK), MessageStatus(s), DeliveryError(e))
            for at, s, e in self.store.history(m.seq, now)
        )
        last = (
            history[-1]
            if history
            else StatusChange(_moment(m.sent_at) or datetime.now(MSK), MessageStatus.WAITING, DeliveryError.NONE)
        )
        return Message(
            id=p_message_id(m.id),
            login=m.login,
            phone=m.phone,
            text=m.text,
            sender=m.sender,
            format=MessageFormat(m.format),
            parts=m.parts,
            translit=Translit(m.translit),
            max_parts=m.max_parts or None,
            cost=m.cost,
            sent_at=datetime.fromtimestamp(m.sent_at, MSK),
            due_at=datetime.fromtimestamp(m.due, MSK),
            status=last.status,
            error=last.error,
            history=history,
            attachments=tuple(StoredFile(*a) for a in self.store.attachments(m.batch)),
        )

    # the API --------------------------------------------------------------------------------
    def handle(self, request: ApiCall) -> Reply:
        params = request.params
        command = command_of(request.path, params)
        if command is None:
            return Reply("", None)
        fmt = _fmt(params)
        with self.lock:
            now = self.clock.now()
            try:
                if self.limiter.blocked(request.ip, now):
                    raise Failure(4)
                account = self._authenticate(params)
                if self.limits.rate_limits and request.concurrent >= self.limits.concurrent:
                    raise Failure(9)
                self.store.begin()
                try:
                    if command in ("send", "cost"):
                        body = self._send(account, request, fmt, now, cost_only=command == "cost")
                    elif command == "status":
                        body = self._status(account, params, fmt, now)
                    elif command == "balance":
                        body = self._balance(account, params, fmt, now)
                    else:
                        body = HANDLERS[command](self, account, request, fmt, now)
                except BaseException:
                    self.store.rollback()
                    raise
                self.store.commit()
                if command == "send" or "del" in params:
                    self.notify("messages")
            except Failure as failure:
                if failure.code in (1, 2):
                    self.limiter.error(request.ip, now)
                return self.error_reply(command, failure.code, fmt, failure.message_id, params)
        return Reply(body, command)

    def refuse(self, path: str, params: Mapping[str, str], ip: str) -> Reply:
        """Error 1 for a request a listener could not read (a malformed body); counts towards the IP block."""
        command = command_of(path, params)
        if command is None:
            return Reply("", None)
        with self.lock:
            self.limiter.error(ip, self.clock.now())
        description = ERROR_MAPS[_map_of(command, params)][1][1]
        return Reply(_rn.render_error(ErrorReply(code=1, description=description), _fmt(params)), command, 1)

    def error_reply(
        self,
        command: str,
        code: int,
        fmt: int,
        message_id: MessageId | None = None,
        params: Mapping[str, str] | None = None,
    ) -> Reply:
        """The service's error `code` for `command`, as it writes it in `fmt`."""
        known = ERROR_MAPS[_map_of(command, params or {})].get(code)
        error = ErrorReply(code=code, description=known[1] if known else f"error {code}", id=message_id)
        return Reply(_rn.render_error(error, fmt), command, code)

    def _authenticate(self, params: Mapping[str, str]) -> Account:
        api_key = params.get("apikey", "")
        login, psw = params.get("login", ""), params.get("psw", "")
        if api_key:
            account = self.store.account_by_key(api_key)
        elif login and psw:
            account = self.store.account(login)
            if account is not None and not (
                hmac.compare_digest(psw.encode(), account.password.encode())
                or hmac.compare_digest(psw.encode(), _md5(account.password).encode())
            ):
                account = None
        else:
            account = None
        if account is None:
            raise Failure(2)
        return account

    # send.php -----------------------------------------------------------------------------
    def _send(self, account: Account, request: ApiCall, fmt: int, now: float, *, cost_only: bool) -> str:
        p = request.params
        kind = _message_format(p)
        groups = _groups(p, kind)
        mode = _choice(p, "cost", range(4))
        translit = _TRANSLITS[_choice(p, "translit", range(3))]
        max_parts = _choice(p, "maxsms", range(1, MAX_MESSAGE + 1), default=0) or None
        message_id = None if cost_only else _message_id(p.get("id", ""))

        key: tuple[object, ...] = ()  # the duplicate limit's key (built only when the limits apply)
        if self.limits.rate_limits:
            identity = tuple(sorted((k, v) for k, v in p.items() if k not in _NOT_IDENTITY))
            key = ("cost" if cost_only else "send", account.login, identity)
        if key and self.limiter.over(key, self.limits.cost_identical if cost_only else self.limits.send_identical, now):
            raise Failure(9)
        if key and cost_only:
            self.limiter.count(key, now)
        if message_id is None and not cost_only:
            message_id = str(self.store.next_number("message_id"))
        reply_id = None if message_id is None else p_message_id(message_id)

        tz = p.get("tz", "").strip()
        if tz and not _TZ.fullmatch(tz):
            raise Failure(1)
        try:
            due = due_time(p.get("time"), tz, now)
        except BadTime:
            raise Failure(5) from None
        # the checks in this order (the first that fails gives the error), each one pass over the groups
        if sum([phones.count(",") + phones.count(";") + 1 for phones, _ in groups]) > MAX_RECIPIENTS:
            raise Failure(1)  # counted before anything is parsed, so a huge list costs one pass in C
        book = self.features.contacts
        recipients = [
            (_recipients(book.expand(account.login, phones, reply_id), kind, reply_id), text) for phones, text in groups
        ]
        if sum([len(r) for r, _ in recipients]) > MAX_RECIPIENTS:
            raise Failure(1)  # a contact group may hold more
        sender = self._sender(account, p, kind, reply_id)
        words = [word.casefold() for word in self.denied_words]
        for _, text in recipients:
            folded = text.casefold()
            if any([word in folded for word in words]):
                raise Failure(6, reply_id)
        for phones, _ in recipients:
            if any([_dir.rejected_at_send(phone) for phone in phones]):
                raise Failure(8, reply_id)

        units = [(phones, text, self._units(text, kind, translit, max_parts)) for phones, text in recipients]
        sms_count = sum([len(phones) * n for phones, _, n in units])
        cost = account.price * sms_count
        if cost_only:
            return _rn.render_cost(Cost(cost=cost, sms_count=sms_count), fmt)
        if cost > account.balance:
            raise Failure(3, reply_id)
        assert message_id is not None and reply_id is not None
        balance = account.balance - cost
        self.store.add_messages(
            account.login,
            message_id,
            now,
            [
                NewMessage(
                    phone,
                    text,
                    sender,
                    int(kind),
                    n,
                    account.price * n,
                    due,
                    _forbidden(now, due) if book.blacklisted(account.login, phone) else self._plan(phone, now, due),
                    translit=int(translit),
                    max_parts=max_parts or 0,
                )
                for phones, text, n in units
                for phone in phones
            ],
            request.files,
        )
        self.store.set_balance(account.login, balance)
        if key:
            self.limiter.count(key, now)
        result = SendResult(id=reply_id, sms_count=sms_count, cost=cost, balance=balance)
        if mode == 2:
            return _rn.render_send_cost(result, fmt)
        if mode == 3:
            return _rn.render_send_balance(result, fmt)
        return _rn.render_send_id(result, fmt)

    def _sender(self, account: Account, p: Mapping[str, str], kind: MessageFormat, reply_id: MessageId | None) -> str:
        """The sender of a send: a Sender ID, or for e-mail (mail=1) an e-mail address; error 6 otherwise."""
        if "sender" not in p:
            return account.sender
        sender = p["sender"]
        if sender in ("", "."):
            return ""
        email = kind is MessageFormat.MAIL and EMAIL.fullmatch(sender) is not None
        if not (email or SENDER_DIGITS.fullmatch(sender) or SENDER_ALNUM.fullmatch(sender)):
            raise Failure(6, reply_id)
        folded = sender.casefold()
        for denied in self.denied_senders:
            if denied.casefold() == folded:
                raise Failure(6, reply_id)
        return sender

    @staticmethod
    def _units(text: str, kind: MessageFormat, translit: Translit, max_parts: int | None) -> int:
        """Billed units per recipient, counted as client.estimate() counts them (one routine for both)."""
        try:
            return max(billed_parts(text, kind, translit, max_parts)[1], 1)
        except InvalidRequest:
            raise Failure(1) from None

    def _plan(self, phone: str, now: float, due: float) -> list[tuple[float, int, int]]:
        """The status history a message to this phone will have: waiting, transferred, final."""
        end = _dir.outcome(phone)
        life = self.lifecycle
        plan = [(now, _WAITING, 0)]
        if end.transferred:
            plan.append((due + life.transfer_after, _TRANSFERRED, 0))
        if end.final is None:
            return plan
        if end.final in (MessageStatus.READ, MessageStatus.CLICKED):
            plan.append((due + life.final_after, _DELIVERED, int(end.error)))
            plan.append((due + 2 * life.final_after, int(end.final), int(end.error)))
        else:
            plan.append((due + life.final_after, int(end.final), int(end.error)))
        return plan

    # status.php -----------------------------------------------------------------------------
    def _status(self, account: Account, p: Mapping[str, str], fmt: int, now: float) -> str:
        ids_text, phones_text = p.get("id", "").strip(), p.get("phone", "").strip()
        if not ids_text or not phones_text:
            raise Failure(1)
        if p.get("del", "").strip() == "1":
            return self._delete(account, ids_text, phones_text)
        detail = StatusDetail(_choice(p, "all", range(3)))
        multi = "," in ids_text or "," in phones_text
        ids, phones = ids_text.split(","), phones_text.split(",")
        if multi and ids[-1] == "" and phones[-1] == "":
            ids.pop()
            phones.pop()
        if len(ids) != len(phones) or len(ids) > MAX_RECIPIENTS or not all(ids) or not all(phones):
            raise Failure(1)
        if multi:
            key: tuple[str, ...] = ("statuses", account.login)
            limit = self.limits.status_multi
        else:
            key = ("status", account.login, ids[0], _normal_phone(phones[0]) or phones[0])
            limit = self.limits.status_one
        if self.limiter.over(key, limit, now):
            raise Failure(9)
        self.limiter.count(key, now)
        records = [self._record(account, i.strip(), ph.strip(), detail, now) for i, ph in zip(ids, phones, strict=True)]
        if multi:
            if fmt in (0, 1) and detail is not StatusDetail.BASIC:
                records = [r if r.message is None else _one_line(r) for r in records]
            render_many = (_rn.render_statuses_basic, _rn.render_statuses_full, _rn.render_statuses_region)[detail]
            return render_many(records, fmt)
        render_one = (_rn.render_status_basic, _rn.render_status_full, _rn.render_status_region)[detail]
        return render_one(records[0], fmt)

    def _record(self, account: Account, id_text: str, phone_text: str, detail: StatusDetail, now: float) -> Status:
        try:
            message_id = p_message_id(id_text)
        except Invalid:
            raise Failure(1) from None
        phone = _normal_phone(phone_text) or phone_text
        stored = self.store.find(account.login, str(message_id), phone)
        if stored is None:
            missing = MessageStatus.NOT_FOUND
            if detail is StatusDetail.BASIC:
                return Status(id=message_id, phone=phone, status=missing, error=DeliveryError.NONE)
            country, operator, region = _region("", detail)
            return Status(
                id=message_id,
                phone=phone,
                status=missing,
                error=DeliveryError.NONE,
                cost=Decimal("0"),
                sender="",
                status_name=missing.label,
                message="",
                country=country,
                operator=operator,
                region=region,
            )
        at, code, err = self.store.history(stored.seq, now)[-1]
        status, error = MessageStatus(code), DeliveryError(err)
        hlr = None
        if stored.format == MessageFormat.HLR:
            hlr = _dir.hlr_info(stored.phone, error) if status.is_final else _EMPTY_HLR
        changed = None if status is MessageStatus.WAITING else _moment(at)
        if detail is StatusDetail.BASIC:
            return Status(id=message_id, phone=stored.phone, status=status, changed_at=changed, error=error, hlr=hlr)
        country, operator, region = _region(stored.phone, detail)
        return Status(
            id=message_id,
            phone=stored.phone,
            status=status,
            changed_at=changed,
            error=error,
            sent_at=_moment(stored.sent_at),
            cost=stored.cost,
            sender=stored.sender,
            status_name=status.label,
            message=stored.text,
            country=country,
            operator=operator,
            region=region,
            hlr=hlr,
        )

    def _delete(self, account: Account, ids_text: str, phones_text: str) -> str:
        try:
            message_id = p_message_id(ids_text.rstrip(","))
        except Invalid:
            raise Failure(1) from None
        phone = phones_text.rstrip(",")
        stored = self.store.find(account.login, str(message_id), _normal_phone(phone) or phone)
        if stored is None:
            raise Failure(5)
        self.store.delete(stored.seq)
        return "OK"

    # balance.php ----------------------------------------------------------------------------
    def _balance(self, account: Account, p: Mapping[str, str], fmt: int, now: float) -> str:
        key = ("balance", account.login)
        if self.limiter.over(key, self.limits.balance, now):
            raise Failure(9)
        self.limiter.count(key, now)
        currency = _choice(p, "cur", range(2))
        if currency:
            return _rn.render_balance_currency(Balance(balance=account.balance, currency=account.currency), fmt)
        return _rn.render_balance(Balance(balance=account.balance), fmt)


def _forbidden(now: float, due: float) -> list[tuple[float, int, int]]:
    """The status history of a message to a blacklisted number: waiting, then forbidden (23, err 252)."""
    return [
        (now, int(MessageStatus.WAITING), 0),
        (due, int(MessageStatus.FORBIDDEN), int(DeliveryError.NUMBER_FORBIDDEN)),
    ]


def _region(phone: str, detail: StatusDetail) -> tuple[str | None, str | None, str | None]:
    """Country, operator and region for all=2 (None otherwise)."""
    if detail is not StatusDetail.FULL_WITH_REGION:
        return None, None, None
    net = _dir.network(phone) if phone else _dir.UNKNOWN
    return net.country, net.operator, net.region


def _one_line(record: Status) -> Status:
    """A multi-record fmt 0/1 reply keeps one record per line: line breaks in the text become spaces."""
    return evolve(record, message=_NEWLINES.sub(" ", record.message or ""))


def _message_format(p: Mapping[str, str]) -> MessageFormat:
    """The kind of message the request's flags (flash=1, hlr=1, bin=2, ...) ask for."""
    if _FLAG_NAMES.isdisjoint(p):
        return MessageFormat.SMS
    for kind, wire in _FLAGS:
        if all(p.get(name, "").strip() == value for name, value in wire):
            return kind
    return MessageFormat.SMS


def _groups(p: Mapping[str, str], kind: MessageFormat) -> list[tuple[str, str]]:
    """(recipients, text) pairs: `phones` and `mes`, or the lines `phones:mes` of `list`."""
    needs_text = kind not in (MessageFormat.HLR, MessageFormat.PING)
    if p.get("list", "").strip():
        groups = []
        for line in _NEWLINES.split(p["list"].strip()):
            phones, sep, text = line.partition(":")
            if not sep or not phones.strip() or (needs_text and not text):
                raise Failure(1)
            groups.append((phones, text))
    else:
        phones, text = p.get("phones", ""), p.get("mes", "")
        if not phones.strip() or (needs_text and not text):
            raise Failure(1)
        groups = [(phones, text)]
    for _, text in groups:
        if len(text) > MAX_MESSAGE:
            raise Failure(1)
        if kind is MessageFormat.BIN_HEX and not _HEX.fullmatch(text):
            raise Failure(1)
    return groups


def _message_id(value: str) -> str | None:
    """The client's id (None: none given, the service assigns one); a malformed one is error 1."""
    value = value.strip()
    if value in ("", "0"):
        return None
    if value.isdigit() and value[0] != "0":
        if int(value) > MAX_ID:
            raise Failure(1)
        return value
    if STRING_ID.fullmatch(value):
        return value
    raise Failure(1)


def _normal_phone(text: str) -> str | None:
    """A phone number in international form, digits only; None if it is not one."""
    if text.isascii() and text.isdigit() and 7 <= len(text) <= 15:  # digits only already: the usual case
        digits, plus = text, False
    else:
        compact = text.strip().translate(PHONE_NOISE)
        plus = compact.startswith("+")
        digits = compact[1:] if plus else compact
        if not _PHONE.fullmatch(digits):
            return None
    if digits[0] == "0":
        return None  # no country code starts with 0
    if not plus and len(digits) == 11 and digits[0] == "8":
        digits = "7" + digits[1:]  # a national 8... number, as the service corrects it
    return digits


def _recipients(text: str, kind: MessageFormat, reply_id: MessageId | None) -> list[str]:
    """The recipients of `phones` (`,` or `;` separated), in order without repeats; error 7 if one is bad."""
    out: dict[str, None] = {}  # ordered, and a repeat is found in constant time
    for item in _SEPARATORS.split(text) if "," in text or ";" in text else (text,):
        item = item.strip()
        if not item:
            continue
        if kind is MessageFormat.MAIL:
            recipient = item if EMAIL.fullmatch(item) else None
        else:
            recipient = _normal_phone(item)
            if recipient is None and kind is MessageFormat.TELEGRAM and TELEGRAM.fullmatch(item):
                recipient = item
        if recipient is None:
            raise Failure(7, reply_id)
        out[recipient] = None
    if not out:
        raise Failure(7, reply_id)
    return list(out)
