# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""End-to-end tests of the sim_audit and sim_compliance roles and the playbooks in playbooks/.

Every test runs the real playbooks with ``ansible-playbook`` against the simulator. The playbook runs are
started together, in parallel, by a module-scoped fixture, and each test then checks the reports of one run:

- ``violations``: ``audit.yml`` then ``compliance.yml`` on ``fixtures/roles_violations.json``, a fleet built to
  break every compliance rule exactly where expected; credentials from TWILIO_* environment variables.
- ``report_only``: ``compliance.yml`` on the same fleet with ``sim_compliance_report_only=true``.
- ``clean``: ``compliance.yml`` on ``fixtures/roles_clean.json`` with one rule disabled; credentials (an API
  key) given as role variables, none in the environment.
- ``module_defaults``: both roles in one play whose ``module_defaults`` hold the connection with a wrong secret;
  the audit gets the right one as a role variable (which must win), the compliance check must fail to log in.
- ``generated``: ``audit.yml`` on a generated fleet, compared with the simulator's truth.
- ``active``: ``active_sims.yml`` with the ``simfleet.twilio.sims`` inventory, limited to three SIMs.
- ``unbounded``: ``active_sims.yml`` on every active SIM with a bound that is too low: it must refuse.

A second set of runs (fixture ``argument_runs``), also in parallel, each against its own simulator, checks that the
roles' variables mean what they say, given as ``-e name=value`` on the command line as people give them:

- ``refused_*``: values that cannot be right (no product, an unknown status, a bad timestamp, an empty or negative
  window, a row limit or minimum below 1) fail the run with a message naming each variable, before any request.
- ``audit_lists``, ``audit_one_status``, ``compliance_lists``: comma-separated strings for every list variable.
- ``markdown``: ``audit.yml`` on ``fixtures/roles_markdown.json``, SIMs, statuses, groups and eSIM errors with
  Markdown and HTML syntax: ``audit.md`` must show them as text.
