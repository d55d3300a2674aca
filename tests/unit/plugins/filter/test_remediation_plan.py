# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The remediation_plan, remediation_report and remediation_junit filters on compliance reports built here."""

import datetime
import xml.etree.ElementTree as ET

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.simfleet.twilio.plugins.filter.remediation_plan import ACTIONS, junit, plan, report
from ansible_collections.simfleet.twilio.plugins.filter.role_arguments import check_role_arguments

W1 = "DE%032x" % 1
W2 = "DE%032x" % 2
W3 = "DE%032x" % 3
S1 = "HS%032x" % 1
S2 = "HS%032x" % 2


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
    assert result["batches"] == [{"product": "supersim", "status": "active", "stage": "main", "sids": [S2]},
                                 {"product": "supersim", "status": "inactive", "stage": "main", "sids": [S1]},
                                 {"product": "wireless", "status": "suspended", "stage": "main", "sids": [W1]}]
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
    assert result["batches"] == [{"product": "wireless", "status": "deactivated", "stage": "main", "sids": [W3]}]
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


# A live listing of the SIMs of compliance(): every SIM with its SID, ICCID and unique name.
LIVE = {
    "wireless": [{"sid": W1, "iccid": "8901000000000000001", "unique_name": "pump-1", "status": "active"},
                 {"sid": W2, "iccid": "8901000000000000002", "unique_name": "pump-2", "status": "active"},
                 {"sid": W3, "iccid": "8901000000000000003", "unique_name": "pump-3", "status": "suspended"}],
    "supersim": [{"sid": S1, "iccid": "8988", "unique_name": "tracker-1", "status": "active"},
                 {"sid": S2, "iccid": "8989", "unique_name": "tracker-2", "status": "active"}],
}
NAMES = {"sid": W1, "iccid": "8901000000000000001", "unique_name": "pump-1"}


def one_finding(**names):
    """A report whose only finding (active_without_rate_plan, suspend) names W1 by the given fields only."""
    report = compliance()
    finding = dict(violation("wireless", None), **names)
    report["rules"] = [{"id": "active_without_rate_plan", "enabled": True, "passed": False, "violations": [finding]}]
    return report


@pytest.mark.parametrize("exempt_by", ["sid", "iccid", "unique_name"])
@pytest.mark.parametrize("finding_by", ["sid", "iccid", "unique_name", "name_in_sid", "iccid_in_sid"])
@pytest.mark.parametrize("exempt_where", ["report", "role"])
def test_an_exemption_holds_whichever_name_the_finding_and_the_exemption_give(exempt_by, finding_by, exempt_where):
    """The finding names W1 one way, the exemption another: with the live listing, W1 is never in a batch."""
    given = {"name_in_sid": {"sid": "pump-1"}, "iccid_in_sid": {"sid": "8901000000000000001"}}.get(
        finding_by, {finding_by: NAMES.get(finding_by)})
    report = one_finding(**given)
    exempt = [NAMES[exempt_by]]
    if exempt_where == "report":
        report["policy"]["exempt_sims"] = exempt
    result = plan(report, policy={"active_without_rate_plan": "suspend"}, sims=LIVE,
                  exempt_sims=exempt if exempt_where == "role" else None)
    assert result["batches"] == []
    assert [s["sid"] for s in result["exempted"]] == [W1]
    assert result["sims"] == []
    # The same finding without the exemption is resolved to W1, and the batch names W1 by its SID.
    report["policy"]["exempt_sims"] = []
    result = plan(report, policy={"active_without_rate_plan": "suspend"}, sims=LIVE)
    assert result["batches"] == [{"product": "wireless", "status": "suspended", "stage": "main", "sids": [W1]}]


def test_without_the_listing_an_exemption_by_iccid_does_not_see_a_finding_by_sid():
    """What the role's listing is for: the finding alone carries no ICCID to compare, so the plan needs the SIMs."""
    report = one_finding(sid=W1)
    assert plan(report, policy={"active_without_rate_plan": "suspend"}, exempt_sims=[NAMES["iccid"]])["batches"]
    first = plan(report, policy={"active_without_rate_plan": "suspend"})
    assert first["lookup_products"] == ["wireless"]
    assert plan(compliance(), policy={})["lookup_products"] == []


