"""The request timeouts of AsyncHttpTransport alone: one watchdog timer, each request ended at its own time."""

from __future__ import annotations

import asyncio
import time

import pytest

from smsc._timeouts import RequestTimer, Watchdog


async def _wait_out(
    watchdog: Watchdog, connect: float | None, read: float | None, connect_after: float | None
) -> float:
    """How long a request of these timeouts lasts before its timer ends it (its connection comes after
    `connect_after` seconds, or never)."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    timer = RequestTimer(watchdog, connect, read, None)
    try:
        if connect_after is not None:
            await asyncio.sleep(connect_after)
            timer.on_connection()
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        assert timer.timed_out()
        return loop.time() - start
    finally:
        timer.close()
    raise AssertionError("the timer never fired")


def test_each_request_ends_at_its_own_time_with_one_watchdog() -> None:
    async def main() -> list[float]:
        watchdog = Watchdog(asyncio.get_running_loop())
        return list(
            await asyncio.gather(
                _wait_out(watchdog, 0.3, 5.0, None),  # no connection: the connect timeout
                _wait_out(watchdog, 0.1, 5.0, None),
                _wait_out(watchdog, 5.0, 0.2, 0.05),  # connected: the (shorter) read timeout from then on
                _wait_out(watchdog, 0.1, 0.4, 0.05),  # connected before its connect timeout: the read one
            )
        )

    took = asyncio.run(main())
    for lasted, expected in zip(took, [0.3, 0.1, 0.25, 0.45], strict=True):
        assert expected - 0.02 <= lasted < expected + 0.3


def test_a_closed_request_is_never_cancelled_and_the_deadline_comes_first() -> None:
    async def main() -> tuple[bool, float]:
        loop = asyncio.get_running_loop()
        watchdog = Watchdog(loop)
        early = RequestTimer(watchdog, 0.05, 1.0, None)
        early.close()  # done before its time: the watchdog's check must leave this task alone
        await asyncio.sleep(0.15)
        start = loop.time()
        timer = RequestTimer(watchdog, 5.0, 5.0, loop.time() + 0.1)  # the call's deadline is sooner
        try:
            await asyncio.sleep(5)
        except asyncio.CancelledError:
            assert timer.timed_out()
        timer.close()
        watchdog.stop()
        return not early.expired, loop.time() - start

    untouched, took = asyncio.run(main())
    assert untouched and 0.08 <= took < 0.5


def test_a_caller_cancellation_is_not_taken_for_a_timeout() -> None:
    async def main() -> None:
        watchdog = Watchdog(asyncio.get_running_loop())

        async def request() -> None:
            timer = RequestTimer(watchdog, 5.0, 5.0, None)
            try:
                await asyncio.sleep(5)
            except asyncio.CancelledError:
                assert not timer.timed_out()
                raise
            finally:
                timer.close()

        task = asyncio.create_task(request())
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        watchdog.stop()

    asyncio.run(main())


class _LoopOfItsOwnClock(asyncio.SelectorEventLoop):
    def time(self) -> float:
        return super().time() + 1000.0


def test_the_watchdog_keeps_time_by_its_loops_clock() -> None:
    plain = asyncio.new_event_loop()
    own = _LoopOfItsOwnClock()
    try:
        assert Watchdog(plain).time is time.monotonic  # asyncio's own loops: the clock their time() reads
        assert Watchdog(own).time() > time.monotonic() + 999.0  # any other loop: its time()

        async def cancelled_in_time() -> float:
            started = own.time()
            timer = RequestTimer(Watchdog(own), 0.1, 5.0, None)
            with pytest.raises(asyncio.CancelledError):
                await asyncio.sleep(5)
            assert timer.timed_out()
            return own.time() - started

        assert 0.08 <= own.run_until_complete(cancelled_in_time()) < 1.0
    finally:
        plain.close()
        own.close()