- ``active_new_dir``: ``active_sims.yml`` with an output directory that does not exist yet.
"""

import collections
import datetime
import json
import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

import pytest

from simulator import Simulator

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PLAYBOOKS = os.path.join(ROOT, "playbooks")
FIXTURES = os.path.join(HERE, "fixtures")
COLLECTIONS = os.path.join(ROOT, "build", "collections")
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
NOW = "2026-01-15T00:00:00Z"
DAY = datetime.timedelta(days=1)
TEMPLATE_NAME = "{{ 7 * 7 }}"
HOSTILE_NAME = '<script>alert("x")</script> & co | pipe'
EXPECTED_RULES = (
    "allowed_status", "suspended_too_long", "active_without_unique_name", "active_without_rate_plan",
    "esim_profile_failed", "failed_command_ratio", "silent_sims", "zero_usage_active", "over_data_limit",
)
UNNAMED_WIRELESS = "DE000000000000000000000000000000aa"
UNNAMED_SUPERSIM = "HS000000000000000000000000000000aa"
# Which SIMs (unique name, or SID for unnamed ones) break which rule in roles_violations.json, silent_sims judged by
# commands (sim_compliance_silent_by=commands); the usage rules come from the simulator's truth (usage_violations).
EXPECTED_VIOLATIONS = {
    "allowed_status": {("wireless", "retired-sim")},
    "suspended_too_long": {("wireless", "old-suspended"), ("supersim", "tracker-inactive-long")},
    "active_without_unique_name": {("wireless", UNNAMED_WIRELESS), ("supersim", UNNAMED_SUPERSIM)},
    "active_without_rate_plan": {("wireless", HOSTILE_NAME), ("supersim", "tracker-nofleet")},
    "esim_profile_failed": {("supersim", "tracker-esim-failed")},
    "failed_command_ratio": {("supersim", "tracker-flaky")},
    "silent_sims": {("supersim", "tracker-silent"), ("supersim", TEMPLATE_NAME)},
}


# Markdown, as the sim_audit role writes API text into audit.md: & < > as entities, these characters backslash-escaped,
# line breaks as spaces (roles/sim_audit/templates/audit.md.j2).
MARKDOWN_ESCAPED = "\\`*_~[]|$./@"
# A backslash-escaped ASCII punctuation character: CommonMark and GFM read it as that character, never as syntax.
ESCAPE = re.compile(r"\\[!-/:-@\[-`{-~]")
# What Markdown turns into a link, an image or HTML, in text that has no escapes left: inline links and images,
# full and collapsed reference links, <scheme:...> autolinks, raw HTML tags and comments, and the literal
# autolinks of GitHub Flavored Markdown (http://, https://, ftp://, www., e-mail addresses).
LINK_SYNTAX = re.compile(r"!?\[[^\]]*\]\s*[(\[]|<[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*>|<[A-Za-z/!?]"
                         r"|(?:https?|ftp)://|www\.|[A-Za-z0-9.+_-]+@[A-Za-z0-9-]+\.[A-Za-z]")


def markdown_text(value):
    """`value` as audit.md must carry it: text, whatever Markdown syntax it holds."""
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    value = "".join("\\" + char if char in MARKDOWN_ESCAPED else char for char in value)
    return re.sub(r"\r\n?|\n", " ", value)


def markdown_links(markdown):
    """The links, images, autolinks and HTML that Markdown would make of `markdown` (a small regex detector)."""
    return LINK_SYNTAX.findall(ESCAPE.sub("\x00", markdown))


class Run:
    """One ``ansible-playbook`` process and the directory its reports go to."""

    def __init__(self, name, workdir, playbooks, extra_vars, env, inventory=None, limit=None, cli_vars=()):
        self.name, self.workdir, self.output_dir = name, workdir, os.path.join(workdir, "reports")
        os.makedirs(self.output_dir, exist_ok=True)
        command = [ANSIBLE_PLAYBOOK] + [os.path.join(PLAYBOOKS, p) for p in playbooks]  # absolute paths stay
        if inventory:
            command += ["-i", inventory]
        if limit:
            command += ["--limit", limit]
        command += ["-e", json.dumps(extra_vars)]
        for assignment in cli_vars:  # -e name=value, a string as the command line gives it
            command += ["-e", assignment]
        run_env = dict((k, v) for k, v in os.environ.items() if not k.startswith(("TWILIO_", "KORE_", "ANSIBLE_")))
        run_env.update(ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR="1", ANSIBLE_PIPELINING="1",
                       ANSIBLE_HOME=os.path.join(workdir, "ansible-home"),
                       ANSIBLE_LOCAL_TEMP=os.path.join(workdir, "tmp"),
                       ANSIBLE_RETRY_FILES_ENABLED="0", PYTHONDONTWRITEBYTECODE="1")
        run_env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + run_env.get("PATH", "")
        run_env.update(env)
        self.started = time.monotonic()
        self.process = subprocess.Popen(command, cwd=workdir, env=run_env, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True)
        self.rc = self.output = self.seconds = None

    def stop(self):
        """Kill the run if it is still going (a fixture's clean-up after a failure)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def wait(self, timeout=300):
        try:
            self.output = self.process.communicate(timeout=timeout)[0]
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.output = self.process.communicate()[0] + "\n[killed after %d s]" % timeout
        self.rc = self.process.returncode
        self.seconds = time.monotonic() - self.started
        return self

    def report(self, name):
        path = os.path.join(self.output_dir, name)
        assert os.path.exists(path), "%s: %s was not written (rc=%s)\n%s" % (self.name, name, self.rc, self.output[-4000:])
        with open(path, encoding="utf-8") as handle:
            return handle.read()

    def json(self, name):
        return json.loads(self.report(name))

    def all_reports(self):
        """Every file under the report directory (the audit's history included), by path relative to it."""
        texts = {}
        for folder, dummy, names in os.walk(self.output_dir):
            for name in sorted(names):
                path = os.path.join(folder, name)
                with open(path, encoding="utf-8") as handle:
                    texts[os.path.relpath(path, self.output_dir)] = handle.read()
        return texts


def env_credentials(sim):
    return {"TWILIO_ACCOUNT_SID": sim.account_sid, "TWILIO_AUTH_TOKEN": sim.auth_token,
            "TWILIO_BASE_URL": sim.product_url}


def write_inventory(workdir, sim):
    path = os.path.join(workdir, "e2e.twilio_sims.yml")
    with open(path, "w") as handle:
        json.dump({"plugin": "simfleet.twilio.sims", "account_sid": sim.account_sid, "auth_token": sim.auth_token,
                   "base_url": sim.product_url}, handle)
    return path


@pytest.fixture(scope="module")
def runs(tmp_path_factory, simulator):
    """Start every playbook run of this module at once and wait for all of them."""
    violations = Simulator(fixture=os.path.join(FIXTURES, "roles_violations.json"), now=NOW).start()
    clean = Simulator(fixture=os.path.join(FIXTURES, "roles_clean.json"), now=NOW).start()
    kore = Simulator(fixture=os.path.join(FIXTURES, "roles_violations.json"), now=NOW, platform="kore").start()
    started = {}
    try:
        base = tmp_path_factory.mktemp("roles")

        def start(name, playbooks, extra_vars, env, **kwargs):
            workdir = os.path.join(str(base), name)
            os.makedirs(workdir)
            reports = os.path.join(workdir, "reports")
            extra_vars = dict(extra_vars, sim_audit_output_dir=reports, sim_compliance_output_dir=reports)
            started[name] = Run(name, workdir, playbooks, extra_vars, env, **kwargs)

        # silent_sims by commands, as the violations fleet was built; the usage rules as by default.
        start("violations", ["audit.yml", "compliance.yml"], {"sim_audit_now": NOW, "sim_compliance_now": NOW,
                                                              "sim_compliance_silent_by": "commands"},
              env_credentials(violations))
        start("report_only", ["compliance.yml"], {"sim_compliance_now": NOW, "sim_compliance_report_only": True,
                                                  "sim_compliance_silent_by": "commands"},
              env_credentials(violations))
        # No rule by usage: the role lists no usage at all.
        start("clean", ["compliance.yml"], {
            "sim_compliance_now": NOW, "sim_compliance_rule_allowed_status": False, "sim_compliance_silent_by": "commands",
            "sim_compliance_rule_zero_usage_active": False, "sim_compliance_rule_over_data_limit": False,
            "sim_compliance_account_sid": clean.account_sid, "sim_compliance_api_key": clean.api_key,
            "sim_compliance_api_secret": clean.api_secret, "sim_compliance_base_url": clean.product_url,
        }, {})
        module_defaults_play = os.path.join(str(base), "module_defaults.yml")
        with open(module_defaults_play, "w") as handle:
            json.dump([{
                "name": "The role with connection settings from module_defaults only", "hosts": "localhost",
                "connection": "local", "gather_facts": False,
                "vars": {"ansible_python_interpreter": "{{ ansible_playbook_python }}"},
                "module_defaults": {"group/simfleet.twilio.twilio": {
                    "account_sid": clean.account_sid, "api_key": clean.api_key, "api_secret": "wrong-secret",
                    "base_url": clean.product_url}},
                "roles": [{"role": "simfleet.twilio.sim_audit", "vars": {"sim_audit_api_secret": clean.api_secret}},
                          {"role": "simfleet.twilio.sim_compliance"}],
            }], handle)
        # The group defaults hold a wrong secret: the audit works only if its role variable takes precedence, and
        # the compliance check (no role variable) must then fail with Twilio's authentication error.
        start("module_defaults", [module_defaults_play], {"sim_audit_now": NOW, "sim_compliance_now": NOW}, {})
        start("generated", ["audit.yml"], {"sim_audit_now": simulator.now_iso}, env_credentials(simulator))
        # The violations fleet on KORE: the audit with role variables, the compliance check with KORE_* variables.
        start("kore", ["audit.yml", "compliance.yml"], {
            "sim_audit_now": NOW, "sim_compliance_now": NOW, "sim_compliance_silent_by": "commands",
            "sim_audit_client_id": kore.client_id,
            "sim_audit_client_secret": kore.client_secret, "sim_audit_token_url": kore.token_url,
            "sim_audit_base_url": kore.product_url,
        }, {"KORE_CLIENT_ID": kore.client_id, "KORE_CLIENT_SECRET": kore.client_secret, "KORE_TOKEN_URL": kore.token_url,
            "TWILIO_BASE_URL": kore.product_url})
        inventory_dir = str(base / "inventory")
        os.makedirs(inventory_dir)
        inventory = write_inventory(inventory_dir, violations)
        start("active", ["active_sims.yml"], {"active_sims_output_dir": os.path.join(str(base), "active", "reports")},
              env_credentials(violations), inventory=inventory,
              limit="*tracker-flaky,*tracker-ok,*meter-ok")  # whatever prefix the inventory gives host names
        start("unbounded", ["active_sims.yml"], {"active_sims_max_hosts": 2}, env_credentials(violations),
              inventory=inventory)
        for run in started.values():
            run.wait()
        yield {"runs": started, "violations": violations, "clean": clean, "generated": simulator, "kore": kore}
    finally:
        for run in started.values():
            run.stop()
        violations.stop()
        clean.stop()
        kore.stop()


def usage_violations(sim, exempt=()):
    """The Super SIMs (unique name, or SID) that zero_usage_active and over_data_limit report by default (usage of the
    30 days before NOW, 90% of the fleet's data limit), from the simulator's truth."""
    end = parse(NOW)
    start = end - 30 * DAY
    fleets = dict((f["sid"], f) for f in sim.truth["fleets"])
    found = {"zero_usage_active": set(), "over_data_limit": set()}
    for record in sim.truth["supersim_sims"]:
        if {record["sid"], record["unique_name"], record["iccid"]} & set(exempt):
            continue
        name = ("supersim", record["unique_name"] or record["sid"])
        total = sim.usage_between(record["sid"], start, end)["total"]
        if record["status"] == "active" and total == 0 and parse(record["date_created"]) <= start:
            found["zero_usage_active"].add(name)
        limit = (fleets.get(record["fleet_sid"]) or {}).get("data_limit")
        if limit and total > limit * 1000000 * 0.9:
            found["over_data_limit"].add(name)
    return found


def expected_violations(runs):
    expected = dict(EXPECTED_VIOLATIONS, **usage_violations(runs["violations"]))
    assert expected["over_data_limit"], "the violations fleet has a Super SIM over its fleet's data limit"
    return expected


def by_name(truth, key, name):
    matches = [r for r in truth[key] if r["unique_name"] == name or r["sid"] == name]
    assert len(matches) == 1, (key, name, matches)
    return matches[0]


def parse(value):
    return datetime.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)