def test_findings_of_one_sim_under_different_names_are_one_sim():
    report = compliance()
    report["rules"][1]["violations"] = [violation("wireless", "pump-1")]
    report["rules"][0]["violations"] = [violation("wireless", None, iccid="8901000000000000001", status="active")]
    result = plan(report, policy={"active_without_rate_plan": "suspend", "allowed_status": "suspend"}, sims=LIVE)
    wireless = [s for s in result["sims"] if s["product"] == "wireless"]
    assert [s["sid"] for s in wireless] == [W1]
    assert wireless[0]["rules"] == ["allowed_status", "active_without_rate_plan"]
    assert {"product": "wireless", "status": "suspended", "stage": "main", "sids": [W1]} in result["batches"]


def test_sims_not_in_the_listing_or_changed_since_the_report_are_not_written():
    live = {"wireless": [dict(LIVE["wireless"][1])],
            "supersim": [dict(LIVE["supersim"][0], status="inactive"), dict(LIVE["supersim"][1], status="ready")]}
    result = plan(compliance(), policy={"active_without_rate_plan": "suspend", "silent_sims": "suspend"}, sims=live)
    sims = dict((s["sid"], s) for s in result["sims"])
    # W1 is gone: not_found, never in a batch.
    assert sims[W1]["outcome"] == "not_found" and "not in the live listing" in sims[W1]["error"]["message"]
    # S2 was active in the report and is ready now: someone changed it, it is skipped.
    assert sims[S2]["outcome"] == "skipped" and sims[S2]["skip_reason"] == \
        "its status changed from active to ready since the compliance report"
    # S1 is already in the target status: written as usual (sim_batch reports it unchanged).
    assert "outcome" not in sims[S1]
    assert result["batches"] == [{"product": "supersim", "status": "inactive", "stage": "main", "sids": [S1]}]
    assert result["summary"]["skipped"] == 1
    merged = report(result, [batch_result([{"outcome": "unchanged", "before": {"status": "inactive"},
                                            "after": {"status": "inactive"}, "error": None}], {})], applied=True)
    outcomes = dict((s["sid"], s["outcome"]) for s in merged["sims"])
    assert outcomes[W1] == "not_found" and outcomes[S2] == "skipped" and outcomes[S1] == "unchanged"
    assert merged["passed"] is False and merged["summary"]["skipped"] == 1 and merged["summary"]["not_found"] == 1
    suite = ET.fromstring(junit(merged)).find("testsuite")
    assert suite.get("failures") == "1" and suite.get("skipped") == "1"


def hours_ago(hours):
    moment = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=hours)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_report_older_than_the_maximum_age_is_refused():
    old = dict(compliance(), generated_at=hours_ago(7))
    with pytest.raises(AnsibleFilterError, match=r"generated at .*, 7\.0 hours ago, more than max_age_hours "
                                                 r"\(sim_remediation_max_age_hours of the role\) \(6 hours\).*sim_remediation_recheck"):
        plan(old, policy={"silent_sims": "suspend"}, max_age_hours=6)
    assert plan(dict(compliance(), generated_at=hours_ago(5)), policy={"silent_sims": "suspend"}, max_age_hours=6)["batches"]
    # 0 accepts any age; a fixed now makes the January report fresh.
    assert plan(old, policy={"silent_sims": "suspend"}, max_age_hours=0)["batches"]
    assert plan(compliance(), max_age_hours=6, now="2026-01-15T05:00:00Z")["summary"]["violating_sims"]
    with pytest.raises(AnsibleFilterError, match="5.0 hours ago, more than"):
        plan(compliance(), max_age_hours=4.5, now="2026-01-15T05:00:00Z")


@pytest.mark.parametrize("generated_at, message", [
    (None, "the compliance report has no readable generated_at (got None), so its age is unknown"),
    ("last tuesday", "the compliance report has no readable generated_at (got 'last tuesday')"),
    ("2026-01-16T00:00:00Z", "generated_at 2026-01-16T00:00:00Z is later than now (2026-01-15T00:00:00Z)"),
])
def test_a_report_of_unknown_age_is_refused_unless_any_age_is_accepted(generated_at, message):
    report_ = dict(compliance(), generated_at=generated_at)
    if generated_at is None:
        del report_["generated_at"]
    with pytest.raises(AnsibleFilterError) as caught:
        plan(report_, max_age_hours=6, now="2026-01-15T00:00:00Z")
    assert message in caught.value.message and "sim_remediation_max_age_hours" in caught.value.message
    assert plan(report_, max_age_hours=0, now="2026-01-15T00:00:00Z")["summary"]["violating_sims"] == 5


