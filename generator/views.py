"""Facts the templates lay out: for each layout, where every attribute comes from and what a reply holds.

The templates hold the shape of every generated module (their macros turn a codec and a value
into a call); this module only works out names, keys, positions, codecs and groupings.
"""

from __future__ import annotations

import builtins
import keyword
import re
from collections.abc import Iterator

from attrs import Factory, evolve, frozen

from generator.model import Codec, Command, CsvItem, Layout, LayoutField, Model, Param, Reply, Spec

_TOKEN = re.compile(r"\{(\w+)\}|\[|\]|[^{}\[\]]+")
_REGEX_SPECIAL = re.compile(r"[.^$*+?{}\[\]\\|()]")  # escaped in a pattern; spaces and dashes read as they are
PY_TYPES = {
    "int": "int",
    "str": "str",
    "bool": "bool",
    "money": "Decimal",
    "datetime": "datetime",
    "message_id": "MessageId",
}


def py_type(type_: str) -> str:
    """The Python annotation of a model field type."""
    kind, _, ref = type_.partition(":")
    return ref if kind in ("enum", "model") else PY_TYPES[type_]


_TAKEN = frozenset({"rec", "ctx", "text", "m", "g", "f", "v", "value", *keyword.kwlist, *dir(builtins)})


def _local(attr: str) -> str:
    """The name of a local holding an attribute's value: the attribute's own, unless a parser uses it."""
    name = attr.replace(".", "_")
    return f"{name}_" if name in _TAKEN or name.startswith("_") else name


def _tokens(template: str) -> list[object]:
    """Template -> tokens: literal strings, ("ph", key), and nested lists for [optional] parts."""
    stack: list[list[object]] = [[]]
    for m in _TOKEN.finditer(template):
        piece = m.group(0)
        if m.group(1):
            stack[-1].append(("ph", m.group(1)))
        elif piece == "[":
            stack.append([])
        elif piece == "]":
            group = stack.pop()
            stack[-1].append(group)
        else:
            stack[-1].append(piece)
    if len(stack) != 1:
        raise ValueError(f"unbalanced [ ] in {template!r}")
    return stack[0]


def _placeholders(tokens: list[object]) -> Iterator[tuple[str, bool]]:
    """(key, inside an optional group) for every placeholder, in order."""
    for token in tokens:
        if isinstance(token, tuple):
            yield token[1], False
        elif isinstance(token, list):
            yield from ((key, True) for key, _ in _placeholders(token))


@frozen
class Arg:
    """One keyword argument of a model built by a parser, and where its value comes from."""

    name: str
    field: LayoutField | None = None  # read from this wire field (with `codec`)
    codec: Codec | None = None
    index: int | None = None  # position in a comma reply
    optional: bool = False  # may be absent: None then
    local: str | None = None  # computed before the construction (an attribute with fallback keys)
    context: bool = False  # supplied by the caller (ctx)
    nested: Build | None = None  # a nested model


@frozen
class Build:
    """A model constructed from parsed values: the trusted constructor and its arguments."""

    model: str
    args: list[Arg]


@frozen
class Fallback:
    """A local set from the first of several keys a record carries (the attribute's `fallback` fields last)."""

    local: str
    fields: list[LayoutField]


@frozen
class Piece:
    """One part of a rendered record: fixed text, an attribute written by its codec, or an optional group."""

    text: str | None = None  # fixed text
    attr: str | None = None  # model attribute path, "hlr.imsi" for a nested model
    codec: Codec | None = None
    group: list[Piece] | None = None  # an optional [part]: rendered when none of `attrs` is None
    attrs: list[str] = Factory(list)


@frozen
class Entry:
    """One key of a rendered XML or JSON record."""

    key: str
    piece: Piece
    optional: bool = False  # left out (JSON) or empty (XML) when the attribute is None


