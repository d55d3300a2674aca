# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Unit tests of the audit_summary, compliance_evaluate and compliance_junit filters."""

from __future__ import absolute_import, division, print_function

import json
import re
import time
import xml.etree.ElementTree as ET

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.simfleet.twilio.plugins.filter.audit_summary import FilterModule as AuditFilters
from ansible_collections.simfleet.twilio.plugins.filter.audit_summary import parse_time
from ansible_collections.simfleet.twilio.plugins.filter.compliance_evaluate import RULES
from ansible_collections.simfleet.twilio.plugins.filter.compliance_evaluate import FilterModule as ComplianceFilters
from ansible_collections.simfleet.twilio.plugins.filter.compliance_junit import FilterModule as JunitFilters

NOW = "2026-01-15T00:00:00Z"
NOW_EPOCH = 1768435200

audit_summary = AuditFilters().filters()["audit_summary"]
compliance_evaluate = ComplianceFilters().filters()["compliance_evaluate"]
compliance_junit = JunitFilters().filters()["compliance_junit"]


def ago(days):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(NOW_EPOCH - int(days * 86400)))


def wsim(sid, status="active", name=None, plan="WP1", updated=40, created=100):
    return {"sid": sid, "unique_name": name, "status": status, "rate_plan_sid": plan, "iccid": "89" + sid[2:],
            "date_created": ago(created), "date_updated": ago(updated), "url": "https://x/" + sid}


def ssim(sid, status="active", name=None, fleet="HF1", updated=40, created=100):
    return {"sid": sid, "unique_name": name, "status": status, "fleet_sid": fleet, "iccid": "89" + sid[2:],
            "date_created": ago(created), "date_updated": ago(updated)}


def command(sim, status="sent", direction="to_sim", days=1):
    return {"sid": "HG%s%s" % (sim, days), "sim_sid": sim, "status": status, "direction": direction,
            "date_created": ago(days), "date_updated": ago(days)}


def fleet():
    return {
        "wireless_sims": [
            wsim("DE1", name="meter-1"),
            wsim("DE2", status="suspended", name="old", updated=100),
            wsim("DE3", name=None, updated=1),
            wsim("DE4", name="no-plan", plan=None),
        ],
        "supersim_sims": [
            ssim("HS1", name="tracker-1"),
            ssim("HS2", name="flaky"),
            ssim("HS3", name="{{ 7 * 7 }}"),
            ssim("HS4", name="young", created=1, updated=1),
            ssim("HS5", status="inactive", name="parked", fleet=None, updated=60),
        ],
        "esim_profiles": [
            {"sid": "HP1", "sim_sid": "HS1", "iccid": "89S1", "eid": "E1", "status": "failed", "error_code": "8.1.1",
             "error_message": "EID mismatch", "activation_code": "LPA:1$secret", "matching_id": "secret-id",
             "date_updated": ago(3)},
            {"sid": "HP2", "sim_sid": None, "iccid": None, "eid": "E2", "status": "failed", "error_code": None,
             "error_message": None, "date_updated": ago(5)},
            {"sid": "HP3", "sim_sid": "HS2", "status": "installed", "activation_code": "LPA:1$other", "date_updated": ago(9)},
        ],
        "ip_commands": [
            command("HS1", days=1),
            command("HS2", "failed", days=1), command("HS2", "failed", days=2), command("HS2", "failed", days=3),
            command("HS2", days=4), command("HS2", days=5),
            command("HS3", "received", "from_sim", days=20),
        ],
        "sms_commands": [
            command("HS1", "received", "from_sim", days=2),
            command("HS2", "delivered", days=2),
        ],
    }


