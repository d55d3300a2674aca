# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: remediation_plan
short_description: Turn a fleet compliance report into a remediation plan
version_added: 2.0.0
author:
  - simfleet maintainers (@simfleet)
description:
  - Reads the result of P(simfleet.twilio.compliance_evaluate#filter) (the content of C(compliance.json)) and a
    policy mapping each rule to an action, and returns what to do to each violating SIM, grouped in batches of one
    product and one target status for M(simfleet.twilio.sim_batch). This is what the
    P(simfleet.twilio.sim_remediation#role) role runs.
  - "The actions: V(report) (change nothing, list the SIM), V(suspend) (a wireless SIM to C(suspended), a Super SIM
    to C(inactive)), V(activate) (to C(active)) and V(deactivate) (a wireless SIM to C(deactivated); Twilio then
    cancels it, so it cannot be undone, and it is refused unless O(confirm_irreversible=true); it does not apply to
    Super SIMs, which are then only reported)."
  - A SIM that breaks several rules gets the strongest of their actions (deactivate, then suspend, then activate,
    then report). Rules not named in the policy are reported.
  - SIMs in the exemptions of the compliance policy (C(policy.exempt_sims) of the report) or in O(exempt_sims), by
    SID, unique name or ICCID, are never acted on; they are listed as exempted. With O(sims) (the live SIMs of a
    product), every name of a finding and of an exemption is first resolved to its SIM, so an exemption holds
    whichever name either gives, and a finding names its SIM by SID in the batches.
  - With O(sims), a SIM whose live status is neither the status the report recorded nor the target status is
    skipped (C(outcome) V(skipped), C(skip_reason)), and a SIM not in the listing is C(not_found); neither is in a
    batch.
  - The filter also provides C(remediation_report) (the plan with the results of the batches) and
    C(remediation_junit) (that report as JUnit XML, one test case per SIM acted on).
options:
  _input:
    description: The result of P(simfleet.twilio.compliance_evaluate#filter).
    type: dict
    required: true
  policy:
    description:
      - "Rule name to action, for example C({silent_sims: suspend, esim_profile_failed: report}). Every rule must be
        one of the report's rules, every action one of V(report), V(suspend), V(activate) and V(deactivate)."
    type: dict
    default: {}
  exempt_sims:
    description: SIDs, unique names or ICCIDs never acted on, in addition to the compliance policy's exemptions.
    type: list
    elements: str
    default: []
  confirm_irreversible:
    description: Allow actions that cannot be undone (V(deactivate)).
    type: bool
    default: false
  max_age_hours:
    description:
      - Refuse a report whose C(generated_at) is more than this many hours before O(now), or that has no readable
        C(generated_at). V(0) accepts a report of any age.
    type: float
    default: 0
  now:
    description: The current time for O(max_age_hours), ISO 8601; empty is the clock of the controller.
    type: str
  sims:
    description:
      - "The live SIMs of each product, for example C({wireless: <sims of wireless_sim_info>, supersim: <sims of
        supersim_sim_info>}). A product missing or null is not resolved."
      - The C(lookup_products) of a plan without O(sims) names the products worth listing.
    type: dict
  recheck:
    description:
      - The result of a new compliance check with the same policy. A planned change that it no longer asks for (by
        the strongest action of the rules the SIM now breaks) is skipped.
    type: dict
  canary:
    description:
      - A canary of this many SIMs (a count from 0, or a percent of the SIMs to write such as V(5%), rounded up),
        taken over all batches, SIMs the live listing shows not yet in their target status first. Their batches
        come first, with C(stage) V(canary); the others have C(stage) V(main). V(0) means no canary.
    type: raw
    default: 0
  with_report:
    description:
      - Add the compliance report itself as C(report), marked never to be templated like the rest of the result, so
        that a later plan or re-check uses the very report this plan checked, without reading it again.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Plan the remediation of a compliance report
  ansible.builtin.set_fact:
    plan: >-
      {{ lookup('ansible.builtin.file', 'reports/compliance.json') | from_json
         | simfleet.twilio.remediation_plan(policy={'silent_sims': 'suspend'}) }}
"""

RETURN = r"""
_value:
  description:
    - C(schema_version); C(compliance_generated_at); C(rechecked_at) (the C(generated_at) of O(recheck), or null);
      C(policy) (every rule of the report with its action); C(lookup_products) (the products with findings a
      policy action applies to); C(sims) (every violating SIM that is not exempt, sorted by product and SID, with
      C(product), C(sid), C(unique_name), C(iccid), C(status), C(live_status) (with O(sims)), C(rules),
      C(details), C(action) and C(target_status), null for V(report), and C(stage), or C(outcome) with
      C(skip_reason) or C(error) when it is not written); C(exempted) (the violating SIMs left alone); C(canary)
      (C(size) and C(sims), or null); C(batches) (C(product), C(status), C(stage) and C(sids) for each
      M(simfleet.twilio.sim_batch) call, the canary's first); C(summary) (counts per action, C(skipped) and
      C(message)); C(report), the input, with O(with_report) only.
  type: dict
