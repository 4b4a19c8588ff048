"""Each callback adapter in a real server on 127.0.0.1: `serve(framework, receiver)` yields its URL.

wsgiref for WSGI, Django and Flask; uvicorn for ASGI, Starlette and FastAPI; aiohttp's own server.
"""

from __future__ import annotations

import asyncio
import socket
import sys
import threading
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from smsc.callbacks import Receiver

PATH = "/smsc/callback"
FRAMEWORKS = ("wsgi", "asgi", "django", "flask", "starlette", "fastapi", "aiohttp")


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class _ThreadingWSGIServer(WSGIServer):
    daemon_threads = True


@contextmanager
def _wsgiref(app: Callable[..., Any]) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}{PATH}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@contextmanager
def _uvicorn(app: Any) -> Iterator[str]:
    import uvicorn

    sock = socket.create_server(("127.0.0.1", 0))
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False, timeout_graceful_shutdown=1)
    )
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True)
    thread.start()
    for _ in range(500):
        if server.started:
            break
        threading.Event().wait(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}{PATH}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@contextmanager
def _aiohttp(receiver: Receiver) -> Iterator[str]:
    from aiohttp import web

    from smsc.callbacks.aiohttp import callback_handler

    loop = asyncio.new_event_loop()
    app = web.Application()
    app.router.add_route("*", PATH, callback_handler(receiver))
    runner = web.AppRunner(app, access_log=None)
    sock = socket.create_server(("127.0.0.1", 0))
    loop.run_until_complete(runner.setup())
    loop.run_until_complete(web.SockSite(runner, sock).start())
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}{PATH}"
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


_DJANGO_URLS = types.ModuleType("smsc_callback_test_urls")
_DJANGO_URLS.urlpatterns = []  # type: ignore[attr-defined]
sys.modules[_DJANGO_URLS.__name__] = _DJANGO_URLS


def _django_app(receiver: Receiver) -> Callable[..., Any]:
    import django
    from django.conf import settings
    from django.urls import clear_url_caches, path

    from smsc.callbacks.django import callback_view

    if not settings.configured:
        settings.configure(
            DEBUG=False,
            SECRET_KEY="tests-only",
            ALLOWED_HOSTS=["127.0.0.1"],
            ROOT_URLCONF=_DJANGO_URLS.__name__,
            MIDDLEWARE=["django.middleware.common.CommonMiddleware", "django.middleware.csrf.CsrfViewMiddleware"],
            INSTALLED_APPS=[],
            LOGGING_CONFIG=None,
        )
        django.setup()
    from django.core.wsgi import get_wsgi_application

    _DJANGO_URLS.urlpatterns = [path(PATH.lstrip("/"), callback_view(receiver))]  # type: ignore[attr-defined]
    clear_url_caches()
    return get_wsgi_application()  # type: ignore[no-any-return]


@contextmanager
def serve(framework: str, receiver: Receiver) -> Iterator[str]:
    """The adapter of `framework` answering with `receiver` in a real server; yields the handler URL."""
    if framework == "wsgi":
        from smsc.callbacks.wsgi import wsgi_app

        with _wsgiref(wsgi_app(receiver)) as url:
            yield url
    elif framework == "django":
        with _wsgiref(_django_app(receiver)) as url:
            yield url
    elif framework == "flask":
        from flask import Flask

        from smsc.callbacks.flask import callback_blueprint

        flask_app = Flask("smsc-callback-tests")
        flask_app.register_blueprint(callback_blueprint(receiver, url=PATH))
        with _wsgiref(flask_app) as url:
            yield url
    elif framework == "asgi":
        from smsc.callbacks.asgi import asgi_app

        with _uvicorn(asgi_app(receiver)) as url:
            yield url
    elif framework == "starlette":
        from starlette.applications import Starlette

        from smsc.callbacks.starlette import callback_route

        with _uvicorn(Starlette(routes=[callback_route(receiver, PATH)])) as url:
            yield url
    elif framework == "fastapi":
        from fastapi import FastAPI

        from smsc.callbacks.fastapi import callback_router

        fastapi_app = FastAPI()
        fastapi_app.include_router(callback_router(receiver, path=PATH))
        with _uvicorn(fastapi_app) as url:
            yield url
    elif framework == "aiohttp":
        with _aiohttp(receiver) as url:
            yield url
    else:
        raise ValueError(framework)
