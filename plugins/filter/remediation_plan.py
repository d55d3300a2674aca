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
    SID, unique name or ICCID, are never acted on; they are listed as exempted.
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
    - C(schema_version); C(compliance_generated_at); C(policy) (every rule of the report with its action);
      C(sims) (every violating SIM that is not exempt, sorted by product and SID, with C(product), C(sid),
      C(unique_name), C(iccid), C(status), C(rules), C(details), C(action) and C(target_status), null for
      V(report)); C(exempted) (the violating SIMs left alone); C(batches) (C(product), C(status) and C(sids) for
      each M(simfleet.twilio.sim_batch) call); C(summary) (counts per action and C(message)).
  type: dict
"""

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Tuple

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_text

from ansible_collections.simfleet.twilio.plugins.plugin_utils._fleet import flag, names_list, whole_number
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
BATCH_PRODUCTS = ("wireless", "supersim")


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


# The sim_remediation role's variables (without the prefix) and their checks, for the role_arguments filter.
ROLE_ARGUMENTS = {
    "policy": check_policy,
    "exempt_sims": names_list,
    "apply": flag,
    "confirm_irreversible": flag,
    "max_concurrency": whole_number,
    "max_sims": whole_number,
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


def plan(compliance, policy=None, exempt_sims=None, confirm_irreversible=False):
    compliance, policy, exempt_sims = _data(compliance), _data(policy), _data(exempt_sims)
    if not isinstance(compliance, dict) or not isinstance(compliance.get("rules"), list):
        raise AnsibleFilterError("remediation_plan expects the result of simfleet.twilio.compliance_evaluate (compliance.json)")
    policy = check_policy(policy, "policy")
    confirmed = flag(confirm_irreversible, "confirm_irreversible")
    rule_ids = [to_text(rule.get("id")) for rule in compliance["rules"] if isinstance(rule, dict)]
    unknown = sorted(set(policy) - set(rule_ids))
    if unknown:
        raise AnsibleFilterError("policy names rules the compliance report does not have: %s (its rules: %s)"
                                 % (", ".join(unknown), ", ".join(rule_ids)))
    check_irreversible(policy, confirmed)
    compliance_policy = compliance.get("policy") if isinstance(compliance.get("policy"), dict) else {}
    exempt = set(names_list(compliance_policy.get("exempt_sims"), "policy.exempt_sims of the report"))
    exempt |= set(names_list(exempt_sims, "exempt_sims"))

    rules = [rule for rule in compliance["rules"] if isinstance(rule, dict) and rule.get("enabled", True)]
    # A SIM is exempt when any of its violations names it by an exempt SID, unique name or ICCID: every name any
    # violation gives the SIM counts, so one violation without the exempt name cannot bring it back.
    exempt_keys = set()
    for rule in rules:
        for violation in rule.get("violations") or []:
            names = set(_text(violation.get(k)) for k in ("sid", "unique_name", "iccid")) - {None, ""}
            if names & exempt:
                exempt_keys.add((_text(violation.get("product")), _text(violation.get("sid"))))

    sims, exempted = {}, {}
    for rule in rules:
        action = ACTIONS[policy.get(rule.get("id"), "report")]
        for violation in rule.get("violations") or []:
            key = (_text(violation.get("product")), _text(violation.get("sid")))
            target = exempted if key in exempt_keys else sims
            entry = target.setdefault(key, {
                "product": key[0], "sid": key[1], "unique_name": _text(violation.get("unique_name")),
                "iccid": _text(violation.get("iccid")), "status": _text(violation.get("status")),
                "rules": [], "details": [], "action": "report", "target_status": None,
            })
            entry["rules"].append(to_text(rule.get("id")))
            if violation.get("detail"):
                entry["details"].append(to_text(violation["detail"]))
            status = action.status_for(key[0]) if key[0] in BATCH_PRODUCTS and key[1] else None
            if status and action.strength > ACTIONS[entry["action"]].strength:
                entry["action"], entry["target_status"] = action.name, status
    for entry in exempted.values():
        entry["action"], entry["target_status"] = "exempt", None
    ordered = [sims[key] for key in sorted(sims, key=lambda k: (k[0] or "", k[1] or ""))]
    batches = {}
    for entry in ordered:
        if entry["target_status"]:
            batches.setdefault((entry["product"], entry["target_status"]), []).append(entry["sid"])
    counts = dict((name, sum(1 for e in ordered if e["action"] == name)) for name in ACTIONS)
    acted = sum(counts[name] for name in ACTIONS if name != "report")
    return {
        "schema_version": SCHEMA_VERSION,
        "compliance_generated_at": _text(compliance.get("generated_at")),
        "policy": dict((rule, policy.get(rule, "report")) for rule in rule_ids),
        "sims": ordered,
        "exempted": [exempted[key] for key in sorted(exempted, key=lambda k: (k[0] or "", k[1] or ""))],
        "batches": [{"product": product, "status": status, "sids": sids} for (product, status), sids in sorted(batches.items())],
        "summary": {
            "violating_sims": len(ordered), "acted_on": acted, "reported": counts["report"], "exempted": len(exempted),
            "actions": counts,
            "message": "Remediation plan: %d of %d violating SIMs to act on (%s), %d reported only, %d exempt" % (
                acted, len(ordered), ", ".join("%s %d" % (name, counts[name]) for name in ACTIONS if name != "report" and counts[name]) or "none",
                counts["report"], len(exempted)),
        },
    }


def report(the_plan, batch_results=None, applied=False, generated_at=None):
    """The plan with each SIM's outcome from the sim_batch results (registered task results, one per batch, in the
    order of the plan's batches; a batch that failed as a whole fails each of its SIMs with its message)."""
    if not isinstance(the_plan, dict) or not isinstance(the_plan.get("batches"), list):
        raise AnsibleFilterError("remediation_report expects the result of simfleet.twilio.remediation_plan")
    the_plan, batch_results, generated_at = _data(the_plan), _data(batch_results), _data(generated_at)
    applied = flag(applied, "applied")
    results = list(batch_results or [])
    if len(results) != len(the_plan["batches"]):
        raise AnsibleFilterError("remediation_report needs one sim_batch result per batch of the plan: %d batches, %d results"
                                 % (len(the_plan["batches"]), len(results)))
    outcomes, batches, transitions = {}, [], {}
    for batch, result in zip(the_plan["batches"], results):
        result = result if isinstance(result, dict) else {}
        items = result.get("results") if isinstance(result.get("results"), list) else None
        error = None if items is not None else _text(result.get("msg") or "the batch returned no results")
        for index, sid in enumerate(batch["sids"]):
            item = items[index] if items is not None and index < len(items) else None
            if item is None:
                outcomes[(batch["product"], sid)] = {"outcome": "failed", "before": None, "after": None,
                                                     "error": {"code": None, "status": None, "more_info": None, "message": error}}
            else:
                outcomes[(batch["product"], sid)] = dict((k, item.get(k)) for k in ("outcome", "before", "after", "error"))
        for key, count in (result.get("transitions") or {}).items():
            label = "%s %s" % (batch["product"], key)
            transitions[label] = transitions.get(label, 0) + count
        batches.append({"product": batch["product"], "status": batch["status"], "sims": len(batch["sids"]),
                        "counts": result.get("counts"), "error": error if error else None})
    sims = []
    for entry in the_plan["sims"]:
        found = outcomes.get((entry["product"], entry["sid"])) if entry["target_status"] else None
        outcome = found or {"outcome": "reported", "before": None, "after": None, "error": None}
        sims.append(dict(entry, **outcome))
    counts = dict((name, sum(1 for s in sims if s["outcome"] == name)) for name in ("changed", "unchanged", "not_found", "failed", "reported"))
    failed = counts["failed"] + counts["not_found"]
    verb = "changed" if applied else "would change"
    message = "Remediation %s: %d SIMs %s, %d already compliant, %d failed, %d reported only, %d exempt" % (
        "applied" if applied else "dry run", counts["changed"], verb, counts["unchanged"], failed, counts["reported"],
        len(the_plan.get("exempted") or []))
    return {
        "schema_version": SCHEMA_VERSION,
        "generated_at": _text(generated_at),
        "applied": applied,
        "compliance_generated_at": the_plan.get("compliance_generated_at"),
        "policy": the_plan.get("policy"),
        "passed": failed == 0,
        "summary": dict(counts, acted_on=the_plan["summary"]["acted_on"], exempted=len(the_plan.get("exempted") or []),
                        transitions=transitions, message=message),
        "batches": batches,
        "sims": sims,
        "exempted": the_plan.get("exempted") or [],
    }


