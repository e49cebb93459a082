"""Find filter patterns in CloudFormation templates (YAML or JSON).

YAML is *composed*, not constructed (PyYAML's node API): unknown tags such as
``!Ref``, ``!Sub``, ``!GetAtt``, ``!Join`` need no constructor, and every node keeps
its start mark, so findings point at the right line and column.  JSON templates go
through the same composer (JSON is YAML flow style); if PyYAML refuses one (tabs,
say), ``json`` parses it and strings are located by searching the text.

Resolution of intrinsic functions, as far as a template alone allows::

    "text"                      the text
    !Sub "text" / Fn::Sub       the text when it has no ${...} (${!x} is a literal ${x});
                                otherwise unresolved
    !Ref Param / Ref            the parameter's Default, when it has one; otherwise unresolved
    !Join [d, [...]] / Fn::Join the joined text when every part is resolved
    anything else               unresolved (reported as such, never as an error)

Resources read: ``AWS::Logs::MetricFilter`` (FilterPattern, MetricTransformations) and
``AWS::Logs::SubscriptionFilter`` (FilterPattern).
"""

from __future__ import annotations

import json
import re
from typing import Any

from engine.lint.model import (
    MAX_ALIAS_NODES,
    MAX_DEPTH,
    FilterDef,
    InputError,
    Source,
    Text,
    Transformation,
)

METRIC = "AWS::Logs::MetricFilter"
SUBSCRIPTION = "AWS::Logs::SubscriptionFilter"

_SUB_VAR = re.compile(r"\$\{(?!!)[^}]*\}")
_HIGH = re.compile(r"[dD][89abAB][0-9a-fA-F]{2}")


def _yaml() -> Any:
    try:
        import yaml
    except ImportError:  # pragma: no cover - PyYAML ships with the dev extra
        return None
    return yaml


# --------------------------------------------------------------------------- a node view


class Node:
    """A uniform view over YAML nodes and plain JSON values."""

    def __init__(self, kind: str, value: Any, start: int, tag: str = "", end: int = 0) -> None:
        self.kind = kind  # "map" | "seq" | "str"
        self.value = value  # dict[str, Node] | list[Node] | str
        self.start = start
        self.end = end
        self.tag = tag  # "!Ref" etc., "" for plain

    def get(self, key: str) -> Node | None:
        if self.kind != "map":
            return None
        v = self.value.get(key)
        return v if isinstance(v, Node) else None


class _YamlView:
    """YAML nodes -> :class:`Node`, each YAML node converted once.

    An alias is the very node its anchor names, so the composed graph may share nodes
    (and, for ``&a [*a]``, contain cycles).  Sharing is kept (a node reached through
    an alias is the one already built), a cycle is an error, and the number of nodes
    reached through aliases is bounded (:data:`MAX_ALIAS_NODES`).
    """

    def __init__(self, yaml: Any) -> None:
        self.yaml = yaml
        self.built: dict[int, tuple[Node, int]] = {}  # id(yaml node) -> (Node, its size)
        self.open: set[int] = set()
        self.via_aliases = 0

    def node(self, node: Any) -> tuple[Node, int]:
        """The view of ``node`` and the number of nodes under it, aliases expanded."""
        key = id(node)
        if key in self.built:
            view, size = self.built[key]
            self.via_aliases += size
            if self.via_aliases > MAX_ALIAS_NODES:
                raise InputError(
                    f"YAML aliases expand to more than {MAX_ALIAS_NODES} nodes "
                    "(a 'billion laughs' document?)",
                    node.start_mark.index,
                )
            return view, size
        if key in self.open:
            raise InputError(
                "recursive YAML alias: an anchored node contains an alias to itself",
                node.start_mark.index,
            )
        self.open.add(key)
        view, size = self._convert(node)
        self.open.discard(key)
        self.built[key] = (view, size)
        return view, size

    def _convert(self, node: Any) -> tuple[Node, int]:
        yaml = self.yaml
        tag = node.tag if isinstance(node.tag, str) and node.tag.startswith("!") else ""
        start, end = node.start_mark.index, node.end_mark.index
        if isinstance(node, yaml.MappingNode):
            items: dict[str, Node] = {}
            size = 1
            for k, v in node.value:
                items[str(k.value)], n = self.node(v)
                size += n
            return Node("map", items, start, tag, end), size
        if isinstance(node, yaml.SequenceNode):
            seq: list[Node] = []
            size = 1
            for v in node.value:
                view, n = self.node(v)
                seq.append(view)
                size += n
            return Node("seq", seq, start, tag, end), size
        value = str(node.value)
        if node.style == '"' and any("\ud800" <= c <= "\udfff" for c in value):
            # JSON writes astral characters as surrogate pairs (\ud83d\ude00); YAML does
            # not combine them.
            value = value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        return Node("str", value, start, tag, end), 1


_LOADERS: dict[int, Any] = {}


