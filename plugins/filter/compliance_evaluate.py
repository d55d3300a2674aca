# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: compliance_evaluate
short_description: Check a Twilio SIM fleet against a compliance policy
version_added: 1.0.0
author:
  - simfleet maintainers (@simfleet)
description:
  - Evaluates the rules of a fleet policy over the records returned by the collection's info modules and lists,
    for each rule, the SIMs that violate it. This is what the P(simfleet.twilio.sim_compliance#role) role writes
    to C(compliance.json).
  - "The rules: C(allowed_status) (a SIM in a status the policy does not allow), C(suspended_too_long) (a SIM
    suspended, or a Super SIM inactive, for longer than O(policy.suspended_max_days) days, measured from its
    C(date_updated)), C(active_without_unique_name), C(active_without_rate_plan) (an active wireless SIM without
    a rate plan or an active Super SIM without a fleet), C(esim_profile_failed) (a Super SIM with an eSIM profile
    in C(failed); a profile not linked to a SIM is named by its own SID), C(failed_command_ratio) (a Super SIM
    whose share of failed commands among the commands sent to it in the last O(policy.command_window_days)
    days is above O(policy.failed_command_ratio)) and C(silent_sims) (a Super SIM in
    O(policy.silent_statuses) without any IP or SMS command in the last O(policy.silent_days) days)."
  - Only SID, unique name, ICCID, status and a short detail are copied into the result, so secrets never reach
    a report.
options:
  _input:
    description:
      - The fleet as a dictionary with the keys C(wireless_sims), C(supersim_sims), C(esim_profiles),
        C(ip_commands) and C(sms_commands), each a list of records as returned by the info modules.
        Missing keys count as empty lists.
    type: dict
    required: true
  policy:
    description:
      - The policy. Every key is optional and falls back to the default shown.
      - Every list can also be given as a comma-separated string, as C(-e) on the command line gives it.
      - An unknown key, rule, product or status, an empty product list and a number out of range are refused
        with a message naming the key.
    type: dict
    default: {}
    suboptions:
      rules:
        description:
          - Rule name to V(true) (evaluate) or V(false) (skip). Rules not named are evaluated.
        type: dict
        default: {}
      allowed_statuses:
        description:
          - C(wireless) and C(supersim), the statuses allowed for SIMs of each product, each among the statuses
            Twilio documents for that product.
          - By default every status Twilio documents, so the rule only catches statuses removed from the list.
        type: dict
      suspended_statuses:
        description: The statuses that count as suspended, among the SIM statuses of both products.
        type: list
        elements: str
        choices: [new, ready, active, suspended, deactivated, canceled, scheduled, updating, inactive]
        default: [suspended, inactive]
      suspended_max_days:
        description: How many days a SIM may stay suspended, from 0 to 36500.
        type: float
        default: 30
      failed_command_ratio:
        description: The largest allowed share (0 to 1) of failed commands among the commands sent to a SIM.
        type: float
        default: 0.2
      failed_command_min:
        description: The ratio is checked only for SIMs with at least this many commands sent to them, 1 or more.
        type: int
        default: 5
      command_window_days:
        description: The failed-command ratio looks at commands created in this many last days, more than 0.
        type: float
        default: 7
      silent_days:
        description: A SIM is silent when it exchanged no command in this many last days, more than 0.
        type: float
        default: 7
      silent_statuses:
        description: Only Super SIMs in these statuses can be silent.
        type: list
        elements: str
        choices: [new, ready, active, inactive, scheduled]
        default: [active]
      products:
        description: The products to check, at least one.
        type: list
        elements: str
        choices: [wireless, supersim]
        default: [wireless, supersim]
      exempt_sims:
        description: SIDs, unique names or ICCIDs of SIMs that no rule reports.
        type: list
        elements: str
        default: []
  now:
    description:
      - The reference time as an ISO 8601 timestamp. Defaults to the current time (UTC).
    type: str
