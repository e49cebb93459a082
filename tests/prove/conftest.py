from __future__ import annotations

from collections.abc import Iterator

import pytest

from engine.prove import solver


@pytest.fixture(autouse=True)
def _strict_models() -> Iterator[None]:
    """A z3 model that the real matchers reject is a bug: raise, never fall back."""
    old = solver.STRICT
    solver.STRICT = True
    yield
    solver.STRICT = old
