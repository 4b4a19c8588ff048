"""Hypothesis strategies for SMPP PDUs, built from spec/smpp.yaml so every field and TLV is covered."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from generator.model import Smpp, SmppField, SmppPdu, SmppTlv
from generator.smpp_views import class_name
from smsc import smpp

INTS = {"int1": 1, "int2": 2, "int4": 4}
LATIN1 = st.characters(min_codepoint=1, max_codepoint=255)


def cstr(limit: int) -> st.SearchStrategy[str]:
    return st.text(LATIN1, max_size=limit - 1)


times = st.one_of(
    st.just(""),
    st.builds(
        lambda digits, sign: digits + sign,
        st.text(st.characters(min_codepoint=48, max_codepoint=57), min_size=15, max_size=15),
        st.sampled_from("+-R"),
    ),
)


def field_strategy(f: SmppField) -> st.SearchStrategy[Any]:
    if f.type in INTS:
        return st.integers(0, 256 ** INTS[f.type] - 1)
    if f.type == "cstr":
        assert f.max is not None
        return cstr(f.max)
    if f.type == "time":
        return times
    assert f.max is not None
    return st.binary(max_size=f.max)


def tlv_strategy(t: SmppTlv) -> st.SearchStrategy[Any]:
    if t.type in INTS:
        return st.none() | st.integers(0, 256 ** INTS[t.type] - 1)
    if t.type == "cstr":
        assert t.max is not None
        return st.none() | cstr(t.max)
    if t.size is not None:
        return st.none() | st.binary(min_size=t.size, max_size=t.size)
    return st.none() | st.binary(max_size=300)


def pdu_strategy(spec: Smpp, pdu: SmppPdu) -> st.SearchStrategy[smpp.Pdu]:
    """Any PDU of this kind the encoder accepts, or not (the `message` rules are left to the test)."""
    cls = getattr(smpp, class_name(pdu.name))
    tlvs = {t.name: t for t in spec.tlvs}
    known = {tlvs[n].tag for n in pdu.tlvs}
    kwargs: dict[str, st.SearchStrategy[Any]] = {f.name: field_strategy(f) for f in pdu.fields if f.length_of is None}
    kwargs.update({n: tlv_strategy(tlvs[n]) for n in pdu.tlvs})
    others = st.builds(smpp.Tlv, st.integers(0, 0xFFFF).filter(lambda tag: tag not in known), st.binary(max_size=40))
    kwargs["other_tlvs"] = st.lists(others, max_size=3).map(tuple)
    kwargs["sequence_number"] = st.integers(0, 0xFFFFFFFF)
    kwargs["command_status"] = st.integers(0, 0xFFFFFFFF) if pdu.id & 0x80000000 else st.just(0)
    return st.builds(cls, **kwargs)
