"""One version: runtime/smsc/_version.py, read by pyproject at build time, sent in every request's User-Agent."""

from __future__ import annotations

import asyncio
import platform
import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

import smsc
from smsc import _version
from tests.support.http_server import Script, serve

ROOT = Path(__file__).resolve().parent.parent
USER_AGENT = re.compile(r"smsc-python/(?P<version>\S+) \(Python (?P<python>\d+\.\d+); (?P<os>[^;()]+)\)")


def test_version_has_one_source() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in pyproject["project"] and "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "smsc._version.__version__"}
    assert smsc.__version__ is _version.__version__
    assert re.fullmatch(r"\d+\.\d+\.\d+(\.dev\d+|(a|b|rc)\d+)?", smsc.__version__)
    assert metadata.version("smsc") == smsc.__version__  # what the installed distribution was built with


def test_user_agent_names_the_sdk_python_and_os() -> None:
    match = USER_AGENT.fullmatch(_version.user_agent())
    assert match is not None, _version.user_agent()
    assert match["version"] == smsc.__version__
    assert match["python"] == f"{sys.version_info.major}.{sys.version_info.minor}"
    if sys.platform == "linux":
        assert match["os"] == platform.system() == "Linux"


@pytest.mark.parametrize("client", ["Client", "AsyncClient"])
@pytest.mark.parametrize("kind", ["POST", "GET", "files"])
def test_every_request_carries_the_user_agent(kind: str, client: str) -> None:
    script = Script()
    method = "GET" if kind == "GET" else "POST"
    options: dict[str, Any] = {}
    if kind == "files":
        options = {"format": smsc.MessageFormat.MMS, "files": [("a.txt", b"1", "text/plain")]}
    with serve(script) as url:
        if client == "Client":
            with smsc.Client(login="demo", password="x", base_url=url, method=method) as sync_client:
                sync_client.send(["+77011234567"], "x", **options)
        else:

            async def send() -> None:
                async with smsc.AsyncClient(login="demo", password="x", base_url=url, method=method) as async_client:
                    await async_client.send(["+77011234567"], "x", **options)

            asyncio.run(send())
    [seen] = script.seen
    assert seen.method == ("GET" if kind == "GET" else "POST")
    assert seen.headers["User-Agent"] == _version.user_agent()
    assert USER_AGENT.fullmatch(seen.headers["User-Agent"])
    assert seen.headers["Accept-Encoding"] == "identity"


@pytest.mark.parametrize("client", ["Client", "AsyncClient"])
def test_a_cookie_the_server_sets_is_never_sent_back(client: str) -> None:
    """The clients keep no cookies: one call carries nothing another call (or login) was given."""
    script = Script(headers={"Set-Cookie": "session=abc; Path=/"})
    with serve(script) as ip_url:
        url = ip_url.replace("127.0.0.1", "localhost")  # aiohttp's default jar keeps no cookie of an IP address
        if client == "Client":
            with smsc.Client(login="demo", password="x", base_url=url) as sync_client:
                for _ in range(2):
                    sync_client.send(["+77011234567"], "x")
        else:

            async def send() -> None:
                async with smsc.AsyncClient(login="demo", password="x", base_url=url) as async_client:
                    for _ in range(2):
                        await async_client.send(["+77011234567"], "x")

            asyncio.run(send())
    assert len(script.seen) == 2
    assert all("Cookie" not in seen.headers for seen in script.seen)
