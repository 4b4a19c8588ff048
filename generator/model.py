"""Typed model of the YAML spec: what every key of spec/*.yaml means."""

from __future__ import annotations

from typing import Any

from attrs import Factory, field, frozen


@frozen
class EnumMember:
    name: str
    value: int
    doc: str = ""
    label: str | None = None  # the service's own name (status_name)
    final: bool = False  # a status that no longer changes
    wire: dict[str, str] = Factory(dict)  # request parameters this member sets
    per_recipient: bool = False  # billed once per recipient, not per part


@frozen
class EnumSpec:
    name: str
    doc: str
    members: list[EnumMember]
    open: bool = False  # unknown values become UNKNOWN_<n> members instead of failing


@frozen
class ErrorClass:
    name: str
    doc: str
    retryable: bool = False


@frozen
class ErrorCode:
    code: int
    error: str
    description: str


@frozen
class ModelField:
    name: str
    type: str  # int, str, bool, money, datetime, message_id, enum:<Enum>, model:<Model>
    doc: str
    optional: bool = False
    default: str | None = None  # a Python literal; the field is then not filled from replies

    @property
    def enum(self) -> str | None:
        """The enum of an `enum:<Enum>` field."""
        return self.type.removeprefix("enum:") if self.type.startswith("enum:") else None

    @property
    def model(self) -> str | None:
        """The model of a `model:<Model>` field (a nested result)."""
        return self.type.removeprefix("model:") if self.type.startswith("model:") else None


@frozen
class Model:
    name: str
    doc: str
    fields: list[ModelField]


@frozen
class CodecKind:
    """A named way of reading one reply value and writing it back (runtime/smsc/_codec.py has its functions)."""

    name: str
    doc: str
    json: bool = True  # has a JSON form (a field's codec must; a comma-layout override need not)
    # The common case of a record value v, read inline by the generated parsers without calling p_<name>:
    # when type(v) is fast_type (and fast_if holds) the value is fast_value, exactly what p_<name>(v) returns.
    fast_type: str | None = None
    fast_if: str = ""
    fast_value: str = "v"


CODEC_KINDS: dict[str, CodecKind] = {
    kind.name: kind
    for kind in (
        CodecKind("int", "An integer.", fast_type="int"),
        CodecKind("str", "Text as it is.", fast_type="str"),
        CodecKind(
            "money",
            "A decimal amount (Decimal), at most 15 integer and 6 fraction digits.",
            fast_type="str",
            fast_if="match_money(v)",
            fast_value="Decimal(v)",
        ),
        CodecKind(
            "message_id",
            "A message id: a positive integer, or the documented string form.",
            fast_type="int",
            fast_if="v > 0",
        ),
        CodecKind("id_or_zero", "A message id, or 0 for none (None)."),
        CodecKind("neg_int", "A negative error code -N of a comma reply, read as N.", json=False),
        CodecKind("msk_date", "A date DD.MM.YYYY hh:mm:ss in Moscow time; empty or 0 for none."),
        CodecKind("timestamp", "A Unix timestamp; 0 for none."),
    )
}


@frozen
class Codec:
    """The codec of a layout field: a named kind (CODEC_KINDS), or `enum:<Enum>` read by the enum's value."""

    kind: str  # a CODEC_KINDS name, or "enum"
    enum: str | None = None  # the enum of an "enum" codec

    @classmethod
    def named(cls, spelling: str) -> Codec:
        """The codec spelled `spelling` in the spec: "money", "enum:MessageStatus"."""
        kind, sep, enum = spelling.partition(":")
        return cls(kind, enum) if sep else cls(spelling)

    def __str__(self) -> str:
        return f"enum:{self.enum}" if self.enum is not None else self.kind


@frozen
class LayoutField:
    key: str  # wire name: JSON key, XML tag, text placeholder
    codec: Codec = Codec("str")
    attr: str | None = None  # model attribute ("hlr.imsi" for a nested model); default: key
    optional: bool = False  # may be absent from an XML or JSON record
    fallback: bool = False  # used only when the attribute's other fields are absent
    literal: str | None = None  # fixed text, checked when parsing; no attribute
    constant: str | None = None  # fixed text, not checked when parsing; no attribute

    @property
    def target(self) -> str | None:
        """The model attribute this field fills, or None for literals and constants."""
        if self.literal is not None or self.constant is not None:
            return None
        return self.attr or self.key


@frozen
class CsvItem:
    key: str | None = None
    codec: Codec | None = None  # overrides the field's codec in the comma layout
    literal: str | None = None