def _loader(yaml: Any) -> Any:
    """PyYAML's safe loader with a nesting bound: its composer recurses per level."""
    if id(yaml) not in _LOADERS:

        class BoundedLoader(yaml.SafeLoader):  # type: ignore[misc]
            depth = 0

            def compose_node(self, parent: Any, index: Any) -> Any:
                self.depth += 1
                try:
                    if self.depth > MAX_DEPTH:
                        mark = self.peek_event().start_mark
                        raise InputError(f"YAML nested deeper than {MAX_DEPTH} levels", mark.index)
                    return super().compose_node(parent, index)
                finally:
                    self.depth -= 1

        _LOADERS[id(yaml)] = BoundedLoader
    return _LOADERS[id(yaml)]


def _from_json(value: Any, src: str, hint: int, depth: int = 0) -> Node:
    """JSON values carry no positions: find each string's encoded text after ``hint``."""
    if depth > MAX_DEPTH and isinstance(value, dict | list):
        raise InputError(f"JSON nested deeper than {MAX_DEPTH} levels", hint)
    if isinstance(value, dict):
        return Node(
            "map",
            {k: _from_json(v, src, _find_key(src, k, hint), depth + 1) for k, v in value.items()},
            hint,
        )
    if isinstance(value, list):
        return Node("seq", [_from_json(v, src, hint, depth + 1) for v in value], hint)
    text = value if isinstance(value, str) else json.dumps(value)
    encoded = json.dumps(text, ensure_ascii=False)
    at = src.find(encoded, hint)
    if at < 0:
        at = hint
    return Node("str", text, at, "", at + len(encoded))


def _find_key(src: str, key: str, hint: int) -> int:
    at = src.find(json.dumps(key, ensure_ascii=False), hint)
    return hint if at < 0 else at


def _documents(source: Source) -> list[Node]:
    yaml = _yaml()
    errors: list[str] = []
    if yaml is not None:
        try:
            return [
                _YamlView(yaml).node(doc)[0]
                for doc in yaml.compose_all(source.text, Loader=_loader(yaml))
                if doc is not None
            ]
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            errors.append(problem)
            if not source.path.endswith(".json"):
                raise InputError(f"not valid YAML: {problem}", mark.index if mark else 0) from None
    elif not source.path.endswith(".json"):
        raise InputError("reading YAML templates needs PyYAML: pip install 'trailreplay[lint]'", 0)
    try:
        return [_from_json(json.loads(source.text), source.text, 0)]
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg}", exc.pos) from None
    except RecursionError:
        raise InputError("not valid JSON: nested too deeply", 0) from None


# --------------------------------------------------------------------------- values


def _align(source: Source, node: Node, value: str) -> Text:
    """Map each character of a scalar's value to its source offset.

    The source slice holds the value's characters in order, with extra characters
    between them (quotes, escapes, indentation, folded newlines).  Walk both: an equal
    character advances both; an escape consumes its whole sequence.
    """
    src = source.text
    i = node.start
    end = max(node.end, node.start)
    double = i < end and src[i] == '"'  # backslash escapes only in double quotes
    if i < end and src[i] in "\"'":
        i += 1
    elif i < end and src[i] in "|>":
        nl = src.find("\n", i)
        i = nl + 1 if 0 <= nl < end else i
    offsets: list[int] = []
    for c in value:
        if double and i < end and src[i] == "\\":
            # one escape sequence (\\ \" \n \xhh \uhhhh \Uhhhhhhhh) is one character
            offsets.append(i)
            nxt = src[i + 1] if i + 1 < end else ""
            i += {"x": 4, "u": 6, "U": 10}.get(nxt, 2)
            if nxt == "u" and _HIGH.fullmatch(src[i - 4 : i]) and src.startswith("\\u", i):
                i += 6  # a JSON surrogate pair is one character
            continue
        j = i
        # skip layout characters that are not part of the value
        while j < end and src[j] != c and src[j] in " \t\r\n\"'":
            j += 1
        if j < end and src[j] == c:
            offsets.append(j)
            i = j + 1
            continue
        offsets.append(i)
        if i < end and src[i] == "\\":
            nxt = src[i + 1] if i + 1 < end else ""
            i += {"x": 4, "u": 6, "U": 10}.get(nxt, 2)
        else:
            i += 1
    offsets.append(min(i, len(src)))
    return Text(value, offsets, node.start)


