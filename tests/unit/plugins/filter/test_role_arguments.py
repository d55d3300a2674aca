# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The role_arguments filter: the first task of the sim_audit and sim_compliance roles."""

from __future__ import absolute_import, division, print_function

import datetime
import os
import re

import pytest
import yaml

from ansible.errors import AnsibleFilterError

from ansible_collections.simfleet.twilio.plugins.filter.role_arguments import ROLES
from ansible_collections.simfleet.twilio.plugins.filter.role_arguments import FilterModule

role_arguments = FilterModule().filters()["role_arguments"]
compliance_policy_filter = FilterModule().filters()["compliance_policy"]

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
SUPERSIM = "new, ready, active, inactive, scheduled"
WIRELESS = "new, ready, active, suspended, deactivated, canceled, scheduled, updating"


def role_file(role, *path):
    with open(os.path.join(ROOT, "roles", role, *path), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def refused(values, role):
    with pytest.raises(AnsibleFilterError) as caught:
        role_arguments(values, role)
    return caught.value.message


class TestConversions:
    def test_comma_separated_strings_are_lists(self):
        result = role_arguments({"products": "wireless", "no_command_statuses": "active, inactive,,active"}, "sim_audit")
        assert result == {"products": ["wireless"], "no_command_statuses": ["active", "inactive"]}
        result = role_arguments({"exempt_sims": "lab-1,lab-2", "products": "supersim,wireless",
                                 "allowed_statuses_wireless": "active", "suspended_statuses": "suspended,inactive"},
                                "sim_compliance")
        assert result == {"exempt_sims": ["lab-1", "lab-2"], "products": ["supersim", "wireless"],
                          "allowed_statuses_wireless": ["active"], "suspended_statuses": ["suspended", "inactive"]}

    def test_lists_stay_lists(self):
        result = role_arguments({"products": ["wireless", "supersim"], "no_command_statuses": []}, "sim_audit")
        assert result == {"products": ["wireless", "supersim"], "no_command_statuses": []}
        # an ICCID written without quotes in YAML is a number; names are kept as given, spaces included
        result = role_arguments({"exempt_sims": [8901260000000012345, " lab "], "allowed_statuses_supersim": []},
                                "sim_compliance")
        assert result == {"exempt_sims": ["8901260000000012345", " lab "], "allowed_statuses_supersim": []}

    def test_numbers_and_booleans(self):
        result = role_arguments({"window_days": "7", "recent_days": "0.5", "report_max_rows": "50"}, "sim_audit")
        assert result == {"window_days": 7, "recent_days": 0.5, "report_max_rows": 50}
        assert isinstance(result["window_days"], int) and isinstance(result["report_max_rows"], int)
        result = role_arguments({"report_only": "true", "rule_silent_sims": "no", "suspended_max_days": 0,
                                 "failed_command_ratio": "0.25", "failed_command_min": 3.0}, "sim_compliance")
        assert result == {"report_only": True, "rule_silent_sims": False, "suspended_max_days": 0,
                          "failed_command_ratio": 0.25, "failed_command_min": 3}

    def test_remediation_safety_variables(self):
        result = role_arguments({"max_age_hours": "0.5", "recheck": "yes", "canary": " 5 %"}, "sim_remediation")
        assert result == {"max_age_hours": 0.5, "recheck": True, "canary": "5%"}
        result = role_arguments({"max_age_hours": "0", "recheck": False, "canary": "10"}, "sim_remediation")
        assert result == {"max_age_hours": 0, "recheck": False, "canary": 10}
        assert role_arguments({"canary": ""}, "sim_remediation") == {"canary": 0}
        assert role_arguments({"canary": "12.5%"}, "sim_remediation") == {"canary": "12.5%"}

    def test_now(self):
        assert role_arguments({"now": "2026-01-15T01:00:00+01:00"}, "sim_audit") == {"now": "2026-01-15T00:00:00Z"}
        moment = datetime.datetime(2026, 1, 15, tzinfo=datetime.timezone.utc)
        assert role_arguments({"now": moment}, "sim_compliance") == {"now": "2026-01-15T00:00:00Z"}
        # empty: the current time, fixed from here on for the whole run
        now = role_arguments({"now": ""}, "sim_audit")["now"]
        started = datetime.datetime.strptime(now, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
        assert abs((datetime.datetime.now(datetime.timezone.utc) - started).total_seconds()) < 60


class TestRefusals:
    @pytest.mark.parametrize("role,values,message", [
        ("sim_audit", {"products": []}, "sim_audit_products must name at least one of: wireless, supersim"),
        ("sim_audit", {"products": ""}, "sim_audit_products must name at least one of: wireless, supersim"),
        ("sim_audit", {"products": "wireless,wirelss"},
         "sim_audit_products must be one or more of: wireless, supersim; got 'wirelss'"),
        ("sim_audit", {"no_command_statuses": "active,suspended"},
         "sim_audit_no_command_statuses must be one or more of: %s; got 'suspended'" % SUPERSIM),
        ("sim_audit", {"no_command_statuses": {"active": True}}, "sim_audit_no_command_statuses must be a list of strings"),
        ("sim_audit", {"history_runs": -1}, "sim_audit_history_runs must be at least 0, got -1"),
        ("sim_audit", {"history_runs": "ten"}, "sim_audit_history_runs must be a number"),
        ("sim_audit", {"now": "yesterday"}, "sim_audit_now must be an ISO 8601 timestamp"),
        ("sim_audit", {"now": 1768435200}, "sim_audit_now must be an ISO 8601 timestamp"),
        ("sim_audit", {"window_days": -1}, "sim_audit_window_days must be more than 0, got -1"),
        ("sim_audit", {"window_days": "0"}, "sim_audit_window_days must be more than 0"),
        ("sim_audit", {"window_days": "nan"}, "sim_audit_window_days must be a finite number"),
        ("sim_audit", {"window_days": "a week"}, "sim_audit_window_days must be a number"),
        ("sim_audit", {"recent_days": 36501}, "sim_audit_recent_days must be at most 36500 days"),
        ("sim_audit", {"report_max_rows": 0}, "sim_audit_report_max_rows must be at least 1, got 0"),
        ("sim_audit", {"report_max_rows": "2.5"}, "sim_audit_report_max_rows must be a whole number"),
        ("sim_audit", {"report_max_rows": True}, "sim_audit_report_max_rows must be a number"),
        ("sim_compliance", {"products": []}, "sim_compliance_products must name at least one of: wireless, supersim"),
        ("sim_compliance", {"allowed_statuses_wireless": "active,inactive"},
         "sim_compliance_allowed_statuses_wireless must be one or more of: %s; got 'inactive'" % WIRELESS),
        ("sim_compliance", {"allowed_statuses_supersim": ["suspended"]},
         "sim_compliance_allowed_statuses_supersim must be one or more of: %s; got 'suspended'" % SUPERSIM),
        ("sim_compliance", {"suspended_statuses": "suspnded"}, "sim_compliance_suspended_statuses must be one or more"),
        ("sim_compliance", {"silent_statuses": "suspended"}, "sim_compliance_silent_statuses must be one or more"),
        ("sim_compliance", {"exempt_sims": [None]}, "sim_compliance_exempt_sims must be a list of strings"),
        ("sim_compliance", {"now": "2026-13-45T00:00:00Z"}, "sim_compliance_now must be an ISO 8601 timestamp"),
        ("sim_compliance", {"silent_days": 0}, "sim_compliance_silent_days must be more than 0"),
        ("sim_compliance", {"command_window_days": -3}, "sim_compliance_command_window_days must be more than 0"),
        ("sim_compliance", {"suspended_max_days": -1}, "sim_compliance_suspended_max_days must be at least 0"),
        ("sim_compliance", {"failed_command_ratio": "1.5"}, "sim_compliance_failed_command_ratio must be between 0 and 1"),
        ("sim_compliance", {"failed_command_min": 0}, "sim_compliance_failed_command_min must be at least 1"),
        ("sim_compliance", {"report_only": "maybe"}, "sim_compliance_report_only must be true or false"),
        ("sim_compliance", {"rule_silent_sims": "sometimes"}, "sim_compliance_rule_silent_sims must be true or false"),
        ("sim_remediation", {"max_age_hours": -1}, "sim_remediation_max_age_hours must be at least 0, got -1"),
        ("sim_remediation", {"max_age_hours": "six"}, "sim_remediation_max_age_hours must be a number, got 'six'"),
        ("sim_remediation", {"max_age_hours": "inf"}, "sim_remediation_max_age_hours must be a finite number"),
        ("sim_remediation", {"recheck": "maybe"}, "sim_remediation_recheck must be true or false"),
        ("sim_remediation", {"report_page_rows": 0}, "sim_remediation_report_page_rows must be at least 1, got 0"),
        ("sim_remediation", {"canary": "0%"}, "sim_remediation_canary as a percent must be more than 0% and at most 100%, got '0%'"),
        ("sim_remediation", {"canary": "150%"}, "sim_remediation_canary as a percent must be more than 0% and at most 100%"),
        ("sim_remediation", {"canary": -1},
         'sim_remediation_canary must be a count of SIMs (a whole number, 0 for no canary) or a percent of the SIMs to act on such as "5%", got -1'),
        ("sim_remediation", {"canary": "five"}, "sim_remediation_canary must be a count of SIMs"),
        ("sim_remediation", {"canary": 2.5}, "sim_remediation_canary must be a count of SIMs"),
        ("sim_remediation", {"canary": True}, "sim_remediation_canary must be a count of SIMs"),
        ("sim_remediation", {"canary": "-5%"}, "sim_remediation_canary must be a count of SIMs"),
    ])
    def test_refused_naming_the_variable(self, role, values, message):
        assert message in refused(values, role)

    def test_every_problem_at_once(self):
        message = refused({"products": [], "now": "yesterday", "window_days": -1, "report_max_rows": 0,
                           "recent_days": 7}, "sim_audit")
        for name in ("sim_audit_products", "sim_audit_now", "sim_audit_window_days", "sim_audit_report_max_rows"):
            assert re.search(r"^%s must " % name, message, re.M), message
        assert "sim_audit_recent_days" not in message

    def test_unknown_names_and_roles(self):
        assert "sim_audit has no variables sim_audit_colour" in refused({"colour": "red"}, "sim_audit")
        assert "role must be one of sim_audit, sim_compliance" in refused({}, "sim_fleet")
        assert "must be a dictionary" in refused(["products"], "sim_audit")


class TestTheRoles:
    """The filter, the roles' argument specifications, defaults and first task agree on every variable."""

    @pytest.mark.parametrize("role", sorted(ROLES))
    def test_every_list_variable_is_checked(self, role):
        options = role_file(role, "meta", "argument_specs.yml")["argument_specs"]["main"]["options"]
        lists = sorted(name for name, spec in options.items() if spec["type"] == "list")
        assert lists and set(lists) <= set("%s_%s" % (role, name) for name in ROLES[role])

    @pytest.mark.parametrize("role", sorted(ROLES))
    def test_choices_match_the_argument_specs(self, role):
        options = role_file(role, "meta", "argument_specs.yml")["argument_specs"]["main"]["options"]
        for name, spec in options.items():
            if spec["type"] != "list":
                continue
            short = name[len(role) + 1:]
            if spec.get("choices"):
                assert role_arguments({short: spec["choices"]}, role) == {short: spec["choices"]}, name
                assert "must be one or more of: %s;" % ", ".join(spec["choices"]) in refused({short: ["bogus"]}, role)
            else:
                assert role_arguments({short: ["bogus"]}, role) == {short: ["bogus"]}, name

    @pytest.mark.parametrize("role", sorted(ROLES))
    def test_first_task_checks_every_variable_and_the_defaults_pass(self, role):
        first = role_file(role, "tasks", "main.yml")[0]
        assert "simfleet.twilio.role_arguments('%s'" % role in first["ansible.builtin.set_fact"]["%s__args" % role]
        given = first["vars"]["%s__given" % role]
        assert sorted(given) == sorted(ROLES[role])
        assert all(value == "{{ %s_%s }}" % (role, name) for name, value in given.items())
        defaults = role_file(role, "defaults", "main.yml")
        checked = role_arguments(dict((name, defaults["%s_%s" % (role, name)]) for name in ROLES[role]), role)
        for name, value in checked.items():
            if name != "now":
                assert value == defaults["%s_%s" % (role, name)], name


class TestCompliancePolicy:
    """The policy of the sim_compliance role is mapped from its variables once, in Python, both ways."""

    def test_the_variables_describe_the_policy_compliance_evaluate_takes(self):
        args = role_arguments({"products": "wireless", "rule_silent_sims": "no", "allowed_statuses_wireless": "active",
                               "silent_days": "3"}, "sim_compliance")
        assert compliance_policy_filter(args) == {"products": ["wireless"], "silent_days": 3, "rules": {"silent_sims": False},
                                                  "allowed_statuses": {"wireless": ["active"]}}

    def test_a_reports_policy_replaces_the_variables_it_covers(self):
        report_policy = {"products": ["supersim"], "silent_days": 9, "rules": {"silent_sims": True},
                         "allowed_statuses": {"supersim": ["active"]}}
        args = role_arguments({"products": "wireless", "rule_silent_sims": "no", "now": "2026-01-15T00:00:00Z"}, "sim_compliance",
                              policy=report_policy)
        assert compliance_policy_filter(args) == report_policy
        assert args["now"] == "2026-01-15T00:00:00Z"

    def test_a_policy_is_only_for_the_compliance_role(self):
        with pytest.raises(AnsibleFilterError, match="policy is a compliance report's policy"):
            role_arguments({}, "sim_audit", policy={"products": ["wireless"]})