def _clean(value):
    return _INVALID_XML.sub(u"", u"" if value is None else to_text(value))


def junit(the_report, suite_name=SUITE):
    """JUnit XML: one test case per SIM acted on; a failure for a SIM that failed or was not found, skipped for a SIM
    a dry run would change."""
    if not isinstance(the_report, dict) or not isinstance(the_report.get("sims"), list):
        raise AnsibleFilterError("remediation_junit expects the result of remediation_report")
    the_report = _data(the_report)
    cases = [s for s in the_report["sims"] if s.get("target_status")]
    failures = sum(1 for s in cases if s.get("outcome") in ("failed", "not_found"))
    skipped = sum(1 for s in cases if s.get("outcome") == "changed" and not the_report.get("applied"))
    attributes = {"name": _clean(suite_name), "tests": str(len(cases)), "failures": str(failures), "errors": "0",
                  "skipped": str(skipped), "time": "0"}
    suites = ET.Element("testsuites", attributes)
    suite = ET.SubElement(suites, "testsuite", dict(attributes, timestamp=_clean(the_report.get("generated_at"))))
    for sim in cases:
        case = ET.SubElement(suite, "testcase", {"classname": _clean("%s.%s" % (suite_name, sim.get("action"))),
                                                 "name": _clean(sim.get("sid")), "time": "0"})
        what = "%s %s to %s (rules: %s)" % (sim.get("product"), sim.get("sid"), sim.get("target_status"), ", ".join(sim.get("rules") or []))
        if sim.get("outcome") in ("failed", "not_found"):
            failure = ET.SubElement(case, "failure", {"type": "RemediationFailed", "message": _clean("%s: %s" % (sim.get("outcome"), what))})
            failure.text = _clean(((sim.get("error") or {}).get("message")) or "")
        elif sim.get("outcome") == "changed" and not the_report.get("applied"):
            ET.SubElement(case, "skipped", {"message": _clean("dry run: would set %s" % what)})
        out = ET.SubElement(case, "system-out")
        out.text = _clean("%s: %s" % (sim.get("outcome"), "; ".join(sim.get("details") or [])))
    if hasattr(ET, "indent"):
        ET.indent(suites)
    return u'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + u"\n"


def remediation_plan(compliance, policy=None, exempt_sims=None, confirm_irreversible=False):
    return unsafe(plan(compliance, policy=policy, exempt_sims=exempt_sims, confirm_irreversible=confirm_irreversible))


def remediation_report(the_plan, batch_results=None, applied=False, generated_at=None):
    return unsafe(report(the_plan, batch_results=batch_results, applied=applied, generated_at=generated_at))


def remediation_junit(the_report, suite_name=SUITE):
    return unsafe(junit(the_report, suite_name=suite_name))


class FilterModule(object):
    def filters(self):
        return {"remediation_plan": remediation_plan, "remediation_report": remediation_report,
                "remediation_junit": remediation_junit}
