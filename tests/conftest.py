"""Shared test set-up: hypothesis profiles and float64 helpers.

Profiles: ``ci`` (deterministic, bounded; chosen when the CI variable is set)
and ``dev`` (more examples, random).  Pick one with HYPOTHESIS_PROFILE=...
"""
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("ci", derandomize=True, max_examples=25, deadline=None,
                          print_blob=True, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


@pytest.fixture(autouse=True)
def _seed():
    """Every test starts from the same global seed."""
    import tinygrad_edu as tg
    tg.manual_seed(1234)
    np.random.seed(1234)
    yield
