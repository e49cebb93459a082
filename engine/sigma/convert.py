"""A parsed Sigma rule -> a CloudWatch Logs filter pattern and how exact it is.

The meaning converted is the one docs/sigma.md states (and tests/sigma/evaluator.py implements
independently): a detection item compares a value with the *text* of a field's scalar value (a
string as is, a number as its JSON text, a boolean as ``true``/``false``), case-insensitively
unless ``cased``; ``null`` means null or absent; ``not`` is plain negation.

How (one function per construct, each says its exactness):

* the condition is put in negation normal form: CloudWatch JSON patterns have no ``not``, so a
  negated item becomes its complement, spelled out (``!=``, plus ``NOT EXISTS``, ``IS NULL`` and
  the booleans, which ``!=`` never sees: docs/semantics.md A1);
* a value with only ``*`` wildcards becomes a quoted string (CloudWatch ``*`` is any run, as in
  Sigma); one with ``?`` or a literal ``*`` becomes an anchored ``%regex%`` (at most 2 a pattern);
* a value whose text could be ``true``/``false`` also tests ``IS TRUE``/``IS FALSE``;
* keyword-only rules become term patterns (substring search of the event text).

Verdicts: ``exact`` when no comparison depends on case; ``case-sensitive`` when some value has
letters and Sigma would fold case; ``unsupported`` with the reason otherwise (a quota, a
modifier, a construct CloudWatch lacks).  The produced text always passes ``engine.compile``.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Literal, TypeAlias, assert_never

import engine
from engine.pattern import ast
from engine.pattern.grammar import MAX_LENGTH
from engine.pattern.regex_ir import DOCUMENTED_SYMBOLS
from engine.sigma import rule as sr

Exactness: TypeAlias = Literal["exact", "case-sensitive", "unsupported"]

#: Fields CloudTrail always delivers as JSON objects or arrays (the CloudTrail record contents
#: reference).  A value comparison with one has no meaning in Sigma's value model and CloudWatch
#: can neither search inside nor see it (A1), so such a rule is ``unsupported``.
CLOUDTRAIL_CONTAINERS: frozenset[str] = frozenset(
    {
        "userIdentity",
        "userIdentity.sessionContext",
        "userIdentity.sessionContext.sessionIssuer",
        "userIdentity.sessionContext.attributes",
        "userIdentity.sessionContext.webIdFederationData",
        "requestParameters",
        "responseElements",
        "additionalEventData",
        "resources",
        "serviceEventDetails",
        "tlsDetails",
        "insightDetails",
        "edgeDeviceDetails",
    }
)

# Modifiers that change what a value means; the rest of KNOWN_MODIFIERS are not converted.
_HANDLED = frozenset({"contains", "startswith", "endswith", "all", "cased", "re", "i", "m", "s"})
_HANDLED |= {"exists", "cidr"}


CASE_REASON = (
    "strings are compared with the case as written; Sigma ignores case (CloudTrail writes event "
    "names, sources and types in one canonical case)"
)


class Unsupported(Exception):
    """A construct with no exact CloudWatch form; the message is the verdict's reason."""


@dataclass(frozen=True, slots=True)
class Conversion:
    """The result for one rule.  ``patterns`` is empty when unsupported, several only with
    ``split``."""

    rule: str
    id: str | None
    title: str
    patterns: tuple[str, ...]
    exactness: Exactness
    reason: str | None

    @property
    def pattern(self) -> str | None:
        return self.patterns[0] if self.patterns else None


# --------------------------------------------------------------------------- values as globs

STAR = "*"
QMARK = "?"
#: A Sigma string as parts: literal text (``("lit", text)``) and the wildcards STAR, QMARK.
Part: TypeAlias = tuple[str, str]


def glob_parts(value: str) -> list[Part]:
    """Sigma's wildcard syntax: ``*``, ``?``; ``\\*``, ``\\?``, ``\\\\`` are literals, and a
    backslash before anything else is itself literal (Sigma specification, "Wildcards")."""
    parts: list[Part] = []
    buf: list[str] = []
    i = 0
    while i < len(value):
        ch = value[i]
        if ch == "\\" and i + 1 < len(value) and value[i + 1] in "*?\\":
            buf.append(value[i + 1])
            i += 2
            continue
        if ch in "*?":
            if buf:
                parts.append(("lit", "".join(buf)))
                buf = []
            parts.append((ch, ch))
        else:
            buf.append(ch)
        i += 1
    if buf:
        parts.append(("lit", "".join(buf)))
    return _squeeze(parts)


