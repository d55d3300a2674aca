# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The remediation_plan, remediation_report and remediation_junit filters on compliance reports built here."""

import xml.etree.ElementTree as ET

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.simfleet.twilio.plugins.filter.remediation_plan import ACTIONS, junit, plan, report
from ansible_collections.simfleet.twilio.plugins.filter.role_arguments import check_role_arguments

W1, W2, W3 = ("DE%032x" % n for n in (1, 2, 3))
S1, S2 = ("HS%032x" % n for n in (1, 2))


def violation(product, sid, status="active", name=None, iccid=None, detail="detail"):
    return {"product": product, "sid": sid, "unique_name": name, "iccid": iccid, "status": status, "detail": detail}


def compliance(exempt=()):
    return {
        "schema_version": 1, "generated_at": "2026-01-15T00:00:00Z", "passed": False,
        "policy": {"exempt_sims": list(exempt)},
        "rules": [
            {"id": "allowed_status", "enabled": True, "passed": False, "violations": [violation("wireless", W3, "suspended")]},
            {"id": "active_without_rate_plan", "enabled": True, "passed": False,
             "violations": [violation("wireless", W1, name="pump-1"), violation("supersim", S1, iccid="8988")]},
            {"id": "silent_sims", "enabled": True, "passed": False,
             "violations": [violation("supersim", S1, iccid="8988"), violation("supersim", S2)]},
            {"id": "esim_profile_failed", "enabled": True, "passed": False,
             "violations": [violation("esim_profile", "HP%032x" % 9, None), violation("supersim", S2)]},
            {"id": "suspended_too_long", "enabled": False, "passed": True, "violations": [violation("wireless", W2)]},
        ],
    }


def test_plan_groups_sims_by_product_and_target_status():
    result = plan(compliance(), policy={"active_without_rate_plan": "suspend", "silent_sims": "activate"})
    assert result["batches"] == [{"product": "supersim", "status": "active", "sids": [S2]},
                                 {"product": "supersim", "status": "inactive", "sids": [S1]},
                                 {"product": "wireless", "status": "suspended", "sids": [W1]}]
    sims = dict((s["sid"], s) for s in result["sims"])
    # S1 breaks a suspend rule and an activate rule: the stronger action wins; its rules are both listed.
    assert sims[S1]["action"] == "suspend" and sims[S1]["rules"] == ["active_without_rate_plan", "silent_sims"]
    assert sims[S2]["action"] == "activate" and sims[S2]["target_status"] == "active"
    assert sims[W3]["action"] == "report" and sims[W3]["target_status"] is None
    # A profile without a SIM is only reported; a disabled rule adds nothing.
    assert sims["HP%032x" % 9]["action"] == "report"
    assert W2 not in sims
    assert result["policy"]["allowed_status"] == "report" and result["policy"]["silent_sims"] == "activate"
    assert result["summary"]["acted_on"] == 3 and result["summary"]["reported"] == 2


def test_exemptions_of_the_report_and_of_the_role_are_honoured():
    result = plan(compliance(exempt=["8988"]), policy={"active_without_rate_plan": "suspend"}, exempt_sims=["pump-1"])
    assert [s["sid"] for s in result["exempted"]] == [S1, W1]
    assert all(s["sid"] not in (S1, W1) for s in result["sims"])
    assert result["batches"] == []


def test_a_sim_exempt_by_one_violation_is_exempt_from_all_of_them():
    """The exempt name is on one violation only (another carries no name): the SIM is still never acted on."""
    report = compliance()
    report["rules"][2]["violations"] = [violation("supersim", S1, name="lab-pump")]
    report["rules"][3]["violations"] = [violation("supersim", S1)]
    for exempt_report, exempt_role in ((["lab-pump"], None), ([], ["lab-pump"])):
        report["policy"]["exempt_sims"] = exempt_report
        result = plan(report, policy={"silent_sims": "suspend", "esim_profile_failed": "suspend"}, exempt_sims=exempt_role)
        assert S1 in [s["sid"] for s in result["exempted"]]
        assert S1 not in [s["sid"] for s in result["sims"]]
        assert all(S1 not in batch["sids"] for batch in result["batches"])


def test_irreversible_actions_need_confirmation():
    with pytest.raises(AnsibleFilterError, match=r"cannot be undone \(allowed_status: deactivate\).*confirm_irreversible"):
        plan(compliance(), policy={"allowed_status": "deactivate"})
    result = plan(compliance(), policy={"allowed_status": "deactivate"}, confirm_irreversible=True)
    assert result["batches"] == [{"product": "wireless", "status": "deactivated", "sids": [W3]}]
    assert ACTIONS["deactivate"].irreversible and not any(a.irreversible for n, a in ACTIONS.items() if n != "deactivate")


