"""Load spec/*.yaml into the typed model; every error names the YAML file and key path."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import cattrs
import yaml

from generator.model import (
    CODEC_KINDS,
    Codec,
    Command,
    CsvItem,
    EnumSpec,
    Layout,
    Param,
    Reply,
    ReplyChoice,
    Smpp,
    SmppField,
    SmppPdu,
    SmppTlv,
    Soap,
    Spec,
    SpecFile,
    Text,
)

PARAM_TYPES = frozenset(
    {
        "phones",
        "phone",
        "message",
        "sender",
        "message_id",
        "int",
        "decimal",
        "bool",
        "str",
        "message_format",
        "send_time",
        "valid",
        "status_pairs",
        "files",
        "document",
        "date",
        "template_format",
    }
)
MODEL_TYPES = frozenset({"int", "str", "bool", "money", "datetime", "message_id"})
RETRY_MODES = frozenset({"safe", "recover"})
_FLATTENED = frozenset({"fields", "params", "tlvs"})
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


class SpecError(Exception):
    """The spec is malformed; the message names the file and the key path."""


def _flatten(node: Any, key: str | None = None) -> Any:
    """Flatten YAML-alias lists inside `fields:`/`params:`; turn csv strings into items."""
    if isinstance(node, dict):
        return {k: _flatten(v, k) for k, v in node.items()}
    if isinstance(node, list):
        items = [_flatten(v) for v in node]
        if key in _FLATTENED:
            flat: list[Any] = []
            for item in items:
                flat.extend(item if isinstance(item, list) else [item])
            return flat
        if key == "csv":
            return [{"key": i} if isinstance(i, str) else i for i in items]
        return items
    return node


def _converter() -> cattrs.Converter:
    conv = cattrs.Converter(forbid_extra_keys=True)

    def str_or_list(value: Any, _: Any) -> str | list[str]:
        if isinstance(value, str):
            return value
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return list(value)
        raise ValueError(f"expected a string or a list of strings, got {value!r}")

    def int_or_str(value: Any, _: Any) -> int | str | None:
        if value is None or (isinstance(value, (int, str)) and not isinstance(value, bool)):
            return value
        raise ValueError(f"expected a number or a string, got {value!r}")

    def reply_ref(value: Any, _: Any) -> str | ReplyChoice:
        if isinstance(value, str):
            return value
        return conv.structure(value, ReplyChoice)

    def strict_str(value: Any, _: Any) -> str:
        if not isinstance(value, str):
            raise ValueError(f"expected a string, got {value!r}")
        return value

    def strict_int(value: Any, _: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"expected an integer, got {value!r}")
        return value

    def strict_bool(value: Any, _: Any) -> bool:
        if not isinstance(value, bool):
            raise ValueError(f"expected true or false, got {value!r}")
        return value

    def codec(value: Any, _: Any) -> Codec:
        return Codec.named(strict_str(value, _))  # the kind is checked with the layout (_check_codec)

    conv.register_structure_hook(Codec, codec)
    conv.register_structure_hook(str | list[str], str_or_list)
    conv.register_structure_hook(int | str | None, int_or_str)
    conv.register_structure_hook(str | ReplyChoice, reply_ref)
    conv.register_structure_hook(str, strict_str)
    conv.register_structure_hook(int, strict_int)
    conv.register_structure_hook(bool, strict_bool)
    return conv


class _UniqueKeyLoader(yaml.SafeLoader):
    """A SafeLoader that refuses a key given twice in one mapping (PyYAML would keep the last)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # `<<:` merges may be overridden by design
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, (str, int, float, bool)) or key is None:
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        "while constructing a mapping",
                        node.start_mark,
                        f"found duplicate key {key!r} (first on line {seen[key]})",
                        key_node.start_mark,
                    )
                seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


def load_file(path: Path, root: Path | None = None) -> SpecFile:
    """Parse and structure one YAML file."""
    name = str(path.relative_to(root)) if root else str(path)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
    except yaml.YAMLError as exc:
        raise SpecError(f"{name}: not valid YAML: {exc}") from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise SpecError(f"{name}: the top level must be a mapping")
    try:
        return _converter().structure(_flatten(raw), SpecFile)
    except Exception as exc:  # cattrs raises exception groups; turn them into paths
        messages = cattrs.transform_error(exc, path="$")
        raise SpecError(f"{name}: " + "; ".join(messages)) from None