def test_a_recheck_keeps_only_the_changes_the_new_check_still_asks_for():
    fresh = compliance()
    fresh["generated_at"] = "2026-01-16T00:00:00Z"
    # W1 now has a rate plan (no finding); S1 is still silent; S2 only breaks a rule the policy reports.
    fresh["rules"][1]["violations"] = []
    fresh["rules"][2]["violations"] = [violation("supersim", S1, iccid="8988")]
    policy = {"active_without_rate_plan": "suspend", "silent_sims": "suspend"}
    result = plan(compliance(), policy=policy, sims=LIVE, recheck=fresh)
    sims = dict((s["sid"], s) for s in result["sims"])
    assert result["batches"] == [{"product": "supersim", "status": "inactive", "stage": "main", "sids": [S1]}]
    assert sims[W1]["outcome"] == sims[S2]["outcome"] == "skipped"
    assert sims[W1]["skip_reason"] == ("the re-check at 2026-01-16T00:00:00Z no longer finds it breaking a rule that "
                                       "asks for suspended")
    assert result["rechecked_at"] == "2026-01-16T00:00:00Z"
    # SIMs the new check finds and the report did not are never added.
    fresh["rules"][1]["violations"] = [violation("wireless", W1), violation("wireless", W2)]
    result = plan(compliance(), policy=policy, sims=LIVE, recheck=fresh)
    assert all(W2 not in batch["sids"] for batch in result["batches"]) and W2 not in [s["sid"] for s in result["sims"]]


def many(count):
    sids = ["DE%032x" % n for n in range(100, 100 + count)]
    report_ = compliance()
    report_["rules"] = [{"id": "silent_sims", "enabled": True, "passed": False,
                         "violations": [violation("wireless", sid) for sid in sids]}]
    return report_, sids


@pytest.mark.parametrize("size, expected", [(3, 3), ("10%", 2), ("5%", 1), ("100%", 20), (50, 20), (0, 0), ("", 0)])
def test_a_canary_takes_that_many_sims_first(size, expected):
    report_, sids = many(20)
    result = plan(report_, policy={"silent_sims": "suspend"}, canary=size)
    canary = [b for b in result["batches"] if b["stage"] == "canary"]
    main = [b for b in result["batches"] if b["stage"] == "main"]
    assert sum(len(b["sids"]) for b in canary) == expected
    assert sorted(sid for b in canary + main for sid in b["sids"]) == sids
    assert result["batches"] == canary + main
    assert (result["canary"] or {}).get("sims", 0) == expected


def test_the_canary_prefers_sims_that_need_the_change():
    report_, sids = many(4)
    live = {"wireless": [{"sid": sid, "status": "suspended" if index < 2 else "active"} for index, sid in enumerate(sids)]}
    result = plan(report_, policy={"silent_sims": "suspend"}, sims=live, canary=2)
    assert result["batches"][0] == {"product": "wireless", "status": "suspended", "stage": "canary", "sids": sids[2:]}