# The violations fleet: audit.yml


def test_violations_run_fails_with_a_summary(runs):
    run = runs["runs"]["violations"]
    assert run.rc != 0, run.output[-3000:]
    violated = sum(1 for found in expected_violations(runs).values() if found)
    assert "Fleet compliance: %d of 9 rules violated" % violated in run.output, run.output[-3000:]


def test_audit_counts_on_the_violations_fleet(runs):
    report = runs["runs"]["violations"].json("audit.json")
    truth = runs["violations"].truth
    assert report["schema_version"] == 2
    assert report["generated_at"] == NOW
    totals = report["totals"]
    assert totals["wireless_sims"] == len(truth["wireless_sims"]) == 8
    assert totals["supersim_sims"] == len(truth["supersim_sims"]) == 10
    assert totals["sims"] == 18
    assert totals["esim_profiles"] == 2 and totals["esim_profiles_failed"] == 1
    assert (totals["ip_commands"], totals["sms_commands"], totals["failed_commands"]) == (10, 3, 5)
    assert report["sims"]["by_status"]["wireless"] == {"active": 4, "retired": 1, "suspended": 2, "updating": 1}
    assert report["sims"]["by_status"]["supersim"] == {"active": 9, "inactive": 1}
    plan = truth["rate_plans"][0]["sid"]
    fleet = truth["fleets"][0]["sid"]
    assert report["sims"]["by_rate_plan"] == {plan: 7, "none": 1}
    assert report["sims"]["by_fleet"] == {fleet: 9, "none": 1}
    failed = [(e["unique_name"], e["failed"], e["total"], e["failed_ip"], e["failed_sms"]) for e in report["commands"]["failed_by_sim"]]
    assert failed == [("tracker-flaky", 3, 6, 3, 0), ("tracker-few-fails", 2, 2, 1, 1)]
    assert report["commands"]["ip"]["by_status"] == {"failed": 4, "received": 3, "sent": 3}
    assert report["commands"]["sms"]["by_direction"] == {"from_sim": 1, "to_sim": 2}
    [profile] = report["esim_profiles"]["failed"]
    assert profile["sim_sid"] == by_name(truth, "supersim_sims", "tracker-esim-failed")["sid"]
    assert profile["error_code"] == "8.1.1" and report["esim_profiles"]["failed_by_error_code"] == {"8.1.1": 1}
    # no IP or SMS command in 7 days: tracker-young was created 2.5 days ago, after the start of the window
    assert sorted(e["unique_name"] for e in report["no_command_sims"]) == sorted(["tracker-silent", TEMPLATE_NAME])
    assert totals["no_command_sims"] == 2 and "silent_sims" not in report and "silent_sims" not in totals
    [finding] = [f for f in report["findings"] if f["key"] == "no_command_sims"]
    assert (finding["name"], finding["label"], finding["count"]) == ("no_commands", "no IP or SMS command in 7 days", 2)
    recent = [(e["product"], e["unique_name"]) for e in report["recently_changed"]]
    assert recent == [("wireless", TEMPLATE_NAME), ("wireless", HOSTILE_NAME), ("supersim", "tracker-young"),
                      ("wireless", "fresh-suspended")]


