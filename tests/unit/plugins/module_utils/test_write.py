# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The write layer's description of a resource (_write.Writer) and the hooks of the state base."""

import ast
import os

import pytest

from ansible_collections.simfleet.twilio.plugins.module_utils._endpoints import ENDPOINTS
from ansible_collections.simfleet.twilio.plugins.module_utils._write import Writer, field_problem, same, wait_timeout_problem

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))


@pytest.mark.parametrize("current, desired, expected", [
    (["b", "a"], ["a", "b"], True),
    (None, [], True),
    ("5", 5, True),
    ("x", 5, False),
    (1, True, False),
    (True, True, True),
    ("ready", "ready", True),
])
def test_same_compares_as_twilio_shows_values(current, desired, expected):
    assert same(current, desired) is expected


def test_the_form_of_a_creation_and_of_an_update_takes_the_write_only_options_each_allows():
    writer = Writer(ENDPOINTS["supersim_sim"])
    params = {"registration_code": "secret", "callback_url": "https://example.com/cb"}
    create = writer.form({"iccid": "8988307000000000001"}, params, create=True)
    update = writer.form({"unique_name": "pump-1"}, params)
    assert create == {"Iccid": "8988307000000000001", "RegistrationCode": "secret"}
    assert update == {"UniqueName": "pump-1", "CallbackUrl": "https://example.com/cb"}
    assert writer.form({"unique_name": "pump-1"}) == {"UniqueName": "pump-1"}


def test_changes_applied_and_unchanged_read_the_record_fields_of_the_options():
    writer = Writer(ENDPOINTS["supersim_sim"])
    record = {"sid": "HS" + "0" * 32, "status": "active", "fleet_sid": "HF" + "1" * 32, "unique_name": "a"}
    desired = {"status": "inactive", "fleet": "HF" + "1" * 32}
    assert writer.changes(record, desired) == {"status": "inactive"}
    assert writer.applied(dict(record, status="inactive"), {"status": "inactive"})
    assert writer.applied(dict(record, status="scheduled"), {"status": "inactive"})   # settling toward it
    assert not writer.applied(record, {"status": "inactive"})
    assert writer.unchanged(record, dict(record), {"status": "inactive"})
    assert writer.describe(record, ["fleet"]) == {"fleet": "HF" + "1" * 32}


def test_transitions_and_field_values_are_refused_with_the_option_and_what_is_allowed():
    writer = Writer(ENDPOINTS["wireless_sim"])
    problem = writer.transition_problem("new", "suspended")
    assert problem.startswith("status cannot change from new to suspended: Twilio allows suspended only from ")
    assert writer.transition_problem("active", "suspended") is None
    url = ENDPOINTS["wireless_sim"].field("callback_url")
    assert field_problem(url, "ftp://x", {}) == "callback_url must be an absolute http or https URL, got 'ftp://x'"
    assert field_problem(url, "  ", {}) == "callback_url must not be empty or blank"
    assert field_problem(url, None, {}) is None
    assert wait_timeout_problem({"wait_timeout": 0}) == "wait_timeout must be between 1 and 3600 seconds, got 0"
    assert wait_timeout_problem({}) is None


def imported_names(path):
    """(module, name) of every `from ... import name` in a file."""
    with open(path) as handle:
        tree = ast.parse(handle.read())
    return [(node.module, alias.name) for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) for alias in node.names]


def test_no_module_or_plugin_imports_another_files_private_names():
    offenders = []
    for folder in ("plugins", "extensions"):
        for base, dummy, files in os.walk(os.path.join(ROOT, folder)):
            for name in files:
                if name.endswith(".py"):
                    path = os.path.join(base, name)
                    offenders += ["%s: %s from %s" % (os.path.relpath(path, ROOT), imported, module)
                                  for module, imported in imported_names(path)
                                  if module and module.startswith("ansible_collections.simfleet") and imported.startswith("_")
                                  and not module.endswith(("module_utils", "plugin_utils"))]   # a whole file of shared code
    assert offenders == []


def test_the_state_modules_and_sim_batch_write_only_through_the_write_layer():
    """Neither the batch nor a module reaches into the state base's internals: they share _write and _module."""
    for path in ("plugins/module_utils/_batch.py",) + tuple(
            os.path.join("plugins/modules", n) for n in sorted(os.listdir(os.path.join(ROOT, "plugins/modules")))):
        for module, name in imported_names(os.path.join(ROOT, path)):
            if module and module.endswith("._state"):
                assert path.startswith("plugins/modules/") and name in (
                    "StateSpec", "Members", "CommandModule", "StateModule", "run_state_module", "run_command_module"), (path, name)