"""

EXAMPLES = r"""
- name: Evaluate the policy
  ansible.builtin.set_fact:
    fleet_compliance: >-
      {{ {'wireless_sims': wireless.sims, 'supersim_sims': supersim.sims, 'esim_profiles': profiles.esim_profiles,
          'ip_commands': ip.ip_commands, 'sms_commands': sms.sms_commands}
         | simfleet.twilio.compliance_evaluate({'suspended_max_days': 14, 'rules': {'silent_sims': false}}) }}

- name: Fail when a rule is violated
  ansible.builtin.fail:
    msg: "{{ fleet_compliance.summary.message }}"
  when: not fleet_compliance.passed
"""

RETURN = r"""
_value:
  description: The evaluation, the schema of C(compliance.json) (C(schema_version) 1).
  type: dict
  contains:
    schema_version:
      description: Version of this schema.
      type: int
      sample: 1
    generated_at:
      description: The reference time, ISO 8601 UTC.
      type: str
    passed:
      description: Whether no enabled rule is violated.
      type: bool
    policy:
      description: The complete policy as evaluated, defaults filled in.
      type: dict
    summary:
      description:
        - C(rules) (number of rules), C(enabled), C(failed) (rules violated), C(violations) (sum over rules),
          C(violating_sims) (distinct SIMs), C(failed_rules) (names) and C(message) (one line for people).
      type: dict
    rules:
      description:
        - One entry per rule in a fixed order, with C(id), C(description), C(enabled), C(passed),
          C(violation_count) and C(violations), each violation a dictionary with C(product), C(sid),
          C(unique_name), C(iccid), C(status) and C(detail), sorted by product and SID.
      type: list
      elements: dict