def test_template_text_from_the_api_stays_text(runs):
    run = runs["runs"]["violations"]
    report = run.json("audit.json")
    assert report["recently_changed"][0]["unique_name"] == TEMPLATE_NAME
    assert "| {{ 7 \\* 7 }} |" in run.report("audit.md")  # as text: the braces as they are, the * escaped
    assert ">%s<" % TEMPLATE_NAME in run.report("audit.html")
    compliance = run.json("compliance.json")
    silent = [v["unique_name"] for r in compliance["rules"] if r["id"] == "silent_sims" for v in r["violations"]]
    assert TEMPLATE_NAME in silent
    assert "name=%s " % TEMPLATE_NAME in run.report("compliance-junit.xml")


def test_audit_markdown(runs):
    markdown = runs["runs"]["violations"].report("audit.md")
    assert markdown.startswith("# Fleet audit\n")
    for heading in ("## Totals", "## SIMs by status", "## Wireless SIMs by rate plan", "## Super SIMs by fleet",
                    "## Command outcomes in the window", "## Failed commands by SIM", "### Failed eSIM profiles",
                    "## SIMs changed in the last 7 days", "## Super SIMs with no IP or SMS command in 7 days"):
        assert "\n%s\n" % heading in markdown
    assert "| SIMs | 18 |" in markdown
    # A name with Markdown and HTML syntax cannot break the table or inject markup
    assert "&lt;script&gt;alert(\"x\")&lt;\\/script&gt; &amp; co \\| pipe" in markdown
    assert markdown_text(HOSTILE_NAME) in markdown
    assert "<script>" not in markdown
    for line in markdown.splitlines():
        if line.startswith("| wireless |") or line.startswith("| supersim |"):
            assert len(re.findall(r"(?<!\\)\|", line)) == 8, line


def test_audit_html_is_self_contained_with_charts(runs):
    html = runs["runs"]["violations"].report("audit.html")
    assert html.startswith("<!DOCTYPE html>")
    assert html.rstrip().endswith("</html>")
    # self-contained: one inline script (the shared table paging), no external scripts, stylesheets, images, fonts
    # or frames
    lowered = html.lower()
    for forbidden in ("<link", "<img", "<iframe", "@import", "url(", "src="):
        assert forbidden not in lowered, forbidden
    assert lowered.count("<script") == 1 and "<script>" in lowered
    assert re.findall(r"https?://[^\s\"'<>]+", html) == ["http://www.w3.org/2000/svg"] * html.count("<svg ")
    # the charts: inline SVG bars for SIM statuses, command outcomes and data by product; one run, so no trend yet
    for chart in ("chart-wireless-status", "chart-supersim-status", "chart-ip-outcomes", "chart-sms-outcomes",
                  "chart-esim-status", "chart-product-data", "chart-top-talkers", "chart-fleet-data", "chart-fleet-limit"):
        assert 'id="%s"' % chart in html
    assert html.count("<svg ") == 9 and 'id="trend-none"' in html
    # every table also as CSV beside the page, every row
    names = sorted(os.listdir(runs["runs"]["violations"].output_dir))
    assert "audit-no-command-table.csv" in names and "audit-by-status.csv" in names
    rows = runs["runs"]["violations"].report("audit-no-command-table.csv").splitlines()
    assert rows[0] == "Product,SID,Unique name,ICCID,Status,Rate plan / fleet,Updated" and len(rows) == 3
    assert "<title>active: 4</title>" in html and "<title>failed: 4</title>" in html
    # the numbers and lists
    assert '<div class="n" id="total-sims">18</div>' in html
    assert '<div class="n" id="total-failed-commands">5</div>' in html
    assert "tracker-flaky" in html and "8.1.1" in html and "tracker-silent" in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; co | pipe" in html


def test_no_secret_in_any_report(runs):
    violations = runs["violations"]
    clean = runs["clean"]
    secrets = [violations.auth_token, violations.api_secret, clean.auth_token, clean.api_secret,
               "SECRET-MATCHING-ID", "LPA:1$"]
    for profile in runs["generated"].truth["esim_profiles"]:
        secrets += [value for value in (profile["activation_code"], profile["matching_id"]) if value]
    checked = 0
    for name in ("violations", "report_only", "clean", "generated", "active", "module_defaults"):
        for report, text in runs["runs"][name].all_reports().items():
            checked += 1
            for secret in secrets:
                assert secret not in text, "%s/%s contains a secret" % (name, report)
    assert checked >= 9
    for name in ("violations", "clean", "generated"):
        assert runs["runs"][name].output.count(runs["violations"].auth_token) == 0


# The violations fleet: compliance.yml


