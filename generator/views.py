"""Code snippets the templates lay out: parse and render expressions for each layout.

The templates hold the shape of every generated module; this module computes the Python
expressions that depend on codecs, attribute paths and templates, so that the Jinja2 side
stays free of string surgery.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from attrs import frozen

from generator.model import Command, CsvItem, Layout, LayoutField, Model, Param, Reply, Spec

_TOKEN = re.compile(r"\{(\w+)\}|\[|\]|[^{}\[\]]+")
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


def parse_expr(codec: str, src: str) -> str:
    if codec.startswith("enum:"):
        return f"_p_{codec[5:]}({src})"
    return f"_c.p_{codec}({src})"


def text_expr(codec: str, src: str) -> str:
    if codec.startswith("enum:"):
        return f"_c.r_int({src})"
    return f"_c.r_{codec}({src})"


def json_expr(codec: str, src: str) -> str:
    if codec.startswith("enum:") or codec == "int":
        return f"_c.j_int({src})"
    if codec in ("money", "message_id", "id_or_zero", "msk_date", "timestamp", "str"):
        return f"_c.j_{codec}({src})"
    raise ValueError(f"codec {codec} has no JSON form")


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
class Assign:
    attr: str  # model attribute path
    expr: str


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
    def build(self, assigns: list[Assign]) -> str:
        """`Model(attr=expr, ..., nested=Nested(...))` with context attributes from ctx."""
        flat = {a.attr: a.expr for a in assigns if "." not in a.attr}
        nested: dict[str, list[str]] = {}
        for a in assigns:
            if "." in a.attr:
                head, tail = a.attr.split(".", 1)
                nested.setdefault(head, []).append(f"{tail}={a.expr}")
        args = []
        for mf in self.model.fields:
            if mf.name in flat:
                args.append(f"{mf.name}={flat[mf.name]}")
            elif mf.name in nested:
                args.append(f"{mf.name}={py_type(mf.type)}({', '.join(nested[mf.name])})")
            elif mf.name in self.context:
                args.append(f'{mf.name}=ctx["{mf.name}"]')
            elif not mf.optional and mf.default is None:
                raise ValueError(f"layout {self.layout.name}: nothing fills {self.model.name}.{mf.name}")
        return f"{self.model.name}({', '.join(args)})"

    @property
    def text_regex(self) -> str:
        tokens = _tokens(self.text)
        keys = [k for k, _ in _placeholders(tokens)]
        last = keys[-1] if keys else None

        def regex(items: list[object]) -> str:
            out = []
            for token in items:
                if isinstance(token, tuple):
                    out.append(f"(?P<{token[1]}>.*)" if token[1] == last else f"(?P<{token[1]}>.*?)")
                elif isinstance(token, list):
                    out.append(f"(?:{regex(token)})?")
                else:
                    out.append(re.escape(str(token)))
            return "".join(out)

        return regex(tokens)

    @property
    def text_build(self) -> str:
        assigns = []
        for key, optional in _placeholders(_tokens(self.text)):
            f = self.by_key[key]
            if f.target is None:
                continue
            expr = parse_expr(f.codec, f'g("{key}")')
            if optional:
                expr = f'({expr} if g("{key}") is not None else None)'
            assigns.append(Assign(f.target, expr))
        return self.build(assigns)

    @property
    def text_literals(self) -> list[tuple[str, str]]:
        return [
            (k, self.by_key[k].literal or "")
            for k, _ in _placeholders(_tokens(self.text))
            if self.by_key[k].literal is not None
        ]

    @property
    def csv_rest(self) -> bool:
        return self.layout.csv_rest

    @property
    def csv_checks(self) -> list[tuple[int, str]]:
        checks = []
        for i, item in enumerate(self.csv):
            literal = item.literal if item.key is None else self.by_key[item.key].literal
            if literal is not None:
                checks.append((i, literal))
        return checks

    @property
    def csv_build(self) -> str:
        assigns = []
        for i, item in enumerate(self.csv):
            if item.key is None:
                continue
            f = self.by_key[item.key]
            if f.target is not None:
                assigns.append(Assign(f.target, parse_expr(item.codec or f.codec, f"f[{i}]")))
        return self.build(assigns)

    def _sources(self) -> dict[str, list[LayoutField]]:
        groups: dict[str, list[LayoutField]] = {}
        for f in self.fields:
            if f.target is not None:
                groups.setdefault(f.target, []).append(f)
        for fields in groups.values():
            fields.sort(key=lambda f: f.fallback)
        return groups

    @property
    def record_required(self) -> list[str]:
        """Conditions that a record has this layout's shape."""
        conds = []
        for fields in self._sources().values():
            if all(f.optional for f in fields):
                continue
            conds.append(" or ".join(f'"{f.key}" in rec' for f in fields))
        for f in self.fields:
            if f.literal is not None:
                default = f', "{f.literal}"' if f.optional else ""
                conds.append(f'rec.get("{f.key}"{default}) == "{f.literal}"')
        return [f"({c})" if " or " in c else c for c in conds]

    @property
    def record_lines(self) -> list[str]:
        """Statements setting one local per attribute filled from several keys."""
        lines = []
        for attr, fields in self._sources().items():
            if len(fields) < 2:
                continue
            var = "a_" + attr.replace(".", "_")
            first, *rest = fields
            lines.append(f"{var} = {parse_expr(first.codec, f'rec[{first.key!r}]')} if {first.key!r} in rec else None")
            for f in rest:
                lines.append(f"if {var} is None and {f.key!r} in rec:")
                lines.append(f"    {var} = {parse_expr(f.codec, f'rec[{f.key!r}]')}")
        return lines

    @property
    def record_build(self) -> str:
        assigns = []
        for attr, fields in self._sources().items():
            if len(fields) > 1:
                assigns.append(Assign(attr, "a_" + attr.replace(".", "_")))
                continue
            f = fields[0]
            expr = parse_expr(f.codec, f'rec["{f.key}"]')
            if f.optional:
                expr = f'({expr} if "{f.key}" in rec else None)'
            assigns.append(Assign(attr, expr))
        return self.build(assigns)

    # --- rendering -----------------------------------------------------------------------
    def value_of(self, attr: str) -> str:
        head, _, tail = attr.partition(".")
        return f"n_{head}.{tail}" if tail else f"v.{head}"

    def _render_field(self, f: LayoutField, codec: str | None = None) -> str:
        if f.literal is not None or f.constant is not None:
            return repr(f.literal if f.literal is not None else f.constant)
        assert f.target is not None
        return text_expr(codec or f.codec, self.value_of(f.target))

    @property
    def render_text(self) -> str:
        def expr(items: list[object]) -> str:
            parts = []
            for token in items:
                if isinstance(token, tuple):
                    parts.append(self._render_field(self.by_key[token[1]]))
                elif isinstance(token, list):
                    keys = [k for k, _ in _placeholders(token)]
                    cond = " and ".join(f"{self.value_of(self.by_key[k].target or k)} is not None" for k in keys)
                    parts.append(f'({expr(token)} if {cond} else "")')
                else:
                    parts.append(repr(token))
            return " + ".join(parts) if parts else '""'

        return expr(_tokens(self.text))

    @property
    def render_csv(self) -> str:
        items = []
        for item in self.csv:
            if item.key is None:
                items.append(repr(item.literal))
            else:
                items.append(self._render_field(self.by_key[item.key], item.codec))
        return f'",".join(({", ".join(items)},))'

    @property
    def render_xml(self) -> list[str]:
        out = []
        for f in self.fields:
            value = self._render_field(f)
            if f.optional and f.target is not None:
                value = f"({value} if {self.value_of(f.target)} is not None else None)"
            out.append(f'_r.xml_element("{f.key}", {value})')
        return out

    @property
    def render_json(self) -> list[tuple[str, str, str | None]]:
        """(key, expression, condition or None) for each JSON key."""
        out: list[tuple[str, str, str | None]] = []
        for f in self.fields:
            if f.target is None:
                literal = f.literal if f.literal is not None else f.constant
                assert literal is not None
                out.append((f.key, str(int(literal)) if f.codec == "int" else repr(literal), None))
                continue
            value = self.value_of(f.target)
            cond = f"{value} is not None" if f.optional else None
            out.append((f.key, json_expr(f.codec, value), cond))
        return out


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
}