def load(spec_dir: Path) -> Spec:
    """Load, merge and validate every spec/**/*.yaml file."""
    files = sorted(spec_dir.rglob("*.yaml"))
    if not files:
        raise SpecError(f"{spec_dir}: no YAML files")
    root = spec_dir.parent
    sections: dict[str, dict[str, Any]] = {
        "enums": {},
        "errors": {},
        "error_maps": {},
        "models": {},
        "commands": {},
        "layouts": {},
        "replies": {},
    }
    sources: dict[str, str] = {}
    auth: list[Any] = []
    common: list[Any] = []
    smpp: Smpp | None = None
    soap: Soap | None = None
    text: Text | None = None
    for path in files:
        name = str(path.relative_to(root))
        part = load_file(path, root)
        if part.text is not None:
            if text is not None:
                raise SpecError(f"{name}: $.text: duplicate section, first in {sources['text']}")
            text, sources["text"] = part.text, name
        if part.smpp is not None:
            if smpp is not None:
                raise SpecError(f"{name}: $.smpp: duplicate section, first in {sources['smpp']}")
            smpp, sources["smpp"] = part.smpp, name
        if part.soap is not None:
            if soap is not None:
                raise SpecError(f"{name}: $.soap: duplicate section, first in {sources['soap']}")
            soap, sources["soap"] = part.soap, name
        auth.extend(part.auth)
        common.extend(part.common)
        sources.update({f"auth.{a.name}": name for a in part.auth})
        sources.update({f"common.{c.wire}": name for c in part.common})
        for section, items in sections.items():
            value = getattr(part, section)
            pairs: Iterable[tuple[str, Any]] = (
                value.items() if isinstance(value, dict) else ((item.name, item) for item in value)
            )
            for index, (key, item) in enumerate(pairs):
                where = f"{section}.{key}"
                if key in items:
                    raise SpecError(f"{name}: $.{section}[{index}]: duplicate name {key!r}, first in {sources[where]}")
                items[key] = item
                sources[where] = name
    spec = Spec(auth=auth, common=common, sources=sources, smpp=smpp, soap=soap, text=text, **sections)
    _validate(spec)
    if text is not None:
        _validate_text(spec, text)
    if smpp is not None:
        _validate_smpp(spec, smpp)
    if soap is not None:
        _validate_soap(spec, soap)
    return spec


def _validate_soap(spec: Spec, soap: Soap) -> None:
    """Operations carry known commands and endpoints; names are unique."""
    where = spec.sources.get("soap", "spec")
    endpoints = {c.endpoint for c in spec.commands.values()}
    seen: set[str] = set()
    for index, op in enumerate(soap.operations):
        path = f"{where}: $.soap.operations[{index}]"
        if op.name in seen:
            raise SpecError(f"{path}.name: duplicate operation {op.name!r}")
        seen.add(op.name)
        if op.command not in spec.error_maps:
            raise SpecError(f"{path}.command: no error map {op.command!r}")
        if op.endpoint not in endpoints:
            raise SpecError(f"{path}.endpoint: no command has the endpoint {op.endpoint!r}")
        for kind, fields in (("params", op.params), ("fields", op.fields)):
            names = [f.name for f in fields]
            if len(set(names)) != len(names):
                raise SpecError(f"{path}.{kind}: duplicate element names")
        if "error" not in {f.name for f in op.fields}:
            raise SpecError(f"{path}.fields: a result needs its `error` element")


def _fail(spec: Spec, section: str, name: str, path: str, message: str) -> SpecError:
    return SpecError(f"{spec.sources.get(f'{section}.{name}', '?')}: $.{section}[{name}]{path}: {message}")


def _check_codec(spec: Spec, codec: Codec, err: Any, json: bool = True) -> None:
    if codec.enum is not None:
        if codec.kind != "enum" or codec.enum not in spec.enums:
            raise err(f"unknown enum {codec.enum!r}" if codec.kind == "enum" else f"unknown codec {str(codec)!r}")
    elif codec.kind not in CODEC_KINDS:
        raise err(f"unknown codec {codec.kind!r} (known: {', '.join(sorted(CODEC_KINDS))}, enum:<Enum>)")
    elif json and not CODEC_KINDS[codec.kind].json:
        raise err(f"codec {codec.kind!r} has no JSON form; use it as a csv override only")