@frozen
class Layout:
    name: str
    model: str
    doc: str
    fields: list[LayoutField]
    text: str = ""  # fmt=0 template: {key} placeholders, [optional part]
    csv: list[CsvItem] = Factory(list)  # fmt=1 order
    csv_rest: bool = False  # the last comma field takes the rest of the line
    xml: str = "result"  # fmt=2 record element
    xml_optional_root: bool = False  # the record element may be absent
    when: str | None = None  # rendered when this attribute is not None
    formats: list[int] = Factory(lambda: [0, 1, 2, 3])  # the response formats the layout exists in


@frozen
class Pages:
    """A list the service hands out page by page: the client iterates, asking for the next page when needed."""

    cursor: str  # the parameter that names where the next page starts
    next: str  # the model attribute of a page's last record that the next page starts from
    size: str  # the parameter carrying the page size (`cnt`)
    max: int  # the largest page the service gives


@frozen
class Prefix:
    fields: list[LayoutField] = Factory(list)
    text: str = ""


@frozen
class Example:
    fmt: int
    raw: str
    value: dict[str, Any] | None = None
    values: list[dict[str, Any]] | None = None
    context: dict[str, Any] = Factory(dict)


@frozen
class Reply:
    name: str
    layouts: list[str] = Factory(list)  # tried in order when parsing
    context: list[str] = Factory(list)  # attributes the caller supplies
    multi: Prefix | None = None  # several records, each with this prefix
    examples: list[Example] = Factory(list)
    bare: str | None = None  # a success reply that is this literal body (`OK`) in every format; no layouts
    empty_code: int | None = None  # multi: this error code means "no records", an empty list
    records_key: str | None = None  # multi: the records are the array under this key of a JSON object


@frozen
class Param:
    name: str
    wire: str | list[str]
    type: str
    doc: str
    required: bool = False
    default: str | None = None
    min: int | str | None = None
    max: int | str | None = None
    max_length: int | None = None
    sensitive: bool = False  # a secret: never logged, never in a repr, an exception or (unless GET) a URL

    @property
    def enum(self) -> str | None:
        """The enum of an `enum:<Enum>` parameter."""
        return self.type.removeprefix("enum:") if self.type.startswith("enum:") else None


@frozen
class Span:
    """Two date parameters of a command and the longest period the service allows between them."""

    start: str
    end: str
    max_days: int


@frozen
class ReplyChoice:
    by: str  # an enum parameter
    map: dict[str, str]  # member name -> reply


@frozen
class Command:
    name: str
    endpoint: str
    doc: str
    error_map: str
    params: list[Param]
    reply: str | ReplyChoice
    fixed: dict[str, str] = Factory(dict)  # wire parameters the command always sends
    context: list[str] = Factory(list)  # parameters the reply model takes from the request
    assign_id: bool = False  # the client assigns an id when the caller gives none
    retry: str = "safe"  # safe: may be repeated; recover: a lost reply is followed by a status lookup
    returns: str | None = None  # return this attribute of the reply model
    group: str | None = None  # the client attribute the method lives on (client.contacts.add); None: the client
    method: str | None = None  # the method's name in its group (default: the command's name)
    fmt: int | None = None  # always request this response format (replies documented in one format only)
    pages: Pages | None = None  # a paged list: the method returns an iterator
    one_of: list[str] = Factory(list)  # exactly one of these parameters must be given
    any_of: list[str] = Factory(list)  # at least one of these parameters must be given
    span: Span | None = None  # two date parameters and the longest period between them


@frozen
class AuthParam:
    name: str
    wire: str
    doc: str
    sensitive: bool = False


@frozen
class CommonParam:
    wire: str
    doc: str
    value: str | None = None


@frozen
class SmppField:
    """A mandatory PDU field: int1/int2/int4, cstr (max counts the NUL), time, octets (length: field)."""

    name: str
    type: str
    doc: str
    max: int | None = None
    length: str | None = None  # octets: the integer field that carries its length
    length_of: str | None = None  # integer: the octets field whose length it carries (computed)
    default: int | str | None = None
    sensitive: bool = False  # never shown in reprs
    status: str | None = None  # the command_status answering a malformed value (default ESME_RINVCMDLEN)


@frozen
class SmppTlv:
    """An optional parameter (tag, length, value) the codec exposes by name."""

    name: str
    tag: int
    type: str  # int1, int2, int4, cstr, octets
    doc: str
    max: int | None = None  # cstr (NUL included) and octets
    size: int | None = None  # octets of a fixed length


@frozen
class SmppPdu:
    name: str
    id: int
    doc: str
    fields: list[SmppField] = Factory(list)
    tlvs: list[str] = Factory(list)  # TLVs exposed as attributes; other tags are kept raw
    check: str | None = None  # encoder rules: "message" = not both payload fields, no SAR with UDHI


