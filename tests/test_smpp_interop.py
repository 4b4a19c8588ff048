"""Interop with an independent SMPP implementation (python-smpplib), to catch symmetric codec bugs:
our client against a minimal server built on smpplib's PDU classes, and smpplib's client against
our test server. 127.0.0.1 only."""

from __future__ import annotations

import asyncio
import struct
from typing import Any

import pytest
import smpplib.client
import smpplib.consts
import smpplib.exceptions
import smpplib.gsm
import smpplib.smpp

import smsc
from smsc import smpp
from smsc.text._gsm import decode_gsm7, decode_ucs2, encode_gsm7
from smsc.text._udh import join_udh
from tests.support.smpp_server import ThreadedServer
from tests.test_smpp_client import run


class _Sequences:
    """What smpplib's PDU constructors want from a client."""

    def next_sequence(self) -> int:
        return 1


def _make(name: str, sequence: int, status: int = 0, **fields: Any) -> bytes:
    pdu = smpplib.smpp.make_pdu(name, client=_Sequences(), **fields)
    pdu.sequence = sequence
    pdu.status = status
    data: bytes = pdu.generate()
    return data


class SmpplibServer:
    """A minimal SMSC: smpplib parses every PDU and builds every answer; only the framing is ours."""

    def __init__(self) -> None:
        self.submits: list[Any] = []
        self.receipt_answers: list[Any] = []
        self.port = 0
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        next_id = 0
        try:
            while True:
                head = await reader.readexactly(4)
                data = head + await reader.readexactly(struct.unpack(">I", head)[0] - 4)
                pdu = smpplib.smpp.parse_pdu(data, client=_Sequences(), allow_unknown_opt_params=True)
                if pdu.command == "bind_transceiver":
                    ok = pdu.system_id == b"demo" and pdu.password == b"demo"
                    writer.write(_make("bind_transceiver_resp", pdu.sequence, 0 if ok else 0x0E, system_id="SMPPLIB"))
                elif pdu.command == "submit_sm":
                    next_id += 1
                    self.submits.append(pdu)
                    writer.write(_make("submit_sm_resp", pdu.sequence, message_id=f"lib{next_id}"))
                    text = (
                        f"id:lib{next_id} sub:001 dlvrd:001 submit date:2611271030 done date:2611271031 "
                        "stat:DELIVRD err:000 text:x"
                    )
                    writer.write(
                        _make(
                            "deliver_sm",
                            1000 + next_id,
                            source_addr=pdu.destination_addr.decode(),
                            destination_addr=pdu.source_addr.decode(),
                            esm_class=4,
                            short_message=text.encode(),
                            receipted_message_id=f"lib{next_id}",
                            message_state=2,
                        )
                    )
                elif pdu.command == "deliver_sm_resp":
                    self.receipt_answers.append(pdu)
                elif pdu.command == "enquire_link":
                    writer.write(_make("enquire_link_resp", pdu.sequence))
                elif pdu.command == "unbind":
                    writer.write(_make("unbind_resp", pdu.sequence))
                    await writer.drain()
                    break
                await writer.drain()
        except asyncio.IncompleteReadError:
            pass
        finally:
            writer.close()


def test_our_client_against_a_server_built_on_smpplib() -> None:
    async def body() -> None:
        server = SmpplibServer()
        await server.start()
        c = smpp.SmppClient("127.0.0.1", server.port, system_id="demo", password="demo", rate_limit=None)
        await c.connect()
        short = await c.send("77011234567", "Hello {€}", source="Shop")
        long_text = "Привет! " * 12  # 96 UCS-2 units: 2 parts
        multi = await c.send("77011234568", long_text, source="Shop")
        sar = await c.send("77011234569", "x" * 200, long_messages="sar")
        receipts = []
        async for r in c.receipts():
            receipts.append(r)
            if len(receipts) == 1 + 2 + 2:
                break
        await c.close()
        await server.stop()

        first = server.submits[0]
        assert first.destination_addr == b"77011234567" and first.source_addr == b"Shop"
        assert first.source_addr_ton == 5 and first.dest_addr_ton == 1 and first.registered_delivery == 1
        assert decode_gsm7(first.short_message) == "Hello {€}" and first.data_coding == 0
        parts = [p for p in server.submits if p.destination_addr == b"77011234568"]
        assert multi.parts == 2 and all(p.esm_class == 0x40 and p.data_coding == 8 for p in parts)
        assert decode_ucs2(join_udh([p.short_message for p in parts])) == long_text
        sar_parts = [p for p in server.submits if p.destination_addr == b"77011234569"]
        assert [p.sar_segment_seqnum for p in sar_parts] == [1, 2] and sar.parts == 2
        assert b"".join(p.short_message for p in sar_parts) == encode_gsm7("x" * 200)
        assert short.message_id == "lib1"
        assert {r.message_id for r in receipts} == {f"lib{i}" for i in range(1, 6)}
        assert all(r.status is smsc.MessageStatus.DELIVERED for r in receipts)
        assert len(server.receipt_answers) == 5 and all(a.status == 0 for a in server.receipt_answers)

    run(body())