def test_deactivate_does_not_apply_to_super_sims():
    result = plan(compliance(), policy={"silent_sims": "deactivate"}, confirm_irreversible=True)
    assert result["batches"] == []
    assert all(s["action"] == "report" for s in result["sims"])


@pytest.mark.parametrize("policy, message", [
    ({"silent_sims": "destroy"}, "policy.silent_sims must be one of report, activate, suspend, deactivate, got 'destroy'"),
    ({"no_such_rule": "suspend"}, "policy names rules the compliance report does not have: no_such_rule"),
    (["silent_sims"], "policy must be a dictionary of rule names to actions"),
    ({"Bad Rule": "suspend"}, "is not a rule name"),
])
def test_bad_policies_are_refused(policy, message):
    with pytest.raises(AnsibleFilterError, match=message.replace("(", r"\(").replace(")", r"\)")):
        plan(compliance(), policy=policy)


def test_bad_input_is_refused():
    with pytest.raises(AnsibleFilterError, match="expects the result of simfleet.twilio.compliance_evaluate"):
        plan({"sims": []})
    with pytest.raises(AnsibleFilterError, match="one sim_batch result per batch of the plan: 1 batches, 0 results"):
        report(plan(compliance(), policy={"silent_sims": "suspend"}), [])


def batch_result(items, transitions):
    return {"results": items, "counts": {}, "transitions": transitions}


def test_report_merges_outcomes_and_junit_has_one_case_per_sim_acted_on():
    the_plan = plan(compliance(), policy={"silent_sims": "suspend", "active_without_rate_plan": "suspend"})
    assert [(b["product"], b["sids"]) for b in the_plan["batches"]] == [("supersim", [S1, S2]), ("wireless", [W1])]
    results = [
        batch_result([{"outcome": "changed", "before": {"status": "active"}, "after": {"status": "inactive"}, "error": None},
                      {"outcome": "failed", "before": {"status": "active"}, "after": {"status": "active"},
                       "error": {"code": 20003, "status": 401, "message": "Twilio API error 20003 (HTTP 401): <denied> & more"}}],
                     {"active -> inactive": 1}),
        {"msg": "the whole batch failed", "failed": True},
    ]
    merged = report(the_plan, results, applied=True, generated_at="2026-01-15T01:00:00Z")
    sims = dict((s["sid"], s) for s in merged["sims"])
    assert sims[S1]["outcome"] == "changed" and sims[S1]["after"] == {"status": "inactive"}
    assert sims[S2]["outcome"] == "failed" and sims[S2]["error"]["status"] == 401
    assert sims[W1]["outcome"] == "failed" and sims[W1]["error"]["message"] == "the whole batch failed"
    assert sims[W3]["outcome"] == "reported"
    assert merged["passed"] is False and merged["summary"]["changed"] == 1 and merged["summary"]["failed"] == 2
    assert merged["summary"]["transitions"] == {"supersim active -> inactive": 1}
    document = ET.fromstring(junit(merged))
    suite = document.find("testsuite")
    cases = dict((c.get("name"), c) for c in suite.findall("testcase"))
    assert sorted(cases) == sorted([S1, S2, W1]) and suite.get("failures") == "2" and suite.get("skipped") == "0"
    assert "<denied> & more" in cases[S2].find("failure").text
    assert cases[S1].find("failure") is None


def test_dry_run_report_skips_the_changes_in_junit():
    the_plan = plan(compliance(), policy={"active_without_rate_plan": "suspend"})
    results = [batch_result([{"outcome": "unchanged", "before": {"status": "inactive"}, "after": {"status": "inactive"}, "error": None}], {}),
               batch_result([{"outcome": "changed", "before": {"status": "active"}, "after": {"status": "suspended"}, "error": None}],
                            {"active -> suspended": 1})]
    merged = report(the_plan, results, applied=False)
    assert merged["applied"] is False and merged["passed"] is True and "dry run" in merged["summary"]["message"]
    suite = ET.fromstring(junit(merged)).find("testsuite")
    assert suite.get("tests") == "2" and suite.get("skipped") == "1"


def test_role_arguments_of_sim_remediation():
    values = check_role_arguments({"policy": {"silent_sims": "suspend"}, "exempt_sims": "lab-1,lab-2", "apply": "yes",
                                   "confirm_irreversible": False, "max_concurrency": "8", "max_sims": 10}, "sim_remediation")
    assert values == {"policy": {"silent_sims": "suspend"}, "exempt_sims": ["lab-1", "lab-2"], "apply": True,
                      "confirm_irreversible": False, "max_concurrency": 8, "max_sims": 10}
    with pytest.raises(AnsibleFilterError, match="sim_remediation_max_sims must be at least 1"):
        check_role_arguments({"max_sims": 0}, "sim_remediation")
    with pytest.raises(AnsibleFilterError, match="sim_remediation_policy.silent_sims must be one of"):
        check_role_arguments({"policy": {"silent_sims": "nuke"}}, "sim_remediation")