"""

import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Tuple

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_text

from ansible_collections.simfleet.twilio.plugins.module_utils._batch import DEFAULT_CONCURRENCY, DEFAULT_MAX_SIMS
from ansible_collections.simfleet.twilio.plugins.plugin_utils._fleet import (
    MAX_DAYS,
    PRODUCTS,
    flag,
    iso,
    names_list,
    number,
    parse_time,
    reference_time,
    whole_number,
)
from ansible_collections.simfleet.twilio.plugins.plugin_utils._report_page import PAGE_SIZE
from ansible_collections.simfleet.twilio.plugins.plugin_utils._terms import TERMS
from ansible_collections.simfleet.twilio.plugins.plugin_utils._unsafe import unsafe

SCHEMA_VERSION = 1
SUITE = "simfleet.twilio.sim_remediation"
_INVALID_XML = re.compile(u"[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# What a rule's name looks like: the compliance report names its rules in lower case with underscores.
RULE_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")


@dataclass(frozen=True)
class Action:
    """What a policy can ask for a violating SIM: the status it sets on each product (none: only reported), whether
    Twilio can undo it, and its strength when a SIM breaks rules with different actions."""

    name: str
    statuses: Tuple[Tuple[str, str], ...] = ()
    irreversible: bool = False
    strength: int = 0

    def status_for(self, product):
        return dict(self.statuses).get(product)


ACTIONS = dict((action.name, action) for action in (
    Action("report"),
    Action("activate", (("wireless", "active"), ("supersim", "active")), strength=1),
    Action("suspend", (("wireless", "suspended"), ("supersim", "inactive")), strength=2),
    Action("deactivate", (("wireless", "deactivated"),), irreversible=True, strength=3),
))
# The products sim_batch changes: both.
BATCH_PRODUCTS = PRODUCTS


def check_policy(value, name):
    """A policy: rule name -> action name, every action known."""
    if value is None or value == "":
        return {}
    if not isinstance(value, dict):
        raise AnsibleFilterError("%s must be a dictionary of rule names to actions (%s), got %s"
                                 % (name, ", ".join(ACTIONS), type(value).__name__))
    policy = {}
    for rule, action in value.items():
        rule = to_text(rule)
        if not RULE_NAME.fullmatch(rule):
            raise AnsibleFilterError("%s: %r is not a rule name" % (name, rule))
        if not isinstance(action, str) or action not in ACTIONS:
            raise AnsibleFilterError("%s.%s must be one of %s, got %r" % (name, rule, ", ".join(ACTIONS), action))
        policy[rule] = to_text(action)
    return policy


def check_irreversible(policy, confirmed, name="confirm_irreversible (sim_remediation_confirm_irreversible of the role)"):
    irreversible = sorted("%s: %s" % (rule, action) for rule, action in policy.items() if ACTIONS[action].irreversible)
    if irreversible and not confirmed:
        raise AnsibleFilterError("the policy asks for actions that cannot be undone (%s): set %s to true to confirm them"
                                 % (", ".join(irreversible), name))


# The most a compliance report's generated_at may lie ahead of this run's clock: a small clock skew between the
# host that wrote the report and the one that remediates, not a report dated in the future.
CLOCK_SKEW_SECONDS = 300
# The outcomes of a SIM that are no failure: sim_batch's changed and unchanged, a SIM only reported, one skipped
# because the re-check or the live listing shows it no longer needs the change. Any other outcome (failed,
# not_found, not_attempted, or one a newer sim_batch returns) fails the remediation.
PASSING_OUTCOMES = ("changed", "unchanged", "reported", "skipped")
CANARY_PERCENT = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*%\s*")


def check_max_age(value, name):
    """The oldest a compliance report may be, in hours; 0 accepts a report of any age (and one without a time)."""
    result = number(value, name)
    if result > 24 * MAX_DAYS:
        raise AnsibleFilterError("%s must be at most %d hours (0 accepts a report of any age), got %r" % (name, 24 * MAX_DAYS, value))
    return int(result) if result.is_integer() else result


def check_canary(value, name):
    """A canary size: a count of SIMs (0 or empty: no canary) or a percent of the SIMs to act on such as "5%"."""
    if value is None or value == "":
        return 0
    if isinstance(value, str):
        match = CANARY_PERCENT.fullmatch(value)
        if match:
            percent = float(match.group(1))
            if not 0 < percent <= 100:
                raise AnsibleFilterError("%s as a percent must be more than 0%% and at most 100%%, got %r" % (name, value))
            return "%s%%" % (int(percent) if percent.is_integer() else percent)
    try:
        return whole_number(value, name, minimum=0)
    except AnsibleFilterError:
        raise AnsibleFilterError("%s must be a count of SIMs (a whole number, 0 for no canary) or a percent of the SIMs "
                                 "to act on such as \"5%%\", got %r" % (name, value))


def canary_count(size, total):
    """How many of `total` SIMs a canary of `size` (a count or "N%") takes: a percent rounds up, to 1 SIM at least."""
    if isinstance(size, str) and size.endswith("%"):
        return min(total, int(math.ceil(total * float(size[:-1]) / 100.0))) if total else 0
    return min(total, int(size or 0))


# The sim_remediation role's variables (without the prefix) and their checks, for the role_arguments filter.
ROLE_ARGUMENTS = {
    "policy": check_policy,
    "exempt_sims": names_list,
    "apply": flag,
    "confirm_irreversible": flag,
    "max_concurrency": whole_number,
    "max_sims": whole_number,
    "max_age_hours": check_max_age,
    "recheck": flag,
    "canary": check_canary,
    "report_page_rows": whole_number,
}
# The oldest compliance report the sim_remediation role acts on by default, in hours (the filter's own default, 0,
# accepts a report of any age).
REPORT_MAX_AGE_HOURS = 6
# The defaults of those variables: the role's defaults/main.yml and meta/argument_specs.yml state them, and
# tests/unit/plugins/filter/test_one_source.py checks that they agree.
ROLE_DEFAULTS = {
    "policy": {"silent_sims": "suspend"},
    "exempt_sims": [],
    "apply": False,
    "confirm_irreversible": False,
    "max_concurrency": DEFAULT_CONCURRENCY,
    "max_sims": DEFAULT_MAX_SIMS,
    "max_age_hours": REPORT_MAX_AGE_HOURS,
    "recheck": False,
    "canary": 0,
    "report_page_rows": PAGE_SIZE,
}


def _text(value):
    return None if value is None else to_text(value)


def _data(value):
    """A plain copy of template data (dicts, lists, text, numbers), whatever container types the templar used."""
    if isinstance(value, dict):
        return dict((to_text(k), _data(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [_data(v) for v in value]
    if isinstance(value, (bool, int, float)) or value is None:
        return value
    return to_text(value)


def check_age(compliance, hours, now=None, name="max_age_hours (sim_remediation_max_age_hours of the role)"):
    """Refuse a compliance report older than `hours` (0: any age), or without a readable generated_at."""
    hours = check_max_age(hours, name)
    if not hours:
        return
    remedies = ("run the compliance check again (simfleet.twilio.sim_compliance), set sim_remediation_recheck to true to "
                "re-check its SIMs against the live API before any write, or set %s to 0 to accept a report of any age" % name)
    generated = parse_time(compliance.get("generated_at"))
    if generated is None:
        raise AnsibleFilterError("the compliance report has no readable generated_at (got %r), so its age is unknown: %s"
                                 % (compliance.get("generated_at"), remedies))
    moment = reference_time(now)
    age = (moment - generated).total_seconds()
    if age < -CLOCK_SKEW_SECONDS:
        raise AnsibleFilterError("the compliance report's generated_at %s is later than now (%s): %s"
                                 % (iso(generated), iso(moment), remedies))
    if age > hours * 3600:
        raise AnsibleFilterError("the compliance report was generated at %s, %.1f hours ago, more than %s (%s hours): %s"
                                 % (iso(generated), age / 3600.0, name, hours, remedies))


class Directory(object):
    """The live SIMs of each product listed (the records of the info modules), to resolve every name a finding or
    an exemption gives a SIM (SID, ICCID or unique name) to the SIM itself. A product not listed resolves nothing."""

    FIELDS = ("sid", "iccid", "unique_name")

    def __init__(self, listings):
        self.index = {}
        for product, listed in (listings or {}).items():
            if product not in BATCH_PRODUCTS or listed is None:
                continue
            if not isinstance(listed, list):
                raise AnsibleFilterError("sims.%s must be the list of SIM records of the product, got %s" % (product, type(listed).__name__))
            tables = dict((field, {}) for field in self.FIELDS)
            for record in listed:
                if isinstance(record, dict) and record.get("sid"):
                    for field in self.FIELDS:
                        if record.get(field):
                            tables[field].setdefault(_text(record[field]), record)
            self.index[product] = tables

    def listed(self, product):
        return product in self.index

    def find(self, product, violation):
        """The live record of the SIM a finding names: each name first as what its field says, then as any of the
        three (a finding may carry a unique name or an ICCID in its sid); None when not found."""
        tables = self.index.get(product)
        if tables is None:
            return None
        given = [(field, _text(violation.get(field))) for field in self.FIELDS if violation.get(field)]
        for field, value in given:
            if value in tables[field]:
                return tables[field][value]
        for dummy, value in given:
            for field in self.FIELDS:
                if value in tables[field]:
                    return tables[field][value]
        return None

    def sids_named(self, names):
        """(product, SID) of every listed SIM that one of `names` names, by SID, ICCID or unique name."""
        found = set()
        for product, tables in self.index.items():
            for field in self.FIELDS:
                for value in names:
                    if value in tables[field]:
                        found.add((product, _text(tables[field][value]["sid"])))
        return found


def _names(*items):
    return set(_text(item.get(k)) for item in items if item for k in ("sid", "unique_name", "iccid")) - {None, ""}


def _strongest(policy, product, rules):
    """The action and target status of the strongest action of `rules` for a SIM of `product`."""
    action, status = "report", None
    for rule in rules:
        candidate = ACTIONS[policy.get(rule, "report")]
        target = candidate.status_for(product) if product in BATCH_PRODUCTS else None
        if target and candidate.strength > ACTIONS[action].strength:
            action, status = candidate.name, target
    return action, status


def plan(compliance, policy=None, exempt_sims=None, confirm_irreversible=False, max_age_hours=0, now=None, sims=None,
         recheck=None, canary=0, with_report=False):
    compliance, policy, exempt_sims = _data(compliance), _data(policy), _data(exempt_sims)
    if not isinstance(compliance, dict) or not isinstance(compliance.get("rules"), list):
        raise AnsibleFilterError("remediation_plan expects the result of simfleet.twilio.compliance_evaluate (compliance.json)")
    policy = check_policy(policy, "policy")
    confirmed = flag(confirm_irreversible, "confirm_irreversible")
    canary_size = check_canary(_data(canary), "canary (sim_remediation_canary of the role)")
    rule_ids = [to_text(rule.get("id")) for rule in compliance["rules"] if isinstance(rule, dict)]
    unknown = sorted(set(policy) - set(rule_ids))
    if unknown:
        raise AnsibleFilterError("policy names rules the compliance report does not have: %s (its rules: %s)"
                                 % (", ".join(unknown), ", ".join(rule_ids)))
    check_irreversible(policy, confirmed)
    check_age(compliance, _data(max_age_hours) or 0, now=_data(now))
    directory = Directory(_data(sims))
    compliance_policy = compliance.get("policy") if isinstance(compliance.get("policy"), dict) else {}
    exempt = set(names_list(compliance_policy.get("exempt_sims"), "policy.exempt_sims of the report"))
    exempt |= set(names_list(exempt_sims, "exempt_sims"))
    # An exemption names a SIM by SID, ICCID or unique name: each is resolved to the SIM (in every product listed),
    # so it holds whichever name a finding gives.
    exempt_sids = directory.sids_named(exempt)

    rules = [rule for rule in compliance["rules"] if isinstance(rule, dict) and rule.get("enabled", True)]
    # Each finding is resolved to its SIM first: the key is the SIM's SID from the live listing when the product was
    # listed, so findings naming one SIM differently are one SIM. A SIM is exempt when any of its names (those of
    # any of its findings and those of its live record) is exempt, so one finding without the exempt name cannot
    # bring it back.
    resolved, exempt_keys, lookup = [], set(), set()
    for rule in rules:
        action = ACTIONS[policy.get(rule.get("id"), "report")]
        for violation in rule.get("violations") or []:
            if not isinstance(violation, dict):
                continue
            product = _text(violation.get("product"))
            record = directory.find(product, violation)
            sid = _text(record["sid"]) if record else _text(violation.get("sid"))
            key = (product, sid)
            resolved.append((rule, violation, key, record))
            if action.status_for(product) and _names(violation):
                lookup.add(product)
            if key in exempt_sids or _names(violation, record) & exempt:
                exempt_keys.add(key)

    sims, exempted = {}, {}
    for rule, violation, key, record in resolved:
        target = exempted if key in exempt_keys else sims
        entry = target.setdefault(key, {
            "product": key[0], "sid": key[1], "unique_name": _text(violation.get("unique_name")),
            "iccid": _text(violation.get("iccid")), "status": _text(violation.get("status")),
            "rules": [], "details": [], "action": "report", "target_status": None,
        })
        for field in ("unique_name", "iccid", "status"):
            if entry[field] is None and violation.get(field) is not None:
                entry[field] = _text(violation.get(field))
        if record is not None:
            entry["live_status"] = _text(record.get("status"))
            entry["unique_name"] = _text(record.get("unique_name")) or entry["unique_name"]
            entry["iccid"] = _text(record.get("iccid")) or entry["iccid"]
        elif directory.listed(key[0]):
            entry.setdefault("live_status", None)
        rule_id = to_text(rule.get("id"))
        if rule_id not in entry["rules"]:
            entry["rules"].append(rule_id)
        if violation.get("detail"):
            entry["details"].append(to_text(violation["detail"]))
    for entry in sims.values():
        if entry["sid"]:
            entry["action"], entry["target_status"] = _strongest(policy, entry["product"], entry["rules"])
    for entry in exempted.values():
        entry["action"], entry["target_status"] = "exempt", None
    ordered = [sims[key] for key in sorted(sims, key=lambda k: (k[0] or "", k[1] or ""))]

    fresh = _recheck(_data(recheck), policy, directory) if recheck is not None else None
    for entry in ordered:
        if not entry["target_status"]:
            continue
        if "live_status" in entry and entry["live_status"] is None:
            entry["outcome"] = "not_found"
            entry["error"] = {"code": None, "status": None, "more_info": None,
                              "message": "%s SIM %s is not in the live listing of the product: nothing was written"
                                         % (entry["product"], entry["sid"])}
            continue
        reason = _skip_reason(entry, fresh)
        if reason:
            entry["outcome"], entry["skip_reason"] = "skipped", reason

    # The canary: the first SIMs to write, preferring those the live listing shows not yet in the target status (a
    # canary of SIMs that are already right proves nothing).
    writable = [e for e in ordered if e["target_status"] and "outcome" not in e]
    count = canary_count(canary_size, len(writable))
    preferred = sorted(writable, key=lambda e: e.get("live_status") == e["target_status"])
    in_canary = set(id(e) for e in preferred[:count])
    batches = {}
    for entry in writable:
        stage = "canary" if id(entry) in in_canary else "main"
        entry["stage"] = stage
        batches.setdefault((stage != "canary", entry["product"], entry["target_status"]), []).append(entry["sid"])
    counts = dict((name, sum(1 for e in ordered if e["action"] == name)) for name in ACTIONS)
    acted = sum(counts[name] for name in ACTIONS if name != "report")
    skipped = sum(1 for e in ordered if e.get("outcome") == "skipped")
    result = {
        "schema_version": SCHEMA_VERSION,
        "compliance_generated_at": _text(compliance.get("generated_at")),
        "rechecked_at": _text(fresh["generated_at"]) if fresh else None,
        "policy": dict((rule, policy.get(rule, "report")) for rule in rule_ids),
        "rule_findings": rule_findings(compliance),
        "lookup_products": [product for product in BATCH_PRODUCTS if product in lookup],
        "sims": ordered,
        "exempted": [exempted[key] for key in sorted(exempted, key=lambda k: (k[0] or "", k[1] or ""))],
        "canary": {"size": canary_size, "sims": count} if count else None,
        "batches": [{"product": product, "status": status, "stage": "main" if main else "canary", "sids": sids}
                    for (main, product, status), sids in sorted(batches.items())],
        "summary": {
            "violating_sims": len(ordered), "acted_on": acted, "reported": counts["report"], "exempted": len(exempted),
            "skipped": skipped, "actions": counts,
            "message": "Remediation plan: %d of %d violating SIMs to act on (%s), %d reported only, %d exempt%s%s" % (
                acted, len(ordered), ", ".join("%s %d" % (name, counts[name]) for name in ACTIONS if name != "report" and counts[name]) or "none",
                counts["report"], len(exempted), ", %d skipped" % skipped if skipped else "",
                ", a canary of %d SIMs first" % count if count else ""),
        },
    }
    if flag(with_report, "with_report"):
        result["report"] = compliance
    return result


def rule_findings(compliance):
    """{rule: {finding, label, description}} of the report's rules: what each rule tests, in the terms of the
    collection's vocabulary with its window ("no data in 30 days"), for the remediation report."""
    found = {}
    for rule in compliance["rules"]:
        if not isinstance(rule, dict) or not rule.get("id"):
            continue
        name = _text(rule.get("finding"))
        known = TERMS.get(name) if name else None
        found[to_text(rule["id"])] = {
            "finding": name,
            "label": _text(rule.get("label")) or (known.describe(rule.get("window_days")) if known and rule.get("window_days") else None),
            "description": _text(rule.get("description")) or (known.description if known else None),
        }
    return found