def _squeeze(parts: list[Part]) -> list[Part]:
    """Runs of ``*`` are one ``*`` (same language)."""
    out: list[Part] = []
    for p in parts:
        if p[0] == STAR and out and out[-1][0] == STAR:
            continue
        out.append(p)
    return out


def _glob_regex(parts: list[Part], ignore_case: bool) -> re.Pattern[str]:
    body = "".join(
        ".*" if k == STAR else "." if k == QMARK else re.escape(text) for k, text in parts
    )
    return re.compile(body, re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def glob_matches(parts: list[Part], text: str) -> bool:
    """Case as written (the pattern's view); used for the boolean texts only."""
    return _glob_regex(parts, False).fullmatch(text) is not None


def has_case(text: str) -> bool:
    """Would case folding change what ``text`` matches?"""
    return any(c.lower() != c or c.upper() != c for c in text)


def value_text(value: sr.Scalar) -> str:
    """A Sigma value's text: YAML numbers and booleans compare as their written form."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = repr(value)
        if not re.fullmatch(r"-?\d+\.\d+", text):
            raise Unsupported(f"the number {value!r} has no single text form to compare")
        return text
    assert isinstance(value, str)
    return value


# --------------------------------------------------------------------------- AWS regex text

_AWS_BARE = DOCUMENTED_SYMBOLS  # the one table (engine.pattern.regex_ir)


def aws_literal(text: str) -> str:
    """``text`` as an AWS regex matching it literally (``\\xhh`` for every symbol)."""
    out: list[str] = []
    for ch in text:
        if ch.isascii() and (ch.isalnum() or ch in _AWS_BARE):
            out.append(ch)
        elif ch.isascii():
            out.append(f"\\x{ord(ch):02X}")
        else:
            raise Unsupported(
                f"the value has the non-ASCII character {ch!r}, which an AWS regular expression "
                "cannot contain, and it needs one (for a '?' wildcard or a literal '*')"
            )
    return "".join(out)


#: Any one character, newline included: ``\\w`` and AWS's ``\\W`` cover everything.
_ANY = "[\\w\\W]"


def _glob_to_aws_regex(parts: list[Part]) -> str:
    body = "".join(
        _ANY + "*" if k == STAR else _ANY if k == QMARK else aws_literal(t) for k, t in parts
    )
    return "^" + body + "$"


# --------------------------------------------------------------------------- Sigma `re` -> AWS

# PCRE escapes and their AWS spelling (PCRE without UCP is ASCII: \d = [0-9], \w = [A-Za-z0-9_],
# \s = space, \t, \n, \v, \f, \r — AWS's \s lacks \v \f \r, so it is spelled out).
_RE_CLASS_ESC = {
    "d": ("\\d", "0-9"),
    "w": ("\\w", "a-zA-Z0-9_"),
    "s": ("[\\x09-\\x0D\\x20]", "\\x09-\\x0D\\x20"),
    "D": ("\\D", None),
    "W": ("\\W", None),
    "S": ("[^\\x09-\\x0D\\x20]", None),
}
_RE_CTRL = {"t": 0x09, "n": 0x0A, "r": 0x0D, "f": 0x0C, "v": 0x0B}


def translate_regex(source: str, flags: frozenset[str]) -> str:
    """A Sigma (PCRE) regex as an AWS one with the same unanchored-search meaning.

    Supported: literals, escapes, ``.``, classes, quantifiers (lazy ones drop the ``?``: a
    yes/no search cannot tell), ``^``, ``$``, top-level ``|``; ``s`` (dot matches newline).
    PCRE's ``$`` also matches before a final newline, so it becomes ``\\x0A?$``.
    Not: groups, lookaround, backreferences, possessive quantifiers, the ``i`` and ``m`` flags.
    """
    if "i" in flags:
        raise Unsupported("'re|i': AWS regular expressions have no case-insensitive flag")
    if "m" in flags and any(c in source for c in "^$"):
        raise Unsupported("'re|m': AWS's '^' and '$' anchor the whole value, not each line")
    out: list[str] = []
    i = 0
    n = len(source)
    prev_quantifiable = False
    while i < n:
        ch = source[i]
        if ch in "()":
            raise Unsupported(
                f"the regular expression {source!r} has a group '(': AWS regular expressions "
                "have no groups"
            )
        if ch == "\\":
            if i + 1 >= n:
                raise Unsupported(f"the regular expression {source!r} ends with a lone '\\'")
            nxt = source[i + 1]
            if nxt in _RE_CLASS_ESC:
                out.append(_RE_CLASS_ESC[nxt][0])
            elif nxt in _RE_CTRL:
                out.append(f"\\x{_RE_CTRL[nxt]:02X}")
            elif nxt == "x" and re.fullmatch(r"[0-9A-Fa-f]{2}", source[i + 2 : i + 4]):
                out.append("\\x" + source[i + 2 : i + 4].upper())
                i += 4
                prev_quantifiable = True
                continue
            elif nxt.isascii() and not nxt.isalnum():
                out.append(aws_literal(nxt))
            else:
                raise Unsupported(f"the escape '\\{nxt}' has no AWS regular expression form")
            i += 2
            prev_quantifiable = True
            continue
        if ch == "[":
            end, text = _translate_class(source, i)
            out.append(text)
            i = end
            prev_quantifiable = True
            continue
        if ch == ".":
            out.append(_ANY if "s" in flags else ".")
            prev_quantifiable = True
        elif ch in "*+?" or ch == "{":
            if not prev_quantifiable:
                raise Unsupported(f"the regular expression {source!r} quantifies nothing")
            if ch == "{":
                m = re.match(r"\{(\d+)(,(\d*))?\}", source[i:])
                if not m:
                    raise Unsupported(f"the regular expression {source!r} has a bad '{{'")
                out.append(m.group(0))
                i += len(m.group(0))
            else:
                out.append(ch)
                i += 1
            if i < n and source[i] == "+":
                raise Unsupported("possessive quantifiers have no AWS regular expression form")
            if i < n and source[i] == "?":
                i += 1  # lazy: same yes/no answer
            prev_quantifiable = False
            continue
        elif ch == "^":
            out.append("^")
            prev_quantifiable = False
        elif ch == "$":
            out.append("\\x0A?$")
            prev_quantifiable = False
        elif ch == "|":
            out.append("|")
            prev_quantifiable = False
        else:
            out.append(aws_literal(ch))
            prev_quantifiable = True
        i += 1
    return "".join(out)


def _translate_class(source: str, start: int) -> tuple[int, str]:
    i = start + 1
    out = ["["]
    if i < len(source) and source[i] == "^":
        out.append("^")
        i += 1
    first = True
    while i < len(source):
        ch = source[i]
        if ch == "]" and not first:
            out.append("]")
            return i + 1, "".join(out)
        first = False
        if ch == "[":
            raise Unsupported("POSIX or nested classes have no AWS regular expression form")
        if ch == "\\":
            nxt = source[i + 1] if i + 1 < len(source) else ""
            if nxt in _RE_CLASS_ESC and _RE_CLASS_ESC[nxt][1] is not None:
                out.append(_RE_CLASS_ESC[nxt][1] or "")
            elif nxt in _RE_CTRL:
                out.append(f"\\x{_RE_CTRL[nxt]:02X}")
            elif nxt.isascii() and nxt and not nxt.isalnum():
                out.append(f"\\x{ord(nxt):02X}")
            else:
                raise Unsupported(f"the class escape '\\{nxt}' has no AWS form")
            i += 2
            continue
        if (
            ch == "-"
            and out[-1] not in ("[", "[^")
            and i + 1 < len(source)
            and source[i + 1] != "]"
        ):
            out.append("-")
        elif ch.isascii() and ch.isalnum():
            out.append(ch)
        elif ch.isascii():
            out.append(f"\\x{ord(ch):02X}")
        else:
            raise Unsupported(f"the non-ASCII character {ch!r} in a regular expression class")
        i += 1
    raise Unsupported(f"the regular expression {source!r} has an unclosed '['")


def sigma_regex_flags(modifiers: tuple[str, ...]) -> frozenset[str]:
    return frozenset(m for m in modifiers if m in ("i", "m", "s"))


# --------------------------------------------------------------------------- items -> expressions


def _selector(field: str) -> ast.Selector:
    keys = field.split(".")
    if any(k == "" for k in keys):
        raise Unsupported(f"the field name {field!r} has an empty part")
    return ast.Selector(tuple(ast.Key(k) for k in keys))


@dataclass
class _State:
    case_dependent: bool = False


def _bool_checks(sel: ast.Selector, hits_true: bool, hits_false: bool) -> list[ast.Expr]:
    out: list[ast.Expr] = []
    if hits_true:
        out.append(ast.IsCheck(sel, "TRUE"))
    if hits_false:
        out.append(ast.IsCheck(sel, "FALSE"))
    return out


def _compare(sel: ast.Selector, value: ast.Value, hits: tuple[bool, bool], neg: bool) -> ast.Expr:
    """Field text matches ``value`` (or, negated, does not), booleans included, null/absent
    handled: the one place the complement of a comparison is spelled out."""
    if not neg:
        return _or([ast.Comparison(sel, "=", value), *_bool_checks(sel, *hits)])
    return _or(
        [
            ast.Comparison(sel, "!=", value),
            ast.IsCheck(sel, "NOT EXISTS"),
            ast.IsCheck(sel, "NULL"),
            *_bool_checks(sel, not hits[0], not hits[1]),
        ]
    )


def _value_expr(item: sr.Item, value: sr.Scalar, neg: bool, st: _State) -> ast.Expr:
    assert item.field is not None
    mods = item.modifiers
    field = item.field
    sel = _selector(field)
    if "exists" in mods:
        if not isinstance(value, bool):
            raise Unsupported(f"'{field}|exists' needs true or false, not {value!r}")
        if value != neg:  # exists: true, not negated; or exists: false, negated
            raise Unsupported(
                f"'{field}|exists' that must hold (a present field): CloudWatch has no EXISTS "
                "(docs/semantics.md A10) and cannot see an object or array value"
            )
        return ast.IsCheck(sel, "NOT EXISTS")
    if value is None:
        if len(mods) > 0 and set(mods) - {"all"}:
            raise Unsupported(f"'{field}' combines null with modifiers {'|'.join(mods)}")
        if not neg:
            return _or([ast.IsCheck(sel, "NULL"), ast.IsCheck(sel, "NOT EXISTS")])
        return _or(
            [ast.Comparison(sel, "=", ast.String("*", quoted=True)), *_bool_checks(sel, True, True)]
        )
    if field in CLOUDTRAIL_CONTAINERS:
        raise Unsupported(
            f"{field} is a JSON object or array in every CloudTrail record: Sigma compares "
            "values, and CloudWatch can neither search inside an object nor see one (A1)"
        )
    if "re" in mods:
        if not isinstance(value, str):
            raise Unsupported(f"'{field}|re' needs a string, not {value!r}")
        flags = sigma_regex_flags(mods)
        src = translate_regex(value, flags)
        py = re.compile(value, re.ASCII | (re.DOTALL if "s" in flags else 0))
        hits = (py.search("true") is not None, py.search("false") is not None)
        return _compare(sel, ast.Regex(src), hits, neg)
    if "cidr" in mods:
        return _cidr(sel, field, value, hits_neg=neg)
    text = value_text(value)
    parts = glob_parts(text) if isinstance(value, str) else [("lit", text)]
    if "contains" in mods:
        parts = _squeeze([(STAR, STAR), *parts, (STAR, STAR)])
    elif "startswith" in mods:
        parts = _squeeze([*parts, (STAR, STAR)])
    elif "endswith" in mods:
        parts = _squeeze([(STAR, STAR), *parts])
    if "cased" not in mods and any(has_case(t) for k, t in parts if k == "lit"):
        st.case_dependent = True
    hits = (glob_matches(parts, "true"), glob_matches(parts, "false"))
    literal_star = any(k == "lit" and "*" in t for k, t in parts)
    if any(k == QMARK for k, _ in parts) or literal_star:
        return _compare(sel, ast.Regex(_glob_to_aws_regex(parts)), hits, neg)
    pattern = "".join(STAR if k == STAR else t for k, t in parts)
    return _compare(sel, ast.String(pattern, quoted=True), hits, neg)


def _cidr(sel: ast.Selector, field: str, value: sr.Scalar, hits_neg: bool) -> ast.Expr:
    """IPv4 /32 is equality with the address's one text form; /24 an alternation of the
    five octet shapes (no leading zeros: Python's and PCRE-based backends' IPv4 parsing)."""
    try:
        net = ipaddress.ip_network(str(value), strict=False)
    except ValueError:
        raise Unsupported(f"'{field}|cidr': {value!r} is not a network") from None
    if net.version != 4 or net.prefixlen not in (24, 32):
        raise Unsupported(
            f"'{field}|cidr: {value}': only IPv4 /24 and /32 have an exact form (an octet "
            "range needs regex groups, which AWS's regex subset lacks)"
        )
    if net.prefixlen == 32:
        return _compare(
            sel, ast.String(str(net.network_address), quoted=True), (False, False), hits_neg
        )
    prefix = aws_literal(".".join(str(net.network_address).split(".")[:3]) + ".")
    octets = ("[0-9]", "[1-9][0-9]", "1[0-9][0-9]", "2[0-4][0-9]", "25[0-5]")
    src = "|".join(f"^{prefix}{o}$" for o in octets)
    return _compare(sel, ast.Regex(src), (False, False), hits_neg)


def _item_expr(item: sr.Item, neg: bool, st: _State) -> ast.Expr:
    unknown = [m for m in item.modifiers if m not in _HANDLED]
    if unknown:
        raise Unsupported(f"the modifier '{unknown[0]}' is not converted")
    if any(m in item.modifiers for m in ("i", "m", "s")) and "re" not in item.modifiers:
        raise Unsupported("the modifiers i, m, s apply to 're' only")
    exprs = [_value_expr(item, v, neg, st) for v in item.values]
    conj = "all" in item.modifiers
    # De Morgan: a negated OR of values is the AND of the negated values, and vice versa.
    return _and(exprs) if conj != neg else _or(exprs)


def _search_expr(search: sr.Search, neg: bool, st: _State) -> ast.Expr:
    groups = []
    for group in search:
        items = [_item_expr(i, neg, st) for i in group]
        groups.append(_or(items) if neg else _and(items))
    return _and(groups) if neg else _or(groups)


def _cond_expr(rule: sr.Rule, cond: sr.Cond, neg: bool, st: _State) -> ast.Expr:
    if isinstance(cond, sr.Ref):
        return _search_expr(rule.searches[cond.name], neg, st)
    if isinstance(cond, sr.Of):
        parts = [_search_expr(rule.searches[n], neg, st) for n in cond.names]
        conj = cond.quant == "all"
        return _and(parts) if conj != neg else _or(parts)
    if isinstance(cond, sr.Not):
        return _cond_expr(rule, cond.item, not neg, st)
    if isinstance(cond, sr.And | sr.Or):
        parts = [_cond_expr(rule, c, neg, st) for c in cond.items]
        conj = isinstance(cond, sr.And)
        return _and(parts) if conj != neg else _or(parts)
    raise AssertionError(cond)


def _flat(cls: type[ast.And] | type[ast.Or], items: list[ast.Expr]) -> list[ast.Expr]:
    out: list[ast.Expr] = []
    for i in items:
        for j in i.items if isinstance(i, cls) else (i,):
            if j not in out:  # a repeated operand changes nothing
                out.append(j)
    return out


def _and(items: list[ast.Expr]) -> ast.Expr:
    flat = _flat(ast.And, items)
    return flat[0] if len(flat) == 1 else ast.And(tuple(flat))


def _or(items: list[ast.Expr]) -> ast.Expr:
    flat = _flat(ast.Or, items)
    return flat[0] if len(flat) == 1 else ast.Or(tuple(flat))


# --------------------------------------------------------------------------- keywords -> terms


def _is_keyword_search(search: sr.Search) -> bool:
    return all(item.field is None for group in search for item in group)


def _used(rule: sr.Rule, cond: sr.Cond) -> list[str]:
    if isinstance(cond, sr.Ref):
        return [cond.name]
    if isinstance(cond, sr.Of):
        return list(cond.names)
    if isinstance(cond, sr.Not):
        return _used(rule, cond.item)
    return [n for c in cond.items for n in _used(rule, c)]


@dataclass(frozen=True, slots=True)
class _Kw:
    text: str
    neg: bool


def _kw_nnf(rule: sr.Rule, cond: sr.Cond, neg: bool, st: _State) -> tuple[str, list[_Kw]]:
    """("and"|"or", literals) for a condition over keyword searches, or Unsupported."""

    def combine(conj: bool, parts: list[tuple[str, list[_Kw]]]) -> tuple[str, list[_Kw]]:
        want = "and" if conj else "or"
        lits: list[_Kw] = []
        for kind, ls in parts:
            if kind != want and len(ls) > 1:
                raise Unsupported(
                    "this combination of keywords cannot be written as CloudWatch terms "
                    "(terms are one AND list with exclusions, or one OR list)"
                )
            lits.extend(ls)
        return want, lits

    if isinstance(cond, sr.Ref | sr.Of):
        names = [cond.name] if isinstance(cond, sr.Ref) else list(cond.names)
        conj_of = isinstance(cond, sr.Of) and cond.quant == "all"
        parts = []
        for name in names:
            groups = []
            for group in rule.searches[name]:
                items = []
                for item in group:
                    if item.modifiers:
                        raise Unsupported(f"keyword modifiers ({'|'.join(item.modifiers)})")
                    lits = [_Kw(_keyword_text(v, st), neg) for v in item.values]
                    items.append(("or" if not neg else "and", lits))
                groups.append(combine(neg, items))
            parts.append(combine(not neg, groups) if len(groups) > 1 else groups[0])
        return combine(conj_of != neg, parts)
    if isinstance(cond, sr.Not):
        return _kw_nnf(rule, cond.item, not neg, st)
    conj = isinstance(cond, sr.And)
    return combine(conj != neg, [_kw_nnf(rule, c, neg, st) for c in cond.items])


def _keyword_text(value: sr.Scalar, st: _State) -> str:
    """A keyword's literal text: Sigma searches it anywhere, so wildcards at its ends add
    nothing; one inside it has no term form."""
    if value is None:
        raise Unsupported("a null keyword")
    text = value_text(value)
    core = glob_parts(text) if isinstance(value, str) else [("lit", text)]
    while core and core[0][0] == STAR:
        core = core[1:]
    while core and core[-1][0] == STAR:
        core = core[:-1]
    if len(core) != 1 or core[0][0] != "lit":
        raise Unsupported(
            f"the keyword {text!r} has an inner wildcard (CloudWatch terms have none)"
        )
    literal = core[0][1]
    if not literal.strip():
        raise Unsupported(
            f"the blank keyword {literal!r} (CloudWatch reads a blank phrase as 'all')"
        )
    if has_case(literal):
        st.case_dependent = True
    return literal


def _terms(rule: sr.Rule, st: _State) -> str:
    kind, lits = _kw_nnf(rule, rule.condition, False, st)
    if kind == "or" and len(lits) > 1:
        if any(k.neg for k in lits):
            raise Unsupported("an OR of keyword exclusions cannot be written as CloudWatch terms")
        terms = [ast.Term(k.text, quoted=True, op="?") for k in lits]
    else:
        terms = [ast.Term(k.text, quoted=True, op="-" if k.neg else "") for k in lits]
    return engine.format(ast.TermPattern(tuple(terms)))


# --------------------------------------------------------------------------- the rule


def _check(text: str) -> None:
    try:
        engine.compile(text)
    except engine.PatternError as exc:
        raise Unsupported(f"the pattern breaks an AWS quota or rule: {exc.msg}") from None


def _split(expr: ast.Expr) -> list[ast.Expr]:
    """Pieces whose OR is ``expr``: the largest OR (at the top, or inside a top AND, whose
    other operands every piece repeats) cut into runs that fit the quotas."""
    common: list[ast.Expr]
    match expr:
        case ast.Or():
            common = []
            alts = list(expr.items)
        case ast.And():
            ors = [i for i in expr.items if isinstance(i, ast.Or)]
            if not ors:
                raise Unsupported("the pattern is too large and has no OR to split")
            big = max(ors, key=lambda o: len(o.items))
            common = [i for i in expr.items if i is not big]
            alts = list(big.items)
        case ast.Comparison() | ast.IsCheck() | ast.FieldComparison():
            raise Unsupported("the pattern is too large and has no OR to split")
        case _:
            assert_never(expr)
    pieces: list[ast.Expr] = []
    run: list[ast.Expr] = []

    def build(r: list[ast.Expr]) -> ast.Expr:
        return _and([*common, _or(r)]) if common else _or(r)

    def fits(e: ast.Expr) -> bool:
        try:
            _check(engine.format(ast.JsonPattern(_top(e))))
        except Unsupported:
            return False
        return True

    for alt in alts:
        if run and not fits(build([*run, alt])):
            pieces.append(build(run))
            run = []
        if not fits(build([alt])):
            raise Unsupported("one alternative alone exceeds the AWS quotas")
        run.append(alt)
    if run:
        pieces.append(build(run))
    return pieces


def _top(expr: ast.Expr) -> ast.And | ast.Or | ast.Comparison | ast.IsCheck:
    assert not isinstance(expr, ast.FieldComparison)
    return expr


def convert_rule(rule: sr.Rule, split: bool = False) -> Conversion:
    """Convert a parsed rule.  ``split``: when one pattern would break a quota, return several
    whose union is the rule (each exact in the same sense) instead of ``unsupported``."""
    st = _State()

    def result(patterns: list[str]) -> Conversion:
        if st.case_dependent:
            return Conversion(
                rule.path, rule.id, rule.title, tuple(patterns), "case-sensitive", CASE_REASON
            )
        return Conversion(rule.path, rule.id, rule.title, tuple(patterns), "exact", None)

    try:
        if rule.aggregation is not None:
            raise Unsupported(
                f"the aggregation '| {rule.aggregation}' counts events: use a metric filter "
                "and an alarm on the pattern of the rest"
            )
        used = _used(rule, rule.condition)
        kw = [_is_keyword_search(rule.searches[n]) for n in used]
        if any(kw):
            if not all(kw):
                raise Unsupported(
                    "keywords and field conditions in one rule: a CloudWatch pattern is either "
                    "terms (text search) or JSON (fields)"
                )
            text = _terms(rule, st)
            _check(text)
            return result([text])
        expr = _cond_expr(rule, rule.condition, False, st)
        text = engine.format(ast.JsonPattern(_top(expr)))
        if len(text) > MAX_LENGTH or not _fits(text):
            if not split:
                _check(text)  # raises with the quota's own words
            return result([engine.format(ast.JsonPattern(_top(p))) for p in _split(expr)])
        return result([text])
    except Unsupported as exc:
        return Conversion(rule.path, rule.id, rule.title, (), "unsupported", str(exc))


def _fits(text: str) -> bool:
    try:
        _check(text)
    except Unsupported:
        return False
    return True


def convert(text: str, path: str = "<rule>", split: bool = False) -> Conversion:
    """Parse YAML text and convert it (raises :class:`~engine.sigma.rule.SigmaRuleError`)."""
    return convert_rule(sr.parse_rule(text, path), split)


# --------------------------------------------------------------------------- for scan / metrics


@dataclass(frozen=True, slots=True)
class RulePattern:
    """A converted rule ready to replay: ``id`` is the rule's id (its file stem if it has none)."""

    id: str
    title: str
    pattern: str
    exactness: Exactness


@dataclass(frozen=True, slots=True)
class LoadedRules:
    """The rules under some paths: the patterns, and one line per rule that gave none."""

    patterns: tuple[RulePattern, ...]
    problems: tuple[str, ...]
    unreadable: int


def rule_patterns(paths: list[str]) -> LoadedRules:
    """Convert every rule under ``paths`` (no splitting: one rule, one pattern).  An unreadable
    file or an unsupported rule is a line in ``problems``; the others still convert."""
    from pathlib import Path

    patterns: list[RulePattern] = []
    problems: list[str] = []
    unreadable = 0
    for r in sr.load_rules(paths):
        if isinstance(r, sr.SigmaRuleError):
            problems.append(str(r))
            unreadable += 1
            continue
        conv = convert_rule(r)
        if conv.pattern is None:
            problems.append(f"{r.path}: unsupported, not replayed: {conv.reason}")
            continue
        rid = r.id or Path(r.path).stem
        patterns.append(RulePattern(rid, r.title, conv.pattern, conv.exactness))
    return LoadedRules(tuple(patterns), tuple(problems), unreadable)
