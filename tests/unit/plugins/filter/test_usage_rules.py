# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Unit tests of the compliance rule table, the usage rules, the usage part of the audit summary and the usage
aggregation helpers."""

from __future__ import absolute_import, division, print_function

import json

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.simfleet.twilio.plugins.filter import compliance_evaluate as ce
from ansible_collections.simfleet.twilio.plugins.filter.audit_summary import summarize
from ansible_collections.simfleet.twilio.plugins.filter.role_arguments import ROLES, check_role_arguments
from ansible_collections.simfleet.twilio.plugins.plugin_utils import _fleet

from test_fleet_reports import NOW, ago, command, fleet, ssim, wsim

MB = 1000000


def supersim_usage(sid, upload, download, total=None):
    """A Super SIM usage record grouped by SIM, as Twilio returns it."""
    return {"account_sid": "AC1", "sim_sid": sid, "fleet_sid": None, "network_sid": None, "iso_country": None,
            "period": {"start_time": ago(30), "end_time": NOW}, "data_upload": upload, "data_download": download,
            "data_total": upload + download if total is None else total, "billed_unit": "USD"}


def wireless_usage(sid, upload, download):
    """A Programmable Wireless usage record (one SIM, or the account when sid is None)."""
    record = {"account_sid": "AC1", "period": {"start": ago(30), "end": NOW},
              "data": {"upload": upload, "download": download, "total": upload + download, "units": "bytes"},
              "commands": {"total": 0}}
    if sid:
        record["sim_sid"] = sid
    return record


def usage_fleet():
    """Super SIMs in two fleets, one with a 100 MB limit, and their usage over the last 30 days."""
    data = fleet()
    data["supersim_sims"] += [
        ssim("HS6", name="quiet", fleet="HF2"),                      # active, no data
        ssim("HS7", name="heavy", fleet="HF2"),                      # 95 MB of 100
        ssim("HS8", name="over", fleet="HF2", status="inactive"),    # 150 MB of 100, inactive
        ssim("HS9", name="fresh", fleet="HF2", created=3, updated=3),  # active, no data, too young
        ssim("HSa", name="nolimit", fleet="HF1"),                    # 5 GB, fleet without a limit
    ]
    data["fleets"] = [{"sid": "HF1", "unique_name": "free", "data_limit": None, "data_enabled": True},
                      {"sid": "HF2", "unique_name": "metered", "data_limit": 100, "data_enabled": True}]
    data["rate_plans"] = [{"sid": "WP1", "unique_name": "iot-standard", "data_limit": 1000}]
    data["usage"] = [
        supersim_usage("HS1", 1000, 2000), supersim_usage("HS2", 10, 10), supersim_usage("HS3", 5, 5),
        supersim_usage("HS4", 1, 0), supersim_usage("HS7", 15 * MB, 80 * MB),
        supersim_usage("HS8", 50 * MB, 60 * MB), supersim_usage("HS8", 20 * MB, 20 * MB),  # two records, summed
        supersim_usage("HSa", 1000 * MB, 4000 * MB),
        supersim_usage("HS6", 0, 0),
    ]
    return data


def found(result, rule):
    [entry] = [r for r in result["rules"] if r["id"] == rule]
    return [v["sid"] for v in entry["violations"]]


def rule_entry(result, rule):
    [entry] = [r for r in result["rules"] if r["id"] == rule]
    return entry


class TestRuleTable:
    def test_one_entry_per_rule(self):
        names = [rule.name for rule in ce.RULE_TABLE]
        assert len(set(names)) == len(names) and tuple(names) == ce.RULES
        assert len(set(rule.check for rule in ce.RULE_TABLE)) == len(names)
        for rule in ce.RULE_TABLE:
            assert rule.check.__name__ == "check_" + rule.name
            assert set(rule.products) <= set(_fleet.PRODUCTS) and rule.products
            assert set(rule.policy_keys) <= set(ce.DEFAULT_POLICY), rule.name
            assert rule.describe(dict(ce.normalize_policy({}), _silent_by="usage"))

    def test_every_policy_key_is_read_by_a_rule_or_applies_to_all(self):
        used = set(key for rule in ce.RULE_TABLE for key in rule.policy_keys)
        assert set(ce.DEFAULT_POLICY) - used == {"rules", "products", "exempt_sims"}
        assert set(_fleet.POLICY_OPTIONS) | {"rules", "allowed_statuses"} == set(ce.DEFAULT_POLICY)

    def test_the_role_has_a_switch_for_every_rule_and_a_variable_for_every_key(self):
        variables = ROLES["sim_compliance"]
        for rule in ce.RULES:
            assert "rule_" + rule in variables
        for key in set(ce.DEFAULT_POLICY) - {"rules", "allowed_statuses"}:
            assert key in variables, key
        assert check_role_arguments({"rule_over_data_limit": "no", "silent_by": "commands", "usage_window_days": "31",
                                     "data_limit_percent": "80"}, "sim_compliance") == {
            "rule_over_data_limit": False, "silent_by": "commands", "usage_window_days": 31, "data_limit_percent": 80}

    @pytest.mark.parametrize("key, policies, rule, before, after", [
        ("allowed_statuses", ({}, {"allowed_statuses": {"supersim": ["active"]}}), "allowed_status", [], ["HS5", "HS8"]),
        ("suspended_statuses", ({}, {"suspended_statuses": ["suspended"]}), "suspended_too_long", ["HS5", "HS8", "DE2"],
         ["DE2"]),
        ("suspended_max_days", ({}, {"suspended_max_days": 50}), "suspended_too_long", ["HS5", "HS8", "DE2"], ["HS5", "DE2"]),
        ("failed_command_ratio", ({}, {"failed_command_ratio": 0.6}), "failed_command_ratio", ["HS2"], []),
        ("failed_command_min", ({}, {"failed_command_min": 7}), "failed_command_ratio", ["HS2"], []),
        ("command_window_days", ({}, {"command_window_days": 2.5}), "failed_command_ratio", ["HS2"], []),
        ("silent_days", ({"silent_by": "commands"}, {"silent_by": "commands", "silent_days": 30}), "silent_sims",
         ["HS3", "HS6", "HS7", "HSa"], ["HS6", "HS7", "HSa"]),
        ("silent_statuses", ({}, {"silent_statuses": ["active", "inactive"]}), "silent_sims", ["HS6"], ["HS5", "HS6"]),
        ("silent_by", ({}, {"silent_by": "commands"}), "silent_sims", ["HS6"], ["HS3", "HS6", "HS7", "HSa"]),
        ("usage_window_days", ({"rules": {"silent_sims": False}}, {"rules": {"silent_sims": False}, "usage_window_days": 2}),
         "zero_usage_active", ["HS6"], ["HS6", "HS9"]),
        # zero_usage_active leaves the SIMs silent_sims reports by usage (the same finding) to it
        ("silent_statuses", ({}, {"silent_statuses": ["inactive"]}), "zero_usage_active", [], ["HS6"]),
        ("silent_by", ({}, {"silent_by": "commands"}), "zero_usage_active", [], ["HS6"]),
        ("data_limit_percent", ({}, {"data_limit_percent": 120}), "over_data_limit", ["HS7", "HS8"], ["HS8"]),
    ])
    def test_every_policy_key(self, key, policies, rule, before, after):
        data = usage_fleet()
        first = ce.evaluate(data, policies[0], now=NOW)
        second = ce.evaluate(data, policies[1], now=NOW)
        assert sorted(found(first, rule)) == sorted(before)
        assert sorted(found(second, rule)) == sorted(after)
        assert key in [r for r in ce.RULE_TABLE if r.name == rule][0].policy_keys

    def test_rules_switch_off_one_by_one(self):
        data = usage_fleet()
        for rule in ce.RULES:
            result = ce.evaluate(data, {"rules": {rule: False}}, now=NOW)
            entry = rule_entry(result, rule)
            assert (entry["enabled"], entry["violations"], entry["passed"]) == (False, [], True)
            assert all(r["enabled"] for r in result["rules"] if r["id"] != rule)

    def test_products_of_each_rule(self):
        data = usage_fleet()
        wireless_only = ce.evaluate(data, {"products": ["wireless"]}, now=NOW)
        for rule in ce.RULE_TABLE:
            if rule.products == ("supersim",):
                assert found(wireless_only, rule.name) == [], rule.name
        assert found(wireless_only, "active_without_rate_plan") == ["DE4"]


class TestUsageRules:
    def test_zero_usage_over_limit_and_silent_by_usage(self):
        result = ce.evaluate(usage_fleet(), now=NOW)
        # HS6 has no data: silent_sims (by usage) reports it, and zero_usage_active (the same finding) does not count it again
        assert found(result, "silent_sims") == ["HS6"]
        assert found(result, "zero_usage_active") == []
        alone = ce.evaluate(usage_fleet(), {"rules": {"silent_sims": False}}, now=NOW)
        assert found(alone, "zero_usage_active") == ["HS6"]  # HS9 is younger than the window, HS8 is not active
        assert found(result, "over_data_limit") == ["HS7", "HS8"]  # HSa's fleet has no limit
        assert result["usage"] == {"given": True, "silent_by": "usage", "window": {"start": ago(30), "end": NOW}}
        [over] = [v for v in rule_entry(result, "over_data_limit")["violations"] if v["sid"] == "HS8"]
        assert over["detail"] == "150.0 MB since %s, 150%% of the data limit of 100 MB of fleet metered" % ago(30)
        assert set(over) == {"product", "sid", "unique_name", "iccid", "status", "detail"}
        assert rule_entry(result, "silent_sims")["description"] == "Super SIMs (active) with no data in 30 days"
        assert (rule_entry(result, "silent_sims")["finding"], rule_entry(result, "silent_sims")["label"],
                rule_entry(result, "silent_sims")["window_days"]) == ("no_data", "no data in 30 days", 30)
        assert rule_entry(result, "zero_usage_active")["description"] == \
            "Active Super SIMs with no data in 30 days (those silent_sims reports are counted there only)"
        assert rule_entry(alone, "zero_usage_active")["description"] == "Active Super SIMs with no data in 30 days"
        assert [v["detail"] for v in rule_entry(alone, "zero_usage_active")["violations"]] == [
            "active, no data in 30 days (%s to %s)" % (ago(30), NOW)]
        by_commands = ce.evaluate(usage_fleet(), {"silent_by": "commands"}, now=NOW)
        assert (rule_entry(by_commands, "silent_sims")["finding"], rule_entry(by_commands, "silent_sims")["label"]) == \
            ("no_commands", "no IP or SMS command in 7 days")
        assert rule_entry(by_commands, "silent_sims")["description"] == \
            "Super SIMs (active) with no IP or SMS command in 7 days"
        # a SIM breaking several rules is counted once in violating_sims, and the message says the counts overlap
        summary = by_commands["summary"]
        assert summary["violations"] == sum(r["violation_count"] for r in by_commands["rules"])
        assert summary["violating_sims"] == len(set((v["product"], v["sid"]) for r in by_commands["rules"] for v in r["violations"]))
        several = [sid for sid in ("HS6", "HS7") if sum(sid in found(by_commands, r) for r in ce.RULES) > 1]
        assert summary["sims_in_several_rules"] >= len(several) == 2
        assert "SIMs break more than one rule, so the rule counts add up to more than %d" % summary["violating_sims"] \
            in summary["message"]
        assert rule_entry(result, "over_data_limit")["description"] == \
            "Super SIMs whose data in the last 30 days is above 90% of their fleet's data limit"

    def test_without_usage_data_the_usage_rules_are_not_evaluated(self):
        data = usage_fleet()
        del data["usage"]
        result = ce.evaluate(data, now=NOW)
        for rule in ("zero_usage_active", "over_data_limit"):
            entry = rule_entry(result, rule)
            assert (entry["enabled"], entry["passed"], entry["violations"]) == (False, True, [])
            assert entry["description"].endswith("(not evaluated: no usage data)")
        assert result["policy"]["rules"]["zero_usage_active"] is True
        assert found(result, "silent_sims") == ["HS3", "HS6", "HS7", "HSa"]  # by commands
        assert result["usage"] == {"given": False, "silent_by": "commands", "window": None}
        assert result["summary"]["enabled"] == len(ce.RULES) - 2
        with_empty = ce.evaluate(dict(data, usage=[]), now=NOW)  # listed, and nobody used data
        assert found(with_empty, "silent_sims") == ["HS1", "HS2", "HS3", "HS6", "HS7", "HSa"]
        assert found(with_empty, "zero_usage_active") == []  # the same SIMs, counted under silent_sims only
        with_empty = ce.evaluate(dict(data, usage=[]), {"rules": {"silent_sims": False}}, now=NOW)
        assert found(with_empty, "zero_usage_active") == ["HS1", "HS2", "HS3", "HS6", "HS7", "HSa"]

    def test_silent_by_usage_without_usage_data_is_not_evaluated(self):
        data = usage_fleet()
        del data["usage"]
        result = ce.evaluate(data, {"silent_by": "usage"}, now=NOW)
        entry = rule_entry(result, "silent_sims")
        assert (entry["enabled"], entry["violations"]) == (False, [])
        assert entry["description"] == "Super SIMs (active) with no data in 30 days (not evaluated: no usage data)"

    def test_exemptions_apply_to_usage_rules(self):
        result = ce.evaluate(usage_fleet(), {"exempt_sims": ["quiet", "89" + "8"]}, now=NOW)  # by name and by ICCID
        assert found(result, "zero_usage_active") == [] and found(result, "silent_sims") == []
        assert found(result, "over_data_limit") == ["HS7"]

    def test_registered_result_as_usage(self):
        data = usage_fleet()
        data["usage"] = {"changed": False, "usage_records": data["usage"]}
        data["fleets"] = {"changed": False, "fleets": data["fleets"]}
        assert found(ce.evaluate(data, now=NOW), "over_data_limit") == ["HS7", "HS8"]

    @pytest.mark.parametrize("policy, message", [
        ({"silent_by": "data"}, "policy silent_by must be one of: usage, commands"),
        ({"usage_window_days": 32}, "policy usage_window_days must be at most 31 days"),
        ({"usage_window_days": 0}, "policy usage_window_days must be more than 0"),
        ({"data_limit_percent": 0}, "policy data_limit_percent must be more than 0"),
        ({"data_limit_percent": "lots"}, "policy data_limit_percent must be a number"),
        ({"rules": {"over_data_limit": "maybe"}}, "policy rules.over_data_limit must be true or false"),
    ])
    def test_bad_usage_policy_values(self, policy, message):
        with pytest.raises(AnsibleFilterError, match=message):
            ce.evaluate(usage_fleet(), policy, now=NOW)


class TestUsageHelpers:
    def test_record_usage_of_both_products(self):
        assert _fleet.record_usage(supersim_usage("HS1", 3, 4)) == _fleet.DataUsage(3, 4, 7)
        assert _fleet.record_usage(wireless_usage("DE1", 5, 6)) == _fleet.DataUsage(5, 6, 11)
        assert _fleet.record_usage({"data_upload": 1, "data_download": 2}) == _fleet.DataUsage(1, 2, 3)
        assert _fleet.record_usage({"data_upload": None, "data_download": "x", "data_total": True}) == _fleet.DataUsage()
        assert _fleet.record_usage({"data_upload": "12", "data_download": -5, "data_total": 12.0}) == _fleet.DataUsage(12, 0, 12)

    def test_usage_by_sim_and_total(self):
        records = [supersim_usage("HS1", 1, 2), supersim_usage("HS1", 10, 20), wireless_usage("DE1", 5, 5),
                   wireless_usage(None, 100, 100), supersim_usage(None, 7, 7)]
        assert _fleet.usage_by_sim(records) == {"HS1": _fleet.DataUsage(11, 22, 33), "DE1": _fleet.DataUsage(5, 5, 10)}
        assert _fleet.usage_total(records) == _fleet.DataUsage(123, 134, 257)
        assert (_fleet.DataUsage(1, 2, 3) + _fleet.DataUsage(4, 5, 9)).as_dict() == {"upload": 5, "download": 7, "total": 12}
        assert _fleet.megabytes(1234567) == 1.23

    def test_usage_days_percent_and_silent_by_checks(self):
        assert _fleet.usage_days("31", "x") == 31 and _fleet.usage_days(0.5, "x") == 0.5
        assert _fleet.percent(90.0, "x") == 90 and _fleet.silent_by(None, "x") == ""
        with pytest.raises(AnsibleFilterError, match="x must be at most 31 days"):
            _fleet.usage_days(31.5, "x")


class TestAuditUsage:
    def test_usage_section(self):
        data = usage_fleet()
        data["wireless_usage"] = [wireless_usage(None, 700, 300)]
        data["usage"].append(wireless_usage("DE1", 40, 60))
        data["wireless_usage_sims"] = ["DE1", "DE3"]
        report = summarize(data, now=NOW, window_days=45)
        usage = report["usage"]
        assert usage["window"] == {"start": ago(31), "end": NOW, "days": 31}  # clamped to 31 days
        # Fleet figures: every Super SIM (complete); the wireless SIMs read one by one are a sample, kept apart.
        assert [(e["sid"], e["total"]) for e in usage["top_talkers"]] == [
            ("HSa", 5000 * MB), ("HS8", 150 * MB), ("HS7", 95 * MB), ("HS1", 3000), ("HS2", 20), ("HS3", 10), ("HS4", 1)]
        assert usage["top_talkers"][0]["group_name"] == "free"
        # HS9 is too young; DE3 (listed one by one, active, no data) is in the sample only
        assert [(e["product"], e["sid"]) for e in usage["no_data"]] == [("supersim", "HS6")]
        supersim_total = 5000 * MB + 245 * MB + 3000 + 20 + 10 + 1
        assert usage["supersim"] == {"upload": usage["supersim"]["upload"], "download": usage["supersim"]["download"],
                                     "total": supersim_total, "sims": 10, "sims_with_data": 7, "no_data_sims": 1,
                                     "coverage": "every Super SIM"}
        sample = usage["wireless"].pop("sample")
        assert usage["wireless"] == {"account": {"upload": 700, "download": 300, "total": 1000}, "per_sim": True,
                                     "coverage": "the account total (no per-SIM listing)", "sims_listed": 2, "active_sims": 3}
        assert (sample["sims"], sample["of_active_sims"], sample["sims_with_data"], sample["total"]) == (2, 3, 1, 100)
        assert [e["sid"] for e in sample["top_talkers"]] == ["DE1"] and [e["sid"] for e in sample["no_data"]] == ["DE3"]
        assert sample["chosen"] == "the first 2 active SIMs by SID"
        # both products, each labelled, and their sum; the sample is not in it
        assert usage["all_products"] == {"upload": usage["supersim"]["upload"] + 700,
                                         "download": usage["supersim"]["download"] + 300,
                                         "total": supersim_total + 1000, "products": ["supersim", "wireless"]}
        assert report["charts"]["data_by_product_mb"] == [{"key": "Programmable Wireless", "value": 0.0},
                                                          {"key": "Super SIM", "value": round(supersim_total / 1e6, 2)}]
        assert report["charts"]["wireless_sample_top_talkers_mb"] == [{"key": "meter-1", "value": 0.0}]
        metered = [f for f in usage["fleets"] if f["unique_name"] == "metered"][0]
        assert (metered["sims"], metered["sims_with_data"], metered["total"], metered["data_limit"]) == (4, 2, 245 * MB, 100)
        assert (metered["largest_limit_percent"], metered["average_limit_percent"]) == (150.0, 61.2)
        assert [e["sid"] for e in metered["sims_over_limit_percent"]] == ["HS8", "HS7"]
        free = [f for f in usage["fleets"] if f["unique_name"] == "free"][0]
        assert free["data_limit"] is None and free["largest_limit_percent"] is None and free["sims_over_limit_percent"] == []
        totals = report["totals"]
        assert (totals["supersim_sims_with_data"], totals["no_data_sims"], totals["sims_over_data_limit_percent"]) == (7, 1, 2)
        assert (totals["wireless_sample_sims"], totals["wireless_sample_no_data_sims"]) == (2, 1)
        assert (totals["data_total"], totals["supersim_data_total"], totals["wireless_data_total"]) == (
            supersim_total + 1000, supersim_total, 1000)
        findings = dict((f["key"], f) for f in report["findings"])
        assert (findings["no_data_sims"]["label"], findings["no_data_sims"]["count"]) == ("no data in 31 days", 1)
        assert findings["wireless_sample_no_data_sims"]["scope"] == "a sample: 2 of 3 active Programmable Wireless SIMs"
        assert findings["no_command_sims"]["label"] == "no IP or SMS command in 45 days"
        assert findings["no_data_sims"]["name"] != findings["no_command_sims"]["name"]
        assert report["sims"]["by_fleet_name"] == {"free": 4 + 1, "metered": 4, "none": 1}
        assert report["sims"]["by_rate_plan_name"] == {"iot-standard": 3, "none": 1}
        assert report["charts"]["fleet_largest_limit_percent"] == [{"key": "metered", "value": 150.0}]
        assert report["charts"]["top_talkers_mb"][0] == {"key": "nolimit", "value": 5000.0}
        json.dumps(report)

    def test_no_usage_section_without_usage_data(self):
        data = usage_fleet()
        del data["usage"]
        report = summarize(data, now=NOW)
        assert report["usage"] is None and "data_total" not in report["totals"] and report["charts"] == {}
        assert "no_data_sims" not in [f["key"] for f in report["findings"]]
        assert report["sims"]["by_fleet_name"]["metered"] == 4

    def test_without_per_sim_wireless_usage(self):
        data = usage_fleet()
        data["wireless_usage"] = [wireless_usage(None, 700, 300)]
        report = summarize(data, now=NOW)
        assert report["usage"]["wireless"]["sample"] is None and report["usage"]["wireless"]["per_sim"] is False
        assert report["totals"]["wireless_sample_no_data_sims"] is None
        assert all(e["product"] == "supersim" for e in report["usage"]["top_talkers"] + report["usage"]["no_data"])
        only_wireless = summarize(data, now=NOW, products=["wireless"])
        assert only_wireless["usage"]["supersim"] is None and only_wireless["totals"]["no_data_sims"] is None
        assert only_wireless["usage"]["all_products"] == {"upload": 700, "download": 300, "total": 1000, "products": ["wireless"]}

    def test_data_limit_percent(self):
        report = summarize(usage_fleet(), now=NOW, window_days=30, data_limit_percent=120)
        assert report["totals"]["sims_over_data_limit_percent"] == 1
        with pytest.raises(AnsibleFilterError, match="data_limit_percent must be more than 0"):
            summarize(usage_fleet(), now=NOW, data_limit_percent=0)


def test_fixtures_are_what_the_tests_think():
    data = usage_fleet()
    assert [s["sid"] for s in data["wireless_sims"]] == ["DE1", "DE2", "DE3", "DE4"]
    assert wsim("DE9")["rate_plan_sid"] == "WP1" and command("HS1")["sim_sid"] == "HS1"
