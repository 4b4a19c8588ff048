"""The OpenAPI 3.1 description of the control API, served at /_emulator/openapi.json."""

from __future__ import annotations

from typing import Any

from smsc._enums import MessageStatus


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(required: list[str], **props: Any) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": props}


_PROBLEM = {"$ref": "#/components/responses/Problem"}


def _reply(description: str, schema: dict[str, Any], status: str = "200") -> dict[str, Any]:
    """The success reply and the refusals every endpoint may give: 400 bad input, 401 no token, 403 a client
    off the loopback interface without a token set or a cross-origin browser request, 415 a body that is not JSON."""
    return {
        status: {"description": description, "content": {"application/json": {"schema": schema}}},
        "400": _PROBLEM,
        "401": _PROBLEM,
        "403": _PROBLEM,
        "415": _PROBLEM,
    }


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _op(summary: str, responses: dict[str, Any], *, body: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "responses": responses, **extra}
    if body is not None:
        op["requestBody"] = _body(body)
    return op


_STR, _INT, _NUM, _BOOL = {"type": "string"}, {"type": "integer"}, {"type": "number"}, {"type": "boolean"}
MONEY_PATTERN = r"^-?[0-9]{1,12}(\.[0-9]{1,4})?$"
_MONEY = {"type": "string", "pattern": MONEY_PATTERN, "examples": ["100.00"]}
ACCOUNT_TEXT: dict[str, dict[str, Any]] = {
    "login": {"type": "string", "pattern": r"^[A-Za-z0-9._@+-]{1,64}$"},
    "password": {"type": "string", "pattern": r"^[\x21-\x7e]{1,128}$", "description": "Printable ASCII"},
    "api_key": {"type": "string", "pattern": r"^[\x21-\x7e]{1,128}$"},
    "currency": {"type": "string", "pattern": r"^[A-Z]{3}$", "examples": ["KZT"]},
    "sender": {
        "type": "string",
        "pattern": r"^([A-Za-z0-9 .\-_!&'+@#*()/:?]{1,11}|[0-9]{1,15})?$",
        "description": "A Sender ID (empty: none)",
    },
    "callback_url": {
        "type": "string",
        "pattern": r"^(https?://[\x21-\x7e]{1,1990})?$",
        "description": "An http(s) URL; an empty string removes it",
    },
}
"""The rules of an account's text fields, as the control API checks them."""
_NULLABLE_STR = {"type": ["string", "null"]}
_TIME = {"type": "string", "format": "date-time"}


