"""Exact decisions on JSON filter patterns with z3 (the ``prove`` extra).

An event is modelled as an assignment, to every selector path mentioned in the
patterns (and their parents), of a JSON value of one sort::

    MISSING | NULL | TRUE | FALSE | STR s | NUM r | OBJ | ARR

``s`` is a z3 string, ``r`` a z3 real (``isint`` says whether the JSON number is
an integer, whose text ``str(int)`` is exact via ``str.from_int``; a float's text
(``engine.pattern.aws.number_text``, the matcher's) is a free string, so a model
that relies on it is re-checked and may be rejected).  Consistency: the root is
an object; a key child exists only under an object, an index child only under an
array; ``[j]`` existing implies every mentioned ``[i]``, ``i < j``, exists.

Wildcard selectors (``[*]``, ``.*``) are existential.  An event satisfies or
falsifies each wildcard atom through at most one witness element, so giving each
wildcard parent as many fresh elements as it has distinct wildcard atoms (plus,
for ``.*``, the keys the patterns name under it) is exact, not an approximation.

Every comparison follows DECISIONS.md: comparisons on null/bool/object/array/
missing are false for every operator (``!=`` included); a number literal
compares by value with JSON numbers only, and ``!=`` holds against any string;
a string literal (``*`` = any run of characters) matches a string, or a number's
text.  Regex values are encoded by :mod:`engine.prove._regex` when z3 can express
them.  Whatever cannot be encoded raises :class:`Unsupported` and the caller falls
back to search.

Reals over-approximate the JSON numbers (doubles, ints): ``unsat`` is a proof; a
``sat`` model is turned into an event and re-checked by the caller against the
real matchers.
"""

from __future__ import annotations

import importlib
import itertools
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal, assert_never

from engine.pattern import ast
from engine.pattern.aws import number_text
from engine.prove._common import Unsupported as Unsupported
from engine.prove._common import zstr as zstr
from engine.prove._info import Atom, atoms, concrete_path, split_wildcard

MISSING, NULL, TRUE, FALSE, STR, NUM, OBJ, ARR = range(8)
#: z3's wall-clock limits, per query (read when a query starts: the test suite raises them,
#: since on a shared, noisy machine a limit measures the machine, not the encoding).
TIMEOUT_MS = 5000
#: ... for the "exact" mode (floats' decimal text), which rarely decides anything new.
EXACT_TIMEOUT_MS = 2000
#: ... for the small probes of one regex's language (a member, number text).
PROBE_TIMEOUT_MS = 1000
#: Raise ModelMismatch instead of falling back to search (the test suite sets it).
STRICT = False

#: Characters that can appear in the text of a JSON number (``number_text``; a
#: decoded JSON number is finite, ``inf``/``nan`` kept for safety).  A literal
#: with any other character can never match a number's text.
_NUMBER_TEXT_CHARS = frozenset("0123456789-+.einfa")


Mode = Literal["ints", "free", "exact"]


MAX_CELLS = 128
#: ("glob", text with * wildcards), ("re", AWS regex source: a search) or
#: ("sub", text: a plain substring, as a term searches a message).
StrKey = tuple[str, str]


def _str_key(value: ast.String | ast.Regex) -> StrKey:
    match value:
        case ast.Regex():
            return ("re", value.source)
        case ast.String():
            return ("glob", value.text)
        case _:
            assert_never(value)


_ESCAPE = re.compile(r"\\u\{([0-9a-fA-F]{1,5})\}")


def pystr(value: Any) -> str:
    """A z3 string value as a Python string (undoing z3's ``\\u{..}`` escapes)."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), str(value.as_string()))


def _candidates(key: StrKey, witness: str) -> list[str]:
    """Cheap guesses at members of a cell split by ``key``: the cell's witness,
    alone or followed by the key's literal text (a readable message)."""
    if key[0] == "sub":
        text = key[1]
    elif key[0] == "glob":
        text = key[1].replace("*", "")
    else:  # a regex: its letters and digits often spell what it looks for
        text = "".join(c for c in key[1] if c.isalnum())
    out = [witness]
    if text:
        out += [f"{witness} {text}".strip(), text, f"{text} {witness}".strip(), witness + text]
    return list(dict.fromkeys(out))