class TestParseTime:
    def test_formats(self):
        assert parse_time("2026-01-15T00:00:00Z").timestamp() == NOW_EPOCH
        assert parse_time("2026-01-15T01:00:00+01:00").timestamp() == NOW_EPOCH
        assert parse_time("Thu, 15 Jan 2026 00:00:00 +0000").timestamp() == NOW_EPOCH
        assert parse_time("2026-01-15T00:00:00").timestamp() == NOW_EPOCH
        assert parse_time(None) is None and parse_time("") is None and parse_time("garbage") is None


class TestAuditSummary:
    def test_counts(self):
        report = audit_summary(fleet(), now=NOW)
        assert report["schema_version"] == 2
        assert report["generated_at"] == NOW
        assert report["window"] == {"start": ago(7), "end": NOW}
        assert report["parameters"] == {"window_days": 7, "recent_days": 7, "no_command_statuses": ["active"],
                                        "products": ["wireless", "supersim"], "data_limit_percent": 90}
        assert report["sims"]["by_status"] == {
            "wireless": {"active": 3, "suspended": 1},
            "supersim": {"active": 4, "inactive": 1},
            "all": {"active": 7, "inactive": 1, "suspended": 1},
        }
        # statuses in lifecycle order (the endpoint table's), not by name
        assert list(report["sims"]["by_status"]["all"]) == ["active", "suspended", "inactive"]
        assert report["sims"]["status_order"][:5] == ["new", "ready", "active", "suspended", "inactive"]
        assert report["sims"]["by_rate_plan"] == {"WP1": 3, "none": 1}
        assert report["sims"]["by_fleet"] == {"HF1": 4, "none": 1}
        totals = report["totals"]
        assert (totals["sims"], totals["wireless_sims"], totals["supersim_sims"]) == (9, 4, 5)
        assert (totals["ip_commands"], totals["sms_commands"], totals["failed_commands"]) == (6, 2, 3)
        assert report["commands"]["ip"] == {"total": 6, "by_status": {"failed": 3, "sent": 3},
                                            "by_direction": {"to_sim": 6}}
        assert report["commands"]["by_status"] == {"delivered": 1, "failed": 3, "received": 1, "sent": 3}

    def test_lists(self):
        report = audit_summary(fleet(), now=NOW)
        assert report["commands"]["failed_by_sim"] == [{
            "sid": "HS2", "unique_name": "flaky", "iccid": "892", "failed_ip": 3, "failed_sms": 0, "failed": 3,
            "total": 6}]
        # no_commands: HS4 was created after the start of the window, so it cannot have been without commands in all of it
        assert [e["sid"] for e in report["no_command_sims"]] == ["HS3"]
        assert "silent_sims" not in report and "silent_sims" not in report["totals"]
        assert [e["sid"] for e in report["recently_changed"]] == ["HS4", "DE3"]
        assert report["recently_changed"][0] == {
            "product": "supersim", "sid": "HS4", "unique_name": "young", "iccid": "894", "status": "active",
            "group": "HF1", "group_name": None, "date_created": ago(1), "date_updated": ago(1)}
        assert [p["sid"] for p in report["esim_profiles"]["failed"]] == ["HP1", "HP2"]
        assert report["esim_profiles"]["failed_by_error_code"] == {"8.1.1": 1, "none": 1}
        assert report["esim_profiles"]["by_status"] == {"failed": 2, "installed": 1}

    def test_no_secret_is_copied(self):
        text = json.dumps(audit_summary(fleet(), now=NOW))
        for secret in ("LPA:1$", "secret-id", "https://x/"):
            assert secret not in text

    def test_windows_and_statuses(self):
        report = audit_summary(fleet(), now=NOW, window_days=30, recent_days=0.5, no_command_statuses=["active", "inactive"])
        assert report["totals"]["ip_commands"] == 7
        assert report["recently_changed"] == []
        assert [e["sid"] for e in report["no_command_sims"]] == ["HS5"]
        assert [f["label"] for f in report["findings"] if f["key"] == "no_command_sims"] == ["no IP or SMS command in 30 days"]

    def test_products(self):
        report = audit_summary(fleet(), now=NOW, products=["wireless"])
        assert report["totals"]["supersim_sims"] == 0 and report["totals"]["ip_commands"] == 0
        assert report["esim_profiles"]["failed"] == [] and report["no_command_sims"] == []
        with pytest.raises(AnsibleFilterError, match="products"):
            audit_summary(fleet(), products=["satellite"])
        with pytest.raises(AnsibleFilterError, match="products must name at least one of: wireless, supersim"):
            audit_summary(fleet(), products=[])

    def test_comma_separated_lists(self):
        """-e sim_audit_no_command_statuses=active gives a string: one status, not five letters."""
        as_text = audit_summary(fleet(), now=NOW, products="supersim", no_command_statuses="active,inactive")
        as_lists = audit_summary(fleet(), now=NOW, products=["supersim"], no_command_statuses=["active", "inactive"])
        assert as_text == as_lists
        assert as_text["parameters"]["no_command_statuses"] == ["active", "inactive"]
        assert [e["sid"] for e in audit_summary(fleet(), now=NOW, no_command_statuses="active")["no_command_sims"]] == ["HS3"]
        with pytest.raises(AnsibleFilterError, match="no_command_statuses must be one or more of: new, ready, active"):
            audit_summary(fleet(), now=NOW, no_command_statuses="suspended")

    def test_trend_over_earlier_reports(self):
        first = audit_summary(fleet(), now=ago(2))
        assert first["trend"]["runs"] == 1
        second = audit_summary(fleet(), now=ago(1), history=[first])
        third = audit_summary(fleet(), now=NOW, history=[second, first, {"not": "a report"}, "junk"][:3])
        assert third["trend"]["runs"] == 3
        assert [p["at"] for p in third["trend"]["points"]] == [ago(2), ago(1), NOW]
        assert third["trend"]["points"][-1]["by_status"] == {"active": 7, "suspended": 1, "inactive": 1}
        assert third["trend"]["statuses"] == ["active", "suspended", "inactive"]
        # the same run again replaces its point rather than adding one
        again = audit_summary(fleet(), now=NOW, history=[first, second, third])
        assert again["trend"]["runs"] == 3
        with pytest.raises(AnsibleFilterError, match="history must be a list of earlier audit reports"):
            audit_summary(fleet(), now=NOW, history="audit.json")

    def test_registered_results_and_missing_keys(self):
        data = fleet()
        report = audit_summary({"wireless_sims": {"changed": False, "sims": data["wireless_sims"]},
                                "ip_commands": {"skipped": True}}, now=NOW)
        assert report["totals"]["wireless_sims"] == 4 and report["totals"]["supersim_sims"] == 0

    def test_bad_input(self):
        with pytest.raises(AnsibleFilterError):
            audit_summary([])
        with pytest.raises(AnsibleFilterError):
            audit_summary({"wireless_sims": "nope"})
        with pytest.raises(AnsibleFilterError, match="now"):
            audit_summary({}, now="yesterday")
        with pytest.raises(AnsibleFilterError, match="window_days"):
            audit_summary({}, window_days=-1)
        with pytest.raises(AnsibleFilterError, match="recent_days must be more than 0"):
            audit_summary({}, recent_days=0)

    def test_default_now_is_current_time(self):
        report = audit_summary({})
        assert abs(parse_time(report["generated_at"]).timestamp() - time.time()) < 60

    def test_thousands_of_sims_are_fast(self):
        data = {
            "wireless_sims": [wsim("DE%05d" % n, name="w-%d" % n, updated=n % 30) for n in range(20000)],
            "supersim_sims": [ssim("HS%05d" % n, name="s-%d" % n) for n in range(10000)],
            "ip_commands": [command("HS%05d" % (n % 10000), "failed" if n % 7 == 0 else "sent", days=n % 10) for n in range(20000)],
            "sms_commands": [command("HS%05d" % (n % 5000), days=n % 10) for n in range(20000)],
        }
        started = time.time()
        report = audit_summary(data, now=NOW)
        compliance_evaluate(data, now=NOW)
        assert time.time() - started < 10
        assert report["totals"]["sims"] == 30000