def _recheck(fresh, policy, directory):
    """The result of a new compliance check: its time and {(product, SID): target status} of each SIM it finds, by
    the same policy (None: only reported), resolved like the report's findings."""
    if not isinstance(fresh, dict) or not isinstance(fresh.get("rules"), list):
        raise AnsibleFilterError("recheck expects the result of simfleet.twilio.compliance_evaluate of a new check")
    found = {}
    for rule in fresh["rules"]:
        if not isinstance(rule, dict) or not rule.get("enabled", True):
            continue
        for violation in rule.get("violations") or []:
            if isinstance(violation, dict):
                product = _text(violation.get("product"))
                record = directory.find(product, violation)
                key = (product, _text(record["sid"]) if record else _text(violation.get("sid")))
                found.setdefault(key, []).append(to_text(rule.get("id")))
    return {"generated_at": _text(fresh.get("generated_at")),
            "targets": dict((key, _strongest(policy, key[0], rules)[1]) for key, rules in found.items())}


def _skip_reason(entry, fresh):
    """Why a planned change is not made: the SIM's status changed since the report (and it is not already in the
    target status), or the re-check no longer finds it breaking a rule that asks for that status."""
    live, recorded, target = entry.get("live_status"), entry.get("status"), entry["target_status"]
    if live and recorded and live != recorded and live != target:
        return "its status changed from %s to %s since the compliance report" % (recorded, live)
    if fresh is not None and fresh["targets"].get((entry["product"], entry["sid"])) != target:
        return "the re-check at %s no longer finds it breaking a rule that asks for %s" % (fresh["generated_at"], target)
    return None