def _schemas() -> dict[str, Any]:
    status = _obj(
        ["code", "name", "label", "final"],
        code={"type": "integer", "enum": [int(s) for s in MessageStatus]},
        name=_STR,
        label={"type": "string", "description": "The service's own (Russian) name"},
        final=_BOOL,
    )
    return {
        "Status": status,
        "DeliveryError": _obj(["code", "name"], code=_INT, name=_STR),
        "Segments": _obj(
            ["encoding", "count", "parts", "chars_left"],
            encoding={"type": ["string", "null"], "enum": ["GSM-7", "UCS-2", "8-bit", None]},
            count=_INT,
            parts={"type": "array", "items": _STR, "description": "The text of each SMS part"},
            units=_INT,
            capacity=_INT,
            chars_left={"type": ["integer", "null"], "description": "Units still free in the last part"},
            truncated={"type": "boolean", "description": "maxsms cut the text"},
        ),
        "Message": _obj(
            ["key", "id", "login", "phone", "sender", "text", "format", "cost", "status", "history"],
            key={"type": "integer", "description": "Unique per stored message (ids may repeat)"},
            id={"type": ["integer", "string"]},
            login=_STR,
            phone={
                "type": "string",
                "description": "The recipient (an e-mail address or Telegram name for those kinds)",
            },
            sender=_STR,
            text={"type": "string", "description": "As sent; `segments.parts` is what the phone shows"},
            translit={"type": "string", "enum": ["none", "latin", "lookalike"]},
            max_parts={"type": ["integer", "null"], "description": "The send's maxsms"},
            format={"type": "string", "examples": ["sms", "flash", "hlr", "mail"]},
            billed_parts=_INT,
            cost=_MONEY,
            sent_at=_TIME,
            due_at=_TIME,
            status=_ref("Status"),
            error=_ref("DeliveryError"),
            segments=_ref("Segments"),
            history={
                "type": "array",
                "items": _obj(["at", "status", "error"], at=_TIME, status=_ref("Status"), error=_ref("DeliveryError")),
            },
            attachments={
                "type": "array",
                "items": _obj(
                    ["name", "filename", "content_type", "size"],
                    name=_STR,
                    filename=_STR,
                    content_type=_STR,
                    size=_INT,
                ),
            },
        ),
        "Account": _obj(
            ["login", "balance", "price", "currency", "sender", "has_api_key", "callback_url"],
            login=_STR,
            balance=_MONEY,
            price=_MONEY,
            currency=_STR,
            sender=_STR,
            has_api_key=_BOOL,
            callback_url=_NULLABLE_STR,
        ),
        "AccountChange": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "password": ACCOUNT_TEXT["password"],
                "api_key": ACCOUNT_TEXT["api_key"],
                "balance": {"oneOf": [_MONEY, {"type": "integer", "minimum": -(10**12), "maximum": 10**12}]},
                "price": {"oneOf": [_MONEY, {"type": "integer", "minimum": 0, "maximum": 10**12}]},
                "currency": ACCOUNT_TEXT["currency"],
                "sender": ACCOUNT_TEXT["sender"],
                "callback_url": ACCOUNT_TEXT["callback_url"],
            },
        },
        "Fault": _obj(
            ["id", "kind", "command", "count", "probability", "fired"],
            id=_INT,
            kind={"type": "string", "enum": ["drop", "delay", "refuse", "garbage", "empty", "http_error"]},
            command={"type": ["string", "null"], "enum": ["send", "cost", "status", "balance", None]},
            count={"type": ["integer", "null"]},
            probability={"type": ["number", "null"]},
            seconds=_NUM,
            status=_INT,
            fired=_INT,
        ),
        "Incoming": _obj(
            ["id", "login", "phone", "to", "text", "received_at"],
            id=_INT,
            login=_STR,
            phone=_STR,
            to=_STR,
            text=_STR,
            received_at=_TIME,
        ),
        "Clock": _obj(["now", "offset"], now=_TIME, offset={"type": "number", "description": "Seconds advanced"}),
        "Denied": _obj(
            ["senders", "words"], senders={"type": "array", "items": _STR}, words={"type": "array", "items": _STR}
        ),
        "Problem": _obj(["error"], error=_STR),
    }


