"""Code the SMPP templates lay out: attributes, encoders and decoders of each PDU class.

Decoders are straight-line code (one `find` per C-Octet String, one `struct` call per run of
integers) so that pure-Python decoding stays fast; the templates only place these lines.
"""

from __future__ import annotations

from attrs import frozen

from generator.model import Smpp, SmppField, SmppPdu, SmppTlv

INT_SIZES = {"int1": 1, "int2": 2, "int4": 4}
_FORMATS = {"int1": "B", "int2": "H", "int4": "I"}
_TLV_TYPES = {"int1": "int", "int2": "int", "int4": "int", "cstr": "str", "octets": "bytes"}
DEFAULT_STATUS = "ESME_RINVCMDLEN"


def class_name(name: str) -> str:
    """submit_sm_resp -> SubmitSmResp."""
    return "".join(part.capitalize() for part in name.split("_"))


@frozen
class Attr:
    name: str
    annotation: str
    default: str
    doc: str
    sensitive: bool = False


@frozen
class PduView:
    pdu: SmppPdu
    cls: str
    is_response: bool
    attrs: list[Attr]
    structs: list[tuple[str, str]]  # module-level struct constants: name, format
    encode: list[str]  # body of encode(), indented by 8
    decode: list[str]  # body of decode_body(), indented by 8
    tlv_table: str  # {tag: (attr, type, max, size)}
    ints: str  # ((attr, type), ...) for error messages
    response: str | None  # the response class of a request


def _status(spec: Smpp, f: SmppField) -> str:
    name = f.status or DEFAULT_STATUS
    return hex(next(s.code for s in spec.statuses if s.name == name))


def _runs(fields: list[SmppField]) -> list[list[SmppField]]:
    """Consecutive fields grouped: runs of integers (length fields excluded) and single others."""
    groups: list[list[SmppField]] = []
    for f in fields:
        if f.length_of is not None:
            continue
        if f.type in INT_SIZES and groups and groups[-1][0].type in INT_SIZES:
            groups[-1].append(f)
        else:
            groups.append([f])
    return groups


def _tlv_attr(tlv: SmppTlv) -> Attr:
    return Attr(tlv.name, f"{_TLV_TYPES[tlv.type]} | None", "None", f"TLV 0x{tlv.tag:04X}: {tlv.doc}")


def _field_attr(f: SmppField) -> Attr:
    if f.type in INT_SIZES:
        default = hex(f.default) if isinstance(f.default, int) and f.default > 9 else str(f.default or 0)
        return Attr(f.name, "int", default, f.doc, f.sensitive)
    if f.type == "octets":
        return Attr(f.name, "bytes", 'b""', f.doc, f.sensitive)
    return Attr(f.name, "str", repr(f.default or ""), f.doc, f.sensitive)


