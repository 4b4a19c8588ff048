"""The generated SMPP codec: the spec's vector, round trips for every PDU and TLV, strictness, fuzzing, framing."""

from __future__ import annotations

import contextlib
import struct

import attrs
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import smsc
from generator.smpp_views import class_name
from smsc import smpp
from tests.conftest import SPEC
from tests.support.smpp_strategies import pdu_strategy

assert SPEC.smpp is not None
SMPP = SPEC.smpp
VECTOR = bytes.fromhex("0000002F000000020000000000000001534D50503354455354007365637265743038005355424D4954310000010100")


def frame(command_id: int, body: bytes, status: int = 0, sequence: int = 7) -> bytes:
    return struct.pack(">IIII", 16 + len(body), command_id, status, sequence) + body


# --- a fixed submit_sm vector, byte for byte ------------------------------------------------------


def test_bind_transmitter_vector_decodes_to_the_spec_fields() -> None:
    pdu = smpp.decode(VECTOR)
    assert pdu == smpp.BindTransmitter(
        sequence_number=1,
        system_id="SMPP3TEST",
        password="secret08",
        system_type="SUBMIT1",
        interface_version=0,
        addr_ton=1,
        addr_npi=1,
        address_range="",
    )


def test_bind_transmitter_vector_encodes_to_the_spec_octets() -> None:
    pdu = smpp.BindTransmitter(
        sequence_number=1,
        system_id="SMPP3TEST",
        password="secret08",
        system_type="SUBMIT1",
        interface_version=0,
        addr_ton=1,
        addr_npi=1,
    )
    assert pdu.encode() == VECTOR
    assert len(VECTOR) == 47


def test_password_never_in_repr() -> None:
    pdu = smpp.decode(VECTOR)
    assert "secret08" not in repr(pdu) and "SMPP3TEST" in repr(pdu)


def test_every_pdu_and_tlv_of_the_spec_is_generated() -> None:
    ids = {p.id for p in SMPP.pdus}
    assert set(smpp.CommandId) == set(ids) and set(smpp._pdus.PDUS) == ids
    exposed = {name for p in SMPP.pdus for name in p.tlvs}
    assert exposed == {t.name for t in SMPP.tlvs}, "every TLV must be exposed by some PDU (and round-tripped)"
    for name in (
        "message_payload",
        "sar_msg_ref_num",
        "sar_total_segments",
        "sar_segment_seqnum",
        "receipted_message_id",
        "message_state",
        "smsc_cost",
        "smsc_message_kind",
    ):
        assert name in exposed


# --- round trips --------------------------------------------------------------------------------


def _valid(pdu: smpp.Pdu) -> bool:
    payload = getattr(pdu, "message_payload", None)
    short_message: bytes = getattr(pdu, "short_message", b"")
    if payload is not None and short_message:
        return False
    names = ("sar_msg_ref_num", "sar_total_segments", "sar_segment_seqnum", "source_port", "destination_port")
    sar = [getattr(pdu, n, None) for n in names]
    return not (getattr(pdu, "esm_class", 0) & 0x40 and any(v is not None for v in sar))


@pytest.mark.parametrize("pdu_spec", SMPP.pdus, ids=lambda p: p.name)
@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_round_trip(pdu_spec: object, data: st.DataObject) -> None:
    pdu = data.draw(pdu_strategy(SMPP, pdu_spec))  # type: ignore[arg-type]
    if not _valid(pdu):
        with pytest.raises(smsc.InvalidRequest):
            pdu.encode()
        return
    raw = pdu.encode()
    assert smpp.decode(raw) == pdu
    assert smpp.decode(raw).encode() == raw


@given(pdu=pdu_strategy(SMPP, next(p for p in SMPP.pdus if p.name == "deliver_sm")))
@settings(max_examples=50)
def test_tlv_order_is_kept_for_unknown_tags_and_output_is_canonical(pdu: smpp.DeliverSm) -> None:
    assume(_valid(pdu))
    raw = pdu.encode()
    again = smpp.decode(raw)
    assert isinstance(again, smpp.DeliverSm)
    assert again.other_tlvs == pdu.other_tlvs
    assert again.encode() == raw


