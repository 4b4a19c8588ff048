"""One reading of a PDU's place and text, shared by the client's incoming messages and the emulator."""

from __future__ import annotations

import pytest

from smsc.smpp import CommandStatus
from smsc.smpp._parts import PartError, decode_text, is_flash, place_and_payload
from smsc.smpp._pdus import DataSm, DeliverSm, SubmitSm
from smsc.text._gsm import encode_gsm7

UDH = bytes([5, 0, 3, 9, 2, 1])  # reference 9, part 1 of 2


def test_places_from_a_header_in_either_field_or_from_sar() -> None:
    assert place_and_payload(DeliverSm(short_message=b"whole")) == (None, b"whole")
    assert place_and_payload(SubmitSm(esm_class=0x40, short_message=UDH + b"ab")) == ((9, 2, 1), b"ab")
    assert place_and_payload(DataSm(esm_class=0x40, message_payload=UDH + b"cd")) == ((9, 2, 1), b"cd")
    sar = DeliverSm(short_message=b"ef", sar_msg_ref_num=300, sar_total_segments=3, sar_segment_seqnum=3)
    assert place_and_payload(sar) == ((300, 3, 3), b"ef")
    assert place_and_payload(DataSm()) == (None, b"")


@pytest.mark.parametrize(
    ("pdu", "status"),
    [
        (SubmitSm(esm_class=0x40, short_message=bytes([5, 0, 3, 9, 2, 3]) + b"x"), CommandStatus.ESME_RINVMSGLEN),
        (SubmitSm(esm_class=0x40, short_message=bytes([9, 0, 3])), CommandStatus.ESME_RINVMSGLEN),
        (DeliverSm(sar_msg_ref_num=1, sar_total_segments=2), CommandStatus.ESME_RMISSINGOPTPARAM),
        (DeliverSm(sar_msg_ref_num=1, sar_total_segments=2, sar_segment_seqnum=0), CommandStatus.ESME_RINVOPTPARAMVAL),
        (DeliverSm(sar_msg_ref_num=1, sar_total_segments=2, sar_segment_seqnum=3), CommandStatus.ESME_RINVOPTPARAMVAL),
    ],
)
def test_no_valid_place_is_refused_with_its_status(pdu: SubmitSm | DeliverSm, status: CommandStatus) -> None:
    with pytest.raises(PartError) as caught:
        place_and_payload(pdu)
    assert caught.value.status == status and str(caught.value)


@pytest.mark.parametrize(
    ("coding", "data", "text"),
    [
        (0x00, encode_gsm7("Hi @ {}"), "Hi @ {}"),
        (0x03, "café".encode("latin-1"), "café"),
        (0x08, "Привет".encode("utf-16-be"), "Привет"),
        (0x10, b"Flash", "Flash"),
        (0x11, b"Class 1", "Class 1"),
        (0x18, "Привет!".encode("utf-16-be"), "Привет!"),
        (0x14, b"\x00", None),
        (0xF0, b"Flash", "Flash"),
        (0xF5, b"\x00", None),
        (0x04, b"\x00", None),
    ],
)
def test_texts_in_every_coding_a_phone_uses(coding: int, data: bytes, text: str | None) -> None:
    assert decode_text(coding, data) == text


def test_flash_is_message_class_0() -> None:
    assert [c for c in (0x00, 0x08, 0x10, 0x11, 0x12, 0x18, 0xF0, 0xF1, 0xF4) if is_flash(c)] == [
        0x10,
        0x18,
        0xF0,
        0xF4,
    ]
