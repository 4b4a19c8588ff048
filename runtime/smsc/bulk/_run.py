"""The two loops of a bulk run: threads for smsc.Client, tasks for smsc.AsyncClient.

Both read the input lazily (never more than a few windows of messages at a time, so a generator
of millions costs no more memory than that), give every message its id before its first attempt
(recording it in the journal, if any), run each message's `plan()` and hand the results back in
input order (`ordered=True`, the default: a slow message holds back the ones after it, within
the window) or as they complete. The decisions are all in `_plan`; these loops only wait, send
and look up.
"""

from __future__ import annotations

import asyncio
import contextvars
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterable, Iterator, Sized
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

from smsc._exceptions import InvalidRequest, SmscError
from smsc._models import SendResult
from smsc._retry import SHARED_BACKOFF
from smsc._types import MessageId
from smsc.bulk._journal import Journal
from smsc.bulk._limits import Backoff, SlidingWindow
from smsc.bulk._message import BulkProgress, BulkResult, Message, NotSent
from smsc.bulk._plan import IDENTICAL_PER_MINUTE, Lookup, RunState, Send, Step, Wait, plan

ProgressHandler = Callable[[BulkProgress], object]
SendOne = Callable[[Message, MessageId], SendResult]
LookupOne = Callable[[Message, MessageId], SendResult | None]
AsyncSendOne = Callable[[Message, MessageId], Awaitable[SendResult]]
AsyncLookupOne = Callable[[Message, MessageId], Awaitable[SendResult | None]]


class _Run:
    """What both loops share: options, the run's state, ids, the journal, progress reports."""

    def __init__(
        self,
        messages: Iterable[Message | tuple[Any, str]],
        *,
        concurrency: int,
        ordered: bool,
        on_progress: ProgressHandler | None,
        progress_interval: float,
        journal: Journal | None,
        attempts: int,
        per_minute: int | None,
        backoff: Backoff | None,
        clock: Callable[[], float],
    ) -> None:
        if not isinstance(concurrency, int) or isinstance(concurrency, bool) or not 1 <= concurrency <= 1000:
            raise InvalidRequest(f"concurrency: {concurrency!r} is not an int from 1 to 1000")
        if not isinstance(attempts, int) or attempts < 1:
            raise InvalidRequest(f"attempts: {attempts!r} is not a positive int")
        if isinstance(messages, (str, bytes, Message)):
            raise InvalidRequest("messages: give an iterable of smsc.Message")
        self._source = iter(messages)
        self.concurrency = concurrency
        self.ordered = ordered
        self.window = concurrency * 4  # messages taken from the input and not yet handed back, at most
        self._on_progress = on_progress
        self._interval = progress_interval
        self._journal = journal
        self._clock = clock
        self.state = RunState(
            backoff=backoff or Backoff(),
            identical=SlidingWindow(IDENTICAL_PER_MINUTE, 60.0),
            per_minute=SlidingWindow(per_minute, 60.0) if per_minute else None,
            attempts=attempts,
            clock=clock,
        )
        self.state.started = clock()
        token = secrets.token_hex(4)
        self._token = journal.run_token(token) if journal is not None else token
        self._taken = 0
        self._exhausted = False
        self._reported = -1.0
        self._started = False

    @property
    def summary(self) -> BulkProgress:
        """The counts so far; final once every result has been handed back."""
        return self.state.snapshot()

    def _begin(self) -> None:
        if self._started:
            raise InvalidRequest("a bulk run can be iterated once")
        self._started = True

    def _take(self) -> tuple[int, Message | BulkResult] | None:
        """The next message of the input (or its ready result), or None at its end."""
        try:
            item = next(self._source)
        except StopIteration:
            return None
        index = self._taken
        self._taken += 1
        self.state.taken()
        if not isinstance(item, Message):
            try:
                phones, text = item
                item = Message(phones, text)
            except (TypeError, ValueError, InvalidRequest) as exc:
                self.state.count(queued=-1, failed=1)
                error = exc if isinstance(exc, InvalidRequest) else InvalidRequest(f"not a message: {item!r:.60}")
                return index, BulkResult(index=index, message=Message((), ""), error=error)
        return index, item

    def _steps(self, index: int, message: Message) -> Generator[Step, Any, BulkResult] | BulkResult:
        """The plan of one message, or its result straight from the journal."""
        entry = self._journal.entry(index, message) if self._journal is not None else None
        if entry is not None and entry.result is not None and entry.result.result is not None:
            sent = entry.result.result
            self.state.count(queued=-1, sent=1, recovered=int(sent.recovered), parts=sent.sms_count)
            return entry.result
        if entry is not None:
            return plan(self.state, index, message, entry.id, resume=not entry.failed)
        message_id = message.id if message.id is not None else f"{self._token}-{index}"
        if self._journal is not None:
            self._journal.assign(index, message, message_id)
        return plan(self.state, index, message, message_id)

    def _finish(self, result: BulkResult) -> BulkResult:
        if self._journal is not None and result.id is not None:
            self._journal.finish(result)
        return result

    def _fill(
        self,
        order: _Order,
        running: Sized,
        start: Callable[[int, Message, Generator[Step, Any, BulkResult]], None],
    ) -> Iterator[BulkResult]:
        """Start messages while a worker is free and the window allows (`start` hands one to a worker);
        yields the results that need no worker: from the journal, or of input that is no message."""
        while not self._exhausted and len(running) < self.concurrency and order.behind(self._taken) < self.window:
            taken = self._take()
            if taken is None:
                self._exhausted = True
                return
            index, item = taken
            work = item if isinstance(item, BulkResult) else self._steps(index, item)
            if isinstance(work, BulkResult):
                yield from order.add(self._finish(work))
            else:
                assert isinstance(item, Message)
                start(index, item, work)
            if self.state.stopped is not None:
                return

    def _rest_not_sent(self, order: _Order) -> Iterator[BulkResult]:
        """After a stop: every message not taken yet, reported as not sent."""
        for index, item in iter(self._take, None):
            message = item.message if isinstance(item, BulkResult) else item
            yield from order.add(self._not_sent(index, message))

    def _not_sent(self, index: int, message: Message) -> BulkResult:
        assert self.state.stopped is not None
        self.state.count(queued=-1, not_sent=1)
        return self._finish(BulkResult(index=index, message=message, error=NotSent(self.state.stopped)))

    def _report(self, final: bool = False) -> None:
        if self._on_progress is None:
            return
        now = self._clock()
        if final or now - self._reported >= self._interval:
            self._reported = now
            self._on_progress(self.state.snapshot())