def test_each_rule_names_exactly_its_violating_sims(runs):
    run = runs["runs"]["violations"]
    result = run.json("compliance.json")
    truth = runs["violations"].truth
    assert result["passed"] is False
    assert [r["id"] for r in result["rules"]] == list(EXPECTED_RULES)
    expected = expected_violations(runs)
    for rule in result["rules"]:
        found = set((v["product"], v["unique_name"] or v["sid"]) for v in rule["violations"])
        assert found == expected[rule["id"]], rule["id"]
        assert rule["passed"] is (not found) and rule["violation_count"] == len(found)
        for violation in rule["violations"]:
            key = "wireless_sims" if violation["product"] == "wireless" else "supersim_sims"
            record = by_name(truth, key, violation["sid"])
            assert (violation["iccid"], violation["unique_name"]) == (record["iccid"], record["unique_name"])
    summary = result["summary"]
    assert summary["failed"] == sum(1 for found in expected.values() if found) and summary["enabled"] == 9
    assert summary["violating_sims"] == len(set().union(*expected.values())) >= 11
    assert result["usage"]["silent_by"] == "commands" and result["usage"]["given"] is True


def test_junit_names_each_violating_sim_under_its_rule(runs):
    run = runs["runs"]["violations"]
    truth = runs["violations"].truth
    root = ET.fromstring(run.report("compliance-junit.xml").encode("utf-8"))
    assert root.tag == "testsuites"
    [suite] = root.findall("testsuite")
    violations = expected_violations(runs)
    failed = sum(1 for found in violations.values() if found)
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("9", str(failed), "0")
    cases = dict((case.get("name"), case) for case in suite.findall("testcase"))
    assert sorted(cases) == sorted(EXPECTED_RULES)
    for rule, expected in violations.items():
        failure = cases[rule].find("failure")
        if not expected:
            assert failure is None, rule
            continue
        assert failure is not None, rule
        assert failure.get("message").startswith("%d SIMs: " % len(expected))
        lines = failure.text.strip().splitlines()
        assert len(lines) == len(expected), (rule, lines)
        for product, name in expected:
            record = by_name(truth, "wireless_sims" if product == "wireless" else "supersim_sims", name)
            assert any(line.startswith(record["sid"] + " ") for line in lines), (rule, name, lines)
    hostile = cases["active_without_rate_plan"].find("failure").text
    assert "name=%s " % HOSTILE_NAME in hostile


def test_report_only_passes_and_still_reports(runs):
    run = runs["runs"]["report_only"]
    assert run.rc == 0, run.output[-3000:]
    failed = sum(1 for found in expected_violations(runs).values() if found)
    assert run.json("compliance.json")["summary"]["failed"] == failed
    root = ET.fromstring(run.report("compliance-junit.xml").encode("utf-8"))
    assert root.find("testsuite").get("failures") == str(failed)


# The clean fleet


def test_clean_fleet_passes(runs):
    run = runs["runs"]["clean"]
    assert run.rc == 0, run.output[-3000:]
    assert "Fleet compliance: all 6 enabled rules passed" in run.output
    result = run.json("compliance.json")
    assert result["passed"] is True
    assert result["summary"]["violations"] == 0
    disabled = [r["id"] for r in result["rules"] if not r["enabled"]]
    assert disabled == ["allowed_status", "zero_usage_active", "over_data_limit"]
    assert result["usage"] == {"given": False, "silent_by": "commands", "window": None}
    # the clean simulator also serves the module_defaults run: the role's own output says the listing was skipped
    assert re.search(r"List the data usage of every Super SIM in the usage window\] \**\nskipping", run.output), run.output[-3000:]
    root = ET.fromstring(run.report("compliance-junit.xml").encode("utf-8"))
    suite = root.find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("9", "0", "3")
    assert root.findall(".//failure") == []
    skipped = [case.get("name") for case in suite.findall("testcase") if case.find("skipped") is not None]
    assert skipped == ["allowed_status", "zero_usage_active", "over_data_limit"]


def test_both_roles_on_kore_report_what_they_report_on_twilio(runs):
    kore, twilio = runs["runs"]["kore"], runs["runs"]["violations"]
    assert kore.rc == twilio.rc != 0, kore.output[-3000:]
    for report in ("audit.json", "compliance.json"):
        assert kore.json(report) == twilio.json(report), report
    sim = runs["kore"]
    counts = sim.request_counts()
    assert counts["api"]["client_secret"] == 0 and set(counts["api"]["auth"]) == {"bearer"}
    assert counts["token"]["requests"] == counts["token"]["client_secret"] >= 2
    tokens = set(entry["credential"] for entry in sim.requests_log("api"))
    assert tokens and all(token.startswith("kore-at-") for token in tokens)
    for text in list(kore.all_reports().values()) + [kore.output]:
        for secret in [sim.client_secret] + sorted(tokens):
            assert secret not in text


def test_connection_from_module_defaults_and_role_variables(runs):
    run = runs["runs"]["module_defaults"]
    assert run.rc != 0
    assert run.json("audit.json")["totals"]["sims"] == 9
    assert "20003" in run.output or "401" in run.output, run.output[-3000:]
    assert "is required" not in run.output
    assert not os.path.exists(os.path.join(run.output_dir, "compliance.json"))
    assert runs["clean"].api_secret not in run.output and runs["clean"].api_secret not in run.report("audit.json")


# A generated fleet: audit counts equal the simulator's truth