def report(the_plan, batch_results=None, applied=False, generated_at=None):
    """The plan with each SIM's outcome from the sim_batch results (registered task results, one per batch, in the
    order of the plan's batches; a batch that failed as a whole fails each of its SIMs with its message; a batch
    skipped after a failed canary leaves its SIMs not attempted)."""
    if not isinstance(the_plan, dict) or not isinstance(the_plan.get("batches"), list):
        raise AnsibleFilterError("remediation_report expects the result of simfleet.twilio.remediation_plan")
    the_plan, batch_results, generated_at = _data(the_plan), _data(batch_results), _data(generated_at)
    applied = flag(applied, "applied")
    results = list(batch_results or [])
    if len(results) != len(the_plan["batches"]):
        raise AnsibleFilterError("remediation_report needs one sim_batch result per batch of the plan: %d batches, %d results"
                                 % (len(the_plan["batches"]), len(results)))
    canary_failed = [s for b, r in zip(the_plan["batches"], results) if b.get("stage") == "canary"
                     for s in _batch_outcomes(b, r).values() if s["outcome"] not in PASSING_OUTCOMES]
    outcomes, batches, transitions = {}, [], {}
    for batch, result in zip(the_plan["batches"], results):
        result = result if isinstance(result, dict) else {}
        if result.get("skipped") and batch.get("stage") == "main" and canary_failed:
            message = "not attempted: the canary failed (%d of its SIMs), so nothing more was written" % len(canary_failed)
            result = {"skipped": True, "msg": message}
            found = dict(((batch["product"], sid), {"outcome": "not_attempted", "before": None, "after": None, "error": {
                "code": None, "status": None, "more_info": None, "message": message}}) for sid in batch["sids"])
        else:
            found = _batch_outcomes(batch, result)
        outcomes.update(found)
        error = _text(result.get("msg")) if not isinstance(result.get("results"), list) else None
        for key, count in (result.get("transitions") or {}).items():
            label = "%s %s" % (batch["product"], key)
            transitions[label] = transitions.get(label, 0) + count
        batches.append({"product": batch["product"], "status": batch["status"], "stage": batch.get("stage", "main"),
                        "sims": len(batch["sids"]), "counts": result.get("counts"), "error": error or None})
    sims = []
    for entry in the_plan["sims"]:
        entry = dict(entry)
        if entry.get("outcome"):
            outcome = {"outcome": entry["outcome"], "before": None, "after": None, "error": entry.get("error")}
        elif entry["target_status"]:
            outcome = outcomes.get((entry["product"], entry["sid"])) or {
                "outcome": "failed", "before": None, "after": None,
                "error": {"code": None, "status": None, "more_info": None, "message": "no result for this SIM"}}
        else:
            outcome = {"outcome": "reported", "before": None, "after": None, "error": None}
        entry.update(outcome)
        sims.append(entry)
    names = ("changed", "unchanged", "not_found", "failed", "reported", "skipped", "not_attempted")
    counts = dict((name, sum(1 for s in sims if s["outcome"] == name)) for name in names)
    counts["failed"] += sum(1 for s in sims if s["outcome"] not in names)
    failed = counts["failed"] + counts["not_found"] + counts["not_attempted"]
    verb = "changed" if applied else "would change"
    canary_plan = the_plan.get("canary")
    canary_report = None
    message = "Remediation %s: %d SIMs %s, %d already compliant, %d failed, %d reported only, %d exempt" % (
        "applied" if applied else "dry run", counts["changed"], verb, counts["unchanged"],
        counts["failed"] + counts["not_found"], counts["reported"], len(the_plan.get("exempted") or []))
    if counts["skipped"]:
        message += ", %d skipped (changed since the report or no longer violating)" % counts["skipped"]
    if canary_plan:
        canary_sims = [s for s in sims if s.get("stage") == "canary"]
        canary_bad = [s for s in canary_sims if s["outcome"] not in PASSING_OUTCOMES]
        canary_report = {"size": canary_plan.get("size"), "sims": len(canary_sims), "failed": len(canary_bad),
                         "passed": not canary_bad, "failed_sids": [s["sid"] for s in canary_bad],
                         "not_attempted": counts["not_attempted"]}
        if canary_bad:
            shown = ", ".join(s["sid"] for s in canary_bad[:10]) + (", ..." if len(canary_bad) > 10 else "")
            message = "Canary failed: %d of %d canary SIMs failed (%s), %d SIMs not attempted. %s" % (
                len(canary_bad), len(canary_sims), shown, counts["not_attempted"], message)
        else:
            message += ", canary of %d SIMs passed" % len(canary_sims)
    return {
        "schema_version": SCHEMA_VERSION,
        "generated_at": _text(generated_at),
        "applied": applied,
        "compliance_generated_at": the_plan.get("compliance_generated_at"),
        "rechecked_at": the_plan.get("rechecked_at"),
        "policy": the_plan.get("policy"),
        "rule_findings": the_plan.get("rule_findings") or {},
        "passed": failed == 0,
        "summary": dict(counts, acted_on=the_plan["summary"]["acted_on"], exempted=len(the_plan.get("exempted") or []),
                        transitions=transitions, message=message),
        "canary": canary_report,
        "batches": batches,
        "sims": sims,
        "exempted": the_plan.get("exempted") or [],
    }


