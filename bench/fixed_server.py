"""A fixed-reply HTTP(S) server in a separate process, for benchmarks (aiohttp, loopback only)."""

from __future__ import annotations

import multiprocessing as mp
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from pathlib import Path

SEND_REPLY = b'{"id": 12345, "cnt": 1, "cost": "1.00", "balance": "99.00"}'


def _run(conn: Connection, cert_file: str | None, key_file: str | None, body: bytes) -> None:
    import asyncio

    from aiohttp import web

    async def reply(_: web.Request) -> web.Response:
        return web.Response(body=body, content_type="text/plain", charset="utf-8")

    async def main() -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", reply)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        context = None
        if cert_file and key_file:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(cert_file, key_file)
        site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
        await site.start()
        server = site._server
        assert isinstance(server, asyncio.Server) and server.sockets
        conn.send(server.sockets[0].getsockname()[1])
        await asyncio.Event().wait()

    asyncio.run(main())


def tls_files(directory: str) -> tuple[Path, Path, Path]:
    """A throw-away trustme CA and a certificate for 127.0.0.1 in `directory`: (cert, key, CA) files."""
    import trustme

    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    cert_file, key_file, ca_file = Path(directory, "cert.pem"), Path(directory, "key.pem"), Path(directory, "ca.pem")
    cert.cert_chain_pems[0].write_to_path(str(cert_file))
    for blob in cert.cert_chain_pems[1:]:
        blob.write_to_path(str(cert_file), append=True)
    cert.private_key_pem.write_to_path(str(key_file))
    ca.cert_pem.write_to_path(str(ca_file))
    return cert_file, key_file, ca_file


@contextmanager
def fixed_server(tls_files: tuple[Path, Path] | None = None, body: bytes = SEND_REPLY) -> Iterator[str]:
    """Start the server process; yields its base URL and stops it afterwards."""
    parent, child = mp.Pipe()
    cert, key = (str(tls_files[0]), str(tls_files[1])) if tls_files else (None, None)
    process = mp.get_context("spawn").Process(target=_run, args=(child, cert, key, body), daemon=True)
    process.start()
    try:
        if not parent.poll(30):
            raise RuntimeError("benchmark server did not start")
        port = parent.recv()
        yield f"{'https' if tls_files else 'http'}://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.join(5)