def _validate_layout(spec: Spec, layout: Layout) -> None:
    def err(path: str, message: str) -> SpecError:
        return _fail(spec, "layouts", layout.name, path, message)

    model = spec.models.get(layout.model)
    if model is None:
        raise err(".model", f"unknown model {layout.model!r}")
    attrs = {f.name: f for f in model.fields}
    keys = {}
    for i, f in enumerate(layout.fields):
        _check_codec(spec, f.codec, lambda m, i=i: err(f".fields[{i}].codec", m))
        if f.key in keys:
            raise err(f".fields[{i}].key", f"duplicate key {f.key!r}")
        keys[f.key] = f
        target = f.target
        if target is None:
            continue
        head, _, tail = target.partition(".")
        if head not in attrs:
            raise err(f".fields[{i}].attr", f"model {model.name} has no attribute {head!r}")
        if tail:
            nested = attrs[head].model or attrs[head].type
            if tail not in {nf.name for nf in spec.models[nested].fields}:
                raise err(f".fields[{i}].attr", f"model {nested} has no attribute {tail!r}")
    if sorted(layout.formats) not in ([0, 1, 2, 3], [3]):
        raise err(
            ".formats", "a layout exists in every response format ([0, 1, 2, 3], the default) or in JSON only ([3])"
        )
    if (0 in layout.formats) != bool(layout.text):
        raise err(".text", "give a fmt=0 template exactly when the layout exists in fmt=0")
    if (1 in layout.formats) != bool(layout.csv):
        raise err(".csv", "give the fmt=1 columns exactly when the layout exists in fmt=1")
    for key in _PLACEHOLDER.findall(layout.text):
        if key not in keys:
            raise err(".text", f"placeholder {{{key}}} is not a field key")
    for i, item in enumerate(layout.csv):
        if (item.key is None) == (item.literal is None):
            raise err(f".csv[{i}]", "give exactly one of key and literal")
        if item.key is not None and item.key not in keys:
            raise err(f".csv[{i}]", f"{item.key!r} is not a field key")
        if item.codec is not None:
            _check_codec(spec, item.codec, lambda m, i=i: err(f".csv[{i}].codec", m), json=False)
    if layout.when is not None and layout.when not in attrs:
        raise err(".when", f"model {model.name} has no attribute {layout.when!r}")


def _validate(spec: Spec) -> None:
    for model in spec.models.values():
        for i, f in enumerate(model.fields):
            ok = f.type in MODEL_TYPES or f.enum in spec.enums or f.model in spec.models
            if not ok:
                raise _fail(spec, "models", model.name, f".fields[{i}].type", f"unknown type {f.type!r}")
    for name, codes in spec.error_maps.items():
        for i, code in enumerate(codes):
            if code.error not in spec.errors:
                raise _fail(spec, "error_maps", name, f"[{i}].error", f"unknown error class {code.error!r}")
    for layout in spec.layouts.values():
        _validate_layout(spec, layout)
    for reply in spec.replies.values():
        _validate_reply(spec, reply)
    for command in spec.commands.values():

        def err(path: str, message: str, command: Any = command) -> SpecError:
            return _fail(spec, "commands", command.name, path, message)

        if command.retry not in RETRY_MODES:
            raise err(".retry", f"must be one of {sorted(RETRY_MODES)}")
        if command.retry == "recover" and not command.assign_id:
            raise err(".retry", "recover needs assign_id: a lost reply is looked up by the message id")
        if command.error_map not in spec.error_maps:
            raise err(".error_map", f"unknown error map {command.error_map!r}")
        params = {p.name: p for p in command.params}
        for i, p in enumerate(command.params):
            _check_param(spec, p, lambda m, i=i: err(f".params[{i}]", m))
        _validate_command_extras(spec, command, params, err)
        choices = [command.reply] if isinstance(command.reply, str) else list(command.reply.map.values())
        for ref in choices:
            if ref not in spec.replies:
                raise err(".reply", f"unknown reply {ref!r}")
        if isinstance(command.reply, ReplyChoice):
            by = params.get(command.reply.by)
            if by is None or by.enum is None:
                raise err(".reply.by", f"{command.reply.by!r} is not an enum parameter")
            members = {m.name for m in spec.enums[by.enum].members}
            if set(command.reply.map) != members:
                raise err(".reply.map", f"must map exactly the members {sorted(members)}")
    methods: dict[tuple[str | None, str], str] = {}
    groups = {c.group for c in spec.commands.values() if c.group is not None}
    for command in spec.commands.values():
        key = (command.group, command.method or command.name)
        if key in methods:
            raise _fail(spec, "commands", command.name, ".method", f"the same method as command {methods[key]!r}")
        if command.group is None and command.name in groups:
            raise _fail(spec, "commands", command.name, ".name", "a client method cannot share a group's name")
        methods[key] = command.name