def _batch_outcomes(batch, result):
    """{(product, SID): outcome} of one sim_batch result, in the order of the batch's SIDs."""
    result = result if isinstance(result, dict) else {}
    items = result.get("results") if isinstance(result.get("results"), list) else None
    error = None if items is not None else _text(result.get("msg") or "the batch returned no results")
    outcomes = {}
    for index, sid in enumerate(batch["sids"]):
        item = items[index] if items is not None and index < len(items) else None
        if not isinstance(item, dict):
            outcomes[(batch["product"], sid)] = {"outcome": "failed", "before": None, "after": None, "error": {
                "code": None, "status": None, "more_info": None, "message": error or "no result for this SIM"}}
        else:
            outcomes[(batch["product"], sid)] = dict((k, item.get(k)) for k in ("outcome", "before", "after", "error"))
    return outcomes


def _clean(value):
    return _INVALID_XML.sub(u"", u"" if value is None else to_text(value))


def junit(the_report, suite_name=SUITE):
    """JUnit XML: one test case per SIM acted on; a failure for a SIM that failed, was not found or was not attempted
    after a failed canary; skipped for a SIM a dry run would change and for one the plan skipped."""
    if not isinstance(the_report, dict) or not isinstance(the_report.get("sims"), list):
        raise AnsibleFilterError("remediation_junit expects the result of remediation_report")
    the_report = _data(the_report)
    cases = [s for s in the_report["sims"] if s.get("target_status")]
    failures = sum(1 for s in cases if s.get("outcome") not in PASSING_OUTCOMES)
    skipped = sum(1 for s in cases if s.get("outcome") == "skipped" or (s.get("outcome") == "changed" and not the_report.get("applied")))
    attributes = {"name": _clean(suite_name), "tests": str(len(cases)), "failures": str(failures), "errors": "0",
                  "skipped": str(skipped), "time": "0"}
    suites = ET.Element("testsuites", attributes)
    suite = ET.SubElement(suites, "testsuite", dict(attributes, timestamp=_clean(the_report.get("generated_at"))))
    for sim in cases:
        case = ET.SubElement(suite, "testcase", {"classname": _clean("%s.%s" % (suite_name, sim.get("action"))),
                                                 "name": _clean(sim.get("sid")), "time": "0"})
        what = "%s %s to %s (rules: %s)" % (sim.get("product"), sim.get("sid"), sim.get("target_status"), ", ".join(sim.get("rules") or []))
        if sim.get("outcome") not in PASSING_OUTCOMES:
            failure = ET.SubElement(case, "failure", {"type": "RemediationFailed", "message": _clean("%s: %s" % (sim.get("outcome"), what))})
            failure.text = _clean(((sim.get("error") or {}).get("message")) or "")
        elif sim.get("outcome") == "skipped":
            ET.SubElement(case, "skipped", {"message": _clean("skipped, %s: %s" % (sim.get("skip_reason"), what))})
        elif sim.get("outcome") == "changed" and not the_report.get("applied"):
            ET.SubElement(case, "skipped", {"message": _clean("dry run: would set %s" % what)})
        out = ET.SubElement(case, "system-out")
        out.text = _clean("%s: %s" % (sim.get("outcome"), "; ".join(sim.get("details") or [])))
    if hasattr(ET, "indent"):
        ET.indent(suites)
    return u'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + u"\n"


