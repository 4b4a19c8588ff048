"""One fixture for both clients: behaviour tests of smsc.Client run against smsc.AsyncClient too.

`make_client(**options)` takes smsc.Client's arguments. For the asyncio client it returns an
AsyncClient behind blocking calls: every coroutine method runs to completion on an event loop of
the test's own, and an injected blocking `sleep` becomes an async one. Tests stay written once.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Any

import pytest

import smsc

Factory = Callable[..., Any]
_PAGED = frozenset({"history", "incoming"})
"""AsyncClient methods that return an async iterator over pages (they check their arguments at the call)."""


class Blocking:
    """An AsyncClient whose coroutine methods block until done, on one event loop."""

    def __init__(self, client: smsc.AsyncClient, loop: asyncio.AbstractEventLoop) -> None:
        self.client = client
        self._loop = loop

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.client, name)
        if inspect.iscoroutinefunction(attr):
            return lambda *args, **kwargs: self._loop.run_until_complete(attr(*args, **kwargs))
        if name in _PAGED:  # a paged list: an async iterator, iterated here one page at a time
            return lambda *args, **kwargs: self._iterate(attr(*args, **kwargs))
        if type(attr).__name__.startswith("Async") and hasattr(attr, "_client"):  # a group: client.contacts
            return Blocking(attr, self._loop)
        return attr

    def _iterate(self, records: Any) -> Iterator[Any]:
        while True:
            try:
                yield self._loop.run_until_complete(records.__anext__())
            except StopAsyncIteration:
                return

    def __repr__(self) -> str:
        return repr(self.client)

    def close(self) -> None:
        self._loop.run_until_complete(self.client.aclose())

    def __enter__(self) -> Blocking:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def _async_sleep(sleep: Callable[[float], Any]) -> Callable[[float], Any]:
    async def wait(seconds: float) -> None:
        sleep(seconds)

    return wait


@pytest.fixture(params=["Client", "AsyncClient"])
def make_client(request: pytest.FixtureRequest) -> Iterator[Factory]:
    """smsc.Client, or smsc.AsyncClient behind blocking calls, from the same arguments."""
    if request.param == "Client":
        yield smsc.Client
        return
    loop = asyncio.new_event_loop()
    made: list[Blocking] = []

    def build(*args: Any, **options: Any) -> Blocking:
        if "sleep" in options:
            options["sleep"] = _async_sleep(options["sleep"])
        client = Blocking(smsc.AsyncClient(*args, **options), loop)
        made.append(client)
        return client

    yield build
    for client in made:
        client.close()
    loop.close()