def test_known_tlvs_in_any_order_and_unknown_tags_kept_raw() -> None:
    body = smpp.SubmitSm(destination_addr="1").encode()[16:]
    tlvs = bytes.fromhex("0424 0002 41421400 0001 ff020e 0001 03")
    pdu = smpp.decode(frame(4, body + tlvs))
    assert isinstance(pdu, smpp.SubmitSm)
    assert pdu.message_payload == b"AB" and pdu.sar_total_segments == 3
    assert pdu.other_tlvs == (smpp.Tlv(0x1400, b"\xff"),)


def test_vendor_tlvs_of_smsc_in_a_receipt() -> None:
    receipt = smpp.DeliverSm(
        esm_class=4,
        receipted_message_id="42",
        message_state=2,
        network_error_code=b"\x03\x00\x00",
        smsc_cost="1.2000",
        smsc_message_kind=0,
        smsc_part_count=2,
        smsc_tag_2003="x",
    )
    assert smpp.decode(receipt.encode(5)) == attrs.evolve(receipt, sequence_number=5)


# --- strict encoding ----------------------------------------------------------------------------


def test_c_string_maximum_counts_the_nul() -> None:
    assert smpp.BindTransmitter(system_id="x" * 15).encode()
    with pytest.raises(smsc.InvalidRequest, match=r"bind_transmitter\.system_id: 16 characters, at most 15"):
        smpp.BindTransmitter(system_id="x" * 16).encode()
    with pytest.raises(smsc.InvalidRequest, match="password"):
        smpp.BindTransceiver(password="123456789").encode()
    assert smpp.BindTransceiver(password="12345678").encode()


def test_encoder_refuses_what_does_not_fit() -> None:
    with pytest.raises(smsc.InvalidRequest, match="short_message: 255 octets, at most 254"):
        smpp.SubmitSm(short_message=b"x" * 255).encode()
    with pytest.raises(smsc.InvalidRequest, match="not both"):
        smpp.SubmitSm(short_message=b"x", message_payload=b"y").encode()
    with pytest.raises(smsc.InvalidRequest, match="UDH"):
        smpp.SubmitSm(esm_class=0x40, sar_msg_ref_num=1).encode()
    with pytest.raises(smsc.InvalidRequest, match=r"submit_sm\.esm_class: 256"):
        smpp.SubmitSm(esm_class=256).encode()
    with pytest.raises(smsc.InvalidRequest, match="source_port"):
        smpp.SubmitSm(source_port=70000).encode()
    with pytest.raises(smsc.InvalidRequest, match="Latin-1"):
        smpp.SubmitSm(source_addr="Магазин").encode()
    with pytest.raises(smsc.InvalidRequest, match="NUL"):
        smpp.SubmitSm(source_addr="a\0b").encode()
    with pytest.raises(smsc.InvalidRequest, match="schedule_delivery_time"):
        smpp.SubmitSm(schedule_delivery_time="tomorrow").encode()
    with pytest.raises(smsc.InvalidRequest, match="network_error_code"):
        smpp.DeliverSm(network_error_code=b"\x01").encode()
    with pytest.raises(smsc.InvalidRequest):
        smpp.SubmitSm().encode(sequence_number=2**32)
    assert smpp.SubmitSm(schedule_delivery_time="020610233429000R").encode()


# --- strict, total decoding -----------------------------------------------------------------------


def test_missing_nul_names_the_field() -> None:
    body = b"SMPP3TEST"  # system_id without its NUL, and nothing after
    with pytest.raises(smpp.PduError) as info:
        smpp.decode(frame(2, body))
    assert info.value.field == "bind_transmitter.system_id" and "NUL" in str(info.value)
    assert not info.value.fatal and info.value.sequence_number == 7
    assert isinstance(info.value, smsc.ProtocolError) and info.value.raw.startswith(b"\x00\x00\x00")