class GiveUp(Exception):
    """Too many string cells, or a cell query timed out: use the native encoding."""


@dataclass
class _Cells:
    keys: list[StrKey]
    members: list[frozenset[int]]
    witnesses: list[str]
    var: Any


class ModelMismatch(AssertionError):
    """A z3 model that the real matchers disagree with: a bug in the encoding."""


def available() -> bool:
    try:
        importlib.import_module("z3")
    except ImportError:
        return False
    return True


def _z3() -> Any:
    return importlib.import_module("z3")


# An internal node key: tuple of steps ("k", name) | ("i", n) | ("fk", gid, j), the last
# being the j-th fresh key of the gid-th ``.*`` wildcard parent.
NodeKey = tuple[tuple[Any, ...], ...]


@dataclass
class _Node:
    key: NodeKey
    parent: _Node | None
    t: Any
    s: Any
    r: Any
    isint: Any
    ftext: Any
    children: list[NodeKey] = field(default_factory=list)

    @property
    def step(self) -> tuple[Any, ...] | None:
        return self.key[-1] if self.key else None


class Encoder:
    """Builds the z3 variables and constraints for a set of JSON patterns."""

    def __init__(self, patterns: Sequence[ast.JsonPattern]) -> None:
        self.z = _z3()
        self.nodes: dict[NodeKey, _Node] = {}
        self.root = self._node(())
        self.groups: dict[tuple[NodeKey, str], list[NodeKey]] = {}
        self._regex_cache: dict[str, Any] = {}
        self.text_nodes: set[NodeKey] = set()
        self.literal_numbers: set[int | float] = set()
        self.literal_texts: set[str] = set()
        for pattern in patterns:
            for node in ast.walk(pattern):
                if isinstance(node, ast.Number):
                    self.literal_numbers.add(node.value)
                elif isinstance(node, ast.String) and "*" not in node.text:
                    self.literal_texts.add(node.text)
        wild: dict[tuple[NodeKey, str], dict[Atom, None]] = {}
        wild_suffix: dict[tuple[NodeKey, str], dict[NodeKey, None]] = {}
        for pattern in patterns:
            for atom in atoms(pattern.expr):
                assert not isinstance(atom, ast.FieldComparison)
                if isinstance(atom, ast.Comparison) and isinstance(atom.value, ast.Regex):
                    self._regex(atom.value.source)  # raises Unsupported early
                cp = concrete_path(atom.selector)
                if cp is not None:
                    self._node(cp)
                    continue
                sw = split_wildcard(atom.selector)
                if sw is None:
                    raise Unsupported("more than one wildcard step in a selector")
                prefix, kind, suffix = sw
                self._node(prefix)
                wild.setdefault((prefix, kind), {})[atom] = None
                wild_suffix.setdefault((prefix, kind), {})[suffix] = None
        for gid, ((prefix, kind), group_atoms) in enumerate(wild.items()):
            parent = self.nodes[prefix]
            named = [c for c in parent.children if c[-1][0] == ("k" if kind == ".*" else "i")]
            if kind == ".*":
                elements = list(named)
                for j in range(len(group_atoms)):
                    elements.append(self._node((*prefix, ("fk", gid, j))).key)
            else:
                # Indexes 0..top (top = the highest named index) are kept as
                # they are; witnesses past top can be moved to top+1, top+2, ...
                # without changing any named index, so K more suffice.
                top = max((int(c[-1][1]) for c in named), default=-1)
                count = top + 1 + len(group_atoms)
                elements = [self._node((*prefix, ("i", i))).key for i in range(count)]
            self.groups[(prefix, kind)] = elements
            for element in elements:
                for suffix in wild_suffix[(prefix, kind)]:
                    self._node(element + suffix)
        for (prefix, kind), elements in self.groups.items():
            step_kind = "k" if kind == ".*" else "i"
            extra = [c for c in self.nodes[prefix].children if c[-1][0] == step_kind]
            if any(c not in elements for c in extra):
                raise Unsupported("a wildcard parent whose named children grow with the encoding")
        # The string predicates each node is tested against (see _cells).
        self.str_keys: dict[NodeKey, dict[StrKey, None]] = {}
        for pattern in patterns:
            for atom in atoms(pattern.expr):
                if not isinstance(atom, ast.Comparison):
                    continue
                match atom.value:
                    case ast.Number():
                        continue
                    case ast.String() | ast.Regex():
                        key = _str_key(atom.value)
                    case _:
                        assert_never(atom.value)
                for target in self._targets(atom):
                    self.str_keys.setdefault(target.key, {})[key] = None
        self.cells: dict[NodeKey, _Cells | None] = {}

    # ------------------------------------------------------------------ nodes

    def _node(self, key: NodeKey) -> _Node:
        found = self.nodes.get(key)
        if found is not None:
            return found
        parent = self._node(key[:-1]) if key else None
        z = self.z
        n = len(self.nodes)
        node = _Node(
            key=key,
            parent=parent,
            t=z.Int(f"t{n}"),
            s=z.String(f"s{n}"),
            r=z.Real(f"r{n}"),
            isint=z.Bool(f"i{n}"),
            ftext=z.String(f"f{n}"),
        )
        self.nodes[key] = node
        if parent is not None:
            parent.children.append(key)
        return node

    def structure(self, mode: Mode) -> list[Any]:
        """Constraints on the event.  ``free`` holds for every real event (an
        over-approximation: a float's text is any string); ``ints`` (integers
        only) and ``exact`` (floats with at most 4 decimals, whose text is then
        known) under-approximate, so their models are real events."""
        z = self.z
        out: list[Any] = [self.root.t == OBJ]
        for node in self.nodes.values():
            out.append(z.And(node.t >= MISSING, node.t <= ARR))
            out.append(z.Implies(node.isint, z.IsInt(node.r)))
            if mode == "ints":
                out.append(node.isint)
            elif mode == "exact" and node.key in self.text_nodes:
                out.append(z.Implies(z.Not(node.isint), self._float_text(node)))
            if node.key in self.text_nodes:
                out.extend(self._float_pins(node))
            cells = self._cells(node) if node.key in self.str_keys else None
            if cells is not None:
                out.append(z.And(cells.var >= 0, cells.var < len(cells.witnesses)))
            if node.parent is None:
                continue
            container = OBJ if node.key[-1][0] in ("k", "fk") else ARR
            out.append(z.Implies(node.t != MISSING, node.parent.t == container))
        for parent in self.nodes.values():
            indexed = sorted(
                (c for c in parent.children if c[-1][0] == "i"), key=lambda c: int(c[-1][1])
            )
            for lower, upper in itertools.pairwise(indexed):
                out.append(
                    z.Implies(self.nodes[upper].t != MISSING, self.nodes[lower].t != MISSING)
                )
        return out

    # ------------------------------------------------------------------ formulas

    def formula(self, expr: ast.Expr, override: dict[int, bool] | None = None) -> Any:
        z = self.z
        if override and id(expr) in override:
            return z.BoolVal(override[id(expr)])
        match expr:
            case ast.And():
                return z.And(*[self.formula(i, override) for i in expr.items])
            case ast.Or():
                return z.Or(*[self.formula(i, override) for i in expr.items])
            case ast.Comparison() | ast.IsCheck():
                return self._atom(expr)
            case ast.FieldComparison():
                raise Unsupported(f"not a JSON condition: {type(expr).__name__}")
            case _:
                assert_never(expr)

    def _targets(self, atom: ast.Comparison | ast.IsCheck) -> list[_Node]:
        """The nodes an atom's selector can select (one unless it has a wildcard)."""
        cp = concrete_path(atom.selector)
        if cp is not None:
            return [self.nodes[cp]]
        sw = split_wildcard(atom.selector)
        assert sw is not None
        prefix, kind, suffix = sw
        return [self.nodes[e + suffix] for e in self.groups[(prefix, kind)]]

    def _atom(self, atom: ast.Comparison | ast.IsCheck) -> Any:
        z = self.z
        if concrete_path(atom.selector) is not None:
            return self._atom_at(self._targets(atom)[0], atom)
        targets = self._targets(atom)
        if isinstance(atom, ast.IsCheck) and atom.check == "NOT EXISTS":
            return z.And(*[n.t == MISSING for n in targets]) if targets else z.BoolVal(True)
        return z.Or(*[self._atom_at(n, atom) for n in targets]) if targets else z.BoolVal(False)

    def _atom_at(self, n: _Node, atom: ast.Comparison | ast.IsCheck) -> Any:
        z = self.z
        if isinstance(atom, ast.IsCheck):
            return {
                "NULL": n.t == NULL,
                "TRUE": n.t == TRUE,
                "FALSE": n.t == FALSE,
                "NOT EXISTS": n.t == MISSING,
            }[atom.check]
        is_str, is_num = n.t == STR, n.t == NUM
        op, value = atom.op, atom.value
        if not isinstance(value, ast.Number) and op not in ("=", "!="):
            raise Unsupported("a relational operator with a non-number literal")
        match value:
            case ast.Number():
                if isinstance(value.value, float) and not math.isfinite(value.value):
                    raise Unsupported(f"the literal {value.text} is not a finite number")
                lit = z.RealVal(str(Fraction(value.value)))
                on_num = z.And(is_num, ast.RELATIONS[op](n.r, lit))
                return z.Or(is_str, on_num) if op == "!=" else on_num
            case ast.String():
                eq = z.Or(
                    z.And(is_str, self._str_holds(n, _str_key(value))),
                    z.And(is_num, self._num_text_match(n, value.text)),
                )
            case ast.Regex():
                rx = self._regex(value.source)
                on_num = (
                    z.InRe(self._num_text(n), rx)
                    if self._regex_can_match_number(value.source)
                    else z.BoolVal(False)
                )
                eq = z.Or(z.And(is_str, self._str_holds(n, _str_key(value))), z.And(is_num, on_num))
            case _:
                assert_never(value)
        return eq if op == "=" else z.And(z.Or(is_str, is_num), z.Not(eq))

    # ------------------------------------------------------------------ string cells
    #
    # z3's string solver handles one regular membership per variable well but
    # often gives up on several (``A*B`` vs ``A* && *B``).  So the strings a node
    # can hold are partitioned, ahead of time, into *cells*: the non-empty sets
    # of strings with the same answer to every predicate the patterns test the
    # node against (each found by single-regex emptiness queries).  The node's
    # string is then just a cell number, each predicate a disjunction of cells,
    # and the event uses the cell's witness string.  Exact, and fast; when there
    # are too many cells, or a query times out, the node keeps the native
    # encoding.

    def _str_holds(self, n: _Node, key: StrKey) -> Any:
        z = self.z
        cells = self._cells(n)
        if cells is None:
            if key[0] == "re":
                return z.InRe(n.s, self._regex(key[1]))
            return self._str_match(n.s, key[1])
        index = cells.keys.index(key)
        hits = [j for j, members in enumerate(cells.members) if index in members]
        return z.Or(*[cells.var == j for j in hits]) if hits else z.BoolVal(False)

    def _key_regex(self, key: StrKey) -> Any:
        z = self.z
        full = z.Full(z.ReSort(z.StringSort()))
        if key[0] == "re":
            return self._regex(key[1])
        if key[0] == "sub":
            return z.Concat(full, z.Re(zstr(z, key[1])), full)
        return self._glob_regex(key[1])

    def _glob_regex(self, text: str) -> Any:
        """The z3 regex of a wildcard string: ``*`` is any text, the rest literal."""
        z = self.z
        full = z.Full(z.ReSort(z.StringSort()))
        pieces: list[Any] = []
        for i, p in enumerate(text.split("*")):
            if i:
                pieces.append(full)
            if p:
                pieces.append(z.Re(zstr(z, p)))
        if not pieces:
            return z.Re(zstr(z, ""))
        return pieces[0] if len(pieces) == 1 else z.Concat(*pieces)

    def _cells(self, n: _Node) -> _Cells | None:
        if n.key in self.cells:
            return self.cells[n.key]
        keys = list(self.str_keys.get(n.key, {}))
        try:
            result: _Cells | None = self.split(keys, n)
        except GiveUp:
            result = None
        self.cells[n.key] = result
        return result

    def split(self, keys: list[StrKey], n: _Node) -> _Cells:
        """The non-empty cells of the strings, by membership in each key's
        language.  Raises ``GiveUp`` past MAX_CELLS or on a query timeout."""
        z = self.z
        full = z.Full(z.ReSort(z.StringSort()))
        # (members, regex, witness, is_singleton)
        cells: list[tuple[frozenset[int], Any, str, bool]] = [(frozenset(), full, "", False)]
        for i, key in enumerate(keys):
            rx = self._key_regex(key)
            literal = key[0] == "glob" and "*" not in key[1]
            new: list[tuple[frozenset[int], Any, str, bool]] = []
            for members, cell, witness, single in cells:
                if single:
                    hit = z.is_true(z.simplify(z.InRe(zstr(z, witness), rx)))
                    new.append((members | {i} if hit else members, cell, witness, True))
                    continue
                cands = _candidates(key, witness)
                if literal:
                    if self._member(key[1], cell):
                        new.append((members | {i}, z.Re(zstr(z, key[1])), key[1], True))
                else:
                    within = z.Intersect(cell, rx)
                    inside = self._witness(within, cands)
                    if inside is not None:
                        new.append((members | {i}, within, inside, False))
                rest = z.Intersect(cell, z.Complement(rx))
                outside = self._witness(rest, cands)
                if outside is not None:
                    new.append((members, rest, outside, False))
            cells = new
            if len(cells) > MAX_CELLS:
                raise GiveUp
        return _Cells(
            keys=keys,
            members=[c[0] for c in cells],
            witnesses=[c[2] for c in cells],
            var=z.Int(f"cell_{n.t}"),
        )

    def _member(self, text: str, regex: Any) -> bool | None:
        """Is ``text`` in the language?  (z3's rewriter evaluates constants.)"""
        z = self.z
        r = z.simplify(z.InRe(zstr(z, text), regex))
        return True if z.is_true(r) else False if z.is_false(r) else None

    def _witness(self, regex: Any, candidates: Sequence[str] = ()) -> str | None:
        """A member of the language (readable when possible), or None if empty."""
        z = self.z
        for cand in candidates:
            if self._member(cand, regex):
                return cand
        x = z.String("cell_probe")
        probe = z.Solver()
        probe.set("timeout", PROBE_TIMEOUT_MS)
        probe.add(z.InRe(x, regex))
        answer = probe.check()
        if answer == z.unknown:
            raise GiveUp
        if answer == z.unsat:
            return None
        # Any member will do: prefer a readable one (printable ASCII, no backslash).
        probe.push()
        printable = z.Union(z.Range(" ", "["), z.Range("]", "~"))
        probe.add(z.InRe(x, z.Star(printable)))
        if probe.check() == z.sat:
            return pystr(probe.model().eval(x, model_completion=True))
        probe.pop()
        probe.check()
        return pystr(probe.model().eval(x, model_completion=True))

    def _str_match(self, s: Any, text: str) -> Any:
        z = self.z
        if "*" not in text:
            return s == zstr(z, text)
        parts = text.split("*")
        if all(p == "" for p in parts):
            return z.BoolVal(True)
        if len(parts) == 2 and parts[1] == "":
            return z.PrefixOf(zstr(z, parts[0]), s)
        if len(parts) == 2 and parts[0] == "":
            return z.SuffixOf(zstr(z, parts[1]), s)
        if len(parts) == 3 and parts[0] == "" and parts[2] == "":
            return z.Contains(s, zstr(z, parts[1]))
        return z.InRe(s, self._glob_regex(text))

    def _float_pins(self, n: _Node) -> list[Any]:
        """Sound facts about a float's text: :func:`number_text` is a function of
        the value, so at each literal value the text is known, and each literal
        that is some float's exact text pins the value."""
        z = self.z
        out: list[Any] = []
        is_float = z.And(n.t == NUM, z.Not(n.isint))
        for value in self.literal_numbers:
            try:
                f = float(value)
            except OverflowError:
                continue
            if f != f or f in (float("inf"), float("-inf")) or f == 0:
                continue  # 0.0 and -0.0 share a value but not a text
            out.append(
                z.Implies(
                    z.And(is_float, n.r == z.RealVal(str(Fraction(f)))), n.ftext == number_text(f)
                )
            )
        for text in self.literal_texts:
            try:
                f = float(text)
            except ValueError:
                continue
            if number_text(f) == text and f == f and f not in (float("inf"), float("-inf")):
                out.append(
                    z.Implies(
                        z.And(is_float, n.ftext == zstr(z, text)),
                        n.r == z.RealVal(str(Fraction(f))),
                    )
                )
        return out

    def _float_text(self, n: _Node) -> Any:
        """A float's text (:func:`number_text`) for a float with 1 to 4 decimals and
        |x| < 1e10 (where it has no exponent)."""
        z = self.z
        ip, fd = z.Int(f"ip_{n.t}"), z.String(f"fd_{n.t}")
        neg = z.Bool(f"neg_{n.t}")  # the sign is in the text: -0.0 is "-0.0"
        digits = z.Range("0", "9")
        mag = z.If(neg, -n.r, n.r)
        cases = [
            z.And(z.Length(fd) == d, mag == z.ToReal(ip) + z.ToReal(z.StrToInt(fd)) / (10**d))
            for d in range(1, 5)
        ]
        body = z.Concat(z.IntToStr(ip), zstr(z, "."), fd)
        return z.And(
            ip >= 0,
            ip < 10**10,
            z.InRe(fd, z.Loop(digits, 1, 4)),
            z.Or(fd == zstr(z, "0"), z.Not(z.SuffixOf(zstr(z, "0"), fd))),
            z.Or(*cases),
            z.Implies(n.r < 0, neg),
            z.Implies(n.r > 0, z.Not(neg)),
            n.ftext == z.If(neg, z.Concat(zstr(z, "-"), body), body),
        )

    def _num_text(self, n: _Node) -> Any:
        z = self.z
        self.text_nodes.add(n.key)
        i = z.ToInt(n.r)
        int_text = z.If(i >= 0, z.IntToStr(i), z.Concat(zstr(z, "-"), z.IntToStr(-i)))
        return z.If(n.isint, int_text, n.ftext)

    def _num_text_match(self, n: _Node, text: str) -> Any:
        if any(c not in _NUMBER_TEXT_CHARS for c in text.replace("*", "")):
            return self.z.BoolVal(False)
        return self._str_match(self._num_text(n), text)

    def _regex_can_match_number(self, source: str) -> bool:
        """False when no string made of number-text characters matches (cheap
        pure-regex query; any doubt answers True)."""
        z = self.z
        chars = z.Union(*[z.Re(zstr(z, c)) for c in sorted(_NUMBER_TEXT_CHARS)])
        x = z.String("numtext_probe")
        probe = z.Solver()
        probe.set("timeout", PROBE_TIMEOUT_MS)
        probe.add(z.InRe(x, self._regex(source)), z.InRe(x, z.Star(chars)))
        return bool(probe.check() != z.unsat)

    def _regex(self, source: str) -> Any:
        if source not in self._regex_cache:
            from engine.prove._regex import to_z3

            self._regex_cache[source] = to_z3(source)
        return self._regex_cache[source]

    # ------------------------------------------------------------------ models

    def event(self, model: Any) -> tuple[dict[str, Any], bool]:
        """The event a model describes, and whether it relies on a float's text."""
        float_used = False

        def value_of(node: _Node) -> Any:
            nonlocal float_used
            t = model.eval(node.t, model_completion=True).as_long()
            if t == NULL:
                return None
            if t == TRUE:
                return True
            if t == FALSE:
                return False
            if t == STR:
                cells = self.cells.get(node.key)
                if cells is not None:
                    j = model.eval(cells.var, model_completion=True).as_long()
                    return cells.witnesses[j]
                return pystr(model.eval(node.s, model_completion=True))
            if t == NUM:
                frac = model.eval(node.r, model_completion=True).as_fraction()
                if z_is_true(model.eval(node.isint, model_completion=True)):
                    return int(frac)
                float_used = True
                try:
                    value = float(frac)
                except OverflowError:
                    value = math.inf if frac > 0 else -math.inf
                if value == 0 and node.key in self.text_nodes:
                    text = pystr(model.eval(node.ftext, model_completion=True))
                    return -0.0 if text.startswith("-") else 0.0
                return value
            if t == OBJ:
                obj: dict[str, Any] = {}
                fresh = 0
                for key in node.children:
                    child = self.nodes[key]
                    if model.eval(child.t, model_completion=True).as_long() == MISSING:
                        continue
                    step = key[-1]
                    if step[0] == "k":
                        name = str(step[1])
                    else:
                        fresh += 1
                        name = _fresh_name(fresh, node)
                    obj[name] = value_of(child)
                return obj
            if t == ARR:
                # Mentioned indexes exist as a prefix (see structure()); an index
                # no pattern names is filled with null, which nothing can select.
                indexed: dict[int, Any] = {}
                for key in node.children:
                    child = self.nodes[key]
                    if model.eval(child.t, model_completion=True).as_long() != MISSING:
                        indexed[int(key[-1][1])] = value_of(child)
                arr: list[Any] = [None] * (max(indexed) + 1 if indexed else 0)
                for i, v in indexed.items():
                    arr[i] = v
                return arr
            return _MISSING

        def z_is_true(v: Any) -> bool:
            return bool(self.z.is_true(v))

        ev = value_of(self.root)
        assert isinstance(ev, dict)
        return ev, float_used


