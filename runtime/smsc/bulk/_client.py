"""send_many for the two clients: how one message is sent, and looked up after a lost reply."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from smsc._enums import MessageStatus, StatusDetail
from smsc._exceptions import InvalidRequest
from smsc._models import SendResult, Status
from smsc._retry import SHARED_BACKOFF
from smsc._types import MessageId
from smsc.bulk._message import Message
from smsc.bulk._run import AsyncBulkRun, BulkRun

if TYPE_CHECKING:
    from smsc._client import Client

log = logging.getLogger("smsc")

_ESTIMATED = ("translit", "format", "max_parts")  # the send options client.estimate() takes


def found_sent(client: Any, message: Message, message_id: MessageId, status: Status) -> SendResult | None:
    """What a status lookup by id says of a message that may have been sent: its SendResult
    (`recovered`, sms_count the offline estimate), or None when the service does not have it."""
    if status.status is MessageStatus.NOT_FOUND:
        return None
    options = {k: v for k, v in message.options.items() if k in _ESTIMATED}
    parts = client.estimate(list(message.phones), message.text, **options).sms_count
    return SendResult(id=message_id, sms_count=parts, cost=status.cost, recovered=True)


def sync_run(client: Client, messages: Iterable[Message | tuple[Any, str]], **options: Any) -> BulkRun:
    """Client.send_many: threads share the client; `concurrency` is capped at its HTTP pool size."""
    pool = getattr(client.transport, "pool_size", None)
    wanted = options.get("concurrency", 14)
    if not isinstance(wanted, int) or isinstance(wanted, bool) or not 1 <= wanted <= 1000:
        raise InvalidRequest(f"concurrency: {wanted!r} is not an int from 1 to 1000")
    if isinstance(pool, int) and wanted > pool:
        log.info("send_many: concurrency %d capped at the client's pool_size %d", wanted, pool)
        options["concurrency"] = pool

    def send(message: Message, message_id: MessageId) -> SendResult:
        token = SHARED_BACKOFF.set(True)  # error 9 comes back at once: the run pauses every worker
        try:
            return client.send(list(message.phones), message.text, id=message_id, **message.options)
        finally:
            SHARED_BACKOFF.reset(token)

    def lookup(message: Message, message_id: MessageId) -> SendResult | None:
        status = client.status(message_id, message.phones[0], detail=StatusDetail.FULL)
        return found_sent(client, message, message_id, status)

    return BulkRun(send, lookup, messages, **options)


def async_run(client: Any, messages: Iterable[Message | tuple[Any, str]], **options: Any) -> AsyncBulkRun:
    """AsyncClient.send_many: tasks on the client's event loop."""

    async def send(message: Message, message_id: MessageId) -> SendResult:  # SHARED_BACKOFF: set by the run
        result: SendResult = await client.send(message.phones, message.text, id=message_id, **message.options)
        return result

    async def lookup(message: Message, message_id: MessageId) -> SendResult | None:
        status = await client.status(message_id, message.phones[0], detail=StatusDetail.FULL)
        return found_sent(client, message, message_id, status)

    return AsyncBulkRun(send, lookup, messages, **options)
