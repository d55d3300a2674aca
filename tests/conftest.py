"""Shared pytest set-up: import paths, the collection link, a clean environment, and simulator fixtures.

- `build/collections` and `tests/` go on sys.path, so tests import
  `ansible_collections.simfleet.twilio.plugins...` and `simulator`.
- The caller's connection settings (every `TWILIO_*` and `KORE_*` variable) are removed from the environment
  before any test module is imported: no test, and no process a test starts, sees a real account's settings;
  tests set the ones they need themselves.
- `simulator`: one session-wide simulator (300 Wireless SIMs, 200 Super SIMs, seed 1). Tests that change
  its faults must undo it (`simulator.clear_faults()`); tests needing their own fleet use `simulator_factory`.
- `simulator_factory(**kwargs)`: starts a `Simulator(**kwargs)` and stops it after the test.
"""
import os
import sys

import pytest

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
ROOT_DIR = os.path.dirname(TESTS_DIR)
COLLECTIONS_DIR = os.path.join(ROOT_DIR, "build", "collections")
COLLECTION_LINK = os.path.join(COLLECTIONS_DIR, "ansible_collections", "simfleet", "twilio")
# Prefixes of the environment variables of the connection options (the modules', the inventory plugin's, the
# event source's): TWILIO_ACCOUNT_SID, TWILIO_BASE_URL, KORE_CLIENT_ID, KORE_TOKEN_URL, ...
CONNECTION_ENV_PREFIXES = ("TWILIO_", "KORE_")


def _link_collection():
    """Create build/collections/ansible_collections/simfleet/twilio -> ../../../.. if it is missing."""
    if os.path.lexists(COLLECTION_LINK):
        return
    os.makedirs(os.path.dirname(COLLECTION_LINK), exist_ok=True)
    try:
        os.symlink("../../../..", COLLECTION_LINK)
    except FileExistsError:
        pass


def _forget_callers_connection_settings():
    """Remove every TWILIO_* and KORE_* variable the caller's environment holds from this process's environment."""
    for name in list(os.environ):
        if name.startswith(CONNECTION_ENV_PREFIXES):
            del os.environ[name]


_link_collection()
_forget_callers_connection_settings()
for path in (COLLECTIONS_DIR, TESTS_DIR):
    if path not in sys.path:
        sys.path.insert(0, path)
os.environ.setdefault("ANSIBLE_COLLECTIONS_PATH", COLLECTIONS_DIR)

from ansible.plugins.loader import init_plugin_loader  # noqa: E402

from simulator import Simulator  # noqa: E402

# The collection loader, as the ansible CLIs set it up, before any test imports the collection: every
# test then imports ansible_collections.simfleet.twilio the same way, whatever order pytest collects them in.
init_plugin_loader()

DEFAULT_FLEET = {"seed": 1, "wireless_sims": 300, "super_sims": 200}


@pytest.fixture(scope="session")
def simulator():
    """The session's shared simulator with the default generated fleet."""
    with Simulator(**DEFAULT_FLEET) as sim:
        yield sim


@pytest.fixture
def simulator_factory():
    """Start simulators with custom options (`Simulator` keyword arguments); all stop after the test."""
    started = []

    def start(**options):
        sim = Simulator(**options).start()
        started.append(sim)
        return sim

    yield start
    for sim in reversed(started):
        sim.stop()