@frozen
class LayoutView:
    """One layout as one reply uses it (with the multi-record prefix, if any)."""

    ident: str
    layout: Layout
    model: Model
    fields: list[LayoutField]
    text: str
    csv: list[CsvItem]
    context: list[str]
    spec: Spec

    @property
    def in_text(self) -> bool:
        """The layout exists in fmt=0."""
        return 0 in self.layout.formats

    @property
    def in_csv(self) -> bool:
        """The layout exists in fmt=1."""
        return 1 in self.layout.formats

    @property
    def in_record(self) -> bool:
        """The layout exists as an XML element or a JSON object (fmt=2 or 3)."""
        return 2 in self.layout.formats or 3 in self.layout.formats

    @property
    def by_key(self) -> dict[str, LayoutField]:
        return {f.key: f for f in self.fields}

    @property
    def nested(self) -> list[str]:
        """Nested-model attributes (e.g. hlr) this layout fills."""
        seen: list[str] = []
        for f in self.fields:
            target = f.target
            if target and "." in target and target.split(".")[0] not in seen:
                seen.append(target.split(".")[0])
        return seen

    # --- parsing -------------------------------------------------------------------------
    def _build(self, args: list[Arg]) -> Build:
        """The model's construction: its attributes in model order, nested models grouped, context last."""
        flat = {a.name: a for a in args if "." not in a.name}
        nested: dict[str, list[Arg]] = {}
        for a in args:
            if "." in a.name:
                head, tail = a.name.split(".", 1)
                nested.setdefault(head, []).append(evolve(a, name=tail))
        out = []
        for mf in self.model.fields:
            if mf.name in flat:
                out.append(flat[mf.name])
            elif mf.name in nested:
                out.append(Arg(mf.name, nested=Build(py_type(mf.type), nested[mf.name])))
            elif mf.name in self.context:
                out.append(Arg(mf.name, context=True))
            elif not mf.optional and mf.default is None:
                raise ValueError(f"layout {self.layout.name}: nothing fills {self.model.name}.{mf.name}")
        return Build(self.model.name, out)

    @property
    def text_regex(self) -> list[str]:
        """The fmt=0 regular expression in pieces, each ending with a placeholder's group (one line each)."""
        tokens = _tokens(self.text)
        keys = [k for k, _ in _placeholders(tokens)]
        last = keys[-1] if keys else None

        def regex(items: list[object]) -> list[str]:
            out = [""]
            for token in items:
                if isinstance(token, tuple):
                    out[-1] += f"(?P<{token[1]}>.*)" if token[1] == last else f"(?P<{token[1]}>.*?)"
                    out.append("")
                elif isinstance(token, list):
                    out[-1] += "(?:" + "".join(regex(token)) + ")?"
                else:
                    out[-1] += _REGEX_SPECIAL.sub(r"\\\g<0>", str(token))
            return out

        return [piece for piece in regex(tokens) if piece]

    @property
    def text_build(self) -> Build:
        args = []
        for key, optional in _placeholders(_tokens(self.text)):
            f = self.by_key[key]
            if f.target is not None:
                args.append(Arg(f.target, field=f, codec=f.codec, optional=optional))
        return self._build(args)

    @property
    def text_literals(self) -> list[tuple[str, str]]:
        """(placeholder, the text it must read) for literal fields."""
        return [
            (k, self.by_key[k].literal or "")
            for k, _ in _placeholders(_tokens(self.text))
            if self.by_key[k].literal is not None
        ]

    @property
    def csv_split(self) -> int | None:
        """The maxsplit of a comma reply whose last field takes the rest of the line, else None."""
        return len(self.csv) - 1 if self.layout.csv_rest else None

    @property
    def csv_checks(self) -> list[tuple[int, str]]:
        """(position, the text it must read) for literal items."""
        checks = []
        for i, item in enumerate(self.csv):
            literal = item.literal if item.key is None else self.by_key[item.key].literal
            if literal is not None:
                checks.append((i, literal))
        return checks

    @property
    def csv_build(self) -> Build:
        args = []
        for i, item in enumerate(self.csv):
            f = self.by_key[item.key] if item.key is not None else None
            if f is not None and f.target is not None:
                args.append(Arg(f.target, field=f, codec=item.codec or f.codec, index=i))
        return self._build(args)

    def _sources(self) -> dict[str, list[LayoutField]]:
        groups: dict[str, list[LayoutField]] = {}
        for f in self.fields:
            if f.target is not None:
                groups.setdefault(f.target, []).append(f)
        for fields in groups.values():
            fields.sort(key=lambda f: f.fallback)
        return groups

    @property
    def record_required(self) -> list[list[str]]:
        """The keys a record of this shape carries: each item lists alternatives, one of which is present."""
        return [[f.key for f in fields] for fields in self._sources().values() if not all(f.optional for f in fields)]

    @property
    def record_literals(self) -> list[LayoutField]:
        """Literal fields: a record of this shape has exactly this text at the key (optional ones may omit it)."""
        return [f for f in self.fields if f.literal is not None]

    @property
    def record_fallbacks(self) -> list[Fallback]:
        """Attributes read from the first present of several keys."""
        return [Fallback(_local(attr), fields) for attr, fields in self._sources().items() if len(fields) > 1]

    @property
    def record_build(self) -> Build:
        args = []
        for attr, fields in self._sources().items():
            if len(fields) > 1:
                args.append(Arg(attr, local=_local(attr)))
            else:
                args.append(Arg(attr, field=fields[0], codec=fields[0].codec, optional=fields[0].optional))
        return self._build(args)

    # --- rendering -----------------------------------------------------------------------
    def _piece(self, f: LayoutField, codec: Codec | None = None) -> Piece:
        if f.target is None:
            return Piece(text=f.literal if f.literal is not None else f.constant, codec=f.codec)
        return Piece(attr=f.target, codec=codec or f.codec)

    @property
    def render_text(self) -> list[Piece]:
        """The fmt=0 line: fixed text, values and optional groups, in order."""

        def pieces(items: list[object]) -> list[Piece]:
            out = []
            for token in items:
                if isinstance(token, tuple):
                    out.append(self._piece(self.by_key[token[1]]))
                elif isinstance(token, list):
                    attrs = [self.by_key[k].target or k for k, _ in _placeholders(token)]
                    out.append(Piece(group=pieces(token), attrs=attrs))
                else:
                    out.append(Piece(text=str(token)))
            return out

        return pieces(_tokens(self.text))

    @property
    def render_csv(self) -> list[Piece]:
        """The fmt=1 items, in order."""
        return [
            Piece(text=item.literal) if item.key is None else self._piece(self.by_key[item.key], item.codec)
            for item in self.csv
        ]

    @property
    def render_record(self) -> list[Entry]:
        """The XML children or JSON keys of a record."""
        return [Entry(f.key, self._piece(f), f.optional and f.target is not None) for f in self.fields]


