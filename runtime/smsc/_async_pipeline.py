"""The asyncio loop of smsc._pipeline's state machine: the same decisions, awaited.

A transport's request() may be a coroutine (smsc.AsyncHttpTransport) or a blocking method; a
message transport's submit() is awaited when it is a coroutine function (asubmit) and run in a
worker thread otherwise (smsc.SmtpTransport, smsc.smpp.SmppTransport).

A call cancelled while a send was in flight raises CancelledError as asyncio wants, after a
WARNING record of the `smsc` logger naming the message id: the service may have accepted it, so
look it up (client.status(id, phone)) before sending it again.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Awaitable, Callable
from types import CoroutineType
from typing import Any

from smsc._exceptions import SmscError
from smsc._pipeline import Machine, Outcome, Raise, Return, Submit, Transmit

log = logging.getLogger("smsc")


async def run_async(machine: Machine, transport: Any, sender: Any, sleep: Callable[[float], Awaitable[Any]]) -> Any:
    """Drive a machine with asyncio I/O (see the module docstring)."""
    command = next(machine)
    while True:
        if isinstance(command, Return):
            return command.value
        if isinstance(command, Raise):
            raise command.error
        outcome: Outcome = None
        try:
            if isinstance(command, Transmit):
                deadline = None if command.budget is None else time.monotonic() + command.budget
                if command.host is None:
                    reply = transport.request(command.path, command.fields, files=command.files, deadline=deadline)
                else:
                    reply = transport.request_to(command.host, command.path, command.fields, command.files, deadline)
                outcome = (await reply) if type(reply) is CoroutineType or inspect.isawaitable(reply) else reply
            elif isinstance(command, Submit):
                outcome = await _submit(sender, command)
            else:
                await sleep(command.seconds)
        except SmscError as exc:
            outcome = exc
        except asyncio.CancelledError:
            message_id = getattr(command, "message_id", None)
            if message_id is not None:
                log.warning(
                    "the send of message id %s was cancelled while its request was in flight: the service may "
                    "have accepted it; look it up with status(%s, phone) before sending it again",
                    message_id,
                    message_id,
                )
            machine.close()
            raise
        command = machine.send(outcome)


async def _submit(sender: Any, command: Submit) -> Outcome:
    deadline = None if command.budget is None else time.monotonic() + command.budget
    submit = getattr(sender, "asubmit", None)
    if submit is not None and inspect.iscoroutinefunction(submit):
        return await submit(command.request, command.credentials, deadline=deadline)
    return await asyncio.to_thread(sender.submit, command.request, command.credentials, deadline=deadline)
