"""One trustme CA per test run for every transport's TLS tests (HTTPS, SMTP STARTTLS, SMPP)."""

from __future__ import annotations

import ssl
from functools import cache

import trustme


@cache
def run_ca() -> trustme.CA:
    """The run's CA; its server certificate names 127.0.0.1 and localhost."""
    return trustme.CA()


def server_context(*names: str) -> ssl.SSLContext:
    """A server context with a certificate from the run's CA (for 127.0.0.1 and localhost by default)."""
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    run_ca().issue_cert(*(names or ("127.0.0.1", "localhost"))).configure_cert(ctx)
    return ctx


def client_context(authority: trustme.CA | None = None) -> ssl.SSLContext:
    """A verifying client context trusting `authority` (the run's CA by default)."""
    ctx = ssl.create_default_context()
    (authority or run_ca()).configure_trust(ctx)
    return ctx
