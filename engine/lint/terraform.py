"""Find filter patterns in Terraform (.tf) files with a small HCL scanner.

Not a full HCL parser: enough to walk blocks and attributes and to decode string
literals exactly, tracking where every decoded character came from.

Quoted templates (HCL native syntax spec, "Template Expressions")::

    \\n \\r \\t \\" \\\\ \\uNNNN \\UNNNNNNNN   escapes
    $${  %%{                            literal ${ and %{
    ${ ... }  %{ ... }                  interpolation / directive: unresolved here

Heredocs ``<<EOF`` and ``<<-EOF`` (the latter strips the smallest indentation of its
non-blank lines); no backslash escapes inside them, only the ``$${``/``%%{`` ones.
The value of a heredoc ends with the newline before its closing marker.  The AWS
provider sends ``strings.TrimSpace(pattern)`` for metric filters
(internal/service/logs/metric_filter.go), so a metric filter's pattern is trimmed here.

Resources read::

    aws_cloudwatch_log_metric_filter        pattern, metric_transformation { name namespace
                                            value default_value unit dimensions = {...} }
    aws_cloudwatch_log_subscription_filter  filter_pattern

An attribute that is exactly ``local.NAME`` or ``var.NAME`` is read from the same
file's ``locals`` block or the variable's ``default`` (a note says so); any other
expression is unresolved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from engine.lint.model import MAX_DEPTH, FilterDef, InputError, Source, Text, Transformation

METRIC = "aws_cloudwatch_log_metric_filter"
SUBSCRIPTION = "aws_cloudwatch_log_subscription_filter"

_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


@dataclass
class Token:
    kind: str  # IDENT NUMBER STRING HEREDOC PUNCT NL EOF
    text: str
    start: int
    end: int
    value: Text | None = None


def _ident_start(c: str) -> bool:
    return c.isalpha() or c == "_"


def _ident_char(c: str) -> bool:
    return c.isalnum() or c in "_-"


class Lexer:
    def __init__(self, src: str) -> None:
        self.src = src
        self.i = 0
        self.tokens: list[Token] = []

    def error(self, message: str, offset: int) -> InputError:
        return InputError(message, offset)

    def run(self) -> list[Token]:
        s = self.src
        while self.i < len(s):
            c = s[self.i]
            start = self.i
            if c == "\n":
                self.tokens.append(Token("NL", "\n", start, start + 1))
                self.i += 1
            elif c in " \t\r\ufeff":
                self.i += 1
            elif c == "#" or s.startswith("//", self.i):
                end = s.find("\n", self.i)
                self.i = len(s) if end < 0 else end
            elif s.startswith("/*", self.i):
                end = s.find("*/", self.i + 2)
                if end < 0:
                    raise self.error("unterminated /* comment", start)
                # A block comment spanning lines still separates attributes.
                if "\n" in s[self.i : end]:
                    self.tokens.append(Token("NL", "\n", start, end + 2))
                self.i = end + 2
            elif c == '"':
                value, end = self.quoted(self.i)
                self.tokens.append(Token("STRING", s[start:end], start, end, value))
                self.i = end
            elif s.startswith("<<", self.i) and self._heredoc_ahead():
                value, end = self.heredoc(self.i)
                self.tokens.append(Token("HEREDOC", s[start:end], start, end, value))
                self.i = end
            elif _ident_start(c):
                j = self.i + 1
                while j < len(s) and _ident_char(s[j]):
                    j += 1
                self.tokens.append(Token("IDENT", s[start:j], start, j))
                self.i = j
            elif c.isdigit():
                j = self.i + 1
                while j < len(s) and (s[j].isalnum() or s[j] in ".+-"):
                    if s[j] in "+-" and s[j - 1] not in "eE":
                        break
                    j += 1
                self.tokens.append(Token("NUMBER", s[start:j], start, j))
                self.i = j
            else:
                two = s[self.i : self.i + 2]
                if two in ("==", "!=", "<=", ">=", "&&", "||", "=>", "::"):
                    self.tokens.append(Token("PUNCT", two, start, start + 2))
                    self.i += 2
                else:
                    self.tokens.append(Token("PUNCT", c, start, start + 1))
                    self.i += 1
        self.tokens.append(Token("EOF", "", len(s), len(s)))
        return self.tokens

    def _heredoc_ahead(self) -> bool:
        j = self.i + 2
        if j < len(self.src) and self.src[j] == "-":
            j += 1
        return j < len(self.src) and _ident_start(self.src[j])

    # ------------------------------------------------------------------ templates

    def _skip_interpolation(self, i: int, nesting: int = 0) -> int:
        """``i`` is at ``${`` or ``%{``; return the offset after the matching ``}``.

        A string inside the interpolation may hold interpolations in turn: ``nesting``
        counts them, bounded like block nesting."""
        s = self.src
        if nesting > MAX_DEPTH:
            raise self.error(f"interpolations nested deeper than {MAX_DEPTH} levels", i)
        start = i
        depth = 0
        i += 1  # at '{'
        while i < len(s):
            c = s[i]
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
                if depth == 0:
                    return i + 1
            elif c == '"':
                _, i = self.quoted(i, nesting + 1)
                continue
            elif c == "\n" and depth == 0:
                break
            i += 1
        raise self.error("unterminated ${ interpolation", start)

    def quoted(self, i: int, nesting: int = 0) -> tuple[Text, int]:
        """Decode the quoted template starting at ``i`` (the opening quote); ``nesting``
        counts the interpolations it is inside."""
        s = self.src
        start = i
        i += 1
        out: list[str] = []
        offsets: list[int] = []
        unresolved: list[str] = []
        while True:
            if i >= len(s) or s[i] == "\n":
                raise self.error("unterminated string", start)
            c = s[i]
            if c == '"':
                offsets.append(i)
                break
            if c == "\\":
                nxt = s[i + 1] if i + 1 < len(s) else ""
                if nxt in _ESCAPES:
                    out.append(_ESCAPES[nxt])
                    offsets.append(i)
                    i += 2
                    continue
                if nxt in ("u", "U"):
                    width = 4 if nxt == "u" else 8
                    digits = s[i + 2 : i + 2 + width]
                    if len(digits) != width or any(
                        d not in "0123456789abcdefABCDEF" for d in digits
                    ):
                        raise self.error(f"invalid \\{nxt} escape: needs {width} hex digits", i)
                    out.append(chr(int(digits, 16)))
                    offsets.append(i)
                    i += 2 + width
                    continue
                raise self.error(f"invalid escape sequence \\{nxt}", i)
            if c in "$%" and s.startswith(c + c + "{", i):
                out.extend((c, "{"))
                offsets.extend((i, i + 2))
                i += 3
                continue
            if c in "$%" and s.startswith(c + "{", i):
                end = self._skip_interpolation(i, nesting)
                unresolved.append(s[i:end])
                # keep the raw text so positions stay meaningful; value is dropped below
                for j in range(i, end):
                    out.append(s[j])
                    offsets.append(j)
                i = end
                continue
            out.append(c)
            offsets.append(i)
            i += 1
        value = "".join(out)
        return Text(None if unresolved else value, offsets, start + 1, unresolved), i + 1

    def heredoc(self, i: int) -> tuple[Text, int]:
        s = self.src
        start = i
        i += 2
        flush = s[i] == "-"
        if flush:
            i += 1
        j = i
        while j < len(s) and _ident_char(s[j]):
            j += 1
        marker = s[i:j]
        nl = s.find("\n", j)
        if nl < 0 or s[j:nl].strip():
            raise self.error("a heredoc marker must be followed by a newline", start)
        # Collect the content lines up to the closing marker.
        lines: list[tuple[int, str]] = []  # (offset of line start, line text without \n)
        pos = nl + 1
        while True:
            if pos > len(s) or (pos == len(s) and not s.endswith("\n")):
                raise self.error(f"unterminated heredoc: no closing {marker}", start)
            end = s.find("\n", pos)
            line = s[pos : end if end >= 0 else len(s)]
            if line.strip() == marker:
                close_end = pos + len(line)
                break
            if end < 0:
                raise self.error(f"unterminated heredoc: no closing {marker}", start)
            lines.append((pos, line))
            pos = end + 1
        strip = 0
        if flush:
            indents = [len(t) - len(t.lstrip(" \t")) for _, t in lines if t.strip()]
            strip = min(indents) if indents else 0
        out: list[str] = []
        offsets: list[int] = []
        unresolved: list[str] = []
        for line_start, text in lines:
            k = min(strip, len(text) - len(text.lstrip(" \t")))
            while k < len(text):
                c = text[k]
                at = line_start + k
                if c in "$%" and text.startswith(c + c + "{", k):
                    out.extend((c, "{"))
                    offsets.extend((at, at + 2))
                    k += 3
                    continue
                if c in "$%" and text.startswith(c + "{", k):
                    end = self._skip_interpolation(at) - line_start
                    unresolved.append(text[k:end])
                    for m in range(k, end):
                        out.append(text[m])
                        offsets.append(line_start + m)
                    k = end
                    continue
                out.append(c)
                offsets.append(at)
                k += 1
            out.append("\n")
            offsets.append(line_start + len(text))
        offsets.append(lines[-1][0] + len(lines[-1][1]) + 1 if lines else nl + 1)
        value = "".join(out)
        first = lines[0][0] if lines else nl + 1
        return Text(None if unresolved else value, offsets, first, unresolved), close_end


# --------------------------------------------------------------------------- structure


@dataclass
class Attribute:
    name: str
    start: int
    tokens: list[Token]


@dataclass
class Block:
    type: str
    labels: list[str]
    start: int
    attributes: dict[str, Attribute] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)


class Parser:
    _OPEN: ClassVar[dict[str, str]] = {"(": ")", "[": "]", "{": "}"}

    def __init__(self, tokens: list[Token]) -> None:
        self.toks = tokens
        self.i = 0

    def peek(self, k: int = 0) -> Token:
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def body(self, closing: str | None, depth: int = 0) -> tuple[dict[str, Attribute], list[Block]]:
        if depth > MAX_DEPTH:
            raise InputError(f"blocks nested deeper than {MAX_DEPTH} levels", self.peek().start)
        attrs: dict[str, Attribute] = {}
        blocks: list[Block] = []
        while True:
            t = self.peek()
            if t.kind == "NL":
                self.i += 1
                continue
            if t.kind == "EOF":
                if closing is not None:
                    raise InputError("unexpected end of file: missing '}'", t.start)
                return attrs, blocks
            if t.kind == "PUNCT" and t.text == "}" and closing == "}":
                self.i += 1
                return attrs, blocks
            if t.kind != "IDENT":
                raise InputError(f"expected an attribute or block, found {t.text!r}", t.start)
            nxt = self.peek(1)
            if nxt.kind == "PUNCT" and nxt.text == "=":
                self.i += 2
                attrs[t.text] = Attribute(t.text, t.start, self.expression())
                continue
            self.i += 1
            labels: list[str] = []
            while self.peek().kind in ("STRING", "IDENT"):
                lab = self.peek()
                labels.append((lab.value.value or "") if lab.value else lab.text)
                self.i += 1
            opener = self.peek()
            if not (opener.kind == "PUNCT" and opener.text == "{"):
                raise InputError(
                    f"expected '{{' after block {t.text}, found {opener.text!r}", opener.start
                )
            self.i += 1
            block_attrs, sub = self.body("}", depth + 1)
            blocks.append(Block(t.text, labels, t.start, block_attrs, sub))

    def expression(self) -> list[Token]:
        """Tokens of one attribute value: up to a newline (or the body's '}') at depth 0."""
        out: list[Token] = []
        stack: list[str] = []
        while True:
            t = self.peek()
            if t.kind == "EOF":
                if stack:
                    raise InputError("unexpected end of file inside an expression", t.start)
                return out
            if not stack and (t.kind == "NL" or (t.kind == "PUNCT" and t.text == "}")):
                return out
            if t.kind == "PUNCT":
                if t.text in self._OPEN:
                    stack.append(self._OPEN[t.text])
                elif t.text in (")", "]", "}"):
                    if not stack or stack[-1] != t.text:
                        raise InputError(f"unbalanced {t.text!r}", t.start)
                    stack.pop()
            out.append(t)
            self.i += 1


def parse(src: str) -> list[Block]:
    tokens = Lexer(src).run()
    _, blocks = Parser(tokens).body(None)
    return blocks


# --------------------------------------------------------------------------- extraction


# ``local.NAME`` and ``var.NAME`` -> the attribute defining it in the same file.
Named = dict[str, Attribute]


def _reference(src: str, named: Named, toks: list[Token], depth: int) -> Text | None:
    """``local.x`` / ``var.x`` when the file defines it as a literal."""
    if not (
        len(toks) == 3
        and toks[0].kind == "IDENT"
        and toks[0].text in ("local", "var")
        and toks[1].text == "."
        and toks[2].kind == "IDENT"
    ):
        return None
    name = f"{toks[0].text}.{toks[2].text}"
    attr = named.get(name)
    if attr is None or depth > 8:
        return None
    text = _text_of(src, named, attr, depth + 1)
    if text is None or text.value is None:
        return None
    how = f"the default of variable {toks[2].text}" if toks[0].text == "var" else name
    return Text(text.value, text.offsets, text.start, text.unresolved, f"from {how}")


def _text_of(src: str, named: Named, attr: Attribute | None, depth: int = 0) -> Text | None:
    if attr is None:
        return None
    toks = attr.tokens
    if len(toks) == 1 and toks[0].kind in ("STRING", "HEREDOC") and toks[0].value is not None:
        return toks[0].value
    resolved = _reference(src, named, toks, depth)
    if resolved is not None:
        return resolved
    if len(toks) == 1 and toks[0].kind == "NUMBER":
        return Text.literal(toks[0].text, toks[0].start)
    if not toks:
        return Text.unknown(attr.start, "(empty)")
    return Text.unknown(toks[0].start, _short(src[toks[0].start : toks[-1].end]))


def _short(expr: str, width: int = 60) -> str:
    """An expression on one line, shortened, for a message."""
    flat = " ".join(expr.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _trimmed(text: Text | None) -> Text | None:
    return None if text is None else text.strip()


def _dimensions(src: str, named: Named, attr: Attribute, tr: Transformation) -> None:
    toks = [t for t in attr.tokens if t.kind != "NL"]
    if not toks or toks[0].text != "{" or toks[-1].text != "}":
        expr = src[toks[0].start : toks[-1].end] if toks else ""
        tr.dimensions_unresolved = _short(expr)
        return
    inner = toks[1:-1]
    k = 0
    while k < len(inner):
        key = inner[k]
        if key.text == ",":
            k += 1
            continue
        if k + 2 > len(inner):
            tr.dimensions_unresolved = _short(src[toks[0].start : toks[-1].end])
            return
        sep = inner[k + 1] if k + 1 < len(inner) else None
        if sep is None or sep.text not in ("=", ":"):
            tr.dimensions_unresolved = _short(src[toks[0].start : toks[-1].end])
            return
        # the value runs to the next ',' or the next key (IDENT/STRING followed by = or :)
        j = k + 2
        value: list[Token] = []
        while j < len(inner) and inner[j].text != ",":
            if (
                value
                and inner[j].kind in ("IDENT", "STRING")
                and j + 1 < len(inner)
                and inner[j + 1].text in ("=", ":")
            ):
                break
            value.append(inner[j])
            j += 1
        name = key.value.value if key.kind == "STRING" and key.value else key.text
        tr.dimensions[name or key.text] = _text_of(
            src, named, Attribute(name or key.text, key.start, value)
        ) or Text.unknown(key.start, "(empty)")
        k = j


def _transformation(src: str, named: Named, block: Block) -> Transformation:
    a = block.attributes
    tr = Transformation(
        start=block.start,
        name=_text_of(src, named, a.get("name")),
        namespace=_text_of(src, named, a.get("namespace")),
        value=_text_of(src, named, a.get("value")),
        default_value=_text_of(src, named, a.get("default_value")),
        unit=_text_of(src, named, a.get("unit")),
    )
    if "dimensions" in a:
        _dimensions(src, named, a["dimensions"], tr)
    return tr


def extract(source: Source) -> list[FilterDef]:
    """Every metric and subscription filter defined in a Terraform file."""
    src = source.text
    out: list[FilterDef] = []
    blocks = parse(src)
    named: Named = {}
    for block in blocks:
        if block.type == "locals":
            named.update({f"local.{k}": v for k, v in block.attributes.items()})
        elif block.type == "variable" and block.labels and "default" in block.attributes:
            named[f"var.{block.labels[0]}"] = block.attributes["default"]
    for block in blocks:
        if block.type != "resource" or len(block.labels) < 2:
            continue
        rtype, rname = block.labels[0], block.labels[1]
        resource = f"{rtype}.{rname}"
        if rtype == METRIC:
            transformations: list[Transformation] = []
            for sub in block.blocks:
                if sub.type == "metric_transformation":
                    transformations.append(_transformation(src, named, sub))
                elif sub.type == "dynamic" and sub.labels[:1] == ["metric_transformation"]:
                    for content in sub.blocks:
                        if content.type == "content":
                            transformations.append(_transformation(src, named, content))
            out.append(
                FilterDef(
                    source,
                    resource,
                    "metric",
                    block.start,
                    _trimmed(_text_of(src, named, block.attributes.get("pattern"))),
                    transformations,
                    "pattern",
                )
            )
        elif rtype == SUBSCRIPTION:
            out.append(
                FilterDef(
                    source,
                    resource,
                    "subscription",
                    block.start,
                    _text_of(src, named, block.attributes.get("filter_pattern")),
                    [],
                    "filter_pattern",
                )
            )
    return out
