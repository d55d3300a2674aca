# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""playbooks/remediate.yml (the sim_remediation role) against the simulator, from a compliance.json written by
playbooks/compliance.yml on fixtures/roles_violations.json: a dry run writes nothing and reports the plan, an
applied run changes exactly the planned SIMs, and a new compliance check then passes for those rules. A policy
with an action that cannot be undone is refused before any request unless it is confirmed."""

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
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


def playbook(sim, workdir, name, extra_vars):
    os.makedirs(workdir, exist_ok=True)
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith(("TWILIO_", "KORE_", "ANSIBLE_")))
    env.update(ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR="1", ANSIBLE_PIPELINING="1",
               ANSIBLE_HOME=os.path.join(workdir, "ansible-home"), ANSIBLE_LOCAL_TEMP=os.path.join(workdir, "tmp"),
               ANSIBLE_RETRY_FILES_ENABLED="0", PYTHONDONTWRITEBYTECODE="1",
               TWILIO_ACCOUNT_SID=sim.account_sid, TWILIO_AUTH_TOKEN=sim.auth_token, TWILIO_BASE_URL=sim.product_url)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    command = [ANSIBLE_PLAYBOOK, os.path.join(PLAYBOOKS, name), "-e", json.dumps(extra_vars)]
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


def remediate(fleet, name, **extra):
    sim, base, compliance_file, dummy, dummy = fleet
    workdir = os.path.join(str(base), name)
    extra_vars = dict({"sim_remediation_compliance_file": compliance_file, "sim_remediation_policy": POLICY,
                       "sim_remediation_output_dir": workdir}, **extra)
    sim.reset_stats()
    rc, output = playbook(sim, workdir, "remediate.yml", extra_vars)
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
    assert "<script" not in page.lower()
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