def built_models(spec: Spec) -> list[Model]:
    """The models that reply parsers construct (layout models and the models nested in them), in spec order."""
    names = {spec.layouts[name].model for reply in spec.replies.values() for name in reply.layouts}
    for name in list(names):
        names.update(f.model for f in spec.models[name].fields if f.model is not None)
    return [model for name, model in spec.models.items() if name in names]


def layout_views(spec: Spec, reply: Reply) -> list[LayoutView]:
    views = []
    for name in reply.layouts:
        layout = spec.layouts[name]
        prefix = reply.multi
        views.append(
            LayoutView(
                ident=f"{reply.name}__{name}",
                layout=layout,
                model=spec.models[layout.model],
                fields=[*(prefix.fields if prefix else []), *layout.fields],
                text=(prefix.text if prefix else "") + layout.text,
                csv=[*(CsvItem(key=f.key) for f in (prefix.fields if prefix else [])), *layout.csv],
                context=reply.context,
                spec=spec,
            )
        )
    return views


_PARAM_ANNOTATIONS = {
    "phones": "str | Sequence[str]",
    "phone": "str",
    "message": "str",
    "sender": "str",
    "message_id": "MessageId",
    "int": "int",
    "decimal": "Decimal | int | str",
    "bool": "bool",
    "str": "str",
    "message_format": "MessageFormat",
    "send_time": "datetime | timedelta | str | int",
    "valid": "int | timedelta | str",
    "status_pairs": "Sequence[tuple[MessageId, str]]",
    "files": "Sequence[FileLike]",
    "document": "FileLike",
    "date": "date",
    "template_format": "MessageFormat",
}


