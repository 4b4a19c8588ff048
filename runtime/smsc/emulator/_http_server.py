"""The HTTP listener: aiohttp's low-level server carrying requests to the Service, with faults.

Hardened against hostile clients: a request body is read up to `Limits.max_body` (HTTP 413 beyond),
multipart parts are counted and capped as the service documents (3 MB a file), anything that
cannot be read as a form (a bad gzip body, a broken multipart, a bad base64 part, undecodable
names) is the service's error 1, idle keep-alive connections and requests whose headers never
complete are closed after `Limits.idle_timeout`, and a body that does not arrive within
`Limits.request_timeout` ends the connection. The Service runs on a worker thread, so the event
loop keeps reading other requests (and counting them towards the per-login concurrency limit)
while one is being handled.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
import struct
from collections import Counter
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from aiohttp import BodyPartReader, web
from attrs import evolve

from smsc.emulator import _soap_frontend as _soap
from smsc.emulator._faults import Faults
from smsc.emulator._limits import Limits
from smsc.emulator._service import MAX_RECIPIENTS, ApiCall, Reply, Service, command_of
from smsc.emulator._wire import decode_params, form_pairs, without_long_phone_lists

log = logging.getLogger("smsc.emulator.http")
if TYPE_CHECKING:
    from smsc.emulator._control import ControlApi

_CONTENT_TYPES = ("text/plain", "text/plain", "text/xml", "application/json")
_CHARSET_NAMES = {"utf-8": "utf-8", "cp1251": "windows-1251", "koi8_r": "koi8-r"}
_MAX_LINE = 65536  # GET requests carry the whole message in the URL
_ON_LOOP = frozenset({"send", "cost", "status", "balance"})
"""Commands a small call of which the loop answers itself when the service is free (see _serve)."""
_ON_LOOP_CHARS = 2000  # characters of all values of such a call: a few recipients, a long text
_CHUNK = 65536
_INLINE = 65536  # a form body larger than this is parsed on a worker thread
_RawFile = tuple[bytes, bytes, str, bytes]  # field name, file name (undecoded), content type, data


class Malformed(Exception):
    """The request's body cannot be read as the service reads it (error 1); `whole`: it was read to its end."""

    def __init__(self, reason: str, *, whole: bool = False, pairs: list[tuple[bytes, bytes]] | None = None) -> None:
        super().__init__(reason)
        self.whole = whole
        self.pairs = pairs  # what could be read of the request (its fmt and charset), if more than its query


