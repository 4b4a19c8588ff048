"""Paged lists: iterate over records while the next page is fetched only when it is needed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import TypeVar

from smsc._exceptions import ProtocolError

T = TypeVar("T")
Cursor = int | None


def _next_size(size: int, remaining: int | None) -> int:
    return size if remaining is None else min(size, remaining)


def _advance(cursor: Cursor, page: list[T], next_of: Callable[[T], int]) -> int:
    new = next_of(page[-1])
    if new == cursor:
        raise ProtocolError(f"the service returned the same page again (cursor {cursor})", raw=b"")
    return new


def pages(
    fetch: Callable[[Cursor, int], list[T]],
    next_of: Callable[[T], int],
    *,
    size: int,
    limit: int | None = None,
    cursor: Cursor = None,
) -> Iterator[T]:
    """The records of `fetch(cursor, count)` page after page.

    A page shorter than asked for is the last; `limit` caps the records in all (each request then
    asks for no more than are still wanted); the next page starts from `next_of(last record)`.
    """
    remaining = limit
    while remaining is None or remaining > 0:
        count = _next_size(size, remaining)
        page = fetch(cursor, count)
        yield from page[:remaining] if remaining is not None else page
        if remaining is not None:
            remaining -= min(len(page), remaining)
        if len(page) < count or not page:
            return
        cursor = _advance(cursor, page, next_of)


async def apages(
    fetch: Callable[[Cursor, int], Awaitable[list[T]]],
    next_of: Callable[[T], int],
    *,
    size: int,
    limit: int | None = None,
    cursor: Cursor = None,
) -> AsyncIterator[T]:
    """`pages` for an async fetch: an async iterator."""
    remaining = limit
    while remaining is None or remaining > 0:
        count = _next_size(size, remaining)
        page = await fetch(cursor, count)
        for record in page[:remaining] if remaining is not None else page:
            yield record
        if remaining is not None:
            remaining -= min(len(page), remaining)
        if len(page) < count or not page:
            return
        cursor = _advance(cursor, page, next_of)