class _Order:
    """Hands results back in input order (or as they come), holding the early finishers."""

    def __init__(self, ordered: bool) -> None:
        self.ordered = ordered
        self.next = 0
        self._held: dict[int, BulkResult] = {}

    def add(self, result: BulkResult) -> list[BulkResult]:
        if not self.ordered:
            return [result]
        self._held[result.index] = result
        out = []
        while self.next in self._held:
            out.append(self._held.pop(self.next))
            self.next += 1
        return out

    def behind(self, taken: int) -> int:
        """Messages taken but not yet handed back."""
        return taken - self.next if self.ordered else 0


class BulkRun(_Run):
    """A bulk run of smsc.Client: iterate it for one BulkResult per message; `summary` at the end.

    Messages go out from `concurrency` threads sharing the client (its `pool_size` bounds how
    many requests are really in flight: give it at least `concurrency`).
    """

    def __init__(
        self,
        send: SendOne,
        lookup: LookupOne,
        messages: Iterable[Message | tuple[Any, str]],
        *,
        concurrency: int = 14,
        ordered: bool = True,
        on_progress: ProgressHandler | None = None,
        progress_interval: float = 0.25,
        journal: Journal | None = None,
        attempts: int = 5,
        per_minute: int | None = None,
        backoff: Backoff | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(
            messages,
            concurrency=concurrency,
            ordered=ordered,
            on_progress=on_progress,
            progress_interval=progress_interval,
            journal=journal,
            attempts=attempts,
            per_minute=per_minute,
            backoff=backoff,
            clock=clock,
        )
        self._send, self._lookup, self._sleep = send, lookup, sleep

    def _drive(self, message: Message, steps: Generator[Step, Any, BulkResult]) -> BulkResult:
        reply: object = None
        while True:
            try:
                step = steps.send(reply)
            except StopIteration as done:
                return self._finish(done.value)
            try:
                if isinstance(step, Wait):
                    self._sleep(step.seconds)
                    reply = None
                elif isinstance(step, Send):
                    reply = self._send(message, step.id)
                elif isinstance(step, Lookup):
                    reply = self._lookup(message, step.id)
            except SmscError as exc:
                reply = exc

    def __iter__(self) -> Iterator[BulkResult]:
        self._begin()
        order = _Order(self.ordered)
        pending: dict[Future[BulkResult], int] = {}
        with ThreadPoolExecutor(self.concurrency, thread_name_prefix="smsc-bulk") as pool:

            def start(index: int, message: Message, steps: Generator[Step, Any, BulkResult]) -> None:
                pending[pool.submit(self._drive, message, steps)] = index

            try:
                while True:
                    yield from self._fill(order, pending, start)
                    if pending:
                        done, _ = wait(pending, timeout=self._interval, return_when=FIRST_COMPLETED)
                        for future in done:
                            del pending[future]
                            yield from order.add(future.result())
                        self._report()
                    if self.state.stopped is not None and not pending:
                        yield from self._rest_not_sent(order)
                        break
                    if self._exhausted and not pending:
                        break
            finally:
                for future in pending:
                    future.cancel()
        self._report(final=True)


class AsyncBulkRun(_Run):
    """A bulk run of smsc.AsyncClient: `async for result in run`; `summary` at the end."""

    def __init__(
        self,
        send: AsyncSendOne,
        lookup: AsyncLookupOne,
        messages: Iterable[Message | tuple[Any, str]],
        *,
        concurrency: int = 14,
        ordered: bool = True,
        on_progress: ProgressHandler | None = None,
        progress_interval: float = 0.25,
        journal: Journal | None = None,
        attempts: int = 5,
        per_minute: int | None = None,
        backoff: Backoff | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        super().__init__(
            messages,
            concurrency=concurrency,
            ordered=ordered,
            on_progress=on_progress,
            progress_interval=progress_interval,
            journal=journal,
            attempts=attempts,
            per_minute=per_minute,
            backoff=backoff,
            clock=clock,
        )
        self._send, self._lookup, self._sleep = send, lookup, sleep

    async def _drive(self, message: Message, steps: Generator[Step, Any, BulkResult]) -> BulkResult:
        reply: object = None
        while True:
            try:
                step = steps.send(reply)
            except StopIteration as done:
                return self._finish(done.value)
            try:
                if isinstance(step, Wait):
                    await self._sleep(step.seconds)
                    reply = None
                elif isinstance(step, Send):
                    reply = await self._send(message, step.id)
                elif isinstance(step, Lookup):
                    reply = await self._lookup(message, step.id)
            except SmscError as exc:
                reply = exc

    async def _finished(self, queue: asyncio.Queue[asyncio.Task[BulkResult]]) -> list[asyncio.Task[BulkResult]]:
        """The tasks that ended: at least one, or none after the progress interval (when reporting)."""
        if queue.empty() and self._on_progress is not None:
            try:
                async with asyncio.timeout(self._interval):
                    first = await queue.get()
            except TimeoutError:
                return []
        else:
            first = await queue.get()
        done = [first]
        while not queue.empty():
            done.append(queue.get_nowait())
        return done

    def __aiter__(self) -> AsyncIterator[BulkResult]:
        self._begin()
        return self._results()

    async def _results(self) -> AsyncIterator[BulkResult]:
        order = _Order(self.ordered)
        pending: dict[asyncio.Task[BulkResult], int] = {}
        finished: asyncio.Queue[asyncio.Task[BulkResult]] = asyncio.Queue()  # tasks put there as they end

        loop = asyncio.get_running_loop()
        context = contextvars.copy_context()  # each message's task runs in a copy, with the shared backoff on
        context.run(SHARED_BACKOFF.set, True)  # error 9 comes back at once: the run pauses every worker

        def start(index: int, message: Message, steps: Generator[Step, Any, BulkResult]) -> None:
            task = loop.create_task(self._drive(message, steps), context=context.copy())
            task.add_done_callback(finished.put_nowait)
            pending[task] = index

        try:
            while True:
                for result in self._fill(order, pending, start):
                    yield result
                if pending:
                    for task in await self._finished(finished):
                        del pending[task]
                        for result in order.add(task.result()):
                            yield result
                    self._report()
                if self.state.stopped is not None and not pending:
                    for result in self._rest_not_sent(order):
                        yield result
                    break
                if self._exhausted and not pending:
                    break
        finally:
            for task in pending:
                task.cancel()
        self._report(final=True)