def pdu_view(spec: Smpp, pdu: SmppPdu) -> PduView:
    tlvs = {t.name: t for t in spec.tlvs}
    cls = class_name(pdu.name)
    key = pdu.name.upper()
    attrs = [_field_attr(f) for f in pdu.fields if f.length_of is None]
    attrs += [_tlv_attr(tlvs[name]) for name in pdu.tlvs]
    fields = {f.name: f for f in pdu.fields}
    structs: list[tuple[str, str]] = []
    enc: list[str] = []
    dec: list[str] = ["end = len(data)", "pos = 0"]
    for group in _runs(pdu.fields):
        f = group[0]
        where = f"{pdu.name}.{f.name}"
        status = _status(spec, f)
        if f.type in INT_SIZES:
            size = sum(INT_SIZES[g.type] for g in group)
            names = ", ".join(g.name for g in group)
            dec.append(f"if pos + {size} > end:")
            dec.append(f"    raise _w.short(data, {where!r}, {status})")
            if len(group) == 1 and f.type == "int1":
                enc.append(f"bytes((self.{f.name},)),")
                dec.append(f"{f.name} = data[pos]")
            else:
                const = f"_{key}_{len(structs)}"
                structs.append((const, ">" + "".join(_FORMATS[g.type] for g in group)))
                enc.append(f"{const}.pack({', '.join('self.' + g.name for g in group)}),")
                dec.append(f"{names}{',' if len(group) == 1 else ''} = {const}.unpack_from(data, pos)")
            dec.append(f"pos += {size}")
        elif f.type in ("cstr", "time"):
            limit = f.max if f.type == "cstr" else 17
            if f.type == "cstr":
                enc.append(f"_w.cstr(self.{f.name}, {limit}, {where!r}),")
            else:
                enc.append(f"_w.time(self.{f.name}, {where!r}),")
            dec.append(f'nul = data.find(b"\\0", pos, pos + {limit})')
            dec.append("if nul < 0:")
            dec.append(f"    raise _w.bad_cstr(data, pos, {limit}, {where!r}, {status})")
            dec.append(f'{f.name} = data[pos:nul].decode("latin-1")')
            dec.append("pos = nul + 1")
        else:  # octets, after its length field
            assert f.length is not None and f.max is not None
            size = INT_SIZES[fields[f.length].type]
            length_where = f"{pdu.name}.{f.length}"
            enc.append(f"_w.octets(self.{f.name}, {f.max}, {size}, {where!r}),")
            dec.append(f"if pos + {size} > end:")
            dec.append(f"    raise _w.short(data, {length_where!r}, {_status(spec, fields[f.length])})")
            if size == 1:
                dec.append("length = data[pos]")
            else:
                dec.append(f'length = int.from_bytes(data[pos:pos + {size}], "big")')
            dec.append(f"pos += {size}")
            dec.append(f"if length > {f.max}:")
            dec.append(f"    raise _w.over(data, {where!r}, length, {f.max}, {status})")
            dec.append("if pos + length > end:")
            dec.append(f"    raise _w.short(data, {where!r}, {status})")
            dec.append(f"{f.name} = data[pos:pos + length]")
            dec.append("pos += length")
    table = ", ".join(
        f"0x{tlvs[n].tag:04X}: ({n!r}, {tlvs[n].type!r}, {tlvs[n].max or tlvs[n].size or 0}, {tlvs[n].size})"
        for n in pdu.tlvs
    )
    dec.append("if pos < end:")
    dec.append(f"    tlvs, other_tlvs = _w.decode_tlvs(data, pos, _TLVS_{key}, {pdu.name!r})")
    dec.append("else:")
    dec.append("    tlvs, other_tlvs = {}, ()")
    args = ", ".join(f"{a.name}={a.name}" for a in attrs if a.name not in pdu.tlvs)
    dec.append(
        "return cls(sequence_number=sequence_number, command_status=command_status, "
        + (args + ", " if args else "")
        + "other_tlvs=other_tlvs, **tlvs)"
    )
    ints = [(f.name, f.type) for f in pdu.fields if f.type in INT_SIZES and f.length_of is None]
    ints += [("command_status", "int4"), ("sequence_number", "int4")]
    is_response = bool(pdu.id & 0x80000000)
    response = None if is_response else class_name(pdu.name + "_resp")
    return PduView(
        pdu=pdu,
        cls=cls,
        is_response=is_response,
        attrs=attrs,
        structs=structs,
        encode=enc,
        decode=dec,
        tlv_table="{" + table + "}",
        ints="(" + "".join(f"({n!r}, {t!r}), " for n, t in ints) + ")",
        response=response,
    )


def tlv_encoder(spec: Smpp, pdu: SmppPdu, name: str) -> str:
    """The expression that encodes TLV `name` of `pdu` from `self`."""
    t = next(t for t in spec.tlvs if t.name == name)
    where = f"{pdu.name}.{name}"
    if t.type in INT_SIZES:
        return f"_w.tlv_int(0x{t.tag:04X}, self.{name}, {t.type!r}, {where!r})"
    if t.type == "cstr":
        return f"_w.tlv_cstr(0x{t.tag:04X}, self.{name}, {t.max}, {where!r})"
    return f"_w.tlv_octets(0x{t.tag:04X}, self.{name}, {t.max or t.size}, {t.size}, {where!r})"


def smpp_views(spec: Smpp) -> list[PduView]:
    return [pdu_view(spec, pdu) for pdu in spec.pdus]
