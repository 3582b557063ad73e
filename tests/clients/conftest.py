"""Shared set-up of the real-client tests: the service under test, as
scripts/client-test.sh starts it (NAERINGSAREAL_URL, PLANNER_KEY)."""

import os

import pytest
import requests

BASE = os.environ.get("NAERINGSAREAL_URL", "http://127.0.0.1:8080").rstrip("/")
PLANNER_KEY = os.environ.get("PLANNER_KEY", "")
ADMIN_KEY = os.environ.get("ADMIN_KEY", "")


@pytest.fixture(scope="session")
def base():
    """The service's base URL; the session fails at once when it does not answer."""
    requests.get(f"{BASE}/health", timeout=10).raise_for_status()
    return BASE


@pytest.fixture(scope="session")
def planner_headers():
    if not PLANNER_KEY:
        pytest.fail("PLANNER_KEY is not set (scripts/client-test.sh makes one)")
    return {"Authorization": f"Bearer {PLANNER_KEY}"}


@pytest.fixture(scope="session")
def admin_headers():
    if not ADMIN_KEY:
        pytest.fail("ADMIN_KEY is not set (scripts/client-test.sh makes one)")
    return {"Authorization": f"Bearer {ADMIN_KEY}"}