def _validate_reply(spec: Spec, reply: Reply) -> None:
    def err(path: str, message: str) -> SpecError:
        return _fail(spec, "replies", reply.name, path, message)

    models = set()
    formats = {0, 1, 2, 3}
    for i, ref in enumerate(reply.layouts):
        if ref not in spec.layouts:
            raise err(f".layouts[{i}]", f"unknown layout {ref!r}")
        models.add(spec.layouts[ref].model)
        formats &= set(spec.layouts[ref].formats)
    if reply.bare is not None:
        if reply.layouts or reply.multi is not None or not reply.bare:
            raise err(".bare", "a bare reply is one non-empty literal body, without layouts or multi")
    elif len(models) != 1:
        raise err(".layouts", "all layouts of a reply must share one model")
    elif not formats:
        raise err(".layouts", "the layouts of a reply have no response format in common")
    if (reply.empty_code is not None or reply.records_key is not None) and reply.multi is None:
        raise err(".multi", "empty_code and records_key belong to multi replies")
    for i, ex in enumerate(reply.examples):
        if ex.fmt not in formats:
            raise err(f".examples[{i}].fmt", f"must be one of the reply's formats {sorted(formats)}")
        if reply.bare is not None:
            if ex.value is not None or ex.values is not None:
                raise err(f".examples[{i}]", "a bare reply's example has no value")
        elif (ex.value is None) == (ex.values is None) or (ex.values is not None) != (reply.multi is not None):
            raise err(f".examples[{i}]", "give `values` for a multi reply, else `value`")


def reply_formats(spec: Spec, reply: Reply) -> list[int]:
    """The response formats every layout of a reply exists in."""
    formats = {0, 1, 2, 3}
    for ref in reply.layouts:
        formats &= set(spec.layouts[ref].formats)
    return sorted(formats)


def _validate_command_extras(spec: Spec, command: Command, params: dict[str, Param], err: Any) -> None:
    """group, fmt, pages, one_of and span of a command."""
    refs = [command.reply] if isinstance(command.reply, str) else list(command.reply.map.values())
    for ref in refs:
        reply = spec.replies.get(ref)
        if reply is None:
            continue  # reported with the reply
        formats = reply_formats(spec, reply)
        if command.fmt is None and formats != [0, 1, 2, 3]:
            raise err(".fmt", f"reply {ref!r} exists only in formats {formats}: name the one to request")
        if command.fmt is not None and command.fmt not in formats:
            raise err(".fmt", f"reply {ref!r} has no fmt={command.fmt} layout")
        if command.pages is not None and reply.multi is None:
            raise err(".pages", f"reply {ref!r} is not a list")
    if command.method is not None and command.group is None:
        raise err(".method", "a method name belongs to a group")
    for name in (command.group, command.method or command.name):
        if name is not None and not name.isidentifier():
            raise err(".group", f"{name!r} is not a Python identifier")
    pages = command.pages
    if pages is not None:
        for path, name in ((".pages.cursor", pages.cursor), (".pages.size", pages.size)):
            p = params.get(name)
            if p is None or p.type != "int" or p.required:
                raise err(path, f"{name!r} is not an optional int parameter")
        if pages.max < 1 or params[pages.size].max != pages.max:
            raise err(".pages.max", f"must be positive and equal the max of {pages.size!r}")
        reply = spec.replies.get(command.reply) if isinstance(command.reply, str) else None
        model = spec.models[spec.layouts[reply.layouts[0]].model] if reply and reply.layouts else None
        if model is None or pages.next not in {f.name for f in model.fields}:
            raise err(".pages.next", f"{pages.next!r} is not an attribute of the listed records")
    for key, names in (("one_of", command.one_of), ("any_of", command.any_of)):
        for i, name in enumerate(names):
            if name not in params or params[name].required:
                raise err(f".{key}[{i}]", f"{name!r} is not an optional parameter")
        if names and len(names) < 2:
            raise err(f".{key}", "name at least two parameters")
    if command.span is not None:
        for name in (command.span.start, command.span.end):
            if name not in params or params[name].type != "date":
                raise err(".span", f"{name!r} is not a date parameter")


