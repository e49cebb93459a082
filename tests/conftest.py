from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=200, deadline=None)
settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture(autouse=True)
def _patient_prover(monkeypatch: pytest.MonkeyPatch) -> None:
    """z3's wall-clock limits, twelve times longer: on a shared machine a stall of a few
    seconds (seen: a 0.1 s proof timed out at 5 s in CI) tests the machine, not the
    encoding.  A query that loops still ends, later."""
    from engine.prove import solver

    monkeypatch.setattr(solver, "TIMEOUT_MS", 60_000)
    monkeypatch.setattr(solver, "EXACT_TIMEOUT_MS", 24_000)
    monkeypatch.setattr(solver, "PROBE_TIMEOUT_MS", 12_000)
