"""The Celery application of the task-queue tests: smsc.celery's task on a Redis broker.

Workers import `app` (broker from SMSC_TEST_BROKER); a test makes its own producer with make_app().
"""

from __future__ import annotations

import os
from typing import Any

from celery import Celery

import smsc.celery


def make_app(broker: str) -> tuple[Celery, Any]:
    """A Celery app on `broker` and its registered smsc task."""
    celery = Celery("smsc-tests", broker=broker)
    celery.conf.update(
        # a killed worker's tasks come back 8 to 10 s after they were taken: kombu looks for them every 2 s
        # (by default every 100 s after a first look at start-up)
        broker_transport_options={
            "visibility_timeout": 8,
            "unacked_restore_interval": 2,
            "unacked_restore_throttle": 1,
        },
        worker_prefetch_multiplier=1,
        task_acks_late=True,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
    )
    return celery, smsc.celery.register(celery)


app, send_sms = make_app(os.environ.get("SMSC_TEST_BROKER", "redis://127.0.0.1:6379/0"))
