"""Hypothesis settings for the fuzz tests: a few examples by default, many with RELAIS_FUZZ=long.

The default keeps the whole suite fast; `RELAIS_FUZZ=long pytest tests/fuzz` runs a hundred
times more examples. No example database is written: a failure prints its reproducing input.
"""

import os

import pytest
from hypothesis import HealthCheck, settings

_COMMON = {
    "deadline": None,
    "database": None,
    # The fixtures (a database, a served channel) are shared by the examples on purpose: each
    # example writes under fresh ids, and the properties hold whatever came before.
    "suppress_health_check": [
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
}
settings.register_profile("default", max_examples=50, **_COMMON)
settings.register_profile("long", max_examples=5000, **_COMMON)
settings.load_profile("long" if os.environ.get("RELAIS_FUZZ") == "long" else "default")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Huge strings are drawn on purpose: their long repr in a report is no warning here."""
    for item in items:
        if "tests/fuzz/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.filterwarnings("ignore:Generating overly large repr"))