def test_a_failed_canary_stops_the_rest():
    report_, sids = many(5)
    the_plan = plan(report_, policy={"silent_sims": "suspend"}, canary=2)
    canary_result = batch_result([
        {"outcome": "changed", "before": {"status": "active"}, "after": {"status": "suspended"}, "error": None},
        {"outcome": "failed", "before": {"status": "active"}, "after": {"status": "active"},
         "error": {"code": 20001, "status": 400, "message": "refused"}}], {"active -> suspended": 1})
    skipped = {"skipped": True, "skip_reason": "Conditional result was False", "changed": False}
    merged = report(the_plan, [canary_result, skipped], applied=True)
    outcomes = dict((s["sid"], s["outcome"]) for s in merged["sims"])
    assert outcomes == dict([(sids[0], "changed"), (sids[1], "failed")] + [(sid, "not_attempted") for sid in sids[2:]])
    assert merged["passed"] is False
    assert merged["canary"] == {"size": 2, "sims": 2, "failed": 1, "passed": False, "failed_sids": [sids[1]], "not_attempted": 3}
    assert merged["summary"]["message"].startswith("Canary failed: 1 of 2 canary SIMs failed (%s), 3 SIMs not attempted." % sids[1])
    assert merged["summary"]["not_attempted"] == 3
    suite = ET.fromstring(junit(merged)).find("testsuite")
    assert suite.get("failures") == "4"
    # A canary that passed lets the rest through.
    good = batch_result([{"outcome": "changed", "before": None, "after": None, "error": None}] * 2, {})
    rest = batch_result([{"outcome": "unchanged", "before": None, "after": None, "error": None}] * 3, {})
    merged = report(the_plan, [good, rest], applied=True)
    assert merged["passed"] is True and merged["canary"]["passed"] is True and "canary of 2 SIMs passed" in merged["summary"]["message"]


def test_an_unknown_outcome_of_sim_batch_is_a_failure():
    report_, sids = many(1)
    the_plan = plan(report_, policy={"silent_sims": "suspend"})
    merged = report(the_plan, [batch_result([{"outcome": "unknown", "before": None, "after": None, "error": None}], {})])
    assert merged["passed"] is False and merged["summary"]["failed"] == 1


def test_the_page_has_one_section_per_kind_of_outcome_and_every_sim_in_one():
    from ansible_collections.simfleet.twilio.plugins.filter.audit_summary import report_page
    findings = compliance()
    findings["rules"][2].update(finding="no_data", label="no data in 30 days", description="Super SIMs (active) with no data in 30 days")
    the_plan = plan(findings, policy={"silent_sims": "suspend", "active_without_rate_plan": "suspend"})
    assert the_plan["rule_findings"]["silent_sims"] == {"finding": "no_data", "label": "no data in 30 days",
                                                        "description": "Super SIMs (active) with no data in 30 days"}
    assert the_plan["rule_findings"]["allowed_status"] == {"finding": None, "label": None, "description": None}
    results = [
        batch_result([{"outcome": "changed", "before": {"status": "active"}, "after": {"status": "inactive"}, "error": None},
                      {"outcome": "failed", "before": None, "after": None,
                       "error": {"code": 20003, "status": 401, "message": "Twilio API error 20003 (HTTP 401): denied"}}],
                     {"active -> inactive": 1}),
        batch_result([{"outcome": "unchanged", "before": {"status": "suspended"}, "after": {"status": "suspended"}, "error": None}], {}),
    ]
    for applied, heading in ((True, "Changed"), (False, "Would change")):
        merged = report(the_plan, results, applied=applied, generated_at="2026-01-15T01:00:00Z")
        page = report_page(merged, "remediation", page_size=2)
        sections = dict((s["id"], s) for s in page["sections"])
        assert [s["id"] for s in page["sections"]] == ["changed", "failed", "unchanged", "skipped", "reported"]
        assert (sections["changed"]["heading"], sections["changed"]["sims"]) == (heading, 1)
        assert (sections["failed"]["sims"], sections["unchanged"]["sims"], sections["reported"]["sims"]) == (1, 1, 2)
        assert sum(s["sims"] for s in page["sections"]) == len(merged["sims"])
        assert S1 in page["tables"]["changed-table"] and S2 in page["tables"]["failed-table"]
        assert "HTTP 401" in page["tables"]["failed-table"] and W1 in page["tables"]["unchanged-table"]
        assert W3 in page["tables"]["reported-table"] and S1 not in page["tables"]["reported-table"]
        assert ("would change" in page["tables"]["changed-table"]) is not applied
        assert page["tables"]["skipped-table"] == '<p class="none" id="skipped-table">None.</p>'
        assert "no data in 30 days" in page["tables"]["policy-table"]
        assert page["csv"]["remediation-failed-table.csv"].splitlines()[1].startswith("supersim,%s," % S2)
        assert set(page["csv"]) == set("remediation-%s.csv" % t for t in page["tables"])
    with pytest.raises(AnsibleFilterError, match="kind must be one of audit, remediation"):
        report_page(merged, "compliance")
