# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Facts the YAML of the roles states and cannot import agree with their one source in Python.

The products, the SIM statuses and the longest usage window come from plugins/module_utils/_endpoints.py; the
defaults of the roles' variables from ROLE_DEFAULTS of the role_arguments filter (the audit's and the policy's from
plugin_utils/_fleet.py). Each role's defaults/main.yml and meta/argument_specs.yml state them again, and the
documentation states the usage window in words: these tests fail when one of them says something else.
"""

import os
import re

import pytest
import yaml

from ansible_collections.simfleet.twilio.plugins.filter.role_arguments import ROLE_DEFAULTS, ROLES
from ansible_collections.simfleet.twilio.plugins.module_utils._client import CONNECTION_OPTIONS
from ansible_collections.simfleet.twilio.plugins.module_utils._endpoints import (
    ENDPOINTS,
    PRODUCTS,
    SIM_STATUSES,
    USAGE_BY_SIM_MAX_DAYS,
)
from ansible_collections.simfleet.twilio.plugins.plugin_utils._fleet import ANY_SIM_STATUSES, MAX_DAYS, USAGE_MAX_DAYS

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", ".."))
ROLE_NAMES = sorted(ROLES)


def load(*parts):
    with open(os.path.join(ROOT, *parts), encoding="utf-8") as f:
        return yaml.safe_load(f) or {}


def read(*parts):
    with open(os.path.join(ROOT, *parts), encoding="utf-8") as f:
        return f.read()


def spec_options(role):
    return load("roles", role, "meta", "argument_specs.yml")["argument_specs"]["main"]["options"]


def test_the_endpoint_table_refuses_usage_by_sim_beyond_the_constant():
    limits = [limit for limit in ENDPOINTS["supersim_usage_record"].window.limits
              if (limit.option, limit.value) == ("group", "sim")]
    assert [limit.days for limit in limits] == [USAGE_BY_SIM_MAX_DAYS]
    assert USAGE_MAX_DAYS == USAGE_BY_SIM_MAX_DAYS


def test_the_audit_role_clamps_usage_to_the_constant():
    assert load("roles", "sim_audit", "vars", "main.yml")["sim_audit__usage_max_days"] == USAGE_MAX_DAYS


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_role_defaults_are_the_python_defaults(role):
    defaults = load("roles", role, "defaults", "main.yml")
    stated = dict((name, defaults.get("%s_%s" % (role, name))) for name in ROLE_DEFAULTS[role])
    assert stated == ROLE_DEFAULTS[role]
    assert set(ROLE_DEFAULTS[role]) == set(ROLES[role])


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_argument_specs_state_the_role_defaults(role):
    defaults = load("roles", role, "defaults", "main.yml")
    options = spec_options(role)
    assert dict((name, option.get("default")) for name, option in options.items() if name in defaults) == defaults
    assert sorted(name for name, option in options.items() if "default" in option) == sorted(defaults)


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_argument_specs_choices_are_the_products_and_statuses(role):
    wanted = {"products": list(PRODUCTS), "no_command_statuses": list(SIM_STATUSES["supersim"]),
              "silent_statuses": list(SIM_STATUSES["supersim"]), "suspended_statuses": list(ANY_SIM_STATUSES),
              "allowed_statuses_wireless": list(SIM_STATUSES["wireless"]),
              "allowed_statuses_supersim": list(SIM_STATUSES["supersim"])}
    for name, option in spec_options(role).items():
        short = name[len(role) + 1:]
        if short in wanted and "choices" in option:
            assert list(option["choices"]) == wanted[short], name


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_every_role_takes_every_connection_option(role):
    options = spec_options(role)
    assert sorted(name[len(role) + 1:] for name in options if name[len(role) + 1:] in CONNECTION_OPTIONS) == sorted(CONNECTION_OPTIONS)
    tasks = read("roles", role, "tasks", "main.yml")
    # The role hands its connection variables to its modules through the one lookup that knows every option.
    assert "%s__connection: \"{{ lookup('simfleet.twilio.connection', '%s') }}\"" % (role, role) in tasks
    assert "%s_account_sid" % role not in tasks


# Documents that state the longest usage window in words, and the phrases that state it.
USAGE_DOCS = (
    "roles/sim_audit/README.md", "roles/sim_audit/defaults/main.yml", "roles/sim_audit/meta/argument_specs.yml",
    "roles/sim_compliance/README.md", "roles/sim_compliance/defaults/main.yml",
    "roles/sim_compliance/meta/argument_specs.yml", "plugins/filter/compliance_evaluate.py",
    "plugins/filter/role_arguments.py", "plugins/filter/audit_summary.py", "README.md",
)
USAGE_PHRASES = re.compile(r"(?:at most|its last|min\(window_days,|usage window of more than) ([0-9]+)|([0-9]+) days at most")


@pytest.mark.parametrize("path", USAGE_DOCS)
def test_documents_state_the_usage_window_of_the_constant(path):
    stated = []
    for line in read(path).splitlines():
        if "usage" in line.lower() or "31" in line:
            stated += [int(a or b) for a, b in USAGE_PHRASES.findall(line)]
    assert USAGE_MAX_DAYS in stated or path.endswith("audit_summary.py"), path
    assert [days for days in stated if days not in (USAGE_MAX_DAYS, MAX_DAYS)] == [], path
