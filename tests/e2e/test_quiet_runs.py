# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Quiet runs: the collection's own playbooks, run as tests/demo.sh and the playbooks' headers show them, print no
``[WARNING]`` and no ``[DEPRECATION WARNING]``.

Real ``ansible-playbook`` runs against the simulator, started together: ``audit.yml`` and ``compliance.yml`` with
``-i localhost,``, and ``active_sims.yml`` on ``playbooks/demo.twilio_sims.yml`` (the inventory plugin). The
commands are read from tests/demo.sh, so the test runs what the demo runs.
"""

import os
import re
import shlex
import subprocess
import sys

import pytest

from simulator import Simulator

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
COLLECTIONS = os.path.join(ROOT, "build", "collections")
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
DEMO = os.path.join(ROOT, "tests", "demo.sh")
# A line that ansible-core prints for a warning or a deprecation, whatever prints it.
NOISE = re.compile(r"^\s*\[(?:WARNING|DEPRECATION WARNING)\]", re.MULTILINE)


def demo_commands():
    """The ansible-playbook commands of tests/demo.sh, keyed by playbook: (inventory arguments, playbook)."""
    with open(DEMO, encoding="utf-8") as handle:
        text = handle.read()
    local = re.search(r"^LOCAL=\((.*)\)$", text, re.MULTILINE)
    assert local, "tests/demo.sh sets no LOCAL inventory arguments"
    commands = {}
    for line in text.splitlines():
        words = line.strip().split()
        if not words or words[0] != '"$PLAYBOOK"':
            continue
        args = words[1:]
        inventory = shlex.split(local.group(1)) if '"${LOCAL[@]}"' in args else []
        if "-i" in args:
            inventory = args[args.index("-i"):args.index("-i") + 2]
        playbook = next(arg for arg in args if arg.startswith("playbooks/") and arg.endswith(".yml") and arg not in inventory)
        commands.setdefault(playbook, inventory)
    return commands


def start(workdir, sim, args):
    os.makedirs(workdir, exist_ok=True)
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith(("TWILIO_", "KORE_", "ANSIBLE_")))
    env.update(ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR="1", ANSIBLE_PIPELINING="1",
               ANSIBLE_HOME=os.path.join(workdir, "ansible-home"), ANSIBLE_LOCAL_TEMP=os.path.join(workdir, "tmp"),
               PYTHONDONTWRITEBYTECODE="1", TWILIO_ACCOUNT_SID=sim.account_sid, TWILIO_AUTH_TOKEN=sim.auth_token,
               TWILIO_BASE_URL=sim.product_url)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    return subprocess.Popen([ANSIBLE_PLAYBOOK] + args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    commands = demo_commands()
    assert set(commands) >= {"playbooks/audit.yml", "playbooks/compliance.yml", "playbooks/active_sims.yml"}, commands
    base = tmp_path_factory.mktemp("quiet")
    reports = str(base / "reports")
    with Simulator(seed=3, wireless_sims=60, super_sims=40) as sim:
        processes = {
            "audit": start(str(base / "audit"), sim, commands["playbooks/audit.yml"] + [
                "playbooks/audit.yml", "-e", "sim_audit_output_dir=" + reports]),
            "compliance": start(str(base / "compliance"), sim, commands["playbooks/compliance.yml"] + [
                "playbooks/compliance.yml", "-e", "sim_compliance_output_dir=" + reports, "-e", "sim_compliance_report_only=true"]),
            "active_sims": start(str(base / "active_sims"), sim, commands["playbooks/active_sims.yml"] + [
                "playbooks/active_sims.yml", "--limit", "twilio_supersim[0:3]", "-e", "active_sims_output_dir=" + reports]),
        }
        results = {}
        for name, process in processes.items():
            try:
                output = process.communicate(timeout=300)[0]
            except subprocess.TimeoutExpired:
                process.kill()
                output = process.communicate()[0] + "\n[killed after 300 s]"
            results[name] = (process.returncode, output)
    return {"results": results, "reports": reports}


@pytest.mark.parametrize("name", ["audit", "compliance", "active_sims"])
def test_the_demo_playbooks_run_without_warnings(runs, name):
    rc, output = runs["results"][name]
    assert rc == 0, output[-4000:]
    noise = [line for line in output.splitlines() if NOISE.match(line)]
    assert noise == [], "%s printed warnings:\n%s" % (name, "\n".join(noise))


def test_the_runs_wrote_their_reports(runs):
    for report in ("audit.json", "audit.html", "compliance.json", "compliance-junit.xml", "active-sims.json"):
        assert os.path.getsize(os.path.join(runs["reports"], report)) > 0, report


def test_every_playbook_run_of_the_demo_gets_an_inventory():
    # Without one, ansible-playbook warns that no inventory was parsed and that the host list is empty.
    commands = demo_commands()
    assert len(commands) >= 4 and all(commands.values()), commands


def test_without_an_inventory_the_warnings_are_there():
    """The detector sees the warnings that -i localhost, avoids (a listing of the tasks, no request)."""
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith(("TWILIO_", "KORE_", "ANSIBLE_")))
    env.update(ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR="1")
    plain = subprocess.run([ANSIBLE_PLAYBOOK, "--list-tasks", "playbooks/audit.yml"], cwd=ROOT, env=env, capture_output=True,
                           text=True, timeout=120, check=False)
    assert plain.returncode == 0 and len(NOISE.findall(plain.stdout + plain.stderr)) == 2, plain.stdout + plain.stderr
    local = subprocess.run([ANSIBLE_PLAYBOOK, "-i", "localhost,", "--list-tasks", "playbooks/audit.yml"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=120, check=False)
    assert local.returncode == 0 and not NOISE.findall(local.stdout + local.stderr), local.stdout + local.stderr