def violations(result, rule):
    [entry] = [r for r in result["rules"] if r["id"] == rule]
    return [v["sid"] for v in entry["violations"]]


class TestComplianceEvaluate:
    def test_every_rule(self):
        data = fleet()
        data["wireless_sims"].append(wsim("DE9", status="bogus", name="odd"))
        result = compliance_evaluate(data, {"failed_command_min": 3}, now=NOW)
        assert [r["id"] for r in result["rules"]] == list(RULES)
        assert violations(result, "allowed_status") == ["DE9"]
        assert violations(result, "suspended_too_long") == ["HS5", "DE2"]
        assert violations(result, "active_without_unique_name") == ["DE3"]
        assert violations(result, "active_without_rate_plan") == ["DE4"]
        assert violations(result, "esim_profile_failed") == ["HP2", "HS1"]
        assert violations(result, "failed_command_ratio") == ["HS2"]
        assert violations(result, "silent_sims") == ["HS3"]  # HS4 is younger than silent_days
        assert result["passed"] is False
        assert result["summary"]["failed"] == 7
        assert result["summary"]["message"].startswith("Fleet compliance: 7 of 7 rules violated by 9 SIMs: ")
        [ratio] = [r for r in result["rules"] if r["id"] == "failed_command_ratio"]
        assert ratio["violations"][0]["detail"] == "3 of 6 commands failed (50%)"
        [esim] = [r for r in result["rules"] if r["id"] == "esim_profile_failed"]
        assert esim["violations"][0]["product"] == "esim_profile"
        assert "LPA" not in json.dumps(result)

    def test_default_policy_thresholds(self):
        result = compliance_evaluate(fleet(), now=NOW)
        assert violations(result, "failed_command_ratio") == ["HS2"]  # 6 commands sent >= 5, 50% > 20%
        assert result["policy"]["suspended_max_days"] == 30
        assert result["policy"]["rules"] == dict((rule, True) for rule in RULES)
        strict = compliance_evaluate(fleet(), {"failed_command_min": 7, "suspended_max_days": 70}, now=NOW)
        assert violations(strict, "failed_command_ratio") == []
        assert violations(strict, "suspended_too_long") == ["DE2"]

    def test_disabled_rules_and_exemptions(self):
        rules = dict((rule, False) for rule in RULES)
        result = compliance_evaluate(fleet(), {"rules": rules}, now=NOW)
        assert result["passed"] is True and result["summary"]["enabled"] == 0
        assert result["summary"]["message"] == "Fleet compliance: all 0 enabled rules passed"
        exempt = compliance_evaluate(fleet(), {"exempt_sims": ["old", "895", "HS1", "HP2", "HS3", "DE3", "DE4"]}, now=NOW)
        assert violations(exempt, "suspended_too_long") == []
        assert violations(exempt, "esim_profile_failed") == []
        assert violations(exempt, "silent_sims") == []
        assert exempt["summary"]["failed_rules"] == ["failed_command_ratio"]

    def test_clean_fleet_passes(self):
        data = {"wireless_sims": [wsim("DE1", name="m")], "supersim_sims": [ssim("HS1", name="t")],
                "ip_commands": [command("HS1")]}
        result = compliance_evaluate(data, {}, now=NOW)
        assert result["passed"] is True
        assert all(r["passed"] and r["violations"] == [] for r in result["rules"])

    def test_policy_validation(self):
        for policy, message in (
            ({"colour": "red"}, "unknown policy keys"),
            ({"rules": {"nope": True}}, "unknown rules"),
            ({"failed_command_ratio": 2}, "between 0 and 1"),
            ({"failed_command_min": 0}, "failed_command_min"),
            ({"silent_days": "x"}, "silent_days"),
            ({"products": ["x"]}, "products"),
            ({"products": []}, "policy products must name at least one of: wireless, supersim"),
            ({"exempt_sims": {"DE1": True}}, "exempt_sims"),
            ({"allowed_statuses": {"satellite": []}}, "allowed_statuses"),
            ({"allowed_statuses": {"wireless": ["inactive"]}}, "policy allowed_statuses.wireless must be one or more of"),
            ({"suspended_statuses": "suspnded"}, "policy suspended_statuses must be one or more of"),
            ({"silent_statuses": ["suspended"]}, "policy silent_statuses must be one or more of"),
            ({"silent_days": 0}, "policy silent_days must be more than 0"),
            ({"command_window_days": -1}, "policy command_window_days must be more than 0"),
            ({"failed_command_min": 2.5}, "policy failed_command_min must be a whole number"),
            ({"rules": {"silent_sims": "sometimes"}}, "policy rules.silent_sims must be true or false"),
            ("strict", "policy must be a dictionary"),
        ):
            with pytest.raises(AnsibleFilterError, match=re.escape(message)):
                compliance_evaluate({}, policy)

    def test_comma_separated_policy_lists(self):
        as_lists = compliance_evaluate(fleet(), {"exempt_sims": ["old", "HS3"], "products": ["supersim"],
                                                 "silent_statuses": ["active", "inactive"],
                                                 "rules": {"silent_sims": False}}, now=NOW)
        as_text = compliance_evaluate(fleet(), {"exempt_sims": "old,HS3", "products": "supersim",
                                                "silent_statuses": "active, inactive",
                                                "rules": {"silent_sims": "false"}}, now=NOW)
        assert as_text == as_lists
        assert as_text["policy"]["exempt_sims"] == ["old", "HS3"] and as_text["policy"]["products"] == ["supersim"]
        assert as_text["policy"]["rules"]["silent_sims"] is False

    def test_partial_allowed_statuses(self):
        result = compliance_evaluate(fleet(), {"allowed_statuses": {"wireless": ["active"]}}, now=NOW)
        assert violations(result, "allowed_status") == ["DE2"]
        assert "inactive" in result["policy"]["allowed_statuses"]["supersim"]