def test_generated_fleet_audit_equals_truth(runs):
    run = runs["runs"]["generated"]
    assert run.rc == 0, run.output[-3000:]
    sim = runs["generated"]
    truth = sim.truth
    report = run.json("audit.json")
    now = parse(sim.now_iso)
    start = now - 7 * DAY

    def counter(values):
        return dict(collections.Counter("none" if v is None else v for v in values))

    wireless, supersim = truth["wireless_sims"], truth["supersim_sims"]
    assert report["totals"]["wireless_sims"] == len(wireless)
    assert report["totals"]["supersim_sims"] == len(supersim)
    assert report["sims"]["by_status"]["wireless"] == counter(s["status"] for s in wireless)
    assert report["sims"]["by_status"]["supersim"] == counter(s["status"] for s in supersim)
    assert report["sims"]["by_rate_plan"] == counter(s["rate_plan_sid"] for s in wireless)
    assert report["sims"]["by_fleet"] == counter(s["fleet_sid"] for s in supersim)
    profiles = truth["esim_profiles"]
    assert report["esim_profiles"]["by_status"] == counter(p["status"] for p in profiles)
    failed_profiles = [p for p in profiles if p["status"] == "failed"]
    assert sorted(p["sid"] for p in report["esim_profiles"]["failed"]) == sorted(p["sid"] for p in failed_profiles)
    assert report["esim_profiles"]["failed_by_error_code"] == counter(p["error_code"] for p in failed_profiles)

    ip = [c for c in truth["ip_commands"] if parse(c["date_created"]) >= start]
    sms = [c for c in truth["sms_commands"] if parse(c["date_created"]) >= start]
    assert ip and sms
    assert report["commands"]["ip"]["by_status"] == counter(c["status"] for c in ip)
    assert report["commands"]["sms"]["by_status"] == counter(c["status"] for c in sms)
    assert report["commands"]["ip"]["by_direction"] == counter(c["direction"] for c in ip)
    failed = collections.Counter(c["sim_sid"] for c in ip + sms if c["status"] == "failed")
    assert dict((e["sid"], e["failed"]) for e in report["commands"]["failed_by_sim"]) == dict(failed)
    talking = set(c["sim_sid"] for c in ip + sms)
    quiet = [s["sid"] for s in supersim
             if s["status"] == "active" and s["sid"] not in talking and parse(s["date_created"]) <= start]
    assert sorted(e["sid"] for e in report["no_command_sims"]) == sorted(quiet)
    # the pages show statuses in lifecycle order (sims.status_order, from the endpoint table), not by name
    order = report["sims"]["status_order"]
    assert order[:5] == ["new", "ready", "active", "suspended", "inactive"]
    shown = [s for s in order if s in report["sims"]["by_status"]["all"]]
    assert shown != sorted(shown)
    by_status = run.report("audit.html").split('<table id="by-status"', 1)[1].split("</table>", 1)[0]
    assert re.findall(r'<span class="tag s-[a-z_-]+ o-[a-z_-]+">([a-z_]+)</span>', by_status) == shown
    markdown_rows = run.report("audit.md").split("## SIMs by status", 1)[1].split("\n## ", 1)[0]
    assert re.findall(r"^\| ([a-z_]+) \|", markdown_rows, re.MULTILINE) == shown
    recent = [s["sid"] for s in wireless + supersim if parse(s["date_updated"]) >= now - 7 * DAY]
    assert sorted(e["sid"] for e in report["recently_changed"]) == sorted(recent)

    html = run.report("audit.html")
    assert '<div class="n" id="total-sims">%d</div>' % (len(wireless) + len(supersim)) in html
    markdown = run.report("audit.md")
    assert "| SIMs | %d |" % (len(wireless) + len(supersim)) in markdown
    assert "more not shown; `audit.json` lists all" in markdown


# active_sims.yml with the inventory plugin


def test_active_sims_does_per_sim_work_on_the_limited_hosts(runs):
    run = runs["runs"]["active"]
    assert run.rc == 0, run.output[-4000:]
    path = os.path.join(os.path.dirname(run.workdir), "active", "reports", "active-sims.json")
    truth = runs["violations"].truth
    names = dict((sim["sid"], sim["unique_name"]) for sim in truth["wireless_sims"] + truth["supersim_sims"])
    with open(path, encoding="utf-8") as handle:
        summaries = dict((names[entry["sid"]], entry) for entry in json.load(handle))
    assert sorted(summaries) == ["meter-ok", "tracker-flaky", "tracker-ok"]
    assert all(entry["sim"].endswith(name) for name, entry in summaries.items()), summaries
    flaky = summaries["tracker-flaky"]
    assert (flaky["product"], int(flaky["commands"]), int(flaky["failed_commands"])) == ("supersim", 6, 3)
    assert int(summaries["tracker-ok"]["commands"]) == 2
    assert summaries["meter-ok"]["product"] == "wireless" and summaries["meter-ok"]["status"] == "active"


def test_active_sims_refuses_an_unbounded_run(runs):
    run = runs["runs"]["unbounded"]
    assert run.rc != 0
    assert "narrow the run with --limit" in run.output


# Role variables mean what they say (fixture argument_runs)