def _check_param(spec: Spec, param: Param, err: Any) -> None:
    if param.enum is not None:
        enum: EnumSpec | None = spec.enums.get(param.enum)
        if enum is None:
            raise err(f"unknown enum {param.enum!r}")
        if param.default is not None and param.default not in {m.name for m in enum.members}:
            raise err(f"default {param.default!r} is not a member of {param.enum}")
    elif param.type not in PARAM_TYPES:
        raise err(f"unknown parameter type {param.type!r} (known: {', '.join(sorted(PARAM_TYPES))}, enum:<Enum>)")
    if isinstance(param.wire, list) != (param.type == "status_pairs"):
        raise err("only status_pairs parameters have a list of wire names")


SMPP_INTS = {"int1": 1, "int2": 2, "int4": 4}
SMPP_FIELD_TYPES = frozenset({*SMPP_INTS, "cstr", "time", "octets"})
SMPP_TLV_TYPES = frozenset({*SMPP_INTS, "cstr", "octets"})
SMPP_HANDLING = frozenset({"ok", "fail", "backoff", "limited", "auth"})
SMPP_CHECKS = frozenset({"message"})
SMPP_RESERVED = frozenset({"sequence_number", "command_status", "command_id", "other_tlvs", "encode", "response"})
RECEIPT_KEYS = frozenset({"id", "sub", "dlvrd", "submit_date", "done_date", "stat", "err", "text"})
RESPONSE_BIT = 0x80000000


def _validate_smpp_field(f: SmppField, fields: dict[str, SmppField], err: Any) -> None:
    if f.type not in SMPP_FIELD_TYPES:
        raise err(".type", f"unknown type {f.type!r} (known: {', '.join(sorted(SMPP_FIELD_TYPES))})")
    if f.name in SMPP_RESERVED:
        raise err(".name", f"{f.name!r} is reserved")
    if f.type in ("cstr", "octets") and (f.max is None or f.max < 1):
        raise err(".max", f"a {f.type} field needs a positive max")
    if f.type in ("time", *SMPP_INTS) and f.max is not None:
        raise err(".max", f"a {f.type} field has no max")
    if (f.type == "octets") != (f.length is not None):
        raise err(".length", "octets fields, and only they, name their length field")
    if f.length is not None:
        source = fields.get(f.length)
        if source is None or source.length_of != f.name or list(fields)[-1] != f.length:
            raise err(".length", f"{f.length!r} must be the integer field just before, with length_of: {f.name}")
        if f.max is not None and f.max >= 256 ** SMPP_INTS[source.type]:
            raise err(".max", f"larger than its length field {f.length!r} can carry")
    if f.length_of is not None and f.type not in SMPP_INTS:
        raise err(".length_of", "only integer fields carry a length")
    if f.default is not None:
        ok = isinstance(f.default, int) if f.type in SMPP_INTS else isinstance(f.default, str)
        if not ok or (isinstance(f.default, int) and not 0 <= f.default < 256 ** SMPP_INTS[f.type]):
            raise err(".default", f"{f.default!r} does not fit a {f.type} field")