def test_c_string_over_its_maximum_on_the_wire() -> None:
    body = b"x" * 16 + b"\0" + b"pw\0\0" + b"\x34\x00\x00\0"
    with pytest.raises(smpp.PduError, match="longer than 15") as info:
        smpp.decode(frame(2, body))
    assert info.value.field == "bind_transmitter.system_id"
    assert info.value.status == smpp.CommandStatus.ESME_RINVSYSID
    ok = b"x" * 15 + b"\0" + b"pw\0\0" + b"\x34\x00\x00\0"
    assert smpp.decode(frame(2, ok)).system_id == "x" * 15  # type: ignore[attr-defined]


def test_unknown_command_id() -> None:
    with pytest.raises(smpp.PduError) as info:
        smpp.decode(frame(0x00010203, b"", sequence=9))
    assert info.value.field == "command_id" and info.value.command_id == 0x00010203
    assert info.value.status == smpp.CommandStatus.ESME_RINVCMDID and info.value.sequence_number == 9


def test_impossible_lengths() -> None:
    with pytest.raises(smpp.PduError, match="command_length"):
        smpp.decode(b"\x00\x00\x00\x10\x00\x00")
    with pytest.raises(smpp.PduError, match="command_length"):
        smpp.decode(struct.pack(">IIII", 99, 0x15, 0, 1))
    reader = smpp.PduReader()
    reader.feed(struct.pack(">IIII", 8, 0x15, 0, 1))
    with pytest.raises(smpp.PduError) as info:
        list(reader)
    assert info.value.fatal and info.value.field == "command_length"
    with pytest.raises(smpp.PduError):  # the stream cannot resynchronise
        reader.next_frame()
    reader = smpp.PduReader(max_length=1000)
    reader.feed(struct.pack(">I", 1001))
    with pytest.raises(smpp.PduError, match="1001 is not a PDU length"):
        reader.next_frame()


def test_sm_length_255_and_truncated_message() -> None:
    head = smpp.SubmitSm().encode()[16:-1]  # everything before sm_length (short_message is empty)
    with pytest.raises(smpp.PduError, match="255 octets, at most 254") as info:
        smpp.decode(frame(4, head + b"\xff" + b"x" * 255))
    assert info.value.status == smpp.CommandStatus.ESME_RINVMSGLEN
    with pytest.raises(smpp.PduError, match="ends before") as info:
        smpp.decode(frame(4, head + b"\x05abc"))
    assert info.value.field == "submit_sm.short_message"


def test_bad_tlvs() -> None:
    body = smpp.SubmitSm().encode()[16:]
    with pytest.raises(smpp.PduError, match="cut short"):
        smpp.decode(frame(4, body + b"\x04"))
    with pytest.raises(smpp.PduError, match="runs past"):
        smpp.decode(frame(4, body + b"\x04\x24\x00\x09ab"))
    with pytest.raises(smpp.PduError) as info:
        smpp.decode(frame(4, body + b"\x02\x0e\x00\x02\x00\x01"))
    assert info.value.field == "submit_sm.sar_total_segments"
    assert info.value.status == smpp.CommandStatus.ESME_RINVPARLEN
    dbody = smpp.DeliverSm().encode()[16:]
    with pytest.raises(smpp.PduError, match="NUL"):
        smpp.decode(frame(5, dbody + b"\x00\x1e\x00\x0242"))