class Resolver:
    def __init__(self, source: Source, root: Node) -> None:
        self.source = source
        self.params = root.get("Parameters")

    def text(self, node: Node | None) -> Text | None:
        if node is None:
            return None
        fn, arg = self._function(node)
        if fn is None:
            if node.kind != "str":
                return Text.unknown(node.start, f"a {'list' if node.kind == 'seq' else 'map'}")
            return _align(self.source, node, str(node.value))
        if fn == "Sub":
            return self._sub(node, arg)
        if fn == "Ref":
            return self._ref(node, arg)
        if fn == "Join":
            return self._join(node, arg)
        return Text.unknown(node.start, f"!{fn}")

    @staticmethod
    def _function(node: Node) -> tuple[str | None, Node]:
        if node.tag:
            name = node.tag[1:]
            return (name[4:] if name.startswith("Fn::") else name), node
        if node.kind == "map" and len(node.value) == 1:
            ((key, arg),) = node.value.items()
            if key == "Ref" or key.startswith("Fn::"):
                return key.removeprefix("Fn::"), arg
        return None, node

    def _sub(self, node: Node, arg: Node) -> Text:
        template = arg
        if arg.kind == "seq" and arg.value:
            template = arg.value[0]
        if template.kind != "str":
            return Text.unknown(node.start, "!Sub with a non-string template")
        raw = str(template.value)
        found = _SUB_VAR.findall(raw)
        if found:
            t = _align(self.source, Node("str", raw, template.start, "", template.end), raw)
            t.value = None
            t.unresolved = found
            return t
        literal = raw.replace("${!", "${")
        t = _align(self.source, Node("str", raw, template.start, "", template.end), literal)
        return t

    def _ref(self, node: Node, arg: Node) -> Text:
        name = str(arg.value) if arg.kind == "str" else "?"
        param = self.params.get(name) if self.params is not None else None
        default = param.get("Default") if param is not None else None
        if default is not None and default.kind == "str" and not default.tag:
            t = _align(self.source, default, str(default.value))
            t.note = f"from the Default of parameter {name}"
            return t
        return Text.unknown(node.start, f"!Ref {name}")

    def _join(self, node: Node, arg: Node) -> Text:
        if arg.kind != "seq" or len(arg.value) != 2 or arg.value[1].kind != "seq":
            return Text.unknown(node.start, "!Join with unexpected arguments")
        delim_node, parts_node = arg.value
        delim = str(delim_node.value) if delim_node.kind == "str" else ""
        parts = [self.text(p) for p in parts_node.value]
        values: list[str] = []
        offsets: list[int] = []
        for k, p in enumerate(parts):
            if p is None or p.value is None:
                why = p.unresolved if p is not None else []
                return Text(None, [], node.start, why or ["!Join part"])
            if k:
                values.append(delim)
                offsets.extend([p.start] * len(delim))
            values.append(p.value)
            offsets.extend(p.offsets[: len(p.value)])
        offsets.append(offsets[-1] + 1 if offsets else node.start)
        return Text("".join(values), offsets, node.start)


# --------------------------------------------------------------------------- extraction


def is_template(root: Node) -> bool:
    res = root.get("Resources")
    return res is not None and res.kind == "map"


def extract(source: Source) -> list[FilterDef]:
    """Every metric and subscription filter in a template; ``[]`` for other documents.

    A file that never mentions ``AWS::Logs::`` cannot define a filter and is not parsed:
    pre-commit passes every YAML and JSON file of a repository, many of which are not
    valid YAML/JSON at all (Helm templates, JSON with comments).
    """
    out: list[FilterDef] = []
    if "AWS::Logs::" not in source.text:
        return out
    for root in _documents(source):
        if not is_template(root):
            continue
        resolver = Resolver(source, root)
        resources = root.get("Resources")
        assert resources is not None
        for logical_id, res in resources.value.items():
            rtype = res.get("Type")
            if rtype is None or rtype.kind != "str":
                continue
            props = res.get("Properties")
            pattern = resolver.text(props.get("FilterPattern")) if props else None
            if rtype.value == METRIC:
                trs: list[Transformation] = []
                mts = props.get("MetricTransformations") if props else None
                items = mts.value if mts is not None and mts.kind == "seq" else []
                for mt in items:
                    trs.append(_transformation(resolver, mt))
                out.append(
                    FilterDef(
                        source,
                        f"Resources.{logical_id}",
                        "metric",
                        res.start,
                        pattern,
                        trs,
                        "FilterPattern",
                    )
                )
            elif rtype.value == SUBSCRIPTION:
                out.append(
                    FilterDef(
                        source,
                        f"Resources.{logical_id}",
                        "subscription",
                        res.start,
                        pattern,
                        [],
                        "FilterPattern",
                    )
                )
    return out


def _transformation(r: Resolver, mt: Node) -> Transformation:
    tr = Transformation(
        start=mt.start,
        name=r.text(mt.get("MetricName")),
        namespace=r.text(mt.get("MetricNamespace")),
        value=r.text(mt.get("MetricValue")),
        default_value=r.text(mt.get("DefaultValue")),
        unit=r.text(mt.get("Unit")),
    )
    dims = mt.get("Dimensions")
    if dims is not None:
        if dims.kind != "seq" or dims.tag:
            tr.dimensions_unresolved = dims.tag or "Dimensions"
        else:
            for d in dims.value:
                key = d.get("Key")
                val = d.get("Value")
                name = str(key.value) if key is not None and key.kind == "str" else "?"
                tr.dimensions[name] = r.text(val) or Text.unknown(d.start, "(no Value)")
    return tr