def _validate_smpp(spec: Spec, smpp: Smpp) -> None:
    """SMPP: known types, unique ids and tags, a response per request, receipt states tied to MessageStatus."""
    where = spec.sources.get("smpp", "?")

    def fail(path: str, message: str) -> SpecError:
        return SpecError(f"{where}: $.smpp{path}: {message}")

    tlvs: dict[str, SmppTlv] = {}
    for i, t in enumerate(smpp.tlvs):
        if t.type not in SMPP_TLV_TYPES:
            raise fail(f".tlvs[{i}].type", f"unknown TLV type {t.type!r} (known: {', '.join(sorted(SMPP_TLV_TYPES))})")
        if t.name in tlvs or any(o.tag == t.tag for o in tlvs.values()):
            raise fail(f".tlvs[{i}]", f"duplicate TLV name or tag ({t.name}, 0x{t.tag:04X})")
        if not 0 < t.tag <= 0xFFFF:
            raise fail(f".tlvs[{i}].tag", "must be 1..0xFFFF")
        if t.type == "cstr" and (t.max is None or t.size is not None):
            raise fail(f".tlvs[{i}]", "a cstr TLV has a max (NUL included) and no size")
        if t.type == "octets" and (t.max is None) == (t.size is None):
            raise fail(f".tlvs[{i}]", "an octets TLV has either a max or a size")
        if t.type in SMPP_INTS and (t.max is not None or t.size is not None):
            raise fail(f".tlvs[{i}]", "an integer TLV has neither max nor size")
        if t.max is not None and not 0 < t.max <= 0xFFFF:
            raise fail(f".tlvs[{i}].max", "must be 1..65535")
        tlvs[t.name] = t
    pdus: dict[str, SmppPdu] = {}
    for i, pdu in enumerate(smpp.pdus):
        if pdu.name in pdus or any(o.id == pdu.id for o in pdus.values()):
            raise fail(f".pdus[{i}]", f"duplicate PDU name or id ({pdu.name}, 0x{pdu.id:08X})")
        if not 0 <= pdu.id <= 0xFFFFFFFF:
            raise fail(f".pdus[{i}].id", "must fit 4 octets")
        if pdu.check is not None and pdu.check not in SMPP_CHECKS:
            raise fail(f".pdus[{i}].check", f"unknown check {pdu.check!r}")
        fields: dict[str, SmppField] = {}
        for j, f in enumerate(pdu.fields):
            if f.name in fields:
                raise fail(f".pdus[{i}].fields[{j}].name", f"duplicate field {f.name!r}")
            _validate_smpp_field(f, fields, lambda path, m, i=i, j=j: fail(f".pdus[{i}].fields[{j}]{path}", m))
            fields[f.name] = f
        for j, f in enumerate(pdu.fields):
            if f.length_of is not None and (f.length_of not in fields or fields[f.length_of].length != f.name):
                message = f"{f.length_of!r} is not an octets field with length: {f.name}"
                raise fail(f".pdus[{i}].fields[{j}].length_of", message)
        for j, name in enumerate(pdu.tlvs):
            if name not in tlvs:
                raise fail(f".pdus[{i}].tlvs[{j}]", f"unknown TLV {name!r}")
            if name in fields or pdu.tlvs.index(name) != j:
                raise fail(f".pdus[{i}].tlvs[{j}]", f"{name!r} is already a field or TLV of {pdu.name}")
        pdus[pdu.name] = pdu
    for name, pdu in pdus.items():
        if name == "generic_nack":
            continue
        if name.endswith("_resp"):
            request = pdus.get(name.removesuffix("_resp"))
            if request is None or pdu.id != request.id | RESPONSE_BIT:
                raise fail(f".pdus[{name}].id", f"must be the id of {name.removesuffix('_resp')} | 0x80000000")
        elif f"{name}_resp" not in pdus or pdu.id & RESPONSE_BIT:
            raise fail(f".pdus[{name}]", f"a request needs a {name}_resp and an id below 0x80000000")
    names = {st.name for st in smpp.statuses}
    for pdu in smpp.pdus:
        for j, f in enumerate(pdu.fields):
            if f.status is not None and f.status not in names:
                raise fail(f".pdus[{pdu.name}].fields[{j}].status", f"unknown command_status {f.status!r}")
    codes: set[int] = set()
    for i, st in enumerate(smpp.statuses):
        if st.code in codes or st.handling not in SMPP_HANDLING:
            known = ", ".join(sorted(SMPP_HANDLING))
            raise fail(f".statuses[{i}]", f"duplicate code or unknown handling (known: {known})")
        codes.add(st.code)
    receipt = smpp.receipt
    for key in _PLACEHOLDER.findall(receipt.template):
        if key not in RECEIPT_KEYS:
            raise fail(".receipt.template", f"unknown placeholder {{{key}}} (known: {', '.join(sorted(RECEIPT_KEYS))})")
    statuses = spec.enums.get("MessageStatus")
    members = {m.name for m in statuses.members} if statuses else set()
    states = {}
    for i, state in enumerate(receipt.states):
        if state.status not in members:
            raise fail(f".receipt.states[{i}].status", f"{state.status!r} is not a MessageStatus member")
        if len(state.stat) != 7 or state.name in states:
            raise fail(f".receipt.states[{i}]", "stat words have 7 letters; names are unique")
        states[state.name] = state
    for key, value in receipt.from_status.items():
        if key not in members or value not in states:
            raise fail(f".receipt.from_status.{key}", "maps a MessageStatus member to a state name")
    missing = sorted(members - set(receipt.from_status))
    if missing:
        raise fail(".receipt.from_status", f"must map every MessageStatus member; missing {missing}")


