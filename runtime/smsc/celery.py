"""An SMS task for Celery that survives redelivery: N tasks send N messages, whatever the workers go through.

    # tasks.py of your application
    from celery import Celery
    import smsc.celery

    app = Celery("shop", broker="redis://127.0.0.1:6379/0")
    send_sms = smsc.celery.register(app)     # the task "smsc.send_sms" on your app

    send_sms.delay(["+77011234567"], "Your code is 1234", sender="Shop")

Every broker redelivers: a worker killed mid-task, a visibility timeout passed, acks_late. So the
message id is fixed when the task is created (`delay`/`apply_async` put it into the task's
arguments), and the task looks that id up before it sends: a message the service already has is
returned as sent (`recovered`), never sent again. The task acknowledges late and is rejected
back to the queue when its worker dies. Error 9 and failures before the request left are retried
by Celery with a countdown; other errors fail the task. The result is `smsc.to_dict(SendResult)`.

The client of each worker process is `smsc.Client.from_env()` (SMSC_LOGIN and SMSC_PASSWORD, or
SMSC_API_KEY, and SMSC_BASE_URL), made on first use in that process; `configure(factory)` gives
another. The service allows 14 requests in flight per login: keep the sum of every worker's
concurrency at or below that.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from typing import Any

from celery import Celery, Task

import smsc
from smsc._api_errors import TooManyRequests
from smsc._enums import StatusDetail
from smsc._exceptions import InvalidRequest, TransportError
from smsc.bulk._client import found_sent
from smsc.bulk._message import Message

TASK_NAME = "smsc.send_sms"
"""The name `register` gives the task unless told another."""
_lock = threading.Lock()
_factory: Callable[[], smsc.Client] = smsc.Client.from_env
_client: tuple[int, smsc.Client] | None = None  # (pid, client): a forked worker makes its own


def configure(factory: Callable[[], smsc.Client]) -> None:
    """Make each worker process's client with `factory` instead of smsc.Client.from_env."""
    global _factory, _client
    with _lock:
        _factory, _client = factory, None


def client() -> smsc.Client:
    """This process's client (made on first use; a forked child makes a new one)."""
    global _client
    with _lock:
        if _client is None or _client[0] != os.getpid():
            _client = (os.getpid(), _factory())
        return _client[1]


def new_id() -> str:
    """A message id for a new task: unique across processes and machines (≤ 40 characters)."""
    return "c" + os.urandom(12).hex()


class SmsTask(Task):  # type: ignore[misc]
    """The task class: late acknowledgement, requeued when the worker dies, the id fixed at creation."""

    acks_late = True
    reject_on_worker_lost = True
    max_retries = 10
    retry_backoff = 2.0

    def apply_async(
        self, args: Sequence[Any] | None = None, kwargs: dict[str, Any] | None = None, **options: Any
    ) -> Any:
        """Queue the task as Celery does, with a message id fixed now unless `id` is given."""
        kwargs = dict(kwargs or {})
        if kwargs.get("id") is None:
            kwargs["id"] = new_id()
        return super().apply_async(args, kwargs, **options)


def send_sms(task: SmsTask, phones: str | Sequence[str], text: str, *, id: str | int, **options: Any) -> dict[str, Any]:
    """The task's body: look the id up, send only if the service does not have the message."""
    recipients = [phones] if isinstance(phones, str) else list(phones)
    if not recipients:
        raise InvalidRequest("phones: no recipient")
    message = Message(recipients, text, id=id, **options)
    sms = client()
    try:
        found = found_sent(sms, message, id, sms.status(id, recipients[0], detail=StatusDetail.FULL))
        if found is not None:
            return dict(smsc.to_dict(found))
        result = sms.send(recipients, text, id=id, **options)
    except TooManyRequests as exc:
        raise task.retry(exc=exc, countdown=_countdown(task)) from None
    except TransportError as exc:  # sent or not, the next try looks the id up first, as every try does
        raise task.retry(exc=exc, countdown=_countdown(task)) from None
    return dict(smsc.to_dict(result))


def _countdown(task: SmsTask) -> float:
    retries = int(getattr(task.request, "retries", 0) or 0)
    return float(min(60.0, task.retry_backoff * 2**retries))


def register(app: Celery, name: str = TASK_NAME, **options: Any) -> Any:
    """Register the task on `app` (as `name`); returns it: `task.delay(phones, text, **send_options)`."""
    return app.task(send_sms, base=SmsTask, bind=True, name=name, **options)
