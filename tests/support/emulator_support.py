"""Helpers of the emulator tests: an emulator per test, clients and raw requests against it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

import urllib3

import smsc
from smsc.emulator import Emulator

PHONE = "+77011234567"
OTHER = "+79161234567"


@contextmanager
def running(**options: Any) -> Iterator[Emulator]:
    """A fresh emulator on a free loopback port (limits off unless asked for)."""
    options.setdefault("rate_limits", False)
    options.setdefault("ip_blocking", False)
    with Emulator(**options) as emulator:
        yield emulator


def smtp_port(emulator: Emulator) -> int:
    """The port of a running emulator's SMTP listener (started with smtp_port=0)."""
    assert emulator.smtp_port is not None, "the emulator was started without an SMTP listener"
    return emulator.smtp_port


def client(emulator: Emulator, fmt: smsc.ResponseFormat = smsc.ResponseFormat.JSON, **options: Any) -> smsc.Client:
    options.setdefault("login", "demo")
    options.setdefault("password", "demo")
    return smsc.Client(base_url=emulator.base_url, response_format=fmt, timeout=5, **options)


def raw(
    emulator: Emulator,
    path: str,
    fields: Sequence[tuple[str, str]] | dict[str, str],
    *,
    method: str = "POST",
    charset: str = "utf-8",
) -> urllib3.BaseHTTPResponse:
    """One request built by hand: a GET query or a form-encoded POST body, values encoded in `charset`."""
    items = list(fields.items()) if isinstance(fields, dict) else list(fields)
    query = urlencode(items, encoding=charset)
    url = emulator.base_url + path
    with urllib3.PoolManager(retries=False, timeout=5) as http:
        if method == "GET":
            return http.request("GET", f"{url}?{query}")
        return http.request(
            "POST", url, body=query.encode("ascii"), headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