def openapi() -> dict[str, Any]:
    """The description (a new dict each call)."""
    json_schema = {"application/json": {"schema": _ref("Problem")}}
    account_new = {
        "type": "object",
        "required": ["login", "password"],
        "additionalProperties": False,
        "properties": {"login": ACCOUNT_TEXT["login"], **_schemas()["AccountChange"]["properties"]},
    }
    fault_new = {
        "type": "object",
        "required": ["kind"],
        "additionalProperties": False,
        "properties": {
            "kind": {"type": "string", "enum": ["drop", "delay", "refuse", "garbage", "empty", "http_error"]},
            "command": {"type": ["string", "null"], "enum": ["send", "cost", "status", "balance", None]},
            "count": {"type": "integer", "minimum": 1},
            "probability": {"type": "number", "minimum": 0, "maximum": 1},
            "seconds": {"type": "number", "minimum": 0, "maximum": 60, "description": "delay only"},
            "status": {"type": "integer", "minimum": 400, "maximum": 599, "description": "http_error only"},
        },
    }
    login_param = {"name": "login", "in": "path", "required": True, "schema": _STR}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "smsc emulator control API",
            "version": "1",
            "description": "Drive the local SMSC emulator from any language: messages, clock, accounts, faults, "
            "incoming SMS. Open on loopback; other clients send `Authorization: Bearer <control token>`. "
            "Requests with a body need `Content-Type: application/json`.",
        },
        "servers": [{"url": "/"}],
        "components": {
            "schemas": _schemas(),
            "responses": {"Problem": {"description": "The request was refused", "content": json_schema}},
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{}, {"token": []}],
        "paths": {
            "/_emulator/messages": {
                "get": _op(
                    "Stored messages, newest first",
                    _reply("The messages", _obj(["messages"], messages={"type": "array", "items": _ref("Message")})),
                    parameters=[
                        {"name": "phone", "in": "query", "schema": _STR, "description": "Part of the recipient"},
                        {"name": "status", "in": "query", "schema": _STR, "description": "Status name or code"},
                        {"name": "login", "in": "query", "schema": _STR},
                        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                    ],
                )
            },
            "/_emulator/messages/{key}": {
                "get": _op(
                    "One message by its key",
                    {**_reply("The message", _ref("Message")), "404": {"$ref": "#/components/responses/Problem"}},
                    parameters=[{"name": "key", "in": "path", "required": True, "schema": _INT}],
                )
            },
            "/_emulator/reset": {
                "post": _op(
                    "Forget messages, incoming SMS, fault rules and accounts but demo; the clock back to now",
                    _reply("Done", _obj(["reset"], reset=_BOOL)),
                    body={"type": "object"},
                )
            },
            "/_emulator/clock": {"get": _op("The emulator's time", _reply("The clock", _ref("Clock")))},
            "/_emulator/clock/advance": {
                "post": _op(
                    "Move the clock forward: statuses, schedules and limit windows follow",
                    _reply("The new clock", _ref("Clock")),
                    body=_obj(["seconds"], seconds={"type": "number", "minimum": 0}),
                )
            },
            "/_emulator/accounts": {
                "get": _op(
                    "Every account (passwords and API keys are never shown)",
                    _reply("The accounts", _obj(["accounts"], accounts={"type": "array", "items": _ref("Account")})),
                ),
                "post": _op(
                    "Create or replace an account", _reply("Created", _ref("Account"), "201"), body=account_new
                ),
            },
            "/_emulator/accounts/{login}": {
                "get": _op(
                    "One account",
                    {**_reply("The account", _ref("Account")), "404": {"$ref": "#/components/responses/Problem"}},
                    parameters=[login_param],
                ),
                "patch": _op(
                    "Change balance, price, API key, callback URL, ...",
                    {**_reply("The account", _ref("Account")), "404": {"$ref": "#/components/responses/Problem"}},
                    parameters=[login_param],
                    body=_ref("AccountChange"),
                ),
            },
            "/_emulator/faults": {
                "get": _op(
                    "Active fault rules",
                    _reply(
                        "The rules",
                        _obj(["faults", "hits"], faults={"type": "array", "items": _ref("Fault")}, hits=_INT),
                    ),
                ),
                "post": _op(
                    "Add a rule, as emulator.faults does: once by default, `count` times, with `probability`",
                    _reply("Added", _ref("Fault"), "201"),
                    body=fault_new,
                ),
                "delete": _op("Remove every rule", _reply("Done", _obj(["faults"], faults={"type": "array"}))),
            },
            "/_emulator/faults/{id}": {
                "delete": _op(
                    "Remove one rule",
                    {
                        **_reply("Removed", _obj(["removed"], removed=_INT)),
                        "404": {"$ref": "#/components/responses/Problem"},
                    },
                    parameters=[{"name": "id", "in": "path", "required": True, "schema": _INT}],
                )
            },
            "/_emulator/incoming": {
                "get": _op(
                    "Incoming SMS, oldest first",
                    _reply("The SMS", _obj(["incoming"], incoming={"type": "array", "items": _ref("Incoming")})),
                    parameters=[{"name": "login", "in": "query", "schema": _STR}],
                ),
                "post": _op(
                    "Deliver an SMS from a subscriber to an account",
                    _reply("Delivered", _ref("Incoming"), "201"),
                    body=_obj(
                        ["phone", "text"],
                        phone=_STR,
                        text=_STR,
                        to={"type": "string", "description": "The account's number it was sent to"},
                        login={"type": "string", "default": "demo"},
                    ),
                ),
            },
            "/_emulator/denied": {
                "get": _op("Sender IDs and words that send.php refuses (error 6)", _reply("The lists", _ref("Denied"))),
                "put": _op(
                    "Replace either list",
                    _reply("The lists", _ref("Denied")),
                    body={
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {
                            "senders": {"type": "array", "items": _STR},
                            "words": {"type": "array", "items": _STR},
                        },
                    },
                ),
            },
            "/_emulator/events": {
                "get": {
                    "summary": "Server-sent events: `event: messages|clock|accounts|incoming|faults|reset` per change",
                    "responses": {"200": {"description": "An event stream", "content": {"text/event-stream": {}}}},
                }
            },
            "/_emulator/openapi.json": {
                "get": {
                    "summary": "This description",
                    "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {}}}},
                }
            },
        },
    }
