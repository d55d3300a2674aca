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
    days is above O(policy.failed_command_ratio)), C(silent_sims) (a Super SIM in O(policy.silent_statuses)
    without any data in the usage window, or without any IP or SMS command in the last O(policy.silent_days)
    days, see O(policy.silent_by)), C(zero_usage_active) (an active Super SIM without any data in the usage
    window that C(silent_sims) does not already report: when C(silent_sims) judges by usage the two rules test the
    same finding, and a SIM is counted under C(silent_sims) only) and C(over_data_limit) (a Super SIM whose data in the usage window is above
    O(policy.data_limit_percent) percent of its fleet's C(data_limit))."
  - The usage window is the last O(policy.usage_window_days) days before O(now). C(zero_usage_active),
    C(over_data_limit) and C(silent_sims) by usage read the C(usage) key of the input; without it they cannot be
    judged and are reported as not enabled, with a description saying so (C(silent_sims) with an empty
    O(policy.silent_by) is then judged by commands).
  - Rules that look back in time (C(silent_sims), C(zero_usage_active)) do not report SIMs created after the start
    of their window.
  - Each rule is one entry of a table (name, description, function, the policy keys it reads, the products it
    applies to, the finding it reports); the result lists them in that order. Findings are the terms of the
    collection's vocabulary, shared with the audit, each with its window in days - C(silent_sims) reports C(no_data)
    ("no data in 30 days") when it judges by usage and C(no_commands) ("no IP or SMS command in 7 days") when it
    judges by commands.
  - Only SID, unique name, ICCID, status and a short detail are copied into the result, so secrets never reach
    a report.
options:
  _input:
    description:
      - The fleet as a dictionary with the keys C(wireless_sims), C(supersim_sims), C(esim_profiles),
        C(ip_commands) and C(sms_commands), each a list of records as returned by the info modules.
        Missing keys count as empty lists.
      - C(usage), the usage records of the usage window as returned by M(simfleet.twilio.supersim_usage_record_info)
        with O(simfleet.twilio.supersim_usage_record_info#module:group=sim) (records of several listings are
        summed per SIM); a SIM without a record used no data. Leave it out (or V(null)) when usage was not listed.
      - C(fleets), the fleet records of M(simfleet.twilio.supersim_fleet_info), for C(over_data_limit).
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
      silent_by:
        description:
          - What C(silent_sims) judges silence by. V(usage), no data in the usage window (O(policy.usage_window_days)),
            needs the C(usage) key of the input; V(commands), no IP or SMS command in the last O(policy.silent_days)
            days.
          - Empty (the default) means V(usage) when the input has usage data, V(commands) otherwise.
        type: str
        choices: ["", usage, commands]
        default: ""
      usage_window_days:
        description:
          - The usage window of C(zero_usage_active), C(over_data_limit) and C(silent_sims) by usage, in days before
            O(now), more than 0 and at most 31, the longest window Twilio answers for usage grouped by SIM.
        type: float
        default: 30
      data_limit_percent:
        description:
          - C(over_data_limit) reports a Super SIM whose data in the usage window is above this percentage of its
            fleet's C(data_limit) (megabytes of 1,000,000 bytes per SIM and billing period); more than 0.
          - Fleets without a data limit are not checked.
        type: float
        default: 90
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
    usage:
      description:
        - C(given) (whether the input had usage data), C(silent_by) (what C(silent_sims) was judged by) and
          C(window) (C(start) and C(end) of the usage window, null without usage data).
      type: dict
    summary:
      description:
        - C(rules) (number of rules), C(enabled), C(failed) (rules violated), C(violations) (sum over rules, a SIM
          breaking several rules counts once per rule), C(violating_sims) (distinct SIMs), C(sims_in_several_rules)
          (the SIMs counted by more than one rule), C(failed_rules) (names) and C(message) (one line for people,
          saying when rule counts overlap).
      type: dict
    rules:
      description:
        - One entry per rule in a fixed order, with C(id), C(description), C(finding) (the term it reports),
          C(label) (the finding with its window, such as C(no data in 30 days)), C(window_days), C(enabled), C(passed),
          C(violation_count) and C(violations), each violation a dictionary with C(product), C(sid),
          C(unique_name), C(iccid), C(status) and C(detail), sorted by product and SID.
        - A rule that needs usage data is not enabled when the input has none, whatever the policy says.
      type: list
      elements: dict
"""

import datetime
import math
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple

from ansible.errors import AnsibleFilterError

from ansible_collections.simfleet.twilio.plugins.plugin_utils._fleet import (
    ALLOWED_STATUSES_OPTIONS,
    BYTES_PER_MB,
    POLICY_DEFAULTS,
    POLICY_OPTIONS,
    PRODUCTS,
    SCHEMA_VERSION,
    DataUsage,
    by_sim,
    created_by,
    fleet_sims,
    flag,
    in_window,
    iso,
    megabytes,
    parse_time,
    records,
    reference_time,
    text,
    usage_by_sim,
)
from ansible_collections.simfleet.twilio.plugins.plugin_utils._terms import label, term
from ansible_collections.simfleet.twilio.plugins.plugin_utils._unsafe import unsafe

# The policy's defaults, one definition shared with the sim_compliance role (plugin_utils/_fleet.py).
DEFAULT_POLICY = POLICY_DEFAULTS


@dataclass(frozen=True)
class Fleet:
    """What the rules read: the policy, the reference time and the records, exempt SIMs already left out.

    ``sims``: (product, record, entry) of every SIM checked; ``supersim``: Super SIM entries by SID; ``usage``: the
    data of each SIM in the usage window by SID (None when no usage data was given; a SIM absent from it used
    none); ``fleets``: fleet records by SID.
    """

    policy: dict
    moment: datetime.datetime
    data: dict
    sims: Tuple[tuple, ...]
    supersim: Dict[str, dict]
    exempt: frozenset
    exempt_sids: frozenset
    usage: Optional[Dict[str, DataUsage]]
    fleets: Dict[str, dict]

    def of(self, products):
        """The SIMs of these products, as (product, record, entry)."""
        return [sim for sim in self.sims if sim[0] in products]

    def ago(self, days):
        return self.moment - datetime.timedelta(days=days)

    @property
    def usage_start(self):
        return self.ago(self.policy["usage_window_days"])

    def silent_by(self):
        """usage or commands: the policy's choice, else usage when usage data was given."""
        return self.policy["silent_by"] or ("usage" if self.usage is not None else "commands")

    def commands(self, since, direction=None):
        """IP and SMS commands created at or after ``since`` (of one direction when given)."""
        return [c for kind in ("ip_commands", "sms_commands") for c in records(self.data, kind)
                if (direction is None or c.get("direction") == direction) and in_window(c, since)]


def _days(seconds):
    return int(math.floor(seconds / 86400.0))


def _violation(entry, detail):
    return {
        "product": entry["product"], "sid": entry["sid"], "unique_name": entry["unique_name"],
        "iccid": entry["iccid"], "status": entry["status"], "detail": detail,
    }


# The rules: one function each, taking the Fleet and returning the violations.


def check_allowed_status(fleet, products):
    allowed = fleet.policy["allowed_statuses"]
    return [_violation(entry, "status %s is not allowed" % entry["status"])
            for product, record, entry in fleet.of(products) if entry["status"] not in allowed[product]]


def check_suspended_too_long(fleet, products):
    cut = fleet.ago(fleet.policy["suspended_max_days"])
    found = []
    for product, record, entry in fleet.of(products):
        if entry["status"] not in fleet.policy["suspended_statuses"]:
            continue
        updated = parse_time(record.get("date_updated"))
        if updated is not None and updated < cut:
            found.append(_violation(entry, "%s since %s (%d days)" % (
                entry["status"], entry["date_updated"], _days((fleet.moment - updated).total_seconds()))))
    return found


def check_active_without_unique_name(fleet, products):
    return [_violation(entry, "active without a unique name")
            for product, record, entry in fleet.of(products) if entry["status"] == "active" and not entry["unique_name"]]


def check_active_without_rate_plan(fleet, products):
    return [_violation(entry, "active without a rate plan" if product == "wireless" else "active without a fleet")
            for product, record, entry in fleet.of(products) if entry["status"] == "active" and not entry["group"]]


def check_esim_profile_failed(fleet, products):
    failed = {}
    for profile in records(fleet.data, "esim_profiles"):
        if profile.get("status") != "failed":
            continue
        sim_sid = text(profile.get("sim_sid"))
        if sim_sid in fleet.exempt_sids or text(profile.get("sid")) in fleet.exempt:
            continue
        entry = fleet.supersim.get(sim_sid)
        if entry is None:  # a profile not linked to a SIM is named by its own SID
            entry = {"product": "esim_profile" if not sim_sid else "supersim", "sid": sim_sid or text(profile.get("sid")),
                     "unique_name": None, "iccid": text(profile.get("iccid")), "status": None}
        detail = "eSIM profile %s failed: %s %s" % (
            text(profile.get("sid")), text(profile.get("error_code")) or "(no code)", text(profile.get("error_message")) or "")
        detail = detail.strip()
        if entry["sid"] in failed:
            failed[entry["sid"]]["detail"] += "; " + detail
        else:
            failed[entry["sid"]] = _violation(entry, detail)
    return list(failed.values())


def check_failed_command_ratio(fleet, products):
    policy = fleet.policy
    found = []
    for sid, commands in by_sim(fleet.commands(fleet.ago(policy["command_window_days"]), "to_sim")).items():
        entry = fleet.supersim.get(sid)
        if entry is None or len(commands) < policy["failed_command_min"]:
            continue
        failures = sum(1 for c in commands if c.get("status") == "failed")
        if failures / float(len(commands)) > policy["failed_command_ratio"]:
            found.append(_violation(entry, "%d of %d commands failed (%.0f%%)" % (
                failures, len(commands), 100.0 * failures / len(commands))))
    return found


def check_silent_sims(fleet, products):
    policy = fleet.policy
    if fleet.silent_by() == "usage":
        since = fleet.usage_start
        quiet = set(sid for sid, used in fleet.usage.items() if used.total > 0)
        detail = "%s (since %s)" % (label("no_data", policy["usage_window_days"]), iso(since))
    else:
        since = fleet.ago(policy["silent_days"])
        quiet = set(by_sim(fleet.commands(since)))
        detail = "%s (since %s)" % (label("no_commands", policy["silent_days"]), iso(since))
    return [_violation(entry, detail) for product, record, entry in fleet.of(products)
            if entry["status"] in policy["silent_statuses"] and entry["sid"] not in quiet and created_by(record, since)]


def silent_by_data(fleet):
    """The SIDs silent_sims reports when it judges by data (it is on, has usage data and judges by usage): the same
    finding (no_data), which zero_usage_active then leaves to it so that no SIM is counted twice."""
    if not fleet.policy["rules"]["silent_sims"] or fleet.usage is None or fleet.silent_by() != "usage":
        return frozenset()
    return frozenset(v["sid"] for v in check_silent_sims(fleet, tuple(p for p in ("supersim",) if p in fleet.policy["products"])))


def check_zero_usage_active(fleet, products):
    since = fleet.usage_start
    reported = silent_by_data(fleet)
    found = []
    for product, record, entry in fleet.of(products):
        used = fleet.usage.get(entry["sid"], DataUsage())
        if entry["status"] == "active" and used.total == 0 and created_by(record, since) and entry["sid"] not in reported:
            found.append(_violation(entry, "active, %s (%s to %s)" % (
                label("no_data", fleet.policy["usage_window_days"]), iso(since), iso(fleet.moment))))
    return found


def check_over_data_limit(fleet, products):
    percent = fleet.policy["data_limit_percent"]
    found = []
    for product, record, entry in fleet.of(products):
        limit = fleet.fleets.get(entry["group"], {}).get("data_limit")
        if isinstance(limit, bool) or not isinstance(limit, (int, float)) or limit <= 0:
            continue  # no fleet, or a fleet without a data limit
        used = fleet.usage.get(entry["sid"], DataUsage()).total
        if used > limit * BYTES_PER_MB * percent / 100.0:
            found.append(_violation(entry, "%s MB since %s, %.0f%% of the data limit of %s MB of fleet %s" % (
                megabytes(used), iso(fleet.usage_start), 100.0 * used / (limit * BYTES_PER_MB), limit,
                fleet.fleets[entry["group"]].get("unique_name") or entry["group"])))
    return found


def never(fleet):
    return False


def always(fleet):
    return True


def by_usage(fleet):
    return fleet.silent_by() == "usage"


def silent_finding(fleet):
    """silent_sims judges one of two findings: no_data over the usage window, or no_commands over silent_days."""
    if fleet.silent_by() == "usage":
        return "no_data", fleet.policy["usage_window_days"]
    return "no_commands", fleet.policy["silent_days"]


def fixed(name, window_key=None):
    """A rule's finding: the term ``name`` with the window of the policy key ``window_key`` (None: no window)."""
    def finding(fleet):
        return name, fleet.policy[window_key] if window_key else None
    return finding


@dataclass(frozen=True)
class Rule:
    """One rule of the policy: its name (``id`` in the report), its description (a format string over the policy,
    lists joined with ``/``), the function that finds its violations, the policy keys it reads, the products it
    applies to, and whether it needs usage data (a function of the Fleet): without usage data such a rule is not
    evaluated and is reported as not enabled; and the finding it reports, a term of the collection's vocabulary with
    its window (a function of the Fleet giving the term's name and the window in days, None for none)."""

    name: str
    description: str
    check: Callable[[Fleet, Tuple[str, ...]], List[dict]]
    policy_keys: Tuple[str, ...] = ()
    products: Tuple[str, ...] = PRODUCTS
    needs_usage: Callable[[Fleet], bool] = never
    finding: Optional[Callable[[Fleet], Tuple[str, Optional[float]]]] = None

    def describe(self, policy):
        return self.description.format(**_readable(policy))


# The rules, in report order: nothing about a rule lives outside its entry and its function.
RULE_TABLE = (
    Rule("allowed_status",
         "SIMs in a status the policy does not allow (wireless: {allowed_statuses[wireless]}; supersim: "
         "{allowed_statuses[supersim]})",
         check_allowed_status, ("allowed_statuses",), finding=fixed("allowed_status")),
    Rule("suspended_too_long", "SIMs {suspended_statuses} for more than {suspended_max_days:g} days",
         check_suspended_too_long, ("suspended_statuses", "suspended_max_days"),
         finding=fixed("suspended_too_long", "suspended_max_days")),
    Rule("active_without_unique_name", "Active SIMs without a unique name", check_active_without_unique_name,
         finding=fixed("active_without_unique_name")),
    Rule("active_without_rate_plan", "Active SIMs without a rate plan (wireless) or a fleet (Super SIM)",
         check_active_without_rate_plan, finding=fixed("active_without_rate_plan")),
    Rule("esim_profile_failed", "Super SIMs with an eSIM profile in status failed", check_esim_profile_failed,
         products=("supersim",), finding=fixed("esim_profile_failed")),
    Rule("failed_command_ratio",
         "Super SIMs with more than {failed_command_ratio:.0%} failed commands among at least {failed_command_min} "
         "commands sent to them in the last {command_window_days:g} days",
         check_failed_command_ratio, ("failed_command_ratio", "failed_command_min", "command_window_days"),
         products=("supersim",), finding=fixed("failed_command_ratio", "command_window_days")),
    Rule("silent_sims", "Super SIMs ({silent_statuses}) with {silent_label}",
         check_silent_sims, ("silent_by", "silent_days", "silent_statuses", "usage_window_days"), products=("supersim",),
         needs_usage=by_usage, finding=silent_finding),
    Rule("zero_usage_active", "Active Super SIMs with no data in {usage_window_days:g} days{zero_usage_overlap}",
         check_zero_usage_active, ("usage_window_days", "silent_by", "silent_statuses"), products=("supersim",),
         needs_usage=always,
         finding=fixed("no_data", "usage_window_days")),
    Rule("over_data_limit",
         "Super SIMs whose data in the last {usage_window_days:g} days is above {data_limit_percent:g}% of their "
         "fleet's data limit", check_over_data_limit, ("data_limit_percent", "usage_window_days"),
         products=("supersim",), needs_usage=always, finding=fixed("over_data_limit", "usage_window_days")),
)
RULES = tuple(rule.name for rule in RULE_TABLE)


def _readable(policy):
    """The policy for descriptions: lists joined with / (none when empty), silent_what and silent_window added."""
    def show(value):
        if isinstance(value, list):
            return "/".join(value) or "none"
        if isinstance(value, dict):
            return dict((key, show(item)) for key, item in value.items())
        return value
    readable = dict((key, show(value)) for key, value in policy.items())
    by_usage = policy.get("_silent_by") == "usage"
    readable["silent_label"] = (label("no_data", policy["usage_window_days"]) if by_usage
                                else label("no_commands", policy["silent_days"]))
    overlap = by_usage and policy["rules"].get("silent_sims") and "active" in policy["silent_statuses"]
    readable["zero_usage_overlap"] = " (those silent_sims reports are counted there only)" if overlap else ""
    return readable


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


def _usage_input(data):
    """{SIM SID: DataUsage} of the input's usage records, or None when the input has no usage key."""
    if not isinstance(data, dict) or data.get("usage") is None:
        return None
    return usage_by_sim(records(data, "usage"))


def evaluate(data, policy=None, now=None):
    """The compliance result (a plain dict); see RETURN."""
    policy = normalize_policy(policy)
    moment = reference_time(now)
    products = policy["products"]
    exempt = frozenset(policy["exempt_sims"])

    def exempted(entry):
        return bool(exempt) and bool({entry["sid"], entry["unique_name"], entry["iccid"]} & exempt)

    all_sims = fleet_sims(data, products)
    sims = tuple(sim for sim in all_sims if not exempted(sim[2]))
    fleet = Fleet(
        policy=policy, moment=moment, data=data, sims=sims,
        supersim=dict((sim[2]["sid"], sim[2]) for sim in sims if sim[0] == "supersim"),
        exempt=exempt, exempt_sids=frozenset(sim[2]["sid"] for sim in all_sims if exempted(sim[2])),
        usage=_usage_input(data),
        fleets=dict((text(f.get("sid")), f) for f in records(data, "fleets") if f.get("sid")),
    )
    shown = dict(policy, _silent_by=fleet.silent_by())

    rules = []
    for rule in RULE_TABLE:
        applies = tuple(product for product in rule.products if product in products)
        evaluated = policy["rules"][rule.name] and not (fleet.usage is None and rule.needs_usage(fleet))
        found = rule.check(fleet, applies) if evaluated and applies else []
        finding, window = rule.finding(fleet) if rule.finding else (rule.name, None)
        rules.append({
            "id": rule.name,
            "description": rule.describe(shown) + ("" if evaluated or not policy["rules"][rule.name]
                                                   else " (not evaluated: no usage data)"),
            "finding": finding,
            "label": term(finding).describe(window, statuses="/".join(policy["suspended_statuses"]) or "none",
                                            ratio="%.0f%%" % (100 * policy["failed_command_ratio"]),
                                            minimum=policy["failed_command_min"],
                                            percent=policy["data_limit_percent"]),
            "window_days": window,
            "enabled": evaluated,
            "passed": not found,
            "violation_count": len(found),
            "violations": sorted(found, key=lambda v: (v["product"], v["sid"] or "")),
        })

    failed_rules = [r for r in rules if not r["passed"]]
    by_rules = {}
    for r in failed_rules:
        for v in r["violations"]:
            by_rules[(v["product"], v["sid"])] = by_rules.get((v["product"], v["sid"]), 0) + 1
    violating = set(by_rules)
    overlapping = sum(1 for count in by_rules.values() if count > 1)
    enabled = sum(1 for r in rules if r["enabled"])
    if failed_rules:
        message = "Fleet compliance: %d of %d rules violated by %d SIMs: %s" % (
            len(failed_rules), enabled, len(violating),
            ", ".join("%s (%d)" % (r["id"], r["violation_count"]) for r in failed_rules))
        if overlapping:
            message += "; %d SIMs break more than one rule, so the rule counts add up to more than %d" % (
                overlapping, len(violating))
    else:
        message = "Fleet compliance: all %d enabled rules passed" % enabled
    return {
        "schema_version": SCHEMA_VERSION,
        "generated_at": iso(moment),
        "passed": not failed_rules,
        "policy": policy,
        "usage": {
            "given": fleet.usage is not None,
            "silent_by": fleet.silent_by(),
            "window": {"start": iso(fleet.usage_start), "end": iso(moment)} if fleet.usage is not None else None,
        },
        "summary": {
            "rules": len(rules),
            "enabled": enabled,
            "failed": len(failed_rules),
            "violations": sum(r["violation_count"] for r in rules),
            "violating_sims": len(violating),
            "sims_in_several_rules": overlapping,
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