# The sections of remediation.html, each a table of the SIMs of some outcomes: (id, heading for a dry run, heading
# when applied, outcomes). Every SIM of the report is in exactly one section.
SECTIONS = (
    ("changed", "Would change", "Changed", ("changed",)),
    ("failed", "Failed", "Failed", None),  # every outcome that is no pass
    ("unchanged", "Already in the target status", "Already in the target status", ("unchanged",)),
    ("skipped", "Skipped (changed since the report or no longer violating)",
     "Skipped (changed since the report or no longer violating)", ("skipped",)),
    ("reported", "Report only (the policy changes nothing)", "Report only (the policy changes nothing)", ("reported",)),
)
_CHANGE_COLUMNS = (
    {"key": "product", "label": "Product"}, {"key": "sid", "label": "SID", "kind": "sid"},
    {"key": "unique_name", "label": "Unique name"}, {"key": "iccid", "label": "ICCID", "kind": "sid"},
    {"key": "rules", "label": "Rules", "kind": "list"}, {"key": "action", "label": "Action"},
    {"key": "from_status", "label": "Status", "kind": "tag"}, {"key": "target_status", "label": "Target", "kind": "tag"},
    {"key": "after_status", "label": "Status after", "kind": "tag"},
    {"key": "stage", "label": "Stage"}, {"key": "shown_outcome", "label": "Outcome", "kind": "tag"},
    {"key": "reason", "label": "Error or reason", "kind": "text-long"},
)
_REPORT_COLUMNS = (
    {"key": "product", "label": "Product"}, {"key": "sid", "label": "SID", "kind": "sid"},
    {"key": "unique_name", "label": "Unique name"}, {"key": "iccid", "label": "ICCID", "kind": "sid"},
    {"key": "status", "label": "Status", "kind": "tag"}, {"key": "rules", "label": "Rules", "kind": "list"},
    {"key": "details", "label": "Details", "kind": "text-long"},
)