def test_lenient_error_responses_and_nack() -> None:
    bare = smpp.decode(frame(0x80000004, b"", status=0x58))
    assert bare == smpp.SubmitSmResp(sequence_number=7, command_status=0x58)
    nul = smpp.decode(frame(0x80000004, b"\0", status=0x58))
    assert nul == bare
    query = smpp.decode(frame(0x80000003, b"\0", status=0x67))
    assert query == smpp.QuerySmResp(sequence_number=7, command_status=0x67)
    nack = smpp.decode(frame(0x80000000, b"", status=3, sequence=0))
    assert nack == smpp.GenericNack(sequence_number=0, command_status=3)
    assert smpp.CommandStatus(0x58).name == "ESME_RTHROTTLED" and smpp.CommandStatus(0x58).handling == "backoff"
    assert smpp.CommandStatus(0x0E).handling == "auth"
    assert smpp.CommandStatus(0x401).name == "UNKNOWN_0x401"


@given(st.binary(max_size=300))
@settings(max_examples=400)
def test_arbitrary_bytes_raise_only_pdu_error(data: bytes) -> None:
    for chunk in (data, struct.pack(">I", len(data) + 4) + data):
        with contextlib.suppress(smpp.PduError):
            smpp.decode(chunk)
        reader = smpp.PduReader()
        reader.feed(chunk)
        for _ in range(50):
            try:
                if not list(reader):
                    break
            except smpp.PduError as exc:
                if exc.fatal:
                    break


@given(
    pdu=pdu_strategy(SMPP, next(p for p in SMPP.pdus if p.name == "submit_sm")),
    flips=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), min_size=1, max_size=4),
)
@settings(max_examples=300)
def test_corrupted_pdus_raise_only_pdu_error(pdu: smpp.SubmitSm, flips: list[tuple[int, int]]) -> None:
    assume(_valid(pdu))
    raw = bytearray(pdu.encode())
    for pos, value in flips:
        raw[16 + pos % max(1, len(raw) - 16) if len(raw) > 16 else 0] = value
    with contextlib.suppress(smpp.PduError):
        smpp.decode(bytes(raw))


# --- framing -------------------------------------------------------------------------------------

STREAM = [
    smpp.BindTransceiver(sequence_number=1, system_id="demo", password="demo"),
    smpp.SubmitSm(sequence_number=2, destination_addr="77011234567", short_message=b"@\x00Hello"),
    smpp.EnquireLink(sequence_number=3),
    smpp.DeliverSm(sequence_number=4, esm_class=4, receipted_message_id="x1", message_state=2),
    smpp.SubmitSmResp(sequence_number=2, message_id="abc"),
]


@given(cuts=st.lists(st.integers(1, 40), max_size=60))
def test_fragmented_and_coalesced_reads(cuts: list[int]) -> None:
    data = b"".join(p.encode() for p in STREAM)
    reader = smpp.PduReader()
    out: list[smpp.Pdu] = []
    pos = 0
    for size in cuts:
        reader.feed(data[pos : pos + size])
        pos += size
        out.extend(reader)
    reader.feed(data[pos:])
    out.extend(reader)
    assert out == STREAM and reader.buffered == 0


def test_one_octet_at_a_time() -> None:
    data = b"".join(p.encode() for p in STREAM)
    reader = smpp.PduReader()
    out: list[smpp.Pdu] = []
    for i in range(len(data)):
        reader.feed(data[i : i + 1])
        out.extend(reader)
    assert out == STREAM


def test_a_bad_pdu_in_the_middle_consumes_only_itself() -> None:
    bad = frame(0x00000099, b"zz", sequence=11)
    reader = smpp.PduReader()
    reader.feed(STREAM[0].encode() + bad + STREAM[1].encode())
    seen: list[object] = []
    while True:
        try:
            seen.extend(reader)
            break
        except smpp.PduError as exc:
            seen.append(exc.sequence_number)
    assert seen == [STREAM[0], 11, STREAM[1]]


def test_class_names_follow_the_spec() -> None:
    assert class_name("submit_sm_resp") == "SubmitSmResp"
    assert smpp.SubmitSm.command_name == "submit_sm" and smpp.SubmitSm.command_id == 4
    req = smpp.SubmitSm(sequence_number=77)
    assert req.response(message_id="m") == smpp.SubmitSmResp(sequence_number=77, message_id="m")
