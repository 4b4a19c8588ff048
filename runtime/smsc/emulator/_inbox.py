"""The web inbox at / of the emulator: server-rendered HTML, made live by /_emulator/static/inbox.js.

The page works without JavaScript (filters are a GET form); the script listens to
/_emulator/events and swaps in /_emulator/inbox, the same fragment rendered again, and sends the
buttons' requests to the control API. Everything is served by the emulator: no CDN, no build step.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any

from aiohttp import web

from smsc._enums import MessageStatus

_HEAD = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>smsc emulator</title>
<link rel="stylesheet" href="/_emulator/static/inbox.css">
<script defer src="/_emulator/static/inbox.js"></script>
</head>
"""
_FAULTS = [
    ("http_error", "HTTP 502 instead of the reply"),
    ("drop", "drop the connection after processing"),
    ("delay", "reply 2 s late"),
    ("garbage", "random bytes instead of the reply"),
    ("empty", "an empty reply"),
    ("refuse", "reset new connections"),
]
_COMMANDS = [("", "every command"), ("send", "send"), ("cost", "cost"), ("status", "status"), ("balance", "balance")]


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _when(iso: str) -> str:
    return datetime.fromisoformat(iso).strftime("%d.%m %H:%M:%S")


def _phone(recipient: str) -> str:
    """A stored number (digits) as people write it; e-mail addresses and Telegram names unchanged."""
    return f"+{recipient}" if recipient.isdigit() else recipient


def _status_class(code: int) -> str:
    if code in (1, 2, 4):
        return "ok"
    if code in (-1, -2, 0):
        return "wait"
    return "bad"


def _badge(status: dict[str, Any]) -> str:
    return (
        f'<span class="badge {_status_class(status["code"])}" data-status="{status["code"]}">'
        f"{_e(status['label'])} <small>{_e(status['name'].lower())}</small></span>"
    )


def _parts(message: dict[str, Any]) -> str:
    seg = message["segments"]
    parts, count = seg["parts"], len(seg["parts"])
    if not parts:
        return '<p class="parts empty">(no text)</p>'
    out = []
    for n, text in enumerate(parts, 1):
        info = [f"part {n}/{count}"] if count > 1 else []
        if seg["encoding"]:
            info.append(seg["encoding"])
        if n == count and seg["chars_left"] is not None:
            info.append(f"{seg['chars_left']} left")
        label = f'<span class="enc">{_e(" · ".join(info))}</span>' if info else ""
        out.append(f'<div class="part"><div class="bubble">{_e(text)}</div>{label}</div>')
    return f'<div class="parts">{"".join(out)}</div>'


def _message(message: dict[str, Any], currencies: dict[str, str]) -> str:
    status = message["status"]
    billed = message["billed_parts"]
    meta = [
        f"from <b>{_e(message['sender'] or '(no sender)')}</b>",
        _e(message["format"]),
        f"{billed} SMS",
        *([f"translit {message['translit']}"] if message.get("translit", "none") != "none" else []),
        *(["cut by maxsms"] if message["segments"].get("truncated") else []),
        f"{_e(message['cost'])} {_e(currencies.get(message['login'], ''))}".strip(),
        f"id {_e(message['id'])}",
        f"account {_e(message['login'])}",
    ]
    history = "".join(
        f"<li><time>{_when(h['at'])}</time> {_e(h['status']['label'])} <small>{_e(h['status']['name'].lower())}"
        + (f", err {h['error']['code']}" if h["error"]["code"] else "")
        + "</small></li>"
        for h in message["history"]
    )
    files = "".join(
        f"<li>{_e(a['filename'])} <small>{_e(a['content_type'])}, {a['size']} bytes</small></li>"
        for a in message["attachments"]
    )
    return (
        f'<article class="message {_status_class(status["code"])}" data-key="{message["key"]}">'
        f'<header><span class="to">{_e(_phone(message["phone"]))}</span>{_badge(status)}</header>'
        f'<p class="meta">{" · ".join(meta)} · <time>{_when(message["sent_at"])}</time></p>'
        f"{_parts(message)}"
        + (f'<ul class="files">{files}</ul>' if files else "")
        + f'<details class="history"><summary>status history ({len(message["history"])})</summary>'
        f"<ol>{history}</ol></details></article>"
    )


def _accounts(state: dict[str, Any]) -> str:
    rows = "".join(
        f'<tr><td>{_e(a["login"])}</td><td class="num" data-balance="{_e(a["login"])}">{_e(a["balance"])}'
        f' {_e(a["currency"])}</td><td class="num">{_e(a["price"])}</td><td>{_e(a["sender"])}</td></tr>'
        for a in state["accounts"]
    )
    return (
        '<section class="panel" id="accounts"><h2>Accounts</h2><table><thead><tr><th>login</th><th>balance</th>'
        f"<th>price</th><th>sender</th></tr></thead><tbody>{rows}</tbody></table></section>"
    )


def _incoming(state: dict[str, Any]) -> str:
    items = "".join(
        f"<li><b>{_e(_phone(m['phone']))}</b> → {_e(_phone(m['to']) if m['to'] else m['login'])}: "
        f'<span class="text">{_e(m["text"])}</span>'
        f" <time>{_when(m['received_at'])}</time></li>"
        for m in state["incoming"]
    )
    return (
        '<section class="panel" id="incoming"><h2>Incoming</h2>'
        + (f"<ul>{items}</ul>" if items else '<p class="empty">No incoming SMS yet.</p>')
        + "</section>"
    )