def test_our_client_bad_password_against_smpplib_server() -> None:
    async def body() -> None:
        server = SmpplibServer()
        await server.start()
        c = smpp.SmppClient("127.0.0.1", server.port, system_id="demo", password="nope")
        with pytest.raises(smpp.SmppAuthError, match="ESME_RINVPASWD"):
            await c.connect()
        await server.stop()

    run(body())


def _smpplib_client(port: int) -> tuple[Any, dict[int, str], list[int], list[Any]]:
    acks: dict[int, str] = {}
    errors: list[int] = []
    received: list[Any] = []
    c = smpplib.client.Client("127.0.0.1", port, timeout=5, allow_unknown_opt_params=True)
    c.set_message_sent_handler(lambda pdu: acks.__setitem__(pdu.sequence, pdu.message_id.decode()))
    c.set_error_pdu_handler(lambda pdu: errors.append(pdu.status))
    c.set_message_received_handler(lambda pdu: received.append(pdu))
    return c, acks, errors, received


@pytest.mark.parametrize("text", ["Hello, world! " * 14, "Привет, мир! " * 10], ids=["gsm7", "ucs2"])
def test_smpplib_client_against_our_server(text: str) -> None:
    def receipt(session: Any, pdu: smpp.SubmitSm, message_id: str) -> None:
        from datetime import UTC, datetime

        from smsc.smpp._receipts import receipt_pdu

        now = datetime(2026, 11, 27, 10, 30, tzinfo=UTC)
        deliver = receipt_pdu(
            message_id,
            smsc.MessageStatus.DELIVERED,
            phone=pdu.destination_addr,
            sender=pdu.source_addr,
            submitted_at=now,
            done_at=now,
        )
        asyncio.get_running_loop().create_task(session.request(deliver, 5))

    with ThreadedServer() as server:
        server.on_submit = receipt
        c, acks, errors, received = _smpplib_client(server.port)
        c.connect()
        c.bind_transceiver(system_id="demo", password="demo")
        parts, coding, esm = smpplib.gsm.make_parts(text)
        for part in parts:
            c.send_message(
                source_addr="Shop",
                source_addr_ton=5,
                destination_addr="77011234567",
                dest_addr_ton=1,
                short_message=part,
                data_coding=coding,
                esm_class=esm,
                registered_delivery=1,
            )
        for _ in range(50):
            if len(acks) + len(errors) >= len(parts) and len(received) >= len(parts):
                break
            c.read_once()
        c.unbind()
        c.disconnect()
        assert not errors and len(acks) == len(parts) > 1
        stored = [a.pdu for a in server.accepted]
        assert set(acks.values()) == {a.message_id for a in server.accepted}
        assert all(p.esm_class == 0x40 for p in stored)
        payload = join_udh([p.short_message for p in stored])
        assert (decode_ucs2(payload) if coding == 8 else decode_gsm7(payload)) == text
        ids = {r.receipted_message_id.decode() for r in received}
        assert ids == set(acks.values())


def test_smpplib_client_bad_password_against_our_server() -> None:
    with ThreadedServer() as server:
        c, *_ = _smpplib_client(server.port)
        c.connect()
        with pytest.raises(smpplib.exceptions.PDUError) as info:
            c.bind_transceiver(system_id="demo", password="wrong")
        assert info.value.args[1] == smpplib.consts.SMPP_ESME_RINVPASWD
        c.disconnect()