def section_of(sim):
    """The id of the section of remediation.html a SIM of the report belongs to."""
    outcome = sim.get("outcome")
    for section, dummy, dummy2, outcomes in SECTIONS:
        if outcomes is not None and outcome in outcomes:
            return section
    return "failed"


def page_sections(the_report):
    """The sections of remediation.html in order: id, heading and number of SIMs."""
    applied = bool(the_report.get("applied"))
    counts = dict((section[0], 0) for section in SECTIONS)
    for sim in the_report.get("sims") or []:
        counts[section_of(sim)] += 1
    return [{"id": section, "heading": applied_heading if applied else dry_heading, "sims": counts[section]}
            for section, dry_heading, applied_heading, dummy in SECTIONS]


def page_tables(the_report):
    """The tables of remediation.html (report_page): one per section, the policy, the status changes, the exempt
    SIMs."""
    if not isinstance(the_report, dict) or not isinstance(the_report.get("sims"), list):
        raise AnsibleFilterError("report_page('remediation') expects the result of remediation_report")
    the_report = _data(the_report)
    applied = bool(the_report.get("applied"))
    rows = dict((section[0], []) for section in SECTIONS)
    for sim in the_report["sims"]:
        error = sim.get("error") if isinstance(sim.get("error"), dict) else None
        rows[section_of(sim)].append(dict(
            sim, from_status=sim.get("live_status") or sim.get("status"), stage=sim.get("stage"),
            shown_outcome="would change" if sim.get("outcome") == "changed" and not applied else sim.get("outcome"),
            after_status=(sim.get("after") or {}).get("status") if applied and isinstance(sim.get("after"), dict) else None,
            reason=(error or {}).get("message") or sim.get("skip_reason"),
            details="; ".join(sim.get("details") or [])))
    findings = the_report.get("rule_findings") or {}
    tables = [{"id": "%s-table" % section, "columns": _REPORT_COLUMNS if section == "reported" else _CHANGE_COLUMNS,
               "rows": rows[section]} for section, dummy, dummy2, dummy3 in SECTIONS]
    tables += [
        {"id": "policy-table", "columns": ({"key": "rule", "label": "Rule"}, {"key": "label", "label": "Finding"},
                                           {"key": "action", "label": "Action"}),
         "rows": [{"rule": rule, "action": action, "label": (findings.get(rule) or {}).get("label")}
                  for rule, action in (the_report.get("policy") or {}).items()]},
        {"id": "transitions-table", "columns": ({"key": "change", "label": "Product and change"},
                                                {"key": "n", "label": "SIMs", "kind": "num"}),
         "rows": [{"change": change, "n": count}
                  for change, count in sorted(((the_report.get("summary") or {}).get("transitions") or {}).items())]},
        {"id": "exempted-table", "columns": ({"key": "product", "label": "Product"}, {"key": "sid", "label": "SID", "kind": "sid"},
                                             {"key": "unique_name", "label": "Unique name"},
                                             {"key": "iccid", "label": "ICCID", "kind": "sid"},
                                             {"key": "rules", "label": "Rules", "kind": "list"}),
         "rows": the_report.get("exempted") or []},
    ]
    return tables


def remediation_plan(compliance, policy=None, exempt_sims=None, confirm_irreversible=False, max_age_hours=0, now=None,
                     sims=None, recheck=None, canary=0, with_report=False):
    return unsafe(plan(compliance, policy=policy, exempt_sims=exempt_sims, confirm_irreversible=confirm_irreversible,
                       max_age_hours=max_age_hours, now=now, sims=sims, recheck=recheck, canary=canary,
                       with_report=with_report))


def remediation_report(the_plan, batch_results=None, applied=False, generated_at=None):
    return unsafe(report(the_plan, batch_results=batch_results, applied=applied, generated_at=generated_at))


def remediation_junit(the_report, suite_name=SUITE):
    return unsafe(junit(the_report, suite_name=suite_name))


class FilterModule(object):
    def filters(self):
        return {"remediation_plan": remediation_plan, "remediation_report": remediation_report,
                "remediation_junit": remediation_junit}