class TestComplianceJunit:
    def test_valid_xml_with_hostile_names(self):
        data = fleet()
        data["wireless_sims"].append(wsim("DE8", name='<a href="x">&amp;</a> ]]> \x01\x1b {{ 7 * 7 }}', plan=None))
        result = compliance_evaluate(data, {"rules": {"silent_sims": False}}, now=NOW)
        xml = compliance_junit(result)
        assert xml.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
        root = ET.fromstring(xml.encode("utf-8"))
        suite = root.find("testsuite")
        assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == (str(len(RULES)), "5", "3")
        cases = dict((c.get("name"), c) for c in suite.findall("testcase"))
        assert sorted(cases) == sorted(RULES)
        assert cases["silent_sims"].find("skipped") is not None
        assert cases["allowed_status"].find("failure") is None
        failure = cases["active_without_rate_plan"].find("failure")
        assert failure.get("message").startswith("2 SIMs: ")
        lines = failure.text.splitlines()
        assert lines[0].startswith("DE4 name=no-plan iccid=894 [wireless]")
        assert lines[1] == 'DE8 name=<a href="x">&amp;</a> ]]>  {{ 7 * 7 }} iccid=898 [wireless] - active without a rate plan'

    def test_suite_name_and_errors(self):
        root = ET.fromstring(compliance_junit(compliance_evaluate({}, now=NOW), suite_name="fleet & co").encode("utf-8"))
        assert root.get("name") == "fleet & co" and root.find("testsuite").get("failures") == "0"
        with pytest.raises(AnsibleFilterError):
            compliance_junit({"nope": 1})
