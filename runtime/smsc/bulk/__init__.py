"""Bulk sending: many messages through one client, within the service's limits, resumable.

    messages = (smsc.Message(order.phone, f"Order {order.no} is ready", sender="Shop") for order in orders)
    run = client.send_many(messages, concurrency=14, on_progress=print)
    for result in run:                      # one smsc.BulkResult per message, in input order
        if not result.ok:
            print(result.message.phones, result.error)
    print(run.summary)                      # smsc.BulkProgress: sent, failed, recovered, parts, cost

Every message gets its id before its first attempt; a lost reply is looked up by that id, never
sent again. Error 9 pauses every worker, not only the one that got it, and the message is tried
again afterwards. Errors 2 (credentials) and 3 (money) stop the run: what was not sent yet is
reported as not sent (`smsc.bulk.NotSent`).
"""

from __future__ import annotations

from smsc.bulk._journal import Journal
from smsc.bulk._limits import Backoff, SlidingWindow
from smsc.bulk._message import BulkProgress, BulkResult, Message, NotSent
from smsc.bulk._run import AsyncBulkRun, BulkRun

__all__ = [
    "AsyncBulkRun",
    "Backoff",
    "BulkProgress",
    "BulkResult",
    "BulkRun",
    "Journal",
    "Message",
    "NotSent",
    "SlidingWindow",
]