@frozen
class ParamView:
    """How one command parameter appears in a signature and goes on the wire."""

    param: Param
    has_format: bool  # the command also takes a message_format parameter
    checks_format: bool = False  # the format is checked here, once, before this parameter (see param_views)
    format_checked: bool = False  # the format's facts (format_kind, ...) are locals from here on

    @property
    def name(self) -> str:
        return self.param.name

    @property
    def annotation(self) -> str:
        base = self.param.enum or _PARAM_ANNOTATIONS[self.param.type]
        if self.param.required or self.param.default is not None:
            return base
        return f"{base} | None"

    @property
    def default(self) -> str | None:
        """The default in the signature, or None for a required parameter."""
        if self.param.required:
            return None
        if self.param.default is not None:
            return f"{self.param.enum or 'MessageFormat'}.{self.param.default}"
        return "None"


def _raises_on_format(p: Param) -> bool:
    """True when this parameter always checks the format, at its place in the builder (as a bad format raises)."""
    if p.type == "message_format":
        return True
    return p.type in ("phones", "sender") and (p.required or p.default is not None)


def param_views(command: Command) -> list[ParamView]:
    """The command's parameters; with a format, it is checked once where it was first needed (same errors, same
    order), and the parameters after that use its facts."""
    has_format = any(p.type == "message_format" for p in command.params)
    point = next((i for i, p in enumerate(command.params) if _raises_on_format(p)), None) if has_format else None
    return [
        ParamView(p, has_format, checks_format=i == point, format_checked=point is not None and i >= point)
        for i, p in enumerate(command.params)
    ]


def method_name(command: Command) -> str:
    """The method's name on the client or on its group."""
    return command.method or command.name


def group_class(group: str) -> str:
    """The class of a client's group attribute: contacts -> Contacts, subaccounts -> Subaccounts."""
    return "".join(part.capitalize() for part in group.split("_"))


@frozen
class CommandView:
    """One command as the client presents it: parameters, the reply it parses, what it returns."""

    command: Command
    params: list[ParamView]
    replies: dict[str, str]  # member of the `by` enum -> reply name; {"": reply} for a single reply
    by: str | None  # the enum parameter choosing the reply
    by_enum: str | None
    multi: bool  # the reply has several records
    model: str | None  # the reply's model (None for a bare reply)
    return_type: str  # annotation of the method's result
    bare: bool = False  # the reply is a bare literal (OK): the method returns None

    @property
    def name(self) -> str:
        """The method's name on the client or on its group."""
        return method_name(self.command)

    @property
    def positional(self) -> list[ParamView]:
        return [p for p in self.params if p.default is None]

    @property
    def keyword(self) -> list[ParamView]:
        return [p for p in self.params if p.default is not None]

    @property
    def parse_type(self) -> str:
        """The annotation of what its reply parser gives."""
        if self.model is None:
            return "None"
        return f"list[{self.model}]" if self.multi else self.model

    @property
    def parsers_constant(self) -> str:
        """The module constant mapping each member of the `by` enum to its parser."""
        return f"_{self.command.name.upper()}_PARSERS"


def parse_method_wanted(cv: CommandView) -> bool:
    """True when the client parses the command's reply with a method of its own: one reply, no values of the call."""
    return not cv.by and not cv.command.context and cv.command.pages is None


def command_view(spec: Spec, command: Command) -> CommandView:
    reply = command.reply
    if isinstance(reply, str):
        replies, by, by_enum = {"": reply}, None, None
    else:
        by = reply.by
        by_enum = next(p.enum for p in command.params if p.name == by)
        replies = dict(reply.map)
    first = spec.replies[next(iter(replies.values()))]
    model = spec.layouts[first.layouts[0]].model if first.layouts else None
    if model is None:
        return_type = "None"
    elif command.pages is not None:
        return_type = f"Iterator[{model}]"
    else:
        return_type = f"list[{model}]" if first.multi else model
    if command.returns and model is not None:
        return_type = py_type(next(f.type for f in spec.models[model].fields if f.name == command.returns))
    return CommandView(
        command=command,
        params=param_views(command),
        replies=replies,
        by=by,
        by_enum=by_enum,
        multi=first.multi is not None,
        model=model,
        return_type=return_type,
        bare=first.bare is not None,
    )