# Runs that must be refused before any request: (playbook, variables as JSON, variables as -e name=value, what the
# output must say, one pattern per wrong variable, each naming it).
REFUSED = {
    "refused_audit_values": ("audit.yml", {"sim_audit_products": []}, [
        "sim_audit_now=yesterday", "sim_audit_window_days=-1", "sim_audit_recent_days=0",
        "sim_audit_report_max_rows=0", "sim_audit_history_runs=-2",
    ], [
        r"sim_audit_history_runs must be at least 0, got '-2'",
        r"sim_audit_products must name at least one of: wireless, supersim",
        r"sim_audit_now must be an ISO 8601 timestamp .*'yesterday'",
        r"sim_audit_window_days must be more than 0, got '-1'",
        r"sim_audit_recent_days must be more than 0, got '0'",
        r"sim_audit_report_max_rows must be at least 1, got '0'",
    ]),
    "refused_audit_choices": ("audit.yml", {}, [
        "sim_audit_no_command_statuses=active,suspended", "sim_audit_products=wireless,wirelss",
    ], [
        r"sim_audit_no_command_statuses must be one or more of: new, ready, active, inactive, scheduled\W+"
        r"got (no match for: )?'?suspended",
        r"sim_audit_products must be one or more of: wireless, supersim\W+got (no match for: )?'?wirelss",
    ]),
    "refused_compliance_values": ("compliance.yml", {"sim_compliance_products": []}, [
        "sim_compliance_now=2026-13-45T00:00:00Z", "sim_compliance_silent_days=0",
        "sim_compliance_command_window_days=-3", "sim_compliance_suspended_max_days=-1",
        "sim_compliance_failed_command_ratio=1.5", "sim_compliance_failed_command_min=0",
    ], [
        r"sim_compliance_products must name at least one of: wireless, supersim",
        r"sim_compliance_now must be an ISO 8601 timestamp .*'2026-13-45T00:00:00Z'",
        r"sim_compliance_silent_days must be more than 0, got '0'",
        r"sim_compliance_command_window_days must be more than 0, got '-3'",
        r"sim_compliance_suspended_max_days must be at least 0, got '-1'",
        r"sim_compliance_failed_command_ratio must be between 0 and 1, got '1.5'",
        r"sim_compliance_failed_command_min must be at least 1, got '0'",
    ]),
    "refused_compliance_choices": ("compliance.yml", {}, [
        "sim_compliance_silent_statuses=suspended", "sim_compliance_allowed_statuses_wireless=active,inactive",
        "sim_compliance_allowed_statuses_supersim=suspended", "sim_compliance_suspended_statuses=suspnded",
    ], [
        r"sim_compliance_silent_statuses must be one or more of: new, ready, active, inactive, scheduled\W+"
        r"got (no match for: )?'?suspended",
        r"sim_compliance_allowed_statuses_wireless must be one or more of: new, ready, active, suspended, "
        r"deactivated, canceled, scheduled, updating\W+got (no match for: )?'?inactive",
        r"sim_compliance_allowed_statuses_supersim must be one or more of: new, ready, active, inactive, "
        r"scheduled\W+got (no match for: )?'?suspended",
        r"sim_compliance_suspended_statuses must be one or more of: new, ready, active, suspended, deactivated, "
        r"canceled, scheduled, updating, inactive\W+got (no match for: )?'?suspnded",
    ]),
}


@pytest.fixture(scope="module")
def argument_runs(tmp_path_factory):
    """Start the runs of role variables given on the command line, each against its own simulator, and wait."""
    violations_fleet = os.path.join(FIXTURES, "roles_violations.json")
    started, sims = {}, {}
    try:
        base = tmp_path_factory.mktemp("arguments")

        def start(name, playbooks, extra_vars, cli_vars=(), fixture=violations_fleet, **kwargs):
            sims[name] = sim = Simulator(fixture=fixture, now=NOW).start()
            workdir = os.path.join(str(base), name)
            os.makedirs(workdir)
            reports = os.path.join(workdir, "reports")
            extra_vars = dict(extra_vars, sim_audit_output_dir=reports, sim_compliance_output_dir=reports)
            if kwargs.get("inventory"):
                kwargs["inventory"] = write_inventory(workdir, sim)
            started[name] = Run(name, workdir, playbooks, extra_vars, env_credentials(sim), cli_vars=cli_vars, **kwargs)

        for name, (playbook, extra_vars, cli_vars, dummy) in REFUSED.items():
            start(name, [playbook], extra_vars, cli_vars)
        start("audit_lists", ["audit.yml"], {"sim_audit_now": NOW},
              ["sim_audit_products=supersim", "sim_audit_no_command_statuses=active,inactive"])
        start("audit_one_status", ["audit.yml"], {"sim_audit_now": NOW}, ["sim_audit_no_command_statuses=active"])
        start("compliance_lists", ["compliance.yml"], {"sim_compliance_now": NOW}, [
            "sim_compliance_silent_by=commands",
            "sim_compliance_products=supersim", "sim_compliance_exempt_sims=tracker-flaky,tracker-silent",
            "sim_compliance_allowed_statuses_supersim=new,ready,active,scheduled",
            "sim_compliance_allowed_statuses_wireless=active", "sim_compliance_suspended_statuses=inactive",
            "sim_compliance_silent_statuses=active", "sim_compliance_rule_active_without_unique_name=false",
            "sim_compliance_report_only=true",
        ])
        start("markdown", ["audit.yml"], {"sim_audit_now": NOW}, fixture=os.path.join(FIXTURES, "roles_markdown.json"))
        start("active_new_dir", ["active_sims.yml"],
              {"active_sims_output_dir": os.path.join(str(base), "active_new_dir", "not", "yet", "there")},
              inventory=True, limit="*tracker-ok")  # whatever prefix the inventory gives host names
        for run in started.values():
            run.wait()
        yield {"runs": started, "sims": sims}
    finally:
        for run in started.values():
            run.stop()
        for sim in sims.values():
            sim.stop()


def requested_paths(argument_runs, name):
    return sorted(argument_runs["sims"][name].stats()["by_path"])


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_wrong_role_variables_are_refused_before_any_request(argument_runs, name):
    run = argument_runs["runs"][name]
    assert run.rc != 0, run.output[-3000:]
    for pattern in REFUSED[name][3]:
        assert re.search(pattern, run.output, re.IGNORECASE), "%s: no %r in\n%s" % (name, pattern, run.output[-3000:])
    assert argument_runs["sims"][name].stats()["requests"] == 0
    assert os.listdir(run.output_dir) == []


