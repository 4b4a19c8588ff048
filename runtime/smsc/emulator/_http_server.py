"""The HTTP listener: aiohttp's low-level server carrying requests to the Service, with faults."""

from __future__ import annotations

import asyncio
import socket
import ssl
import struct
from collections import Counter

from aiohttp import BodyPartReader, web

from smsc.emulator._faults import Faults
from smsc.emulator._service import ApiCall, Service, command_of
from smsc.emulator._wire import decode_params, form_pairs

_CONTENT_TYPES = ("text/plain", "text/plain", "text/xml", "application/json")
_CHARSET_NAMES = {"utf-8": "utf-8", "cp1251": "windows-1251", "koi8_r": "koi8-r"}
_MAX_LINE = 65536  # GET requests carry the whole message in the URL


class _Refuser(asyncio.Protocol):
    """Resets a new connection before reading anything (SO_LINGER 0 makes close send RST)."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        if isinstance(transport, asyncio.Transport):
            transport.abort()
        else:
            transport.close()


class HttpFrontend:
    """Serves /sys/send.php, /sys/status.php and /sys/balance.php by GET and POST."""

    def __init__(self, service: Service, faults: Faults, *, ssl_context: ssl.SSLContext | None = None) -> None:
        self.service = service
        self.faults = faults
        self.ssl_context = ssl_context
        self._in_progress: Counter[str] = Counter()
        self._server: web.Server | None = None
        self._listener: asyncio.Server | None = None

    async def start(self, sock: socket.socket) -> None:
        self._server = web.Server(self._handle, access_log=None, max_line_size=_MAX_LINE, max_field_size=_MAX_LINE)
        loop = asyncio.get_running_loop()
        self._listener = await loop.create_server(self._protocol, sock=sock, ssl=self.ssl_context)

    async def stop(self) -> None:
        if self._listener is not None:
            self._listener.close()
        if self._server is not None:
            await asyncio.sleep(0)
            self._server.pre_shutdown()  # closes idle keep-alive connections at once
            await self._server.shutdown(1.0)

    def _protocol(self) -> asyncio.BaseProtocol:
        if self.faults.pick(None, before=True) is not None:
            return _Refuser()
        assert self._server is not None
        return self._server()

    async def _handle(self, http: web.BaseRequest) -> web.StreamResponse:
        if http.method not in ("GET", "POST"):
            return web.Response(status=405, headers={"Allow": "GET, POST"})
        pairs = form_pairs(http.rel_url.raw_query_string)
        files: list[tuple[str, str, str, bytes]] = []
        if http.method == "POST":
            if http.content_type.startswith("multipart/"):
                await _read_multipart(http, pairs, files)
            else:
                pairs += form_pairs(await http.read())
        params, codec = decode_params(pairs)
        command = command_of(http.path, params)
        if command is None:
            return web.Response(status=404, text="Not Found")
        early = self.faults.pick(command, before=True)
        if early is not None:
            return web.Response(status=early.status, text="fault injected")
        who = params.get("apikey") or params.get("login", "")
        busy = self._in_progress[who]
        self._in_progress[who] += 1
        try:
            reply = self.service.handle(ApiCall(http.path, params, files, http.remote or "", busy))
            body = reply.body.encode(codec, "replace")
            fault = self.faults.pick(command, before=False)
            if fault is not None:
                if fault.kind == "drop":
                    if http.transport is not None:
                        http.transport.abort()
                    return web.Response()
                if fault.kind == "delay":
                    await asyncio.sleep(fault.seconds)
                elif fault.kind == "garbage":
                    body = fault.body if fault.body is not None else self.faults.garbage_bytes()
                elif fault.kind == "empty":
                    body = b""
            fmt = params.get("fmt", "").strip()
            content_type = _CONTENT_TYPES[int(fmt)] if fmt in ("0", "1", "2", "3") else _CONTENT_TYPES[0]
            return web.Response(body=body, content_type=content_type, charset=_CHARSET_NAMES[codec])
        finally:
            self._in_progress[who] -= 1
            if not self._in_progress[who]:
                del self._in_progress[who]


async def _read_multipart(
    http: web.BaseRequest, pairs: list[tuple[bytes, bytes]], files: list[tuple[str, str, str, bytes]]
) -> None:
    """Form fields into `pairs`, file parts into `files`."""
    reader = await http.multipart()
    while True:
        part = await reader.next()
        if part is None:
            return
        if not isinstance(part, BodyPartReader):
            raise web.HTTPBadRequest(text="nested multipart is not supported")
        data = bytes(await part.read(decode=True))
        name = part.name or ""
        if part.filename is None:
            pairs.append((name.encode("utf-8"), data))
        else:
            content_type = part.headers.get("Content-Type", "application/octet-stream")
            files.append((name, part.filename, content_type, data))