@frozen
class SmppStatus:
    name: str
    code: int
    doc: str
    handling: str = "fail"  # ok, fail, backoff, limited, auth


@frozen
class ReceiptState:
    name: str
    value: int  # message_state
    stat: str  # the receipt text's `stat` word
    status: str  # the MessageStatus member it means
    doc: str


@frozen
class SmppReceipt:
    template: str  # {id} {sub} {dlvrd} {submit_date} {done_date} {stat} {err} {text}
    date_formats: list[str]
    text_length: int
    states: list[ReceiptState]
    from_status: dict[str, str]  # MessageStatus member -> state name


@frozen
class Smpp:
    """SMPP 3.4: header, TLVs, PDUs, command_status codes and the delivery receipt format."""

    version: int
    max_length: int
    header: list[SmppField]
    tlvs: list[SmppTlv]
    pdus: list[SmppPdu]
    statuses: list[SmppStatus]
    receipt: SmppReceipt


@frozen
class TextEncoding:
    """Capacity of one encoding, in its own units."""

    unit: str  # septet, UTF-16 code unit, octet
    bits: int
    single: int  # units in one SMS
    multi: int  # units per part of a concatenated message (with the `concatenation` header)


@frozen
class UdhKind:
    """A concatenation user data header: UDHL, IEI, IEDL, reference, total, sequence."""

    name: str
    doc: str
    iei: int
    reference_octets: int
    octets: int  # the whole header, UDHL included


@frozen
class Text:
    """Message text: GSM 03.38 tables, SMS capacities, concatenation headers, transliteration."""

    doc: str
    sms_octets: int
    max_chars: int
    escape: int
    concatenation: str  # the UdhKind the `multi` capacities assume
    encodings: dict[str, TextEncoding]  # Encoding member -> capacity
    udh: list[UdhKind]
    alphabet: dict[int, str]  # septet code -> character
    extension: dict[int, str]  # code after ESC -> character
    translit: dict[str, dict[str, str]]  # Translit member -> character -> replacement
    binary_formats: dict[str, str] = Factory(dict)  # MessageFormat member -> utf-8 | hex


@frozen
class SoapField:
    """One element of a SOAP request or result; every value is an xsd:string on the wire."""

    name: str  # the element
    doc: str
    json: str | None = None  # results: the key of the HTTP command's fmt=3 record it carries (default: name)
    optional: bool = False  # requests: minOccurs=0

    @property
    def key(self) -> str:
        """The fmt=3 key of a result field."""
        return self.json or self.name


@frozen
class SoapOperation:
    """One operation: the HTTP endpoint it carries, its request elements in order, its result."""

    name: str  # send_sms
    doc: str
    endpoint: str  # /sys/send.php: the HTTP endpoint whose parameters and records it carries
    command: str  # the error map that applies (send, status, balance)
    params: list[SoapField]
    result: str  # the result element: sendresult
    fields: list[SoapField]
    request_type: str  # complexType names in the WSDL
    response: str  # the response element: SendResponse
    result_type: str
    fixed: dict[str, str] = Factory(dict)  # HTTP fields the operation implies (cost=1 for get_sms_cost)
    query: bool = False  # has a `query` element: further HTTP parameters, URL-encoded


@frozen
class Soap:
    """The SOAP interface: its namespace, path and operations (the WSDL is generated from them)."""

    doc: str
    namespace: str
    path: str
    service: str
    operations: list[SoapOperation]


@frozen
class SpecFile:
    """One YAML file; every section is optional."""

    enums: list[EnumSpec] = Factory(list)
    errors: list[ErrorClass] = Factory(list)
    error_maps: dict[str, list[ErrorCode]] = Factory(dict)
    models: list[Model] = Factory(list)
    auth: list[AuthParam] = Factory(list)
    common: list[CommonParam] = Factory(list)
    commands: list[Command] = Factory(list)
    layouts: list[Layout] = Factory(list)
    replies: list[Reply] = Factory(list)
    smpp: Smpp | None = None
    soap: Soap | None = None
    text: Text | None = None
    definitions: Any = None  # YAML anchors only


@frozen
class Spec:
    """The whole spec, merged from every file."""

    enums: dict[str, EnumSpec]
    errors: dict[str, ErrorClass]
    error_maps: dict[str, list[ErrorCode]]
    models: dict[str, Model]
    auth: list[AuthParam]
    common: list[CommonParam]
    commands: dict[str, Command]
    layouts: dict[str, Layout]
    replies: dict[str, Reply]
    sources: dict[str, str] = field(factory=dict)  # "layouts.error" -> "spec/errors.yaml"
    text: Text | None = None
    smpp: Smpp | None = None
    soap: Soap | None = None