def _validate_text(spec: Spec, text: Text) -> None:
    """Text: a complete GSM table without duplicates, capacities that follow from the octets, sound translit tables."""
    where = spec.sources.get("text", "?")

    def fail(path: str, message: str) -> SpecError:
        return SpecError(f"{where}: $.text{path}: {message}")

    def members(enum: str, path: str) -> dict[str, int]:
        found = spec.enums.get(enum)
        if found is None:
            raise fail(path, f"needs the enum {enum}")
        return {m.name: m.value for m in found.members}

    if not 0 <= text.escape < 128:
        raise fail(".escape", "must be a septet code 0x00..0x7F")
    codes = set(range(128)) - {text.escape}
    seen: dict[str, str] = {}
    for table, entries, allowed in (("alphabet", text.alphabet, codes), ("extension", text.extension, codes)):
        for code, char in entries.items():
            path = f".{table}[0x{code:02X}]"
            if code not in allowed:
                raise fail(path, f"not a character code (0x00..0x7F except the escape 0x{text.escape:02X})")
            if len(char) != 1:
                raise fail(path, f"{char!r} is not one character")
            if char in seen:
                raise fail(path, f"duplicate character {char!r}, also at {seen[char]}")
            seen[char] = table + f"[0x{code:02X}]"
    missing = sorted(codes - set(text.alphabet))
    if missing:
        raise fail(
            ".alphabet",
            f"has {len(text.alphabet)} of {len(codes)} codes; missing " + ", ".join(f"0x{c:02X}" for c in missing),
        )
    udh: dict[str, Any] = {}
    for i, kind in enumerate(text.udh):
        if kind.name in udh or kind.reference_octets in {k.reference_octets for k in udh.values()}:
            raise fail(f".udh[{i}]", f"duplicate header name or reference size ({kind.name})")
        if kind.reference_octets not in (1, 2) or kind.octets != 5 + kind.reference_octets:
            raise fail(f".udh[{i}]", "reference_octets is 1 or 2 and octets = 5 + reference_octets")
        if not 0 <= kind.iei <= 0xFF:
            raise fail(f".udh[{i}].iei", "must be one octet")
        udh[kind.name] = kind
    if text.concatenation not in udh:
        raise fail(".concatenation", f"unknown header {text.concatenation!r} (known: {', '.join(udh)})")
    header = udh[text.concatenation].octets
    encodings = members("Encoding", ".encodings")
    if set(text.encodings) != set(encodings):
        raise fail(".encodings", f"must give exactly the Encoding members {sorted(encodings)}")
    for name, enc in text.encodings.items():
        single, multi = text.sms_octets * 8 // enc.bits, (text.sms_octets - header) * 8 // enc.bits
        if (enc.single, enc.multi) != (single, multi):
            raise fail(
                f".encodings.{name}",
                f"{enc.bits}-bit units give single {single} and multi {multi} "
                f"(sms_octets {text.sms_octets}, a {header}-octet header)",
            )
    if text.max_chars < 1:
        raise fail(".max_chars", "must be positive")
    translit = members("Translit", ".translit")
    wanted = {name for name, value in translit.items() if value != 0}
    if set(text.translit) != wanted:
        raise fail(".translit", f"must give a table for exactly {sorted(wanted)}")
    for name, mapping in text.translit.items():
        for char, replacement in mapping.items():
            path = f".translit.{name}[{char!r}]"
            if len(char) != 1 or char.isascii():
                raise fail(path, "keys are single non-ASCII characters")
            bad = [c for c in replacement if c not in seen]
            if bad:
                raise fail(path, f"{replacement!r} has characters outside GSM-7: {bad}")
    formats = spec.enums.get("MessageFormat")
    per_recipient = {m.name for m in formats.members if m.per_recipient} if formats else set()
    kinds = members("MessageFormat", ".binary_formats") if text.binary_formats else {}
    for name, how in text.binary_formats.items():
        if name not in kinds or name in per_recipient:
            raise fail(f".binary_formats.{name}", "must be a MessageFormat member billed per part")
        if how not in ("utf-8", "hex"):
            raise fail(f".binary_formats.{name}", f"{how!r} is not utf-8 or hex")


__all__ = ["CsvItem", "SpecError", "load", "load_file"]
