# Copied from generator/runtime/_client_base.py by `make generate`. DO NOT EDIT: edit the source.
"""What every client shares: credentials, the transport, the response format, closing."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Protocol, Self

from smsc._enums import ResponseFormat
from smsc._exceptions import InvalidRequest
from smsc._http import DEFAULT_TIMEOUT, HttpTransport
from smsc._params import MAX_ID

if TYPE_CHECKING:
    import ssl

    import urllib3

DEFAULT_BASE_URL = "https://smsc.kz"


class Transport(Protocol):
    """Carries one request to the service and returns the raw reply."""

    def request(self, path: str, fields: Sequence[tuple[str, str]]) -> bytes: ...

    def close(self) -> None: ...


class BaseClient:
    """Credentials, transport and response format; the commands come from the generated Client."""

    def __init__(
        self,
        *,
        login: str | None = None,
        password: str | None = None,
        api_key: str | None = None,
        base_url: str = DEFAULT_BASE_URL,
        response_format: ResponseFormat = ResponseFormat.JSON,
        method: str = "POST",
        timeout: float | tuple[float, float] | urllib3.Timeout = DEFAULT_TIMEOUT,
        ca_certs: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
        transport: Transport | None = None,
    ) -> None:
        if api_key is not None and (password is not None or login is not None):
            raise InvalidRequest("give either login and password, or api_key, not both")
        if api_key is not None:
            if not isinstance(api_key, str) or not api_key:
                raise InvalidRequest("api_key: must be a non-empty string")
            self._auth: tuple[tuple[str, str], ...] = (("apikey", api_key),)
        elif login is not None and password is not None:
            if not isinstance(login, str) or not login or not isinstance(password, str) or not password:
                raise InvalidRequest("login and password must be non-empty strings")
            self._auth = (("login", login), ("psw", password))
        else:
            raise InvalidRequest("give login and password, or api_key")
        if not isinstance(response_format, ResponseFormat):
            raise InvalidRequest(f"response_format: {response_format!r} is not a smsc.ResponseFormat")
        self.login = login
        self._response_format = response_format
        self._fmt = int(response_format)
        self._common = (("fmt", str(self._fmt)), ("charset", "utf-8"))
        self.transport: Transport = transport if transport is not None else HttpTransport(
            base_url, timeout=timeout, method=method, ca_certs=ca_certs, ssl_context=ssl_context
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **options: object) -> Self:
        """A client from SMSC_LOGIN and SMSC_PASSWORD, or SMSC_API_KEY, and SMSC_BASE_URL."""
        env = os.environ if environ is None else environ
        kwargs: dict[str, object] = {}
        if env.get("SMSC_API_KEY"):
            kwargs["api_key"] = env["SMSC_API_KEY"]
        else:
            kwargs["login"] = env.get("SMSC_LOGIN") or None
            kwargs["password"] = env.get("SMSC_PASSWORD") or None
            if kwargs["login"] is None or kwargs["password"] is None:
                raise InvalidRequest("set SMSC_LOGIN and SMSC_PASSWORD, or SMSC_API_KEY")
        if env.get("SMSC_BASE_URL"):
            kwargs["base_url"] = env["SMSC_BASE_URL"]
        kwargs.update(options)
        return cls(**kwargs)  # type: ignore[arg-type]

    @property
    def response_format(self) -> ResponseFormat:
        """The reply layout this client asks for."""
        return self._response_format

    def __repr__(self) -> str:
        who = f"login={self.login!r}" if self.login is not None else "api_key=***"
        fmt = self.response_format.name
        return f"{type(self).__name__}({who}, transport={self.transport!r}, response_format={fmt})"

    def _call(self, endpoint: str, fields: list[tuple[str, str]]) -> bytes:
        return self.transport.request(endpoint, [*self._auth, *self._common, *fields])

    @staticmethod
    def _new_id() -> int:
        """A numeric id for a message the caller gave none, assigned before the first attempt."""
        return secrets.randbelow(MAX_ID) + 1

    def close(self) -> None:
        """Close the transport's connections."""
        self.transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
