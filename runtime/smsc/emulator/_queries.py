"""get.php and info.php in the emulator: the sent history, the inbox, the price list, operator lookup.

Every reply is rendered by the generated renderers; a list with nothing in it is error 3
("no records"), as the service answers it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from smsc import _renderers as _rn
from smsc._enums import DeliveryError, MessageStatus
from smsc._models import InboxMessage, Operator, Price, SentMessage
from smsc._types import MSK, message_id
from smsc.emulator import _directory as _dir
from smsc.emulator._records import Account

if TYPE_CHECKING:
    from smsc.emulator._service import ApiCall, Service

MAX_HISTORY_PAGE = 1000
MAX_INBOX_PAGE = 10000
MAX_HOURS = 168
MAX_SPAN_DAYS = 183
# UTC offset of each country's main time zone, in hours, as info.php's `tz` [decision]
_TZ = {"401": "5", "250": "3", "255": "2", "257": "3", "436": "5", "437": "6", "434": "5", "310": "-5"}


def _failure(code: int) -> Exception:
    from smsc.emulator._service import Failure

    return Failure(code)


def _number(p: Mapping[str, str], name: str, lo: int, hi: int, default: int | None = None) -> int | None:
    value = p.get(name, "").strip()
    if value == "":
        return default
    if not (value.isascii() and value.isdigit()) or not lo <= int(value) <= hi:
        raise _failure(1)
    return int(value)


def _day(text: str) -> datetime:
    try:
        return datetime.strptime(text.strip(), "%d.%m.%Y").replace(tzinfo=MSK)
    except ValueError:
        raise _failure(1) from None


def history(service: Service, account: Account, p: Mapping[str, str], fmt: int, now: float) -> str:
    """get_messages: the account's sent messages between two days, newest first, below prev_id."""
    start, end = _day(p.get("start", "")), _day(p.get("end", ""))
    if end < start or (end - start).days > MAX_SPAN_DAYS:
        raise _failure(1)
    count = _number(p, "cnt", 1, MAX_HISTORY_PAGE, MAX_HISTORY_PAGE)
    before = _number(p, "prev_id", 1, 2**63 - 1)
    kind = _number(p, "format", 0, 13)
    phones = {ph for ph in (_normal(x) for x in p.get("phone", "").split(",")) if ph}
    lo, hi = start.timestamp(), (end + timedelta(days=1)).timestamp()
    records = []
    for m in reversed(service.store.messages(account.login)):
        if before is not None and m.seq >= before:
            continue
        if not lo <= m.sent_at < hi or (phones and m.phone not in phones) or (kind is not None and m.format != kind):
            continue
        at, code, err = service.store.history(m.seq, now)[-1]
        status = MessageStatus(code)
        records.append(
            SentMessage(
                int_id=m.seq,
                status=status,
                changed_at=None if status is MessageStatus.WAITING else datetime.fromtimestamp(int(at), MSK),
                error=DeliveryError(err),
                sent_at=datetime.fromtimestamp(int(m.sent_at), MSK),
                id=message_id(m.id),
                phone=m.phone,
                cost=m.cost,
                sender=m.sender,
                message=m.text,
                sms_count=m.parts,
            )
        )
        if len(records) == count:
            break
    if not records:
        raise _failure(3)
    return _rn.render_history(records, fmt)


def incoming(service: Service, account: Account, p: Mapping[str, str], fmt: int, now: float) -> str:
    """get_answers: the account's inbox after after_id, within the last `hour` hours, oldest first."""
    count = _number(p, "cnt", 1, MAX_INBOX_PAGE, MAX_INBOX_PAGE)
    after = _number(p, "after_id", 0, 2**63 - 1, 0)
    hours = _number(p, "hour", 1, MAX_HOURS)
    to = p.get("to_phone", "").strip()
    to_phone = _normal(to) if to else None
    if to and to_phone is None:
        raise _failure(1)
    since = None if hours is None else now - hours * 3600
    found = service.inbox.list(account.login, after_id=after or 0, since=since, to=to_phone, limit=count)
    if not found:
        raise _failure(3)
    records = [InboxMessage(id=m.id, phone=m.phone, text=m.text, to=m.to, at=m.received_at) for m in found]
    return _rn.render_incoming(records, fmt)


def zones(account: Account) -> list[Price]:
    """The emulator's price list: one zone per network of its prefix table, at the account's price.

    The emulator bills every unit (SMS part, HLR request, MMS, call) at `account.price`, so every
    price of every zone is that price: what get_price says is what send.php charges.
    """
    seen: dict[tuple[str, str], None] = {}
    for net in _dir.PREFIXES.values():
        if net.country:
            seen.setdefault((net.country, net.operator), None)
    price = account.price
    return [
        Price(
            zone=str(index),
            name=f"{country}, {operator}" if operator else country,
            sms=price,
            mass=price,
            mms=price,
            hlr=price,
            call=price,
        )
        for index, (country, operator) in enumerate(sorted(seen), 1)
    ]


def prices(service: Service, account: Account, p: Mapping[str, str], fmt: int, now: float) -> str:
    """get_price: the price list; more than three identical requests a minute are error 9."""
    key = ("get_price", account.login)
    if service.limiter.over(key, service.limits.price_identical, now):
        raise _failure(9)
    service.limiter.count(key, now)
    return _rn.render_prices(zones(account), fmt)


def operator(service: Service, account: Account, p: Mapping[str, str], fmt: int, now: float) -> str:
    """get_operator: the number's network from the prefix table; error 3 when no operator is known.

    Limits: three identical requests or a hundred in all per minute (error 9).
    """
    raw = p.get("phone", "").strip()
    identical, every = ("get_operator", account.login, raw), ("get_operator", account.login)
    limits = service.limits
    if service.limiter.over(identical, limits.info_identical, now) or service.limiter.over(every, limits.info_all, now):
        raise _failure(9)
    service.limiter.count(identical, now)
    service.limiter.count(every, now)
    phone = _normal(raw)
    if phone is None:
        raise _failure(1)
    net = _dir.network(phone)
    if not net.operator:
        raise _failure(3)
    return _rn.render_operator(
        Operator(
            phone=phone,
            country=net.country,
            operator=net.operator,
            region=net.region,
            mcc=net.mcc,
            mnc=net.mnc,
            tz=_TZ.get(net.mcc),
        ),
        fmt,
    )


def get(service: Service, account: Account, request: ApiCall, fmt: int, now: float) -> str:
    """get.php: the mode is the flag the request sets."""
    p = request.params
    for flag, handler in (("get_messages", history), ("get_answers", incoming), ("get_price", prices)):
        if p.get(flag, "").strip() == "1":
            return handler(service, account, p, fmt, now)
    raise _failure(1)


def info(service: Service, account: Account, request: ApiCall, fmt: int, now: float) -> str:
    """info.php: get_operator."""
    p = request.params
    if p.get("get_operator", "").strip() != "1":
        raise _failure(1)
    return operator(service, account, p, fmt, now)


def _normal(text: str) -> str | None:
    from smsc.emulator._service import _normal_phone

    return _normal_phone(text) if text.strip() else None


__all__ = ["get", "info", "zones"]