class TooLarge(Exception):
    """The request's body is larger than Limits.max_body (HTTP 413)."""


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
    """Serves /sys/send.php, /sys/status.php and /sys/balance.php by GET and POST; `control` answers
    the control API (/_emulator/) and the web inbox (/)."""

    def __init__(
        self,
        service: Service,
        faults: Faults,
        *,
        ssl_context: ssl.SSLContext | None = None,
        control: ControlApi | None = None,
    ) -> None:
        self.service = service
        self.control = control
        self.faults = faults
        self.ssl_context = ssl_context
        self._in_progress: Counter[str] = Counter()
        self._server: web.Server | None = None
        self._listener: asyncio.Server | None = None
        self._worker = ThreadPoolExecutor(1, thread_name_prefix="smsc-emulator-service")
        self._parser = ThreadPoolExecutor(1, thread_name_prefix="smsc-emulator-parser")

    @property
    def limits(self) -> Limits:
        return self.service.limits

    async def start(self, sock: socket.socket) -> None:
        self._server = web.Server(
            self._handle,
            access_log=None,
            max_line_size=_MAX_LINE,
            max_field_size=_MAX_LINE,
            keepalive_timeout=self.limits.idle_timeout,
        )
        loop = asyncio.get_running_loop()
        self._listener = await loop.create_server(self._protocol, sock=sock, ssl=self.ssl_context)

    async def stop(self) -> None:
        if self.control is not None:
            self.control.close()
        if self._listener is not None:
            self._listener.close()
        if self._server is not None:
            await asyncio.sleep(0)
            self._server.pre_shutdown()  # closes idle keep-alive connections at once
            await self._server.shutdown(1.0)
            # what is left (a connection draining the rest of a body it no longer needs) ends now
            left = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in left:
                task.cancel()
            await asyncio.gather(*left, return_exceptions=True)
        self._worker.shutdown(wait=True)
        self._parser.shutdown(wait=True)

    def _protocol(self) -> asyncio.BaseProtocol:
        if self.faults.pick(None, before=True) is not None:
            return _Refuser()
        assert self._server is not None
        return self._server()

    async def _handle(self, http: web.BaseRequest) -> web.StreamResponse:
        if self.control is not None and self.control.serves(http.path):
            return await self.control.handle(http)
        if _soap.serves(http.path):
            return await self._soap(http)
        if http.method not in ("GET", "POST"):
            return web.Response(status=405, headers={"Allow": "GET, POST"})
        try:
            async with asyncio.timeout(self.limits.request_timeout):
                pairs, raw_files, names = await self._read(http)
        except TimeoutError:
            log.info("closing a connection whose request body did not arrive within %g s", self.limits.request_timeout)
            if http.transport is not None:
                http.transport.abort()
            return web.Response(status=408)
        except TooLarge:
            return await _closing(http, web.Response(status=413, text="Request Entity Too Large"))
        except Malformed as exc:
            refusal = await self._refuse(http, pairs_of_query(http) if exc.pairs is None else exc.pairs, str(exc))
            return await (_written(http, refusal) if exc.whole else _closing(http, refusal))
        params, codec = decode_params(pairs)
        try:
            files = _decoded_files(raw_files, names, codec)
        except Malformed as exc:
            return await self._refuse(http, pairs, str(exc))
        command = command_of(http.path, params)
        if command is None:
            return web.Response(status=404, text="Not Found")
        early = self.faults.pick(command, before=True)
        if early is not None and early.kind == "api_error":
            fmt = params.get("fmt", "").strip()
            reply = self.service.error_reply(command, early.code, int(fmt) if fmt in ("0", "1", "2", "3") else 0)
            return web.Response(body=reply.body.encode(codec, "replace"), charset=_CHARSET_NAMES[codec])
        if early is not None:
            return web.Response(status=early.status, text="fault injected")
        who = _login_of(params)
        busy = self._arrived(who)  # counted from arrival to the reply written, handling on a worker thread
        try:
            reply = await self._serve(ApiCall(http.path, params, files, http.remote or "", busy), command)
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
            response = web.Response(body=body, content_type=_content_type(params), charset=_CHARSET_NAMES[codec])
            return await _written(http, response)
        finally:
            self._left(who)

    def _arrived(self, who: str) -> int:
        """A request of login (or API key) `who` is in progress; how many of its others already were."""
        busy = self._in_progress[who]
        self._in_progress[who] = busy + 1
        return busy

    def _left(self, who: str) -> None:
        """A request of `who` has its reply written."""
        self._in_progress[who] -= 1
        if not self._in_progress[who]:
            del self._in_progress[who]

    async def _serve(self, call: ApiCall, command: str | None, deadline: float | None = None) -> Reply:
        """The service's reply to a call: on the loop when `_answer_now` can, else on its worker thread;
        TimeoutError if the worker has not answered by `deadline` (the loop's clock; None: no bound)."""
        reply = self._answer_now(call, command)
        if reply is not None:
            return reply
        work = asyncio.get_running_loop().run_in_executor(self._worker, self.service.handle, call)
        if deadline is None:
            return await work
        async with asyncio.timeout_at(deadline):
            return await work

    def _answer_now(self, call: ApiCall, command: str | None) -> Reply | None:
        """The reply to a small call of a common command, answered on the loop when nothing holds the
        service (a thread hop costs more than it); None when the call must go to the worker thread.

        Only with the state in memory: a file store's commit may wait for the disk, and the loop must not.
        """
        service = self.service
        if (
            command in _ON_LOOP
            and not call.files
            and service.store.path is None
            and sum(map(len, call.params.values())) <= _ON_LOOP_CHARS
            and service.lock.acquire(blocking=False)
        ):
            try:
                return service.handle(call)
            finally:
                service.lock.release()
        return None

    async def _soap(self, http: web.BaseRequest) -> web.StreamResponse:
        """/sys/soap.php: the WSDL and the operations, on the same service and limits as HTTP.

        The whole call is bounded by Limits.request_timeout (then HTTP 408 and the connection closed),
        yet a timer is armed only where the call can wait: for a body still arriving and for the
        service's worker thread. A body already buffered and a call answered on the loop cannot wait.
        """
        deadline = asyncio.get_running_loop().time() + self.limits.request_timeout
        counted: list[str] = []  # the login of the call, once its request is read: in progress until written

        async def answer(call: ApiCall, deadline: float) -> Reply:
            who = _login_of(call.params)
            busy = self._arrived(who)  # as over HTTP: the 15th call of a login in progress gets error 9
            counted.append(who)
            return await self._serve(evolve(call, concurrent=busy), command_of(call.path, call.params), deadline)

        try:
            return await _written(http, await _soap.handle(http, self.service, answer, self._soap_body, deadline))
        except TooLarge:
            return await _closing(http, web.Response(status=413, text="Request Entity Too Large"))
        except TimeoutError:
            log.info("closing a SOAP call not answered within %g s", self.limits.request_timeout)
            if http.transport is not None:
                http.transport.abort()
            return web.Response(status=408)
        finally:
            for who in counted:
                self._left(who)

    async def _soap_body(self, http: web.BaseRequest, deadline: float) -> bytes:
        """A SOAP request's body, at most max_body bytes; TimeoutError if it has not arrived by `deadline`."""
        content = http.content
        if content.is_eof():  # all of it is buffered (aiohttp fed its end): nothing to wait for
            body = content.read_nowait()
            if len(body) > self.limits.max_body:
                raise TooLarge
            return body
        async with asyncio.timeout_at(deadline):
            return await self._read_body(http)

    async def _refuse(self, http: web.BaseRequest, pairs: list[tuple[bytes, bytes]], reason: str) -> web.Response:
        """Error 1 for a request whose body could not be read, rendered in the fmt known so far."""
        log.info("malformed request to %s: %s", http.path, reason)
        params, codec = decode_params(pairs)
        loop = asyncio.get_running_loop()  # on the worker: the service's lock may be held by a long request
        reply: Reply = await loop.run_in_executor(
            self._worker, self.service.refuse, http.path, params, http.remote or ""
        )
        if reply.command is None:
            return web.Response(status=404, text="Not Found")
        body = reply.body.encode(codec, "replace")
        return web.Response(body=body, content_type=_content_type(params), charset=_CHARSET_NAMES[codec])

    async def _read(self, http: web.BaseRequest) -> tuple[list[tuple[bytes, bytes]], list[_RawFile], list[bytes]]:
        """The query and body as undecoded pairs, the files and the field names of a multipart body."""
        pairs = pairs_of_query(http)
        files: list[_RawFile] = []
        names: list[bytes] = []
        if http.method != "POST":
            return pairs, files, names
        length = http.content_length
        if length is not None and length > self.limits.max_body:
            raise TooLarge
        try:
            if http.content_type.startswith("multipart/"):
                await self._read_multipart(http, pairs, files, names)
            else:
                body = await self._read_body(http)
                rest = without_long_phone_lists(body, MAX_RECIPIENTS)
                if rest is not None:
                    raise Malformed(
                        f"more than {MAX_RECIPIENTS} recipients", whole=True, pairs=pairs + form_pairs(rest)
                    )
                if len(body) <= _INLINE:
                    pairs += form_pairs(body)
                else:  # parsing a megabyte takes tens of milliseconds: not on the event loop
                    pairs += await asyncio.get_running_loop().run_in_executor(self._parser, form_pairs, body)
        except (Malformed, TooLarge, TimeoutError):
            raise
        except Exception as exc:  # anything the parsers raise on a client's bytes is that client's error
            raise Malformed(f"{type(exc).__name__}: {exc}") from None
        return pairs, files, names

    async def _read_body(self, http: web.BaseRequest) -> bytes:
        """The whole body (decompressed by aiohttp when Content-Encoding says so), at most max_body bytes."""
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = await http.content.readany()  # whatever has arrived: few turns for a large body
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > self.limits.max_body:
                raise TooLarge
            chunks.append(chunk)

    async def _read_multipart(
        self, http: web.BaseRequest, pairs: list[tuple[bytes, bytes]], files: list[_RawFile], names: list[bytes]
    ) -> None:
        """Form fields into `pairs` (their names also into `names`), file parts into `files`, within the body,
        file and field limits."""
        limits = self.limits
        reader = await http.multipart()
        total = fields = 0
        while True:
            part = await reader.next()
            if part is None:
                return
            if not isinstance(part, BodyPartReader):
                raise Malformed("nested multipart is not supported")
            is_file = part.filename is not None
            cap = limits.max_file if is_file else limits.max_body
            chunks: list[bytes] = []
            size = 0
            while True:
                chunk = await part.read_chunk(_CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                total += len(chunk)
                if total > limits.max_body:
                    raise TooLarge
                if size > 2 * cap + 16:  # base64 text is 4/3 of its data (and line breaks)
                    raise Malformed(f"a part larger than {cap} bytes")
                chunks.append(chunk)
            data = bytes(part.decode(b"".join(chunks)))
            name = _raw_header_param(part.name)
            if not is_file:
                fields += 1
                if fields > limits.max_fields:
                    raise Malformed(f"more than {limits.max_fields} form fields")
                pairs.append((name, data))
                names.append(name)
                continue
            if len(data) > limits.max_file:
                raise Malformed(f"a file larger than {limits.max_file} bytes")
            if len(files) >= limits.max_files:
                raise Malformed(f"more than {limits.max_files} files")
            if sum(len(f[3]) for f in files) + len(data) > limits.max_files_total:
                raise Malformed(f"files larger than {limits.max_files_total} bytes in all")
            content_type = part.headers.get("Content-Type", "application/octet-stream")
            if not content_type.isascii() or not content_type.isprintable():
                raise Malformed("a part's Content-Type is not printable ASCII")
            files.append((name, _raw_header_param(part.filename), content_type, data))


def _login_of(params: Mapping[str, str]) -> str:
    """Whose request this is, for the count of requests in progress: the API key or the login."""
    return params.get("apikey") or params.get("login", "")


async def _written(http: web.BaseRequest, response: web.Response) -> web.Response:
    """The reply written out (so that a request counts as in progress until then); a client gone is no error."""
    try:
        await response.prepare(http)
        await response.write_eof()
    except ConnectionResetError:
        log.debug("the client of %s left before its reply was written", http.path)
        if http.protocol is not None:
            http.protocol.force_close()
    return response


async def _closing(http: web.BaseRequest, response: web.Response) -> web.Response:
    """Write the reply, then close the connection: the rest of the body is unread (or unreadable)."""
    await _written(http, response)
    if http.protocol is not None:
        http.protocol.force_close()
    return response


def pairs_of_query(http: web.BaseRequest) -> list[tuple[bytes, bytes]]:
    return form_pairs(http.rel_url.raw_query_string)


def _content_type(params: dict[str, str]) -> str:
    fmt = params.get("fmt", "").strip()
    return _CONTENT_TYPES[int(fmt)] if fmt in ("0", "1", "2", "3") else _CONTENT_TYPES[0]


def _raw_header_param(value: str | None) -> bytes:
    """A name from a part's Content-Disposition as the bytes sent (aiohttp reads headers as UTF-8 with
    surrogate escapes)."""
    return (value or "").encode("utf-8", "surrogateescape")


def _decoded_files(raw: list[_RawFile], names: list[bytes], codec: str) -> list[tuple[str, str, str, bytes]]:
    """Field and file names of a multipart body decoded in the request's charset; undecodable names or
    control characters in them are error 1."""
    for name in names:
        try:
            if not name.decode(codec).isprintable():
                raise Malformed("a field name has control characters")
        except UnicodeDecodeError:
            raise Malformed(f"a field name is not {codec}") from None
    files = []
    for name, filename, content_type, data in raw:
        try:
            decoded_name, decoded_filename = name.decode(codec), filename.decode(codec)
        except UnicodeDecodeError:
            raise Malformed(f"a field or file name is not {codec}") from None
        if not decoded_filename.isprintable() or not decoded_name.isprintable():
            raise Malformed("a field or file name has control characters")
        files.append((decoded_name, decoded_filename, content_type, data))
    return files