def test_audit_lists_given_as_comma_separated_strings(argument_runs):
    run = argument_runs["runs"]["audit_lists"]
    assert run.rc == 0, run.output[-3000:]
    report = run.json("audit.json")
    assert report["parameters"]["products"] == ["supersim"]
    assert report["parameters"]["no_command_statuses"] == ["active", "inactive"]
    assert (report["totals"]["wireless_sims"], report["totals"]["supersim_sims"]) == (0, 10)
    quiet = sorted(e["unique_name"] for e in report["no_command_sims"])
    assert quiet == sorted(["tracker-silent", TEMPLATE_NAME, "tracker-inactive-long"])
    paths = requested_paths(argument_runs, "audit_lists")
    assert paths and all(path.startswith("/supersim/") for path in paths), paths
    assert "Products: supersim." in run.report("audit.md")


def test_audit_one_no_command_status_on_the_command_line(argument_runs):
    """-e sim_audit_no_command_statuses=active is the status active, not the letters a, c, t, i, v and e."""
    run = argument_runs["runs"]["audit_one_status"]
    assert run.rc == 0, run.output[-3000:]
    report = run.json("audit.json")
    assert report["parameters"]["no_command_statuses"] == ["active"]
    assert sorted(e["unique_name"] for e in report["no_command_sims"]) == sorted(["tracker-silent", TEMPLATE_NAME])
    assert "2 Super SIMs with no IP or SMS command in 7 days" in run.output
    # per-SIM wireless usage is off: its task has an empty loop and prints no line per SIM
    assert "Read the data usage of a sample of active Programmable Wireless SIMs" in run.output
    assert "skipping: [localhost] => (item=" not in run.output


def test_compliance_lists_given_as_comma_separated_strings(argument_runs):
    run = argument_runs["runs"]["compliance_lists"]
    assert run.rc == 0, run.output[-3000:]
    result = run.json("compliance.json")
    policy = result["policy"]
    assert policy["products"] == ["supersim"]
    assert policy["exempt_sims"] == ["tracker-flaky", "tracker-silent"]
    assert policy["allowed_statuses"] == {"wireless": ["active"], "supersim": ["new", "ready", "active", "scheduled"]}
    assert (policy["suspended_statuses"], policy["silent_statuses"]) == (["inactive"], ["active"])
    assert policy["rules"]["active_without_unique_name"] is False
    found = dict((r["id"], set(v["unique_name"] or v["sid"] for v in r["violations"])) for r in result["rules"])
    assert found == {
        "allowed_status": {"tracker-inactive-long"},  # inactive is not among the allowed Super SIM statuses
        "suspended_too_long": {"tracker-inactive-long"},
        "active_without_unique_name": set(),  # turned off
        "active_without_rate_plan": {"tracker-nofleet"},
        "esim_profile_failed": {"tracker-esim-failed"},
        "failed_command_ratio": set(),  # tracker-flaky is exempt
        "silent_sims": {TEMPLATE_NAME},  # tracker-silent is exempt
        **dict((rule, set(name for dummy, name in found)) for rule, found in usage_violations(
            argument_runs["sims"]["compliance_lists"], exempt=("tracker-flaky", "tracker-silent")).items()),
    }
    assert policy["silent_by"] == "commands"
    assert [r["id"] for r in result["rules"] if not r["enabled"]] == ["active_without_unique_name"]
    paths = requested_paths(argument_runs, "compliance_lists")
    assert paths and all(path.startswith("/supersim/") for path in paths), paths


def test_markdown_report_shows_api_text_as_text(argument_runs):
    run = argument_runs["runs"]["markdown"]
    assert run.rc == 0, run.output[-3000:]
    markdown = run.report("audit.md")
    with open(os.path.join(FIXTURES, "roles_markdown.json"), encoding="utf-8") as handle:
        fixture = json.load(handle)
    values = set()
    for key in ("wireless_sims", "supersim_sims", "esim_profiles", "ip_commands"):
        for record in fixture[key]:
            values.update(record[field] for field in ("unique_name", "status", "rate_plan_sid", "fleet_sid", "iccid",
                                                      "eid", "error_code", "error_message") if field in record)
    hostile = sorted(value for value in values if markdown_links(value) or re.search(r"[*_~`$|\n]", value))
    assert len(hostile) >= 15, hostile  # the detector sees the links in the raw values
    for value in hostile:
        assert markdown_text(value) in markdown, value
    assert "\\[click\\](https:\\/\\/evil\\.example)" in markdown
    assert "!\\[x\\](https:\\/\\/evil\\.example\\/x\\.png)" in markdown
    # no link, image, autolink or HTML anywhere
    assert markdown_links(markdown) == []
    assert not re.search(r"(?<!\\)\]\(", markdown)
    # no emphasis, code span, strikethrough or math in any table row, and no row broken into more cells
    tables = markdown.split("\n## SIMs by status\n", 1)[1]
    cells = None
    for line in tables.splitlines():
        if not line.startswith("|"):
            cells = None
            continue
        plain = ESCAPE.sub("\x00", line)
        assert not re.search(r"[*_~`$<>\[\]]", plain), line
        cells = plain.count("|") if cells is None else cells
        assert plain.count("|") == cells, line
    html = run.report("audit.html")
    assert "<img" not in html and "evil.example" in html


def test_active_sims_creates_its_output_directory(argument_runs):
    run = argument_runs["runs"]["active_new_dir"]
    assert run.rc == 0, run.output[-3000:]
    path = os.path.join(os.path.dirname(run.workdir), "active_new_dir", "not", "yet", "there", "active-sims.json")
    assert os.path.exists(path), run.output[-3000:]
    with open(path, encoding="utf-8") as handle:
        summaries = json.load(handle)
    tracker = by_name(argument_runs["sims"]["active_new_dir"].truth, "supersim_sims", "tracker-ok")
    assert [(entry["sid"], int(entry["commands"])) for entry in summaries] == [(tracker["sid"], 2)]
