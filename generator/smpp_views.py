"""Facts the SMPP templates lay out: the attributes of each PDU class and its fields grouped into runs.

Decoders are straight-line code (one `find` per C-Octet String, one `struct` call per run of
integers) so that pure-Python decoding stays fast; templates/macros/smpp.j2 writes that code.
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
class Run:
    """Consecutive mandatory fields encoded and decoded together: one struct call for a run of integers."""

    kind: str  # int1 (a single octet), ints (a struct), cstr, time, octets
    fields: list[SmppField]
    where: str  # "pdu.field", named by errors
    status: str  # the command_status (hex) answering a malformed value
    struct: str | None = None  # ints: the module's struct constant
    size: int = 0  # ints: their octets; octets: the octets of the length field
    limit: int = 0  # cstr and time: the most octets, NUL included; octets: the most octets
    length_where: str = ""  # octets: the length field, named by errors
    length_status: str = ""


@frozen
class PduView:
    pdu: SmppPdu
    cls: str
    is_response: bool
    attrs: list[Attr]
    structs: list[tuple[str, str]]  # module-level struct constants: name, format
    runs: list[Run]  # the mandatory fields in wire order
    tlvs: list[SmppTlv]  # the TLVs exposed by name, in order
    ints: list[tuple[str, str]]  # (attribute, type) of the integers, for error messages
    response: str | None  # the response class of a request

    @property
    def decoded(self) -> list[str]:
        """The attributes decode_body() passes to the class besides the TLVs."""
        return [a.name for a in self.attrs if a.name not in self.pdu.tlvs]


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
    runs: list[Run] = []
    for group in _runs(pdu.fields):
        f = group[0]
        where, status = f"{pdu.name}.{f.name}", _status(spec, f)
        if f.type in INT_SIZES and len(group) == 1 and f.type == "int1":
            runs.append(Run("int1", group, where, status, size=1))
        elif f.type in INT_SIZES:
            const = f"_{key}_{len(structs)}"
            structs.append((const, ">" + "".join(_FORMATS[g.type] for g in group)))
            runs.append(Run("ints", group, where, status, struct=const, size=sum(INT_SIZES[g.type] for g in group)))
        elif f.type in ("cstr", "time"):
            runs.append(Run(f.type, group, where, status, limit=f.max if f.type == "cstr" and f.max else 17))
        else:  # octets, after its length field
            assert f.length is not None and f.max is not None
            length = fields[f.length]
            runs.append(
                Run(
                    "octets",
                    group,
                    where,
                    status,
                    size=INT_SIZES[length.type],
                    limit=f.max,
                    length_where=f"{pdu.name}.{f.length}",
                    length_status=_status(spec, length),
                )
            )
    ints = [(f.name, f.type) for f in pdu.fields if f.type in INT_SIZES and f.length_of is None]
    ints += [("command_status", "int4"), ("sequence_number", "int4")]
    is_response = bool(pdu.id & 0x80000000)
    return PduView(
        pdu=pdu,
        cls=cls,
        is_response=is_response,
        attrs=attrs,
        structs=structs,
        runs=runs,
        tlvs=[tlvs[name] for name in pdu.tlvs],
        ints=ints,
        response=None if is_response else class_name(pdu.name + "_resp"),
    )


def smpp_views(spec: Smpp) -> list[PduView]:
    return [pdu_view(spec, pdu) for pdu in spec.pdus]
