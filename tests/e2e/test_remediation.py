# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""playbooks/remediate.yml (the sim_remediation role) against the simulator, from a compliance.json written by
playbooks/compliance.yml on fixtures/roles_violations.json: a dry run writes nothing and reports the plan, an
applied run changes exactly the planned SIMs, and a new compliance check then passes for those rules. A policy
with an action that cannot be undone is refused before any request unless it is confirmed.

The role never does more than it says: --check wins over sim_remediation_apply; an exemption holds whichever name
(SID, ICCID, unique name) it and the findings use; a report older than sim_remediation_max_age_hours is refused,
or with sim_remediation_recheck its SIMs are checked again and one no longer violating is not written; a failed
canary stops the run before any other write."""

import datetime
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
import requests
from markupsafe import escape

from simulator import Simulator

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PLAYBOOKS = os.path.join(ROOT, "playbooks")
FIXTURE = os.path.join(HERE, "fixtures", "roles_violations.json")
COLLECTIONS = os.path.join(ROOT, "build", "collections")
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
NOW = "2026-01-15T00:00:00Z"
POLICY = {"silent_sims": "suspend", "active_without_rate_plan": "suspend", "active_without_unique_name": "suspend",
          "esim_profile_failed": "report"}
ACTED_RULES = ("silent_sims", "active_without_rate_plan", "active_without_unique_name")
TARGET = {"wireless": "suspended", "supersim": "inactive"}
HOSTILE_NAME = '<script>alert("x")</script> & co | pipe'


def playbook(sim, workdir, name, extra_vars, args=()):
    os.makedirs(workdir, exist_ok=True)
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith(("TWILIO_", "KORE_", "ANSIBLE_")))
    env.update(ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR="1", ANSIBLE_PIPELINING="1",
               ANSIBLE_HOME=os.path.join(workdir, "ansible-home"), ANSIBLE_LOCAL_TEMP=os.path.join(workdir, "tmp"),
               ANSIBLE_RETRY_FILES_ENABLED="0", PYTHONDONTWRITEBYTECODE="1",
               TWILIO_ACCOUNT_SID=sim.account_sid, TWILIO_AUTH_TOKEN=sim.auth_token, TWILIO_BASE_URL=sim.product_url)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    command = [ANSIBLE_PLAYBOOK, os.path.join(PLAYBOOKS, name), "-e", json.dumps(extra_vars)] + list(args)
    proc = subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True, timeout=300, check=False)
    return proc.returncode, proc.stdout + proc.stderr


def read(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def by_sid(records):
    return dict((r["sid"], r) for r in records)


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    """The violations fleet, its compliance.json, and the SIMs the policy acts on (from compliance.json)."""
    with Simulator(fixture=FIXTURE, now=NOW) as sim:
        base = tmp_path_factory.mktemp("remediation")
        reports = os.path.join(str(base), "compliance")
        rc, output = playbook(sim, reports, "compliance.yml", {"sim_compliance_now": NOW, "sim_compliance_report_only": True,
                                                               "sim_compliance_output_dir": reports})
        assert rc == 0, output[-3000:]
        compliance = json.loads(read(os.path.join(reports, "compliance.json")))
        rules = dict((rule["id"], rule) for rule in compliance["rules"])
        acted = {}
        for rule in ACTED_RULES:
            for violation in rules[rule]["violations"]:
                acted[(violation["product"], violation["sid"])] = violation
        assert len(acted) >= 3 and set(p for p, dummy in acted) == {"wireless", "supersim"}
        yield sim, base, os.path.join(reports, "compliance.json"), compliance, acted


def remediate(fleet, name, args=(), sim=None, **extra):
    """remediate.yml on the fleet's compliance.json. That report is of NOW, long ago: sim_remediation_max_age_hours
    is 0 (any age) unless the test sets it; the age check has tests of its own."""
    fleet_sim, base, compliance_file, dummy, dummy = fleet
    sim = sim or fleet_sim
    workdir = os.path.join(str(base), name)
    extra_vars = dict({"sim_remediation_compliance_file": compliance_file, "sim_remediation_policy": POLICY,
                       "sim_remediation_output_dir": workdir, "sim_remediation_max_age_hours": 0}, **extra)
    sim.reset_stats()
    rc, output = playbook(sim, workdir, "remediate.yml", extra_vars, args=args)
    return rc, output, workdir


def test_refused_policies_send_no_request(fleet):
    sim = fleet[0]
    before = by_sid(sim.truth["wireless_sims"])
    rc, output, dummy = remediate(fleet, "irreversible", sim_remediation_policy={"allowed_status": "deactivate"},
                                  sim_remediation_apply=True)
    assert rc != 0
    assert "the policy asks for actions that cannot be undone (allowed_status: deactivate)" in output
    assert "sim_remediation_confirm_irreversible" in output
    assert sim.stats()["requests"] == 0 and by_sid(sim.truth["wireless_sims"]) == before
    rc, output, dummy = remediate(fleet, "unknown_action", sim_remediation_policy={"silent_sims": "destroy"})
    assert rc != 0 and "sim_remediation_policy.silent_sims must be one of report, activate, suspend, deactivate, got 'destroy'" in output
    assert sim.stats()["requests"] == 0


def test_dry_run_writes_nothing_and_reports_the_plan(fleet):
    sim, dummy, dummy, compliance, acted = fleet
    before = by_sid(sim.truth["wireless_sims"] + sim.truth["supersim_sims"])
    rc, output, workdir = remediate(fleet, "dry_run")
    assert rc == 0, output[-3000:]
    assert sim.writes(log=False)["requests"] == 0
    assert by_sid(sim.truth["wireless_sims"] + sim.truth["supersim_sims"]) == before
    report = json.loads(read(os.path.join(workdir, "remediation.json")))
    assert report["applied"] is False and report["passed"] is True
    planned = dict(((s["product"], s["sid"]), s) for s in report["sims"] if s["target_status"])
    assert set(planned) == set(acted)
    for (product, sid), sim_report in planned.items():
        assert sim_report["action"] == "suspend" and sim_report["target_status"] == TARGET[product]
        current = before[sid]["status"]
        assert sim_report["outcome"] == ("unchanged" if current == TARGET[product] else "changed")
        assert sim_report["before"] == {"status": current}
        assert sim_report["after"] == {"status": TARGET[product]}
    reported = set((s["product"], s["sid"]) for s in report["sims"] if not s["target_status"])
    esim_failed = dict((r["id"], r) for r in compliance["rules"])["esim_profile_failed"]["violations"]
    assert set((v["product"], v["sid"]) for v in esim_failed) - set(acted) <= reported
    assert "dry run" in report["summary"]["message"]
    # JUnit: one test case per SIM acted on, the changes of a dry run skipped.
    suite = ET.fromstring(read(os.path.join(workdir, "remediation-junit.xml"))).find("testsuite")
    cases = suite.findall("testcase")
    assert sorted(c.get("name") for c in cases) == sorted(sid for dummy, sid in acted)
    assert int(suite.get("skipped")) == sum(1 for s in planned.values() if s["outcome"] == "changed") > 0
    # HTML: offline, API text escaped.
    page = read(os.path.join(workdir, "remediation.html"))
    assert "dry run: nothing was written" in page
    assert page.lower().count("<script") == 1 and "src=" not in page.lower()
    assert "http://" not in page and "https://" not in page
    names = [v["unique_name"] for v in acted.values() if v["unique_name"]]
    assert HOSTILE_NAME in names
    assert all(str(escape(name)) in page for name in names)


def test_without_a_file_the_compliance_check_runs_first(fleet):
    sim, dummy, dummy, dummy, acted = fleet
    rc, output, workdir = remediate(fleet, "inline", sim_remediation_compliance_file="", sim_compliance_now=NOW)
    assert rc == 0, output[-3000:]
    assert os.path.exists(os.path.join(workdir, "compliance.json"))
    report = json.loads(read(os.path.join(workdir, "remediation.json")))
    assert set((s["product"], s["sid"]) for s in report["sims"] if s["target_status"]) == set(acted)
    assert sim.writes(log=False)["requests"] == 0


def test_exempt_sims_are_never_acted_on(fleet):
    sim, dummy, compliance_file, compliance, acted = fleet
    (product, sid), violation = sorted(acted.items())[0]
    exempt_name = violation["unique_name"] or sid
    rc, output, workdir = remediate(fleet, "exempt", sim_remediation_exempt_sims=[exempt_name])
    assert rc == 0, output[-3000:]
    report = json.loads(read(os.path.join(workdir, "remediation.json")))
    assert sid not in [s["sid"] for s in report["sims"]]
    assert [s["sid"] for s in report["exempted"]] == [sid]
    # The compliance policy's own exemptions are honoured too, also for SIMs it listed before they were exempt.
    edited = dict(compliance, policy=dict(compliance["policy"], exempt_sims=[sid]))
    path = os.path.join(os.path.dirname(compliance_file), "compliance-exempt.json")
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(edited, handle)
    rc, output, workdir = remediate(fleet, "exempt_policy", sim_remediation_compliance_file=path)
    assert rc == 0, output[-3000:]
    report = json.loads(read(os.path.join(workdir, "remediation.json")))
    assert sid not in [s["sid"] for s in report["sims"]] and [s["sid"] for s in report["exempted"]] == [sid]


def test_check_mode_wins_over_apply(fleet):
    """ansible-playbook --check -e sim_remediation_apply=true: no write request at all, the run is a dry run."""
    sim = fleet[0]
    before = by_sid(sim.truth["wireless_sims"] + sim.truth["supersim_sims"])
    rc, output, dummy = remediate(fleet, "check_mode", args=["--check"], sim_remediation_apply=True)
    assert rc == 0, output[-3000:]
    assert sim.writes(log=False)["requests"] == 0 and sim.write_log() == []
    assert sim.stats()["requests"] > 0   # the SIMs were read
    assert by_sid(sim.truth["wireless_sims"] + sim.truth["supersim_sims"]) == before
    assert "Remediation dry run: " in output and "SIMs would change" in output


def test_apply_fixes_exactly_the_planned_sims_and_compliance_then_passes(fleet):
    sim, base, dummy, dummy, acted = fleet
    before = by_sid(sim.truth["wireless_sims"] + sim.truth["supersim_sims"])
    to_change = set(sid for (product, sid) in acted if before[sid]["status"] != TARGET[product])
    rc, output, workdir = remediate(fleet, "apply", sim_remediation_apply=True)
    assert rc == 0, output[-3000:]
    after = by_sid(sim.truth["wireless_sims"] + sim.truth["supersim_sims"])
    for (product, sid) in acted:
        assert after[sid]["status"] == TARGET[product]
    assert all(after[sid]["status"] == before[sid]["status"] for sid in set(before) - set(s for dummy, s in acted))
    log = sim.write_log()
    assert sorted(entry["sid"] for entry in log) == sorted(to_change)
    report = json.loads(read(os.path.join(workdir, "remediation.json")))
    assert report["applied"] is True and report["passed"] is True
    assert report["summary"]["changed"] == len(to_change)
    junit = ET.fromstring(read(os.path.join(workdir, "remediation-junit.xml"))).find("testsuite")
    assert junit.get("failures") == "0" and junit.get("skipped") == "0" and int(junit.get("tests")) == len(acted)

    again = os.path.join(str(base), "compliance-after")
    rc, output = playbook(sim, again, "compliance.yml", {"sim_compliance_now": NOW, "sim_compliance_report_only": True,
                                                         "sim_compliance_output_dir": again})
    assert rc == 0, output[-3000:]
    rules = dict((rule["id"], rule) for rule in json.loads(read(os.path.join(again, "compliance.json")))["rules"])
    for rule in ACTED_RULES:
        assert rules[rule]["passed"], rules[rule]["violations"]

    rc, output, workdir = remediate(fleet, "apply_again", sim_remediation_apply=True)
    assert rc == 0 and sim.writes(log=False)["requests"] == 0


def utc(hours_ago=0.0):
    moment = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=hours_ago)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def write_json(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle)
    return path


def test_an_old_report_is_refused_before_any_request(fleet):
    sim, base, dummy, compliance, dummy = fleet
    # The fleet's report is of NOW, months ago: refused with the default maximum age of 6 hours.
    rc, output, dummy = remediate(fleet, "age_old", sim_remediation_max_age_hours=6, sim_remediation_apply=True)
    assert rc != 0
    assert "the compliance report was generated at %s" % NOW in output
    assert "more than max_age_hours (sim_remediation_max_age_hours of the role) (6 hours)" in output
    assert "sim_remediation_recheck" in output
    assert sim.stats()["requests"] == 0
    # The same report without generated_at: its age is unknown, refused too.
    undated = write_json(os.path.join(str(base), "age_undated", "compliance.json"),
                         dict((k, v) for k, v in compliance.items() if k != "generated_at"))
    rc, output, dummy = remediate(fleet, "age_undated", sim_remediation_compliance_file=undated,
                                  sim_remediation_max_age_hours=6)
    assert rc != 0 and "the compliance report has no readable generated_at (got None)" in output
    assert sim.stats()["requests"] == 0
    # An hour old: accepted with the role's default maximum age.
    recent = write_json(os.path.join(str(base), "age_recent", "compliance.json"), dict(compliance, generated_at=utc(1)))
    extra = {"sim_remediation_compliance_file": recent, "sim_remediation_policy": POLICY,
             "sim_remediation_output_dir": os.path.join(str(base), "age_recent")}
    sim.reset_stats()
    rc, output = playbook(sim, os.path.join(str(base), "age_recent"), "remediate.yml", extra)
    assert rc == 0, output[-3000:]
    result = json.loads(read(os.path.join(str(base), "age_recent", "remediation.json")))
    assert result["compliance_generated_at"] == json.loads(read(recent))["generated_at"] != NOW
    assert sim.writes(log=False)["requests"] == 0


def test_a_recheck_leaves_alone_a_sim_that_no_longer_violates(fleet):
    """sim_remediation_recheck on the old report: a SIM fixed since (it got a unique name) is not written; the
    others are."""
    dummy, base, compliance_file, compliance, acted = fleet
    rules = dict((rule["id"], rule) for rule in compliance["rules"])
    rules_of = {}
    for rule in ACTED_RULES:
        for violation in rules[rule]["violations"]:
            rules_of.setdefault((violation["product"], violation["sid"]), set()).add(rule)
    fixed = sorted(key for key, names in rules_of.items() if names == {"active_without_unique_name"})
    assert fixed, rules_of
    product, fixed_sid = fixed[0]
    with Simulator(fixture=FIXTURE, now=NOW) as sim:
        before = by_sid(sim.truth["wireless_sims"] + sim.truth["supersim_sims"])
        answer = requests.post("%s/%s/v1/Sims/%s" % (sim.base_url, product, fixed_sid), data={"UniqueName": "fixed-since"},
                               auth=(sim.account_sid, sim.auth_token), timeout=30)
        assert answer.status_code == 200, answer.text
        # Without the re-check the old report is refused; with it, only SIMs that still violate are written.
        rc, output, dummy = remediate(fleet, "recheck_refused", sim=sim, sim_remediation_max_age_hours=6,
                                      sim_remediation_apply=True)
        assert rc != 0 and "hours ago, more than" in output and sim.stats()["requests"] == 0
        rc, output, workdir = remediate(fleet, "recheck", sim=sim, sim_remediation_max_age_hours=6,
                                        sim_remediation_recheck=True, sim_remediation_apply=True, sim_compliance_now=NOW)
        assert rc == 0, output[-3000:]
        written = set(entry["sid"] for entry in sim.write_log())
        assert fixed_sid not in written
        assert by_sid(sim.truth["wireless_sims"] + sim.truth["supersim_sims"])[fixed_sid]["status"] == before[fixed_sid]["status"]
        expected = set(sid for (p, sid) in acted if sid != fixed_sid and before[sid]["status"] != TARGET[p])
        assert expected and written == expected
        report = json.loads(read(os.path.join(workdir, "remediation.json")))
        skipped = dict((s["sid"], s) for s in report["sims"] if s["outcome"] == "skipped")
        assert list(skipped) == [fixed_sid]
        assert "no longer finds it breaking a rule" in skipped[fixed_sid]["skip_reason"]
        assert report["rechecked_at"] == NOW and report["passed"] is True
        assert os.path.exists(os.path.join(workdir, "recheck", "compliance.json"))


def finding(record, *fields, sid_from=None):
    """A silent_sims finding naming the SIM only by the given fields (sid_from: the field whose value goes in sid)."""
    result = {"product": "wireless", "sid": None, "unique_name": None, "iccid": None, "status": record["status"],
              "detail": "no usage"}
    for field in fields:
        result[field] = record[field]
    if sid_from:
        result["sid"] = record[sid_from]
    return result


def report_of(findings, exempt=(), generated_at=None):
    return {"schema_version": 1, "generated_at": generated_at or utc(), "passed": False,
            "policy": {"exempt_sims": list(exempt)},
            "rules": [{"id": "silent_sims", "description": "Silent SIMs", "enabled": True, "passed": False,
                       "violation_count": len(findings), "violations": findings}]}


@pytest.fixture()
def generated(tmp_path):
    """A generated fleet (active wireless SIMs with a unique name and an ICCID, sorted by SID) and a work dir."""
    with Simulator(seed=1, wireless_sims=120, super_sims=0) as sim:
        active = sorted((r for r in sim.truth["wireless_sims"] if r["status"] == "active" and r["unique_name"] and r["iccid"]),
                        key=lambda r: r["sid"])
        assert len(active) >= 12
        yield sim, active, tmp_path


def run_generated(sim, workdir, report, **extra):
    path = write_json(os.path.join(str(workdir), "compliance.json"), report)
    extra_vars = dict({"sim_remediation_compliance_file": path, "sim_remediation_output_dir": str(workdir)}, **extra)
    sim.reset_stats()
    rc, output = playbook(sim, str(workdir), "remediate.yml", extra_vars)
    result = os.path.join(str(workdir), "remediation.json")
    return rc, output, (json.loads(read(result)) if os.path.exists(result) else None)


def test_an_exemption_holds_whichever_name_it_and_the_finding_use(generated):
    sim, active, workdir = generated
    a, b, c, d, e, f, j, g, h, i = active[:10]
    findings = [
        finding(a, "sid"), finding(b, "iccid"), finding(c, "unique_name"),        # exempt by ICCID
        finding(d, "sid"), finding(e, "iccid"), finding(f, "unique_name"),        # exempt by unique name
        finding(j, sid_from="unique_name"),                                       # a name in sid, exempt by ICCID
        finding(g, "iccid"), finding(h, sid_from="unique_name"), finding(i, "sid", "unique_name", "iccid"),
    ]
    # Exemptions of the report's policy and of the role are both honoured.
    report = report_of(findings, exempt=[b["iccid"], e["unique_name"]])
    exempt_role = [a["iccid"], c["iccid"], j["iccid"], d["unique_name"], f["unique_name"]]
    before = by_sid(sim.truth["wireless_sims"])
    rc, output, result = run_generated(sim, workdir, report, sim_remediation_exempt_sims=exempt_role,
                                       sim_remediation_apply=True)
    assert rc == 0, output[-3000:]
    exempt_sids = set(r["sid"] for r in (a, b, c, d, e, f, j))
    written = [entry["sid"] for entry in sim.write_log()]
    # Only the three SIMs without an exemption were written, each once, whatever name their finding used.
    assert sorted(written) == sorted(r["sid"] for r in (g, h, i))
    after = by_sid(sim.truth["wireless_sims"])
    assert all(after[sid]["status"] == before[sid]["status"] == "active" for sid in exempt_sids)
    assert all(after[r["sid"]]["status"] == "suspended" for r in (g, h, i))
    assert set(s["sid"] for s in result["exempted"]) == exempt_sids
    assert set(s["sid"] for s in result["sims"]) == set(r["sid"] for r in (g, h, i))


def test_a_failed_canary_stops_before_any_other_write(generated):
    sim, active, workdir = generated
    # A SIM Twilio cannot suspend (new, deactivated or canceled) with a SID before four active SIMs: with a canary of
    # one it is the canary (SIMs are taken in SID order), it fails, and nothing more is written.
    stuck = sorted((r for r in sim.truth["wireless_sims"] if r["status"] in ("new", "deactivated", "canceled")),
                   key=lambda r: r["sid"])
    assert stuck
    later = [r for r in active if r["sid"] > stuck[0]["sid"]][:4]
    assert len(later) == 4
    report = report_of([finding(r, "sid", "unique_name", "iccid") for r in [stuck[0]] + later])
    rc, output, result = run_generated(sim, workdir / "failed", report, sim_remediation_canary=1,
                                       sim_remediation_apply=True)
    assert rc != 0
    assert "Canary failed: 1 of 1 canary SIMs failed (%s), 4 SIMs not attempted." % stuck[0]["sid"] in output
    assert sim.writes(log=False)["requests"] == 0
    assert all(s["status"] == "active" for s in sim.truth["wireless_sims"] if s["sid"] in set(r["sid"] for r in later))
    outcomes = dict((s["sid"], s["outcome"]) for s in result["sims"])
    assert outcomes[stuck[0]["sid"]] == "failed" and all(outcomes[r["sid"]] == "not_attempted" for r in later)
    assert result["canary"]["passed"] is False and result["canary"]["not_attempted"] == 4
    page = read(os.path.join(str(workdir / "failed"), "remediation.html"))
    assert "Canary failed: 1 of 1 canary SIMs failed" in page
    # A canary of 50% that passes: its SIMs are written first, then the rest.
    report = report_of([finding(r, "sid") for r in later])
    rc, output, result = run_generated(sim, workdir / "passed", report, sim_remediation_canary="50%",
                                       sim_remediation_apply=True)
    assert rc == 0, output[-3000:]
    log = [entry["sid"] for entry in sim.write_log()]
    canary_sids = set(s["sid"] for s in result["sims"] if s["stage"] == "canary")
    assert len(canary_sids) == 2 and set(log[:2]) == canary_sids and sorted(log) == sorted(r["sid"] for r in later)
    assert result["canary"] == {"size": "50%", "sims": 2, "failed": 0, "passed": True, "failed_sids": [], "not_attempted": 0}
