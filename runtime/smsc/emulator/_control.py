"""The control API under /_emulator/ and the web inbox at /, on the emulator's own HTTP port.

JSON in and out (described by /_emulator/openapi.json), so any language or a curl line can drive
the emulator: messages, reset, the clock, accounts, faults, incoming SMS, denied senders and words,
and a server-sent event stream of changes. Loopback clients are served without a token; any other
client needs the emulator's control token (`Authorization: Bearer <token>`, or the inbox's cookie),
and an emulator without one answers only loopback clients. Requests that change something must
carry a JSON body (`Content-Type: application/json`; DELETE needs none) and, from a browser, come
from the emulator's own origin, so a web page elsewhere cannot drive a local emulator.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import json
import re
from collections.abc import Awaitable, Callable
from decimal import Decimal
from importlib import resources
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from aiohttp import web

from smsc._enums import MessageStatus
from smsc.emulator import _inbox
from smsc.emulator._faults import COMMANDS, Fault
from smsc.emulator._openapi import ACCOUNT_TEXT, MONEY_PATTERN, openapi
from smsc.emulator._records import Message
from smsc.emulator._views import account_data, fault_data, incoming_data, message_data

if TYPE_CHECKING:
    from smsc.emulator._emulator import Emulator

PREFIX = "/_emulator/"
INBOX_LIMIT = 100
"""The web inbox shows the newest messages that match its filters, at most this many."""
COOKIE = "smsc_emulator_token"
_MAX_BODY = 64 * 1024
_HEARTBEAT = 15.0  # seconds between SSE comments that keep proxies from closing the stream
_TICK = 1.0  # seconds between looks for statuses that changed as the clock ran (while someone listens)
_STATIC = {"inbox.css": "text/css", "inbox.js": "text/javascript"}
_FAULT_KINDS = ("drop", "delay", "refuse", "garbage", "empty", "http_error")
_STATUS_NAMES = {s.name.lower(): s for s in MessageStatus}
# methods a cross-site HTML form can send (POST) or that carry a body: they must come as JSON, which forms cannot
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})

Handler = Callable[[web.BaseRequest, "re.Match[str]"], Awaitable[web.StreamResponse]]


class BadInput(Exception):
    """A request the control API refuses with 400 and this message."""


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(
        text=json.dumps(data, ensure_ascii=False, indent=1) + "\n",
        status=status,
        content_type="application/json",
        charset="utf-8",
    )


def _error(status: int, message: str) -> web.Response:
    return _json({"error": message}, status)


def _is_loopback(remote: str | None) -> bool:
    if not remote:
        return False
    try:
        address = ipaddress.ip_address(remote.split("%")[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


class ControlApi:
    """Routes /_emulator/... and / of one emulator; `handle` answers a request the HTTP listener gives it."""

    def __init__(self, emulator: Emulator, token: str | None = None) -> None:
        self.emulator = emulator
        self.token = token
        self._fault_ids: dict[Fault, int] = {}
        self._next_fault = 1
        self._closing: asyncio.Event | None = None
        self._ticker: asyncio.Task[None] | None = None
        self._streams = 0  # event streams open; counted before any await, so the ticker never misses one
        get, post = "GET", "POST"
        routes: list[tuple[str, str, Handler]] = [
            (get, r"/", self._page),
            (get, r"/_emulator/inbox", self._fragment),
            (get, r"/_emulator/static/(?P<name>[a-z]+\.[a-z]+)", self._static),
            (post, r"/_emulator/session", self._session),
            (get, r"/_emulator/openapi\.json", self._openapi),
            (get, r"/_emulator/events", self._events),
            (get, r"/_emulator/messages", self._list_messages),
            (get, r"/_emulator/messages/(?P<key>[0-9]+)", self._get_message),
            (post, r"/_emulator/reset", self._reset),
            (get, r"/_emulator/clock", self._clock),
            (post, r"/_emulator/clock/advance", self._advance),
            (get, r"/_emulator/accounts", self._list_accounts),
            (post, r"/_emulator/accounts", self._add_account),
            (get, r"/_emulator/accounts/(?P<login>[^/]+)", self._get_account),
            ("PATCH", r"/_emulator/accounts/(?P<login>[^/]+)", self._update_account),
            (get, r"/_emulator/faults", self._list_faults),
            (post, r"/_emulator/faults", self._add_fault),
            ("DELETE", r"/_emulator/faults", self._clear_faults),
            ("DELETE", r"/_emulator/faults/(?P<number>[0-9]+)", self._remove_fault),
            (get, r"/_emulator/incoming", self._list_incoming),
            (post, r"/_emulator/incoming", self._receive),
            (get, r"/_emulator/denied", self._denied),
            ("PUT", r"/_emulator/denied", self._set_denied),
        ]
        self._routes = [(method, re.compile(pattern), handler) for method, pattern, handler in routes]

    @staticmethod
    def serves(path: str) -> bool:
        """True for the paths this API answers (the others are the SMSC API's)."""
        return path == "/" or path.startswith(PREFIX)

    def close(self) -> None:
        """End open event streams (the listener is stopping)."""
        if self._closing is not None:
            self._closing.set()

    async def handle(self, http: web.BaseRequest) -> web.StreamResponse:
        allowed = [(m, match, h) for m, pattern, h in self._routes if (match := pattern.fullmatch(http.path))]
        if not allowed:
            return _error(404, f"no such endpoint: {http.path}")
        found = next(((match, h) for m, match, h in allowed if m == http.method), None)
        if found is None:
            methods = ", ".join(sorted({m for m, _, _ in allowed}))
            return web.Response(status=405, headers={"Allow": methods}, text=f"use {methods}")
        match, handler = found
        if not self._trusted_origin(http):
            return _error(403, "requests from another web origin are refused")
        if handler != self._session and handler != self._static and not self._authorized(http):
            if handler == self._page:
                return _inbox.token_page()
            if self.token is None:
                return _error(403, "the control API answers loopback clients only: start the emulator with a token")
            return _error(401, "a control token is required: Authorization: Bearer <token>")
        if http.method in _BODY_METHODS and handler != self._session and http.content_type != "application/json":
            return _error(415, "send a JSON body with Content-Type: application/json")
        try:
            return await handler(http, match)
        except BadInput as exc:
            return _error(400, str(exc))
        except KeyError as exc:
            return _error(404, f"not found: {exc.args[0]}")

    # access ---------------------------------------------------------------------------------
    def _authorized(self, http: web.BaseRequest) -> bool:
        if _is_loopback(http.remote):
            return True
        if self.token is None:
            return False
        given = http.headers.get("Authorization", "")
        offered = given[7:] if given.startswith("Bearer ") else http.cookies.get(COOKIE, "")
        return bool(offered) and hmac.compare_digest(offered.encode(), self.token.encode())

    @staticmethod
    def _trusted_origin(http: web.BaseRequest) -> bool:
        origin = http.headers.get("Origin")
        if origin is None or http.method == "GET":
            return True
        return urlsplit(origin).netloc == http.host

    async def _session(self, http: web.BaseRequest, match: re.Match[str]) -> web.StreamResponse:
        """The inbox's token form: a right token sets an HttpOnly cookie."""
        form = dict(parse_qsl((await http.read())[:_MAX_BODY].decode("utf-8", "replace")))
        token = form.get("token", "")
        if self.token is None or not hmac.compare_digest(token.encode(), self.token.encode()):
            return _inbox.token_page(wrong=True)
        response = web.Response(status=303, headers={"Location": "/"})
        response.set_cookie(COOKIE, token, httponly=True, samesite="Strict", path="/")
        return response

    # helpers --------------------------------------------------------------------------------
    @staticmethod
    async def _body(http: web.BaseRequest) -> dict[str, Any]:
        raw = await http.read()
        if len(raw) > _MAX_BODY:
            raise BadInput(f"the body is over {_MAX_BODY} bytes")
        if not raw.strip():
            return {}
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise BadInput(f"the body is not JSON: {exc}") from None
        if not isinstance(data, dict):
            raise BadInput("the body must be a JSON object")
        return data

    def _messages(self, *, login: str | None, phone: str, status: str, limit: int | None) -> list[dict[str, Any]]:
        """Matching messages, newest first: phone is a substring of the recipient, status a name or code."""
        wanted = _status_filter(status)
        needle = phone.strip().lstrip("+")
        service = self.emulator._service
        out: list[tuple[int, Message]] = []
        with service.lock:
            now = service.clock.now()
            for row in reversed(service.store.messages(login)):
                if needle and needle not in row.phone:
                    continue
                message = service._public(row, now)
                if wanted is not None and message.status is not wanted:
                    continue
                out.append((row.seq, message))
                if limit is not None and len(out) >= limit:
                    break
        return [message_data(key, m) for key, m in out]

    def _fault_number(self, rule: Fault) -> int:
        if rule not in self._fault_ids:
            self._fault_ids[rule] = self._next_fault
            self._next_fault += 1
        return self._fault_ids[rule]

    def faults(self) -> list[dict[str, Any]]:
        rules = self.emulator.faults.rules
        for gone in set(self._fault_ids) - set(rules):
            del self._fault_ids[gone]
        return [fault_data(self._fault_number(rule), rule) for rule in rules]

    def state(self, phone: str = "", status: str = "", limit: int | None = INBOX_LIMIT) -> dict[str, Any]:
        """What the inbox shows: the clock, the messages, accounts, incoming SMS and fault rules."""
        emulator = self.emulator
        return {
            "now": emulator.now().isoformat(timespec="seconds"),
            "messages": self._messages(login=None, phone=phone, status=status, limit=limit),
            "limit": limit,
            "accounts": [account_data(a) for a in emulator.accounts],
            "incoming": [incoming_data(m) for m in reversed(emulator.incoming()[-50:])],
            "faults": self.faults(),
            "phone": phone,
            "status": status,
        }

    # the inbox ------------------------------------------------------------------------------
    async def _page(self, http: web.BaseRequest, match: re.Match[str]) -> web.StreamResponse:
        q = http.query
        return _inbox.page(await asyncio.to_thread(self.state, q.get("phone", ""), q.get("status", "")))

    async def _fragment(self, http: web.BaseRequest, match: re.Match[str]) -> web.StreamResponse:
        q = http.query
        return _inbox.fragment(await asyncio.to_thread(self.state, q.get("phone", ""), q.get("status", "")))

    async def _static(self, http: web.BaseRequest, match: re.Match[str]) -> web.StreamResponse:
        name = match["name"]
        if name not in _STATIC:
            return _error(404, f"no such file: {name}")
        data = resources.files("smsc.emulator").joinpath("static", name).read_bytes()
        return web.Response(body=data, content_type=_STATIC[name], charset="utf-8")

    async def _events(self, http: web.BaseRequest, match: re.Match[str]) -> web.StreamResponse:
        """Server-sent events: `event: <what changed>` each time something does."""
        if self._closing is None:
            self._closing = asyncio.Event()
        closing = self._closing
        self._streams += 1
        try:
            if self._ticker is None or self._ticker.done():
                self._ticker = asyncio.ensure_future(self._tick(closing))
            return await self._stream(http, closing)
        finally:
            self._streams -= 1

    async def _stream(self, http: web.BaseRequest, closing: asyncio.Event) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        async with self.emulator.events.subscribe() as sub:  # before "hello": no change after it is lost
            closed = asyncio.ensure_future(closing.wait())
            try:
                await response.prepare(http)
                await response.write(b"retry: 1000\nevent: hello\ndata: {}\n\n")
                while not closing.is_set():
                    waiting = asyncio.ensure_future(sub.next(_HEARTBEAT))
                    await asyncio.wait({waiting, closed}, return_when=asyncio.FIRST_COMPLETED)
                    if not waiting.done():
                        waiting.cancel()
                        break
                    kind = waiting.result()
                    chunk = b": heartbeat\n\n" if kind is None else f"event: {kind}\ndata: {{}}\n\n".encode()
                    await response.write(chunk)
            except (ConnectionResetError, asyncio.CancelledError):
                pass
            finally:
                closed.cancel()
        return response

    async def _tick(self, closing: asyncio.Event) -> None:
        """While event streams are open, publish "clock" when a planned status change comes due.

        Statuses move with the clock, not with requests: without this a page would show a message
        as waiting long after the running clock has delivered it.
        """
        service = self.emulator._service
        with service.lock:
            service.store.db.execute("CREATE INDEX IF NOT EXISTS history_by_at ON history (at)")
        last = service.clock.now()
        while not closing.is_set():
            try:
                await asyncio.wait_for(closing.wait(), _TICK)
                return
            except TimeoutError:
                pass
            if not self._streams:
                return
            now = service.clock.now()
            # a reset moves the clock back: the rows planned since then lie before `last`, so reload
            if now < last or await asyncio.to_thread(self._changed_between, last, now):
                self.emulator.events.publish("clock")
            last = now

    def _changed_between(self, start: float, end: float) -> bool:
        service = self.emulator._service
        with service.lock:
            row = service.store.db.execute("SELECT 1 FROM history WHERE at > ? AND at <= ? LIMIT 1", (start, end))
            return row.fetchone() is not None

    # the API --------------------------------------------------------------------------------
    async def _openapi(self, http: web.BaseRequest, match: re.Match[str]) -> web.StreamResponse:
        return _json(openapi())

    async def _list_messages(self, http: web.BaseRequest, match: re.Match[str]) -> web.StreamResponse:
        q = http.query
        limit = _integer(q.get("limit"), "limit", 1, 100_000)
        found = await asyncio.to_thread(
            self._messages,
            login=q.get("login") or None,
            phone=q.get("phone", ""),
            status=q.get("status", ""),
            limit=limit,
        )
        return _json({"messages": found})

    async def _get_message(self, http: web.BaseRequest, match: re.Match[str]) -> web.StreamResponse:
        key = int(match["key"])
        service = self.emulator._service
        with service.lock:
            row = next((m for m in service.store.messages() if m.seq == key), None)
            message = None if row is None else service._public(row, service.clock.now())
        if message is None:
            raise KeyError(f"message {key}")
        return _json(message_data(key, message))

    async def _reset(self, http: web.BaseRequest, match: re.Match[str]) -> web.StreamResponse:
        self.emulator.reset()
        self._fault_ids.clear()
        return _json({"reset": True})

    async def _clock(self, http: web.BaseRequest, match: re.Match[str]) -> web.StreamResponse:
        emulator = self.emulator
        return _json({"now": emulator.now().isoformat(), "offset": emulator._service.clock.offset})

    async def _advance(self, http: web.BaseRequest, match: re.Match[str]) -> web.StreamResponse:
        body = await self._body(http)
        seconds = body.get("seconds")
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 <= seconds <= 10**9:
            raise BadInput("seconds: a number from 0 to 1e9")
        self.emulator.advance(float(seconds))
        return await self._clock(http, match)

    async def _list_accounts(self, http: web.BaseRequest, match: re.Match[str]) -> web.StreamResponse:
        return _json({"accounts": [account_data(a) for a in self.emulator.accounts]})

    async def _get_account(self, http: web.BaseRequest, match: re.Match[str]) -> web.StreamResponse:
        return _json(account_data(self.emulator.accounts[match["login"]]))

    async def _add_account(self, http: web.BaseRequest, match: re.Match[str]) -> web.StreamResponse:
        body = await self._body(http)
        fields = _account_fields(body, required=("login", "password"))
        try:
            account = self.emulator.accounts.add(**fields)
        except ValueError as exc:
            raise BadInput(str(exc)) from None
        return _json(account_data(account), 201)

    async def _update_account(self, http: web.BaseRequest, match: re.Match[str]) -> web.StreamResponse:
        body = await self._body(http)
        if "login" in body:
            raise BadInput("login: an account cannot be renamed")
        fields = _account_fields(body, required=())
        try:
            account = self.emulator.accounts.update(match["login"], **fields)
        except ValueError as exc:
            raise BadInput(str(exc)) from None
        return _json(account_data(account))

    async def _list_faults(self, http: web.BaseRequest, match: re.Match[str]) -> web.StreamResponse:
        return _json({"faults": self.faults(), "hits": len(self.emulator.faults.hits)})

    async def _add_fault(self, http: web.BaseRequest, match: re.Match[str]) -> web.StreamResponse:
        rule = _add_fault(self.emulator, await self._body(http))
        self.emulator._service.notify("faults")
        return _json(fault_data(self._fault_number(rule), rule), 201)

    async def _clear_faults(self, http: web.BaseRequest, match: re.Match[str]) -> web.StreamResponse:
        self.emulator.faults.clear()
        self._fault_ids.clear()
        self.emulator._service.notify("faults")
        return _json({"faults": []})

    async def _remove_fault(self, http: web.BaseRequest, match: re.Match[str]) -> web.StreamResponse:
        number = int(match["number"])
        self.faults()  # forget rules that are used up
        rule = next((r for r, n in self._fault_ids.items() if n == number), None)
        if rule is None:
            raise KeyError(f"fault {number}")
        rule.cancel()
        del self._fault_ids[rule]
        self.emulator._service.notify("faults")
        return _json({"removed": number})

    async def _list_incoming(self, http: web.BaseRequest, match: re.Match[str]) -> web.StreamResponse:
        login = http.query.get("login") or None
        return _json({"incoming": [incoming_data(m) for m in self.emulator.incoming(login)]})

    async def _receive(self, http: web.BaseRequest, match: re.Match[str]) -> web.StreamResponse:
        body = await self._body(http)
        phone, text = _string(body, "phone", required=True), _string(body, "text", required=True)
        to, login = _string(body, "to"), _string(body, "login") or "demo"
        options = {"login": login} if to is None or to == "" else {"login": login, "to": to}
        try:
            received = self.emulator.receive(phone or "", text or "", **options)
        except ValueError as exc:
            raise BadInput(str(exc)) from None
        return _json(incoming_data(received), 201)

    async def _denied(self, http: web.BaseRequest, match: re.Match[str]) -> web.StreamResponse:
        emulator = self.emulator
        return _json({"senders": sorted(emulator.denied_senders), "words": sorted(emulator.denied_words)})

    async def _set_denied(self, http: web.BaseRequest, match: re.Match[str]) -> web.StreamResponse:
        body = await self._body(http)
        unknown = set(body) - {"senders", "words"}
        if unknown:
            raise BadInput(f"unknown fields: {sorted(unknown)}")
        emulator = self.emulator
        for name, target in (("senders", emulator.denied_senders), ("words", emulator.denied_words)):
            if name in body:
                values = body[name]
                if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
                    raise BadInput(f"{name}: a list of non-empty strings")
                with emulator._service.lock:
                    target.clear()
                    target.update(values)
        return await self._denied(http, match)


def _status_filter(status: str) -> MessageStatus | None:
    status = status.strip().lower()
    if not status:
        return None
    if status in _STATUS_NAMES:
        return _STATUS_NAMES[status]
    try:
        return MessageStatus(int(status))
    except ValueError:
        raise BadInput(f"status: {status!r} is not a status name or code") from None


def _integer(value: str | None, name: str, lo: int, hi: int) -> int | None:
    if value is None or value == "":
        return None
    if not value.isdigit() or not lo <= int(value) <= hi:
        raise BadInput(f"{name}: an integer from {lo} to {hi}")
    return int(value)


def _string(body: dict[str, Any], name: str, *, required: bool = False) -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            raise BadInput(f"{name}: required")
        return None
    if not isinstance(value, str):
        raise BadInput(f"{name}: a string")
    return value


_ACCOUNT_FIELDS = ("login", "password", "api_key", "balance", "price", "currency", "sender", "callback_url")


def _account_fields(body: dict[str, Any], *, required: tuple[str, ...]) -> dict[str, Any]:
    """Account fields from JSON, checked by the rules the OpenAPI description states."""
    unknown = set(body) - set(_ACCOUNT_FIELDS)
    if unknown:
        raise BadInput(f"unknown fields: {sorted(unknown)}")
    fields: dict[str, Any] = {}
    for name in _ACCOUNT_FIELDS:
        if name in ("balance", "price"):
            if name in body:
                fields[name] = _money(name, body[name])
            continue
        text = _string(body, name, required=name in required)
        if text is None:
            continue
        if not re.fullmatch(ACCOUNT_TEXT[name]["pattern"].strip("^$"), text):
            raise BadInput(f"{name}: {text!r} does not match {ACCOUNT_TEXT[name]['pattern']}")
        fields[name] = text
    return fields


def _money(name: str, value: object) -> Decimal:
    """A decimal string such as "12.50", or an integer; never a float, an exponent or a NaN."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise BadInput(f"{name}: a decimal string or an integer (no floats for money)")
    text = str(value)
    if not re.fullmatch(MONEY_PATTERN.strip("^$"), text) or abs(Decimal(text)) > 10**12:
        raise BadInput(f'{name}: {value!r} is not an amount such as "12.50"')
    if name == "price" and Decimal(text) < 0:
        raise BadInput(f"{name}: {value!r} is negative")
    return Decimal(text)


def _add_fault(emulator: Emulator, body: dict[str, Any]) -> Fault:
    """A rule as `emulator.faults.<kind>(...)` makes it, from JSON."""
    unknown = set(body) - {"kind", "command", "count", "probability", "seconds", "status"}
    if unknown:
        raise BadInput(f"unknown fields: {sorted(unknown)}")
    kind = body.get("kind")
    if kind not in _FAULT_KINDS:
        raise BadInput(f"kind: one of {list(_FAULT_KINDS)}")
    command = body.get("command")
    if command is not None and (not isinstance(command, str) or command not in COMMANDS):
        raise BadInput(f"command: one of {sorted(COMMANDS)}, or null for every command")
    if command is not None and kind == "refuse":
        raise BadInput("command: a refused connection has no command yet")
    count, probability = body.get("count"), body.get("probability")
    if count is not None and (isinstance(count, bool) or not isinstance(count, int)):
        raise BadInput("count: an integer")
    if probability is not None and (isinstance(probability, bool) or not isinstance(probability, (int, float))):
        raise BadInput("probability: a number from 0 to 1")
    faults = emulator.faults
    options: dict[str, Any] = {"count": count, "probability": probability}
    if kind != "refuse":
        options["command"] = command
    try:
        if kind == "delay":
            seconds = body.get("seconds", 1.0)
            if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds > 60:
                raise BadInput("seconds: a number from 0 to 60")
            return faults.delay(float(seconds), **options)
        if kind == "http_error":
            status = body.get("status", 502)
            if isinstance(status, bool) or not isinstance(status, int):
                raise BadInput("status: an HTTP error status (400-599)")
            return faults.http_error(status, **options)
        adders: dict[str, Callable[..., Fault]] = {
            "drop": faults.drop,
            "refuse": faults.refuse,
            "garbage": faults.garbage,
            "empty": faults.empty,
        }
        return adders[kind](**options)
    except ValueError as exc:
        raise BadInput(str(exc)) from None