@frozen
class ParamView:
    """How one command parameter appears in a signature and goes on the wire."""

    param: Param
    has_format: bool  # the command also takes a message_format parameter

    @property
    def name(self) -> str:
        return self.param.name

    @property
    def call_arg(self) -> str:
        """How the client passes this parameter on to the builder."""
        return self.name if self.default is None else f"{self.name}={self.name}"

    @property
    def annotation(self) -> str:
        kind, _, ref = self.param.type.partition(":")
        base = ref if kind == "enum" else _PARAM_ANNOTATIONS[self.param.type]
        if self.param.required or self.param.default is not None:
            return base
        return f"{base} | None"

    @property
    def default(self) -> str | None:
        """The default in the signature, or None for a required parameter."""
        if self.param.required:
            return None
        if self.param.default is not None:
            ref = self.param.type.partition(":")[2] or "MessageFormat"
            return f"{ref}.{self.param.default}"
        return "None"

    @property
    def statements(self) -> list[str]:
        """Statements appending this parameter's wire fields to `fields`."""
        p, name, wire = self.param, self.param.name, self.param.wire
        t = p.type
        if t == "status_pairs":
            assert isinstance(wire, list)
            return [
                f"_ids, _phones = _p.status_pairs({name}, {name!r})",
                f"fields.append(({wire[0]!r}, _ids))",
                f"fields.append(({wire[1]!r}, _phones))",
            ]
        if t == "message_format":
            return [f"fields.extend(_format_wire({name}))"]
        if t == "files":
            return []  # read before the fields: see the template
        if t == "phones":
            kind = "_recipient_kind(format)" if self.has_format else '"phone"'
            expr = f"_p.phones({name}, {name!r}, {kind})"
        elif t == "message":
            empty = "format in _TEXTLESS" if self.has_format else "False"
            expr = f"_p.message({name}, {name!r}, allow_empty={empty})"
        elif t.startswith("enum:"):
            expr = f"_p.enum({name}, {t[5:]}, {name!r})"
        elif t == "int":
            expr = f"_p.integer({name}, {name!r}, {p.min}, {p.max})"
        elif t == "decimal":
            expr = f"_p.decimal({name}, {name!r}, {str(p.min)!r}, {str(p.max)!r})"
        elif t == "bool":
            expr = f"_p.boolean({name}, {name!r})"
        elif t == "str":
            expr = f"_p.text({name}, {name!r}, {p.max_length})"
        else:
            expr = f"_p.{t}({name}, {name!r})"
        line = f"fields.append(({wire!r}, {expr}))"
        if p.required or p.default is not None:
            return [line]
        return [f"if {name} is not None:", f"    {line}"]


def param_views(command: Command) -> list[ParamView]:
    has_format = any(p.type == "message_format" for p in command.params)
    return [ParamView(p, has_format) for p in command.params]