_MISSING = object()


def _fresh_name(i: int, node: _Node) -> str:
    taken = {str(c[-1][1]) for c in node.children if c[-1][0] == "k"}
    name = f"key{i}"
    while name in taken:
        name += "_"
    return name


# --------------------------------------------------------------------------- queries

Verdict = Literal["unsat", "sat", "unknown"]


@dataclass
class Outcome:
    verdict: Verdict
    event: dict[str, Any] | str | None = None
    reason: str | None = None


def solve(
    patterns: Sequence[ast.JsonPattern],
    build: Callable[[Encoder], Any],
    check: Callable[[dict[str, Any]], bool],
    timeout_ms: int | None = None,
    encoder: Encoder | None = None,
) -> Outcome:
    """Is ``build(encoder)`` satisfiable by some event?

    ``unsat`` is a proof that no event satisfies it.  A ``sat`` answer comes with
    an event that ``check`` (the real matchers) confirmed.  Raises
    :class:`Unsupported` when the encoding cannot express the patterns, and
    :class:`ModelMismatch` when an integer-only model fails the check (a bug).
    An ``encoder`` built for the same patterns can be reused across queries.
    """
    limit = TIMEOUT_MS if timeout_ms is None else timeout_ms
    enc = encoder if encoder is not None else Encoder(patterns)
    z = enc.z
    goal = build(enc)
    for mode in ("ints", "free", "exact"):
        solver = z.Solver()
        solver.set("timeout", limit if mode != "exact" else min(limit, EXACT_TIMEOUT_MS))
        solver.add(*enc.structure(mode))
        solver.add(goal)
        answer = solver.check()
        if answer == z.unknown:
            return Outcome("unknown", reason=f"z3: {solver.reason_unknown()}")
        if answer == z.unsat:
            if mode == "ints":
                continue
            if mode == "free":
                return Outcome("unsat")
            return Outcome("unknown", reason="only a float's long decimal text could decide")
        event, float_used = enc.event(solver.model())
        if check(event):
            return Outcome("sat", event)
        if mode == "free" and float_used:
            continue
        if mode == "exact":
            return Outcome("unknown", reason="a model relies on the text of a float")
        raise ModelMismatch(f"z3 model {event!r} does not behave as encoded")
    return Outcome("unsat")  # pragma: no cover - the loop always returns


def atom_parents(expr: ast.Expr) -> list[tuple[Atom, bool | None]]:
    """Each atom with the value that removes it from its parent (True under
    ``&&``, False under ``||``, None for a lone top-level atom)."""
    out: list[tuple[Atom, bool | None]] = []

    def visit(node: ast.Expr, parent_value: bool | None) -> None:
        match node:
            case ast.And():
                for item in node.items:
                    visit(item, True)
            case ast.Or():
                for item in node.items:
                    visit(item, False)
            case ast.Comparison() | ast.IsCheck() | ast.FieldComparison():
                out.append((node, parent_value))
            case _:
                assert_never(node)

    visit(expr, None)
    return out