"""

import datetime
import math

from ansible.errors import AnsibleFilterError

from ansible_collections.simfleet.twilio.plugins.plugin_utils._fleet import (
    ALLOWED_STATUSES_OPTIONS,
    POLICY_OPTIONS,
    PRODUCTS,
    RULES,
    SCHEMA_VERSION,
    SIM_STATUSES,
    by_sim,
    fleet_sims,
    flag,
    in_window,
    iso,
    parse_time,
    records,
    reference_time,
    text,
)
from ansible_collections.simfleet.twilio.plugins.plugin_utils._unsafe import unsafe

DEFAULT_POLICY = {
    "rules": {},
    "allowed_statuses": dict((product, list(SIM_STATUSES[product])) for product in PRODUCTS),
    "suspended_statuses": ["suspended", "inactive"],
    "suspended_max_days": 30,
    "failed_command_ratio": 0.2,
    "failed_command_min": 5,
    "command_window_days": 7,
    "silent_days": 7,
    "silent_statuses": ["active"],
    "products": list(PRODUCTS),
    "exempt_sims": [],
}


def normalize_policy(policy):
    """The policy with defaults filled in and every value checked (POLICY_OPTIONS) and in its one form."""
    if policy is None:
        policy = {}
    if not isinstance(policy, dict):
        raise AnsibleFilterError("policy must be a dictionary, got %s" % type(policy).__name__)
    unknown = sorted(set(policy) - set(DEFAULT_POLICY))
    if unknown:
        raise AnsibleFilterError("unknown policy keys: %s (known: %s)" % (", ".join(unknown), ", ".join(sorted(DEFAULT_POLICY))))
    result = {}
    for key, default in DEFAULT_POLICY.items():
        value = policy.get(key)
        result[key] = default if value is None else value

    rules = result["rules"]
    if not isinstance(rules, dict):
        raise AnsibleFilterError("policy rules must be a dictionary of rule name to true or false")
    unknown = sorted(set(rules) - set(RULES))
    if unknown:
        raise AnsibleFilterError("unknown rules: %s (known: %s)" % (", ".join(unknown), ", ".join(RULES)))
    result["rules"] = dict((rule, flag(rules.get(rule, True), "policy rules.%s" % rule)) for rule in RULES)

    allowed = result["allowed_statuses"]
    if not isinstance(allowed, dict) or set(allowed) - set(PRODUCTS):
        raise AnsibleFilterError("policy allowed_statuses must be a dictionary with the keys wireless and supersim")
    result["allowed_statuses"] = dict(
        (product, check(allowed[product], "policy allowed_statuses.%s" % product) if allowed.get(product) is not None
         else list(DEFAULT_POLICY["allowed_statuses"][product]))
        for product, check in ALLOWED_STATUSES_OPTIONS.items())

    for key, check in POLICY_OPTIONS.items():
        result[key] = check(result[key], "policy " + key)
    return result


def _days(seconds):
    return int(math.floor(seconds / 86400.0))


def _violation(entry, detail):
    return {
        "product": entry["product"], "sid": entry["sid"], "unique_name": entry["unique_name"],
        "iccid": entry["iccid"], "status": entry["status"], "detail": detail,
    }


def _describe(rule, policy):
    if rule == "allowed_status":
        return "SIMs in a status the policy does not allow (wireless: %s; supersim: %s)" % (
            ", ".join(policy["allowed_statuses"]["wireless"]) or "none",
            ", ".join(policy["allowed_statuses"]["supersim"]) or "none")
    if rule == "suspended_too_long":
        statuses = "/".join(policy["suspended_statuses"]) or "suspended"
        return "SIMs %s for more than %g days" % (statuses, policy["suspended_max_days"])
    if rule == "active_without_unique_name":
        return "Active SIMs without a unique name"
    if rule == "active_without_rate_plan":
        return "Active SIMs without a rate plan (wireless) or a fleet (Super SIM)"
    if rule == "esim_profile_failed":
        return "Super SIMs with an eSIM profile in status failed"
    if rule == "failed_command_ratio":
        return ("Super SIMs with more than %g%% failed commands among at least %d commands sent to them in the "
                "last %g days" % (policy["failed_command_ratio"] * 100, policy["failed_command_min"],
                                  policy["command_window_days"]))
    return "Super SIMs (%s) without any IP or SMS command in the last %g days" % (
        "/".join(policy["silent_statuses"]) or "none", policy["silent_days"])


def evaluate(data, policy=None, now=None):
    """The compliance result (a plain dict); see RETURN."""
    policy = normalize_policy(policy)
    moment = reference_time(now)
    products = policy["products"]
    exempt = set(policy["exempt_sims"])

    def exempted(entry):
        return bool(exempt) and bool({entry["sid"], entry["unique_name"], entry["iccid"]} & exempt)

    all_sims = fleet_sims(data, products)
    sims = [(product, record, entry) for product, record, entry in all_sims if not exempted(entry)]
    exempt_sids = set(sim[2]["sid"] for sim in all_sims if exempted(sim[2]))
    supersim = dict((sim[2]["sid"], sim[2]) for sim in sims if sim[0] == "supersim")
    violations = dict((rule, []) for rule in RULES)

    suspended_cut = moment - datetime.timedelta(days=policy["suspended_max_days"])
    for product, record, entry in sims:
        status = entry["status"]
        if status not in policy["allowed_statuses"][product]:
            violations["allowed_status"].append(_violation(entry, "status %s is not allowed" % status))
        if status in policy["suspended_statuses"]:
            updated = parse_time(record.get("date_updated"))
            if updated is not None and updated < suspended_cut:
                violations["suspended_too_long"].append(_violation(
                    entry, "%s since %s (%d days)" % (status, entry["date_updated"], _days((moment - updated).total_seconds()))))
        if status == "active":
            if not entry["unique_name"]:
                violations["active_without_unique_name"].append(_violation(entry, "active without a unique name"))
            if not entry["group"]:
                violations["active_without_rate_plan"].append(_violation(
                    entry, "active without a rate plan" if product == "wireless" else "active without a fleet"))

    if "supersim" in products:
        failed = {}
        for profile in records(data, "esim_profiles"):
            if profile.get("status") != "failed":
                continue
            sim_sid = text(profile.get("sim_sid"))
            entry = supersim.get(sim_sid)
            if sim_sid in exempt_sids or text(profile.get("sid")) in exempt:
                continue
            if entry is None:
                entry = {"product": "esim_profile" if not sim_sid else "supersim", "sid": sim_sid or text(profile.get("sid")),
                         "unique_name": None, "iccid": text(profile.get("iccid")), "status": None}
            detail = "eSIM profile %s failed: %s %s" % (
                text(profile.get("sid")), text(profile.get("error_code")) or "(no code)", text(profile.get("error_message")) or "")
            if entry["sid"] in failed:
                failed[entry["sid"]]["detail"] += "; " + detail.strip()
            else:
                failed[entry["sid"]] = _violation(entry, detail.strip())
        violations["esim_profile_failed"] = list(failed.values())

        ratio_start = moment - datetime.timedelta(days=policy["command_window_days"])
        sent = by_sim([c for kind in ("ip_commands", "sms_commands") for c in records(data, kind)
                       if c.get("direction") == "to_sim" and in_window(c, ratio_start)])
        for sid, commands in sent.items():
            entry = supersim.get(sid)
            if entry is None or len(commands) < policy["failed_command_min"]:
                continue
            failures = sum(1 for c in commands if c.get("status") == "failed")
            if failures / float(len(commands)) > policy["failed_command_ratio"]:
                violations["failed_command_ratio"].append(_violation(
                    entry, "%d of %d commands failed (%.0f%%)" % (failures, len(commands), 100.0 * failures / len(commands))))

        silent_start = moment - datetime.timedelta(days=policy["silent_days"])
        talking = set(by_sim([c for kind in ("ip_commands", "sms_commands") for c in records(data, kind)
                              if in_window(c, silent_start)]))
        for product, record, entry in sims:
            if product != "supersim" or entry["status"] not in policy["silent_statuses"] or entry["sid"] in talking:
                continue
            created = parse_time(record.get("date_created"))
            if created is not None and created > silent_start:
                continue  # too young to have been silent that long
            violations["silent_sims"].append(_violation(
                entry, "no command since %s" % iso(silent_start)))

    rules = []
    for rule in RULES:
        enabled = policy["rules"][rule]
        found = sorted(violations[rule], key=lambda v: (v["product"], v["sid"] or "")) if enabled else []
        rules.append({
            "id": rule,
            "description": _describe(rule, policy),
            "enabled": enabled,
            "passed": not found,
            "violation_count": len(found),
            "violations": found,
        })

    failed_rules = [r for r in rules if not r["passed"]]
    violating = set((v["product"], v["sid"]) for r in failed_rules for v in r["violations"])
    if failed_rules:
        message = "Fleet compliance: %d of %d rules violated by %d SIMs: %s" % (
            len(failed_rules), sum(1 for r in rules if r["enabled"]), len(violating),
            ", ".join("%s (%d)" % (r["id"], r["violation_count"]) for r in failed_rules))
    else:
        message = "Fleet compliance: all %d enabled rules passed" % sum(1 for r in rules if r["enabled"])
    return {
        "schema_version": SCHEMA_VERSION,
        "generated_at": iso(moment),
        "passed": not failed_rules,
        "policy": policy,
        "summary": {
            "rules": len(rules),
            "enabled": sum(1 for r in rules if r["enabled"]),
            "failed": len(failed_rules),
            "violations": sum(r["violation_count"] for r in rules),
            "violating_sims": len(violating),
            "failed_rules": [r["id"] for r in failed_rules],
            "message": message,
        },
        "rules": rules,
    }


def compliance_evaluate(data, policy=None, now=None):
    return unsafe(evaluate(data, policy=policy, now=now))


class FilterModule(object):
    def filters(self):
        return {"compliance_evaluate": compliance_evaluate}
