"""Public names loaded on first use (PEP 562), one implementation for every package that
defers its imports (``engine``, ``engine.replay``, ``engine.replay.formats``).

A package lists where each name lives and defines ``__getattr__``/``__dir__`` as one-line
calls of a :class:`LazyNames`.  Invariants: standard library only (``engine/__init__.py``
imports it before anything else); an unknown name is the ``AttributeError`` Python would
give; a loaded name is stored in the package's namespace, so later lookups are plain
attribute reads -- except names ``keep`` refuses (constants a test may change at their home).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any


class LazyNames:
    """The names of ``package``: ``homes`` maps each to ``(module, attribute)``."""

    def __init__(
        self,
        package: str,
        homes: Mapping[str, tuple[str, str]],
        public: Iterable[str],
        keep: Callable[[str], bool] = lambda name: True,
    ) -> None:
        self.package = package
        self.homes = homes
        self.public = tuple(public)
        self.keep = keep

    def get(self, name: str) -> Any:
        home = self.homes.get(name)
        if home is None:
            raise AttributeError(f"module {self.package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(home[0]), home[1])
        if self.keep(name):
            vars(sys.modules[self.package])[name] = value  # later lookups are attribute reads
        return value

    def dir(self) -> list[str]:
        return sorted([*vars(sys.modules[self.package]), *self.public])
