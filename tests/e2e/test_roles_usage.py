# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""End-to-end tests of data usage in the sim_audit and sim_compliance roles: real ``ansible-playbook`` runs of
``playbooks/audit.yml`` and ``playbooks/compliance.yml`` against the simulator, every figure compared with the
simulator's truth (its usage profiles through ``Simulator.usage_between``, its fleets and rate plans).

- ``demo``: both playbooks on the demo fleet (``tests/demo.sh``: seed 42, 3000 wireless SIMs, 1500 Super SIMs), the
  audit with Programmable Wireless usage per SIM for a bounded number of SIMs, the compliance check report-only.
- ``budget_off`` and ``budget_on``: the audit of 5,000 Super SIMs without and with usage: the second costs
  ceil(Super SIMs with data / 1000) more requests, nothing else.
"""

import datetime
import html.parser
import math
import os

import pytest


from simulator import Simulator  # noqa: E402
from test_roles import Run, env_credentials  # noqa: E402

MB = 1000000
WIRELESS_MAX_SIMS = 5
BUDGET_SUPER_SIMS = 5000


def parse(value):
    return datetime.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)


def iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(scope="module")
def usage_runs(tmp_path_factory):
    """Start the runs of this module together and wait for them."""
    demo = Simulator(seed=42, wireless_sims=3000, super_sims=1500).start()
    big = Simulator(seed=7, wireless_sims=0, super_sims=BUDGET_SUPER_SIMS).start()
    started = {}
    try:
        base = tmp_path_factory.mktemp("roles_usage")

        def start(name, playbooks, extra_vars, sim):
            workdir = os.path.join(str(base), name)
            os.makedirs(workdir)
            reports = os.path.join(workdir, "reports")
            extra_vars = dict(extra_vars, sim_audit_output_dir=reports, sim_compliance_output_dir=reports,
                              sim_audit_now=sim.now_iso, sim_compliance_now=sim.now_iso)
            started[name] = Run(name, workdir, playbooks, extra_vars, env_credentials(sim))

        start("demo", ["audit.yml", "compliance.yml"], {
            "sim_audit_window_days": 14, "sim_audit_wireless_usage_per_sim": True,
            "sim_audit_wireless_usage_max_sims": WIRELESS_MAX_SIMS, "sim_compliance_report_only": True}, demo)
        big.reset_stats()
        start("budget_off", ["audit.yml"], {"sim_audit_products": ["supersim"], "sim_audit_usage": False}, big)
        started["budget_off"].wait(timeout=900)
        off_stats = big.stats()
        big.reset_stats()
        start("budget_on", ["audit.yml"], {"sim_audit_products": ["supersim"]}, big)
        for run in started.values():
            run.wait(timeout=900)
        yield {"runs": started, "demo": demo, "big": big, "off_stats": off_stats, "on_stats": big.stats()}
    finally:
        for run in started.values():
            run.stop()
        demo.stop()
        big.stop()


def window(report, days):
    end = parse(report["generated_at"])
    return end - datetime.timedelta(days=days), end


def supersim_usage(sim, start, end):
    return dict((s["sid"], sim.usage_between(s["sid"], iso(start), iso(end))) for s in sim.truth["supersim_sims"])


def test_demo_audit_usage_equals_truth(usage_runs):
    run, sim = usage_runs["runs"]["demo"], usage_runs["demo"]
    report = run.json("audit.json")
    truth = sim.truth
    usage = report["usage"]
    start, end = window(report, 14)
    assert usage["window"] == {"start": iso(start), "end": iso(end), "days": 14}
    used = supersim_usage(sim, start, end)
    created = dict((s["sid"], parse(s["date_created"])) for s in truth["supersim_sims"] + truth["wireless_sims"])
    statuses = dict((s["sid"], s["status"]) for s in truth["supersim_sims"] + truth["wireless_sims"])

    def no_data(usage_of):
        return set(sid for sid, u in usage_of.items()
                   if u["total"] == 0 and statuses[sid] == "active" and created[sid] <= start)
    supersim_no_data = no_data(used)
    assert supersim_no_data, "the demo fleet has active Super SIMs without data"
    assert usage["supersim"] == {
        "sims": len(truth["supersim_sims"]), "sims_with_data": sum(1 for u in used.values() if u["total"] > 0),
        "no_data_sims": len(supersim_no_data), "coverage": "every Super SIM",
        "upload": sum(u["upload"] for u in used.values()), "download": sum(u["download"] for u in used.values()),
        "total": sum(u["total"] for u in used.values())}

    # Programmable Wireless: the account total (every wireless SIM), and a sample of the first active SIMs by SID.
    wireless = dict((s["sid"], sim.usage_between(s["sid"], iso(start), iso(end))) for s in truth["wireless_sims"])
    account = dict((k, sum(u[k] for u in wireless.values())) for k in ("upload", "download", "total"))
    assert usage["wireless"]["account"] == account
    active_wireless = sorted(s["sid"] for s in truth["wireless_sims"] if s["status"] == "active")
    listed = active_wireless[:WIRELESS_MAX_SIMS]
    assert (usage["wireless"]["sims_listed"], usage["wireless"]["active_sims"]) == (len(listed), len(active_wireless))

    # Both products, each labelled, and their sum: the sample is in no fleet figure.
    assert usage["all_products"] == {"products": ["supersim", "wireless"],
                                     "upload": usage["supersim"]["upload"] + account["upload"],
                                     "download": usage["supersim"]["download"] + account["download"],
                                     "total": usage["supersim"]["total"] + account["total"]}
    totals = report["totals"]
    assert (totals["data_total"], totals["wireless_data_total"], totals["supersim_data_total"]) == (
        usage["supersim"]["total"] + account["total"], account["total"], usage["supersim"]["total"])
    assert (totals["supersim_sims_with_data"], totals["no_data_sims"]) == (usage["supersim"]["sims_with_data"], len(supersim_no_data))

    # Top talkers: every Super SIM with data, most data first, with its bytes; no wireless SIM among them.
    expected = sorted(((sid, u["total"]) for sid, u in used.items() if u["total"] > 0), key=lambda e: (-e[1], e[0]))
    assert [(e["sid"], e["total"]) for e in usage["top_talkers"]] == expected
    assert all(e["upload"] == used[e["sid"]]["upload"] and e["download"] == used[e["sid"]]["download"]
               for e in usage["top_talkers"])
    # Active Super SIMs without data, created before the window.
    assert set(e["sid"] for e in usage["no_data"]) == supersim_no_data
    assert all(e["product"] == "supersim" for e in usage["no_data"] + usage["top_talkers"])

    # The sample: the wireless SIMs read one by one, apart and labelled.
    sample = usage["wireless"]["sample"]
    sampled = dict((sid, wireless[sid]) for sid in listed)
    assert (sample["sims"], sample["of_active_sims"]) == (len(listed), len(active_wireless))
    assert [(e["sid"], e["total"]) for e in sample["top_talkers"]] == sorted(
        ((sid, u["total"]) for sid, u in sampled.items() if u["total"] > 0), key=lambda e: (-e[1], e[0]))
    assert sample["top_talkers"], "a wireless SIM read one by one used data"
    assert set(e["sid"] for e in sample["no_data"]) == no_data(sampled)
    assert sample["total"] == sum(u["total"] for u in sampled.values())
    assert totals["wireless_sample_sims"] == len(listed) and totals["wireless_sample_no_data_sims"] == len(no_data(sampled))

    # Requests: one per wireless SIM read one by one, one account total, one Super SIM listing page per 1000 SIMs with
    # data for the audit (14 days) and for the compliance check (30 days).
    by_path = sim.stats()["by_path"]
    assert sum(n for path, n in by_path.items() if path.startswith("/wireless/v1/Sims/") and path.endswith("/UsageRecords")) \
        == len(listed)
    assert by_path["/wireless/v1/UsageRecords"] == 1
    compliance_start = end - datetime.timedelta(days=30)
    with_data_30 = sum(1 for s in truth["supersim_sims"]
                       if sim.usage_between(s["sid"], iso(compliance_start), iso(end))["total"] > 0)
    assert by_path["/supersim/v1/UsageRecords"] == \
        math.ceil(usage["supersim"]["sims_with_data"] / 1000.0) + math.ceil(with_data_30 / 1000.0)

    # Each fleet's data limit against its SIMs' usage, by unique name.
    fleets = dict((f["sid"], f) for f in truth["fleets"])
    assert [f["unique_name"] for f in usage["fleets"]] == sorted(f["unique_name"] for f in fleets.values())
    over_total = 0
    for entry in usage["fleets"]:
        fleet = fleets[entry["sid"]]
        members = [s["sid"] for s in truth["supersim_sims"] if s["fleet_sid"] == fleet["sid"]]
        assert (entry["sims"], entry["total"], entry["data_limit"]) == (
            len(members), sum(used[sid]["total"] for sid in members), fleet["data_limit"] or None)
        over = sorted((sid for sid in members if fleet["data_limit"] and used[sid]["total"] > fleet["data_limit"] * MB * 0.9),
                      key=lambda sid: (-used[sid]["total"], sid))
        assert [e["sid"] for e in entry["sims_over_limit_percent"]] == over
        if members and fleet["data_limit"]:
            largest = max(used[sid]["total"] for sid in members)
            assert entry["largest_limit_percent"] == round(100.0 * largest / (fleet["data_limit"] * MB), 1)
        over_total += len(over)
    assert over_total, "the demo fleet has Super SIMs near or over their fleet's data limit"
    assert report["totals"]["sims_over_data_limit_percent"] == over_total

    # Rate plans and fleets by unique name.
    plans = dict((p["sid"], p["unique_name"]) for p in truth["rate_plans"])
    by_plan = {}
    for s in truth["wireless_sims"]:
        name = plans.get(s["rate_plan_sid"]) or s["rate_plan_sid"] or "none"
        by_plan[name] = by_plan.get(name, 0) + 1
    assert report["sims"]["by_rate_plan_name"] == by_plan
    used_fleets = set(s["fleet_sid"] for s in truth["supersim_sims"])
    assert set(report["sims"]["by_fleet_name"]) - {"none"} == set(f["unique_name"] for f in fleets.values() if f["sid"] in used_fleets)


def test_demo_audit_markdown_and_html_show_usage(usage_runs):
    run = usage_runs["runs"]["demo"]
    report = run.json("audit.json")
    markdown = run.report("audit.md")
    for heading in ("## Data usage", "### Top talkers (Super SIM)", "### Active Super SIMs with no data in 14 days",
                    "### Sample of Programmable Wireless SIMs", "### Fleet data limits"):
        assert heading in markdown
    assert "| All products: data in 14 days (MB) | %.2f |" % (report["totals"]["data_total"] / 1e6) in markdown
    assert "| Programmable Wireless data in 14 days, account total (MB) |" in markdown
    top = report["usage"]["top_talkers"][0]
    assert "%.2f |" % (top["total"] / 1e6) in markdown
    for fleet in report["usage"]["fleets"]:
        assert fleet["unique_name"] in markdown

    page = run.report("audit.html")
    for chart in ("chart-product-data", "chart-top-talkers", "chart-fleet-data", "chart-fleet-limit", "chart-wireless-sample"):
        assert 'id="%s"' % chart in page
    for table in ("usage-products", "top-talkers-table", "no-data-table", "wireless-sample-table", "fleet-limits-table"):
        assert 'id="%s"' % table in page
        assert os.path.exists(os.path.join(run.output_dir, "audit-%s.csv" % table))
    # each data figure names its product and window; the sample says it is one
    assert '<div class="n" id="total-data-wireless">%.2f</div><div class="t">MB, Programmable Wireless in 14 days</div>' % (
        report["totals"]["wireless_data_total"] / 1e6) in page
    assert '<div class="n" id="total-data-supersim">%.2f</div><div class="t">MB, Super SIM in 14 days</div>' % (
        report["totals"]["supersim_data_total"] / 1e6) in page
    assert '<div class="t">active Super SIMs with no data in 14 days</div>' in page
    assert "A sample, not the fleet: the first %d active SIMs by SID" % WIRELESS_MAX_SIMS in page
    # the CSV holds every row, the page pages them
    rows = run.report("audit-top-talkers-table.csv").splitlines()
    assert len(rows) == 1 + len(report["usage"]["top_talkers"]) > 50
    assert '<table id="top-talkers-table" class="paged" data-page-size="50">' in page

    class Offline(html.parser.HTMLParser):
        """Collects what a browser would fetch: scripts with a source, stylesheets, images, frames, objects, any URL
        attribute."""

        def __init__(self):
            super().__init__()
            self.fetches, self.tags = [], []

        def handle_starttag(self, tag, attrs):
            self.tags.append(tag)
            if tag in ("link", "img", "iframe", "object", "embed", "audio", "video", "source"):
                self.fetches.append(tag)
            for name, value in attrs:
                if name in ("src", "href", "srcset", "data", "poster") or (value and "url(" in value):
                    self.fetches.append("%s=%s" % (name, value))

    parser = Offline()
    parser.feed(page)
    parser.close()
    assert parser.fetches == []
    assert "url(" not in page and "@import" not in page
    assert parser.tags.count("svg") >= 10  # the status charts, the usage charts and the sample's
    assert parser.tags.count("script") == 1  # the shared inline script that pages the tables


def test_demo_compliance_usage_rules_equal_truth(usage_runs):
    run, sim = usage_runs["runs"]["demo"], usage_runs["demo"]
    result = run.json("compliance.json")
    assert run.rc == 0, run.output[-3000:]
    truth = sim.truth
    start, end = window(result, 30)
    assert result["usage"] == {"given": True, "silent_by": "usage", "window": {"start": iso(start), "end": iso(end)}}
    used = supersim_usage(sim, start, end)
    fleets = dict((f["sid"], f) for f in truth["fleets"])
    rules = dict((r["id"], r) for r in result["rules"])
    zero = sorted(s["sid"] for s in truth["supersim_sims"]
                  if s["status"] == "active" and used[s["sid"]]["total"] == 0 and parse(s["date_created"]) <= start)
    over = sorted(s["sid"] for s in truth["supersim_sims"]
                  if (fleets.get(s["fleet_sid"]) or {}).get("data_limit")
                  and used[s["sid"]]["total"] > fleets[s["fleet_sid"]]["data_limit"] * MB * 0.9)
    assert zero and over
    assert [v["sid"] for v in rules["over_data_limit"]["violations"]] == over
    # silent_sims judged by data: active Super SIMs without data in the window; zero_usage_active tests the same
    # finding and leaves them to silent_sims, so no SIM is counted twice.
    assert [v["sid"] for v in rules["silent_sims"]["violations"]] == zero
    assert rules["zero_usage_active"]["violations"] == []
    assert (rules["silent_sims"]["finding"], rules["silent_sims"]["label"]) == ("no_data", "no data in 30 days")
    assert rules["zero_usage_active"]["finding"] == "no_data"
    found = [(v["product"], v["sid"]) for r in result["rules"] for v in r["violations"]]
    assert result["summary"]["violations"] == len(found)
    assert result["summary"]["violating_sims"] == len(set(found))
    assert result["summary"]["sims_in_several_rules"] == sum(1 for key in set(found) if found.count(key) > 1)
    assert all(rules[name]["enabled"] for name in ("zero_usage_active", "over_data_limit", "silent_sims"))
    # Every Super SIM the simulator drew as near or over its fleet's limit that is over 90% in the window is reported.
    near = set(sid for sid, entry in truth["usage"].items() if entry and entry["near_limit"])
    assert near & set(over)


def test_audit_usage_request_budget_at_5000_super_sims(usage_runs):
    off, on = usage_runs["runs"]["budget_off"], usage_runs["runs"]["budget_on"]
    assert off.rc == 0, off.output[-3000:]
    assert on.rc == 0, on.output[-3000:]
    report = on.json("audit.json")
    assert off.json("audit.json")["usage"] is None
    with_data = report["usage"]["supersim"]["sims_with_data"]
    start, end = window(report, 7)
    big = usage_runs["big"]
    assert with_data == sum(1 for s in big.truth["supersim_sims"]
                            if big.usage_between(s["sid"], iso(start), iso(end))["total"] > 0)
    off_requests, on_requests = usage_runs["off_stats"]["requests"], usage_runs["on_stats"]["requests"]
    assert on_requests - off_requests == math.ceil(with_data / 1000.0)
    on_paths = dict(usage_runs["on_stats"]["by_path"])
    assert on_paths.pop("/supersim/v1/UsageRecords") == math.ceil(with_data / 1000.0)
    assert on_paths == usage_runs["off_stats"]["by_path"]  # every other listing exactly as without usage
    print("\naudit of %d Super SIMs: %d requests without usage, %d with usage (%d Super SIMs with data)"
          % (BUDGET_SUPER_SIMS, off_requests, on_requests, with_data))