def _faults(state: dict[str, Any]) -> str:
    items = "".join(
        f"<li>{_e(f['kind'])} <small>{_e(f['command'] or 'every command')}, fired {f['fired']}</small>"
        f' <button type="button" data-fault-off="{f["id"]}">switch off</button></li>'
        for f in state["faults"]
    )
    return (
        '<section class="panel" id="faults"><h2>Faults</h2>'
        + (f"<ul>{items}</ul>" if items else '<p class="empty">No faults: every request is answered.</p>')
        + "</section>"
    )


def _count(state: dict[str, Any]) -> str:
    shown, limit = len(state["messages"]), state.get("limit")
    return f"the newest {shown}" if limit is not None and shown >= limit else str(shown)


def _fragment_html(state: dict[str, Any]) -> str:
    currencies = {a["login"]: a["currency"] for a in state["accounts"]}
    messages = "".join(_message(m, currencies) for m in state["messages"])
    if not messages:
        filtered = state["phone"] or state["status"]
        messages = (
            '<p class="empty">'
            + ("No message matches the filters." if filtered else "No messages yet: send one to this emulator.")
            + "</p>"
        )
    return (
        f'<div id="content" data-now="{_e(state["now"])}">'
        f'<p id="clock">Emulator time <time>{_when(state["now"])}</time> (Moscow)</p>'
        f'<div class="columns"><section id="messages"><h2>Messages <small>({_count(state)})</small></h2>'
        f"{messages}</section>"
        f"<aside>{_accounts(state)}{_incoming(state)}{_faults(state)}</aside></div></div>"
    )


def _options(choices: list[tuple[str, str]], selected: str = "") -> str:
    return "".join(
        f'<option value="{_e(v)}"{" selected" if v == selected else ""}>{_e(label)}</option>' for v, label in choices
    )


def page_html(state: dict[str, Any]) -> str:
    statuses = [("", "any status")] + [(s.name.lower(), f"{s.label} ({s.name.lower()})") for s in MessageStatus]
    logins = [(a["login"], a["login"]) for a in state["accounts"]]
    return (
        _HEAD + '<body>\n<header class="top"><h1>smsc emulator</h1>'
        '<span id="live" class="off" title="live updates">offline</span></header>\n<main>\n'
        '<section class="controls">'
        '<form id="filters" method="get" action="/">'
        f'<input type="search" name="phone" placeholder="phone" value="{_e(state["phone"])}" aria-label="phone">'
        f'<select name="status" aria-label="status">{_options(statuses, state["status"])}</select>'
        '<button type="submit">Filter</button></form>'
        '<div class="clock-buttons"><span>Move the clock</span>'
        '<button type="button" data-advance="10">+10 s</button>'
        '<button type="button" data-advance="60">+1 min</button>'
        '<button type="button" data-advance="3600">+1 h</button></div>'
        '<p id="notice" role="status"></p></section>\n'
        f"{_fragment_html(state)}\n"
        '<section class="controls tools">'
        '<form id="receive"><h2>Deliver an incoming SMS</h2>'
        '<input name="phone" placeholder="from, e.g. +77011234567" required aria-label="from">'
        '<input name="to" placeholder="to (the account\'s number)" aria-label="to">'
        f'<select name="login" aria-label="account">{_options(logins)}</select>'
        '<textarea name="text" placeholder="text" required aria-label="text" rows="2"></textarea>'
        '<button type="submit">Deliver</button></form>'
        '<form id="fault"><h2>Switch a fault on</h2>'
        f'<select name="kind" aria-label="fault">{_options(_FAULTS)}</select>'
        f'<select name="command" aria-label="command">{_options(_COMMANDS)}</select>'
        '<button type="submit">Switch on</button></form>'
        "</section>\n</main>\n"
        '<footer>Control API: <a href="/_emulator/openapi.json">/_emulator/openapi.json</a></footer>\n'
        "</body>\n</html>\n"
    )


def page(state: dict[str, Any]) -> web.Response:
    return web.Response(text=page_html(state), content_type="text/html", charset="utf-8")


def fragment(state: dict[str, Any]) -> web.Response:
    return web.Response(text=_fragment_html(state), content_type="text/html", charset="utf-8")


def token_page(*, wrong: bool = False) -> web.Response:
    """The form a browser off the loopback interface gets until it gives the control token."""
    note = '<p class="bad">That is not the token.</p>' if wrong else ""
    html = (
        _HEAD + '<body><main class="login"><h1>smsc emulator</h1>'
        "<p>This inbox is open without a token on the emulator's own machine only. Enter the control token "
        "(<code>smsc emulator --control-token</code>):</p>"
        f'{note}<form method="post" action="/_emulator/session"><input type="password" name="token" required '
        'aria-label="token" autocomplete="off"><button type="submit">Open</button></form></main></body></html>\n'
    )
    return web.Response(text=html, status=401 if wrong else 200, content_type="text/html", charset="utf-8")
