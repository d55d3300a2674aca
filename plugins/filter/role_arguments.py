# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: role_arguments
short_description: Check the variables of the collection's roles and give each in its one form
version_added: 2.0.0
author:
  - simfleet maintainers (@simfleet)
description:
  - The first task of the P(simfleet.twilio.sim_audit#role), P(simfleet.twilio.sim_compliance#role) and
    P(simfleet.twilio.sim_remediation#role) roles. It checks
    their variables before any request to Twilio and returns the values the role then uses.
  - Ansible's role argument validation checks a converted copy of each variable but leaves the variable itself as
    given, so C(-e sim_audit_silent_statuses=active) stays the string C(active). This filter returns every list as
    a list (a comma-separated string C(a,b) becomes C([a, b])), every number as a number, every boolean as a
    boolean, and the reference time C(now) as an ISO 8601 UTC timestamp (the current time when empty, fixed for
    the rest of the run).
  - It refuses, with a message naming the variable (C(<role>_<name>)), an unknown product or SIM status (the
    message lists the allowed values), an empty product list, a timestamp it cannot read, a window of 0 days or
    less (or more than 36500), a usage window of more than 31 days, a percentage of 0 or less, a C(silent_by)
    other than C(usage), C(commands) or empty, a negative age, a ratio outside 0 to 1, a count or row limit
    below 1, a remediation canary that is neither a whole number from 0 nor a percent above 0 up to 100, and any
    name the role does not have.
options:
  _input:
    description:
      - The role's variables, each by its name without the role prefix, for example C(products) for
        C(sim_audit_products). Only the variables given are checked and returned.
      - "For V(sim_audit): C(products), C(window_days), C(recent_days), C(no_command_statuses), C(report_max_rows),
        C(now), C(usage), C(wireless_usage_per_sim), C(wireless_usage_max_sims), C(data_limit_percent) and
        C(history_runs) (0 or more)."
      - "For V(sim_compliance): C(products), C(exempt_sims), C(now), C(report_only), C(rule_<rule>) for each rule,
        C(allowed_statuses_wireless), C(allowed_statuses_supersim), C(suspended_statuses), C(suspended_max_days),
        C(failed_command_ratio), C(failed_command_min), C(command_window_days), C(silent_days),
        C(silent_statuses), C(silent_by), C(usage_window_days) and C(data_limit_percent)."
      - "For V(sim_remediation): C(policy), C(exempt_sims), C(apply), C(confirm_irreversible), C(max_concurrency),
        C(max_sims), C(max_age_hours) (hours from 0), C(recheck) and C(canary) (a count from 0 or a percent such as
        C(5%))."
    type: dict
    required: true
  role:
    description: The role whose variables these are.
    type: str
    required: true
    choices: [sim_audit, sim_compliance, sim_remediation]
  policy:
    description:
      - For V(sim_compliance) only, a compliance report's own C(policy) (as C(compliance.json) holds it). Its values
        replace the variables it covers; the remediation role's re-check applies a report's policy again with it.
    type: dict
"""

EXAMPLES = r"""
- name: Check the role's variables
  ansible.builtin.set_fact:
    sim_audit__args: >-
      {{ {'products': sim_audit_products, 'window_days': sim_audit_window_days, 'now': sim_audit_now}
         | simfleet.twilio.role_arguments('sim_audit') }}
  # -e sim_audit_products=wireless gives {'products': ['wireless'], 'window_days': 7, 'now': '2026-11-23T12:00:00Z'}
"""

RETURN = r"""
_value:
  description:
    - The variables given, by the same names, each checked and in its one form.
  type: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.simfleet.twilio.plugins.plugin_utils._fleet import (
    ALLOWED_STATUSES_OPTIONS,
    AUDIT_DEFAULTS,
    AUDIT_OPTIONS,
    POLICY_DEFAULTS,
    POLICY_OPTIONS,
    flag,
    timestamp,
    whole_number,
)
from ansible_collections.simfleet.twilio.plugins.plugin_utils._unsafe import unsafe
from ansible_collections.simfleet.twilio.plugins.filter.compliance_evaluate import RULES
from ansible_collections.simfleet.twilio.plugins.filter.remediation_plan import ROLE_ARGUMENTS as REMEDIATION_ARGUMENTS
from ansible_collections.simfleet.twilio.plugins.filter.remediation_plan import ROLE_DEFAULTS as REMEDIATION_DEFAULTS
from ansible_collections.simfleet.twilio.plugins.plugin_utils._report_page import PAGE_SIZE


def history_runs(value, name):
    """How many runs of the audit the history keeps: 0 (none) or more."""
    return whole_number(value, name, minimum=0)


# Each role's variables (without the role prefix) and their checks: the same checks as the options of the
# audit_summary and compliance_evaluate filters that the roles hand them to.
ROLES = {
    "sim_audit": dict(AUDIT_OPTIONS, now=timestamp, report_max_rows=whole_number, usage=flag,
                      wireless_usage_per_sim=flag, wireless_usage_max_sims=whole_number, history_runs=history_runs),
    "sim_compliance": dict(
        POLICY_OPTIONS, now=timestamp, report_only=flag,
        **dict([("allowed_statuses_" + product, check) for product, check in ALLOWED_STATUSES_OPTIONS.items()]),
        **dict(("rule_" + rule, flag) for rule in RULES)),
    "sim_remediation": REMEDIATION_ARGUMENTS,
}

# The default of each of those variables: the one source of the values the roles' defaults/main.yml and
# meta/argument_specs.yml state (YAML cannot import them; tests/unit/plugins/filter/test_one_source.py checks that
# they agree). A compliance policy's values are the compliance_evaluate filter's own defaults.
ROLE_DEFAULTS = {
    "sim_audit": dict(AUDIT_DEFAULTS, now="", report_max_rows=PAGE_SIZE, usage=True, wireless_usage_per_sim=False,
                      wireless_usage_max_sims=100, history_runs=30),
    "sim_compliance": dict(
        dict((key, POLICY_DEFAULTS[key]) for key in POLICY_OPTIONS), now="", report_only=False,
        **dict([("allowed_statuses_" + product, POLICY_DEFAULTS["allowed_statuses"][product])
                for product in ALLOWED_STATUSES_OPTIONS]),
        **dict(("rule_" + rule, True) for rule in RULES)),
    "sim_remediation": REMEDIATION_DEFAULTS,
}


def compliance_policy(args):
    """The policy (compliance_evaluate's form) that sim_compliance's checked variables describe."""
    policy = dict((key, args[key]) for key in POLICY_OPTIONS if key in args)
    policy["allowed_statuses"] = dict((product, args["allowed_statuses_" + product]) for product in ALLOWED_STATUSES_OPTIONS
                                      if "allowed_statuses_" + product in args)
    policy["rules"] = dict((rule, args["rule_" + rule]) for rule in RULES if "rule_" + rule in args)
    return policy


def compliance_variables(policy):
    """sim_compliance's variables (without the prefix) that describe ``policy``: a report's own policy, which the
    remediation role's re-check applies again."""
    values = dict((key, policy[key]) for key in POLICY_OPTIONS if key in policy)
    values.update(("allowed_statuses_" + product, statuses) for product, statuses in (policy.get("allowed_statuses") or {}).items())
    values.update(("rule_" + rule, enabled) for rule, enabled in (policy.get("rules") or {}).items())
    return values


def check_role_arguments(values, role):
    """The role's variables checked and converted; see DOCUMENTATION."""
    checks = ROLES.get(role)
    if checks is None:
        raise AnsibleFilterError("role must be one of %s, got %r" % (", ".join(sorted(ROLES)), role))
    if not isinstance(values, dict):
        raise AnsibleFilterError("the input must be a dictionary of the variables of %s, got %s"
                                 % (role, type(values).__name__))
    unknown = sorted(set(values) - set(checks))
    if unknown:
        raise AnsibleFilterError("%s has no variables %s" % (role, ", ".join("%s_%s" % (role, name) for name in unknown)))
    result, problems = {}, []
    for name, value in values.items():
        try:
            result[name] = checks[name](value, "%s_%s" % (role, name))
        except AnsibleFilterError as error:  # every wrong variable in one message, one line each
            problems.append(error.message)
    if problems:
        raise AnsibleFilterError("\n".join(problems))
    return result


def role_arguments(values, role, policy=None):
    if policy:
        if role != "sim_compliance" or not isinstance(policy, dict):
            raise AnsibleFilterError("policy is a compliance report's policy (a dictionary) for sim_compliance, got %s for %s"
                                     % (type(policy).__name__, role))
        values = dict(values, **compliance_variables(policy))
    return unsafe(check_role_arguments(values, role))


def compliance_policy_filter(args):
    if not isinstance(args, dict):
        raise AnsibleFilterError("compliance_policy takes the checked variables of sim_compliance (a dictionary), got %s"
                                 % type(args).__name__)
    # The values are those of the input, already checked and marked unsafe by role_arguments.
    return compliance_policy(args)


class FilterModule(object):
    def filters(self):
        return {"role_arguments": role_arguments, "compliance_policy": compliance_policy_filter}
